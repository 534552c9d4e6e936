"""YAML read the strict way: duplicate keys refused, alias expansion bounded.

``yaml.safe_load`` keeps the last of two equal keys, so a policy with ``checks:`` twice is
judged by whichever copy comes last; and it shares aliased nodes, so a "billion laughs"
document loads quickly but explodes in anything that walks it (``repr`` in an error message,
the schema validator). Both are refused here, before any value is built.
"""

from __future__ import annotations

from typing import Any

from rai._exceptions import ConfigError

__all__ = ["load_yaml", "MAX_YAML_NODES", "MAX_YAML_DEPTH"]

#: Nodes the document may hold once every alias is expanded; rai.yaml and policies hold hundreds.
MAX_YAML_NODES = 100_000
#: Nesting of collections; PyYAML builds nodes recursively, so a deeper document ends in RecursionError.
MAX_YAML_DEPTH = 64


def _check_depth(text: str, where: str, limit: int) -> None:
    """Refuse collections nested deeper than ``limit``, from the parser's events (no recursion)."""
    import yaml

    depth = 0
    parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when present: same events, faster
    for event in yaml.parse(text, Loader=parser):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > limit:
                raise ConfigError(f"{where} nests mappings/lists more than {limit} deep; refusing to read it.")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _expanded_size(root: Any) -> int:
    """Nodes of the tree once aliases are expanded, counted without expanding them."""
    import yaml

    sizes: dict[int, int] = {}
    on_path: set[int] = set()  # nodes being expanded: meeting one again is a recursive alias
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in sizes:
            continue
        if not children_done and key in on_path:
            return -1
        if isinstance(node, yaml.SequenceNode):
            kids = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            kids = [n for pair in node.value for n in pair]
        else:
            sizes[key] = 1
            continue
        if children_done:
            sizes[key] = 1 + sum(sizes.get(id(k), 1) for k in kids)
            continue
        on_path.add(key)
        stack.append((node, True))
        stack.extend((k, False) for k in kids if id(k) not in sizes)
    return sizes[id(root)]


def _loader_class() -> type:
    import yaml

    class StrictLoader(yaml.SafeLoader):
        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: dict[Any, Any] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                    seen.setdefault(key, key_node.start_mark)
                except TypeError:
                    continue  # an unhashable key: safe_load refuses it itself
                if first is not None:
                    raise yaml.constructor.ConstructorError(
                        None, None,
                        f"duplicate key {key!r} (first at line {first.line + 1}); a key may appear only once",
                        key_node.start_mark,
                    )
            return super().construct_mapping(node, deep=deep)

    return StrictLoader


def load_yaml(text: str, where: str, *, max_nodes: int = MAX_YAML_NODES) -> Any:
    """The value of a one-document YAML ``text``; ``where`` names the file in errors.

    Raises
    ------
    ConfigError
        When the text is not YAML, nests collections more than ``MAX_YAML_DEPTH`` deep, repeats
        a key in a mapping, or expands (through aliases) to more than ``max_nodes`` nodes.
    """
    import yaml

    try:
        _check_depth(text, where, MAX_YAML_DEPTH)
    except yaml.YAMLError:
        pass  # reported with its line and column by the loader below
    loader = _loader_class()(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        size = _expanded_size(node)
        if size < 0:
            raise ConfigError(f"{where} holds a recursive YAML alias (an anchor used inside itself).")
        if size > max_nodes:
            raise ConfigError(
                f"{where} expands (through YAML aliases) to {size:,} nodes; at most {max_nodes:,} are allowed."
            )
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{where} is not valid YAML{at}: {problem}") from None
    finally:
        loader.dispose()
