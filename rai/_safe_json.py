"""JSON read the strict way: nesting depth bounded, non-finite numbers and repeated keys refused.

``json.loads`` accepts ``NaN``, ``Infinity`` and ``1e999`` (which becomes ``inf``), and a
document nested deeper than Python's recursion limit ends in a ``RecursionError`` traceback.
Files the toolkit reads back (assessments, signatures, profiles) get a ``ConfigError``
naming the file instead, so the CLI exits 2.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from rai._exceptions import ConfigError

__all__ = ["load_json", "read_json", "MAX_JSON_DEPTH"]

#: Nesting the toolkit's own files never come near (an assessment is about 10 deep).
MAX_JSON_DEPTH = 64


class _NonFinite(ValueError):
    pass


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NonFinite(text)
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > 300:  # would be infinite as a float
        raise _NonFinite(text[:20] + "...")
    return int(text)


class _Duplicate(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(key)
        out[key] = value
    return out


def _refuse_constant(name: str) -> float:
    raise _NonFinite(name)


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of ``value``, stopping as soon as it passes ``limit``."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        stack.extend((c, depth + 1) for c in children)
    return deepest


def load_json(text: str, where: str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """The value of the JSON ``text``; ``where`` names the file in errors.

    Raises
    ------
    ConfigError
        When the text is not JSON, holds ``NaN`` / ``Infinity`` / a number too large for a
        float, repeats a key in an object, or nests objects and arrays more than ``max_depth`` deep.
    """
    too_deep = f"{where} nests objects/arrays more than {max_depth} deep; refusing to read it."
    try:
        value = json.loads(text, parse_float=_finite_float, parse_int=_bounded_int, parse_constant=_refuse_constant,
                           object_pairs_hook=_unique_keys)
    except _Duplicate as exc:
        raise ConfigError(
            f"{where} repeats the key {str(exc)!r} in one object; JSON readers disagree on which copy counts, "
            "so it is refused."
        ) from None
    except _NonFinite as exc:
        raise ConfigError(
            f"{where} holds the non-finite number {exc}; every number must be finite (JSON has no NaN or Infinity)."
        ) from None
    except RecursionError:
        raise ConfigError(too_deep) from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{where} is not valid JSON: {exc}") from None
    if _depth(value, max_depth) > max_depth:
        raise ConfigError(too_deep)
    return value


def read_json(path: str | Path, what: str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``load_json`` of a UTF-8 file; ``what`` (e.g. "assessment file") names it in errors."""
    p = Path(path)
    where = f"{what} {str(p)!r}"
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{where} is not UTF-8 text: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {where}: {exc.strerror or exc}") from None
    return load_json(text, where, max_depth=max_depth)
