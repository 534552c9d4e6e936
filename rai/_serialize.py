"""Turn frozen result dataclasses into JSON-ready dicts and back.

One generic pair of functions serves every result shape, so a new result only
declares its fields with type hints.
"""

from __future__ import annotations

import dataclasses
import math
import sys
import types
import typing
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["to_jsonable", "from_dict", "Result"]


def to_jsonable(value: Any) -> Any:
    """Convert dataclasses, numpy scalars, tuples and non-finite floats to plain JSON values."""
    # numpy values exist only once numpy is imported: gating a JSON file never imports it
    np = sys.modules.get("numpy")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if np is None:
        if isinstance(value, float):
            return value if math.isfinite(value) else None
        return value
    if isinstance(value, np.ndarray):
        return [to_jsonable(v) for v in value.tolist()]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None  # JSON has no NaN / inf
    return value


def from_dict(cls: type[T], data: Any) -> T:
    """Rebuild an instance of ``cls`` (a dataclass or a typing form) from ``to_jsonable`` output."""
    return _build(cls, data)


def _build(tp: Any, data: Any) -> Any:
    if data is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return _build(args[0], data)
        for a in args:  # first that fits
            try:
                return _build(a, data)
            except (TypeError, ValueError, KeyError):
                continue
        return data
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        kwargs = {}
        for f in dataclasses.fields(tp):
            if not f.init:
                continue
            if f.name in data:
                kwargs[f.name] = _build(hints[f.name], data[f.name])
        return tp(**kwargs)
    if origin in (list, typing.List):
        (item,) = typing.get_args(tp) or (Any,)
        return [_build(item, v) for v in data]
    if origin in (tuple, typing.Tuple):
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_build(args[0], v) for v in data)
        if args:
            return tuple(_build(a, v) for a, v in zip(args, data))
        return tuple(data)
    if origin in (dict, typing.Dict):
        args = typing.get_args(tp)
        vt = args[1] if len(args) == 2 else Any
        return {k: _build(vt, v) for k, v in data.items()}
    if tp is float and isinstance(data, (int, float)):
        return float(data)
    return data


class Result:
    """Mixin for frozen result dataclasses: ``to_dict()`` and ``from_dict()``."""

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)

    @classmethod
    def from_dict(cls: type[T], data: dict[str, Any]) -> T:
        return from_dict(cls, data)
