"""JSON Schema generated from the result dataclasses, so the schema can never drift from the code.

``rai/schemas/assessment.schema.json`` is this output, committed and shipped; a test checks
the two are identical.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from importlib import resources
from typing import Any

__all__ = ["json_schema", "assessment_schema", "validate_assessment_dict", "load_packaged_schema"]

SCHEMA_ID = "https://rai-toolkit.dev/schemas/assessment-1.json"


def json_schema(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of a type hint; dataclasses go to ``defs`` and are referenced."""
    if tp is Any or tp is object:
        return {}
    if tp is type(None):
        return {"type": "null"}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is float:
        return {"type": "number"}
    if tp is str:
        return {"type": "string"}
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Literal:
        return {"enum": list(args)}
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [json_schema(a, defs) for a in args]}
    if origin in (list, tuple):
        item = args[0] if args else Any
        return {"type": "array", "items": json_schema(item, defs)}
    if origin is dict:
        vt = args[1] if len(args) == 2 else Any
        return {"type": "object", "additionalProperties": json_schema(vt, defs)}
    if dataclasses.is_dataclass(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}  # placeholder against recursion
            hints = typing.get_type_hints(tp)
            props = {}
            required = []
            for f in dataclasses.fields(tp):
                props[f.name] = json_schema(hints[f.name], defs)
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                    required.append(f.name)
            doc = (tp.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
            defs[name] = {
                "type": "object",
                "description": doc,
                "properties": props,
                "required": required,
                "additionalProperties": False,
            }
        return {"$ref": f"#/$defs/{name}"}
    raise TypeError(f"no JSON Schema for type {tp!r}")


def assessment_schema() -> dict[str, Any]:
    """The JSON Schema of ``assessment.json``, generated from ``Assessment``."""
    from rai._assessment import Assessment

    defs: dict[str, Any] = {}
    root = json_schema(Assessment, defs)
    top = dict(defs.pop("Assessment"))
    assert root == {"$ref": "#/$defs/Assessment"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "rai assessment",
        **top,
        "$defs": dict(sorted(defs.items())),
    }


def load_packaged_schema(name: str = "assessment") -> dict[str, Any]:
    text = resources.files("rai.schemas").joinpath(f"{name}.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def validate_assessment_dict(data: dict[str, Any]) -> None:
    """Raise ``ConfigError`` naming the first path that breaks the assessment schema."""
    import jsonschema

    from rai._exceptions import ConfigError

    from jsonschema.exceptions import best_match

    validator = jsonschema.Draft202012Validator(load_packaged_schema("assessment"))
    error = best_match(validator.iter_errors(data))
    if error is None:
        return
    while error.context:  # an anyOf (X | None) failed: report the deepest reason, not the whole object
        error = best_match(error.context)
    where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
    message = error.message if len(error.message) <= 300 else error.message[:300] + " ..."
    raise ConfigError(f"assessment does not match the schema (rai schema assessment) at {where}: {message}")
