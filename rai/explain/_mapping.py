"""Trace the columns a scikit-learn preprocessing step outputs back to its input columns.

A pipeline such as ``ColumnTransformer(OneHotEncoder on categoricals, passthrough numerics)``
turns 16 input columns into a hundred. Attributions computed on the expanded columns are
summed back onto the input column each came from, so importance is reported on the columns
a reviewer knows. ``source_columns`` returns, for every output column, the index of its input
column; it follows ``Pipeline``, ``ColumnTransformer`` and ``FeatureUnion`` structurally and
reads leaf transformers through ``get_feature_names_out``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["MappingError", "source_columns"]


class MappingError(ValueError):
    """An output column cannot be traced to a single input column."""


def source_columns(transformer: Any, input_columns: Sequence[str]) -> list[int]:
    """Index into ``input_columns`` of the input behind each output column of ``transformer``."""
    names = [str(c) for c in input_columns]
    return _trace(transformer, names)


def _trace(transformer: Any, names: list[str]) -> list[int]:
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import FeatureUnion, Pipeline

    if transformer is None or (isinstance(transformer, str) and transformer == "passthrough"):
        return list(range(len(names)))
    if isinstance(transformer, str) and transformer == "drop":
        return []
    if isinstance(transformer, Pipeline):
        mapping = list(range(len(names)))
        current = names
        for _, step in transformer.steps:
            if step is None or step == "passthrough":
                continue
            inner = _trace(step, current)
            mapping = [mapping[i] for i in inner]
            current = _output_names(step, current, len(inner))
        return mapping
    if isinstance(transformer, ColumnTransformer):
        return _trace_column_transformer(transformer, names)
    if isinstance(transformer, FeatureUnion):
        out: list[int] = []
        for _, part in transformer.transformer_list:
            if part == "drop" or part is None:
                continue
            out.extend(_trace(part, names))
        return out
    return _trace_leaf(transformer, names)


def _trace_column_transformer(ct: Any, names: list[str]) -> list[int]:
    n_out = sum(s.stop - s.start for s in ct.output_indices_.values())
    mapping = [-1] * n_out
    for name, trans, cols in ct.transformers_:
        where = ct.output_indices_.get(name)
        if where is None or where.stop == where.start:
            continue
        selected = _selected(cols, names)
        inner = _trace(trans, [names[i] for i in selected])
        if len(inner) != where.stop - where.start:
            raise MappingError(
                f"ColumnTransformer part {name!r} outputs {where.stop - where.start} columns but "
                f"{len(inner)} were traced."
            )
        for k, i in enumerate(inner):
            mapping[where.start + k] = selected[i]
    if any(m < 0 for m in mapping):
        raise MappingError("some ColumnTransformer output columns could not be traced to an input column.")
    return mapping


def _selected(cols: Any, names: list[str]) -> list[int]:
    if isinstance(cols, slice):
        return list(range(len(names)))[cols]
    if isinstance(cols, (str, int, np.integer)):
        cols = [cols]
    arr = np.asarray(cols)
    if arr.dtype == bool:
        return [int(i) for i in np.flatnonzero(arr)]
    out = []
    for c in cols:
        if isinstance(c, (int, np.integer)) and not isinstance(c, bool):
            out.append(int(c))
        else:
            if str(c) not in names:
                raise MappingError(f"column {c!r} selected by the ColumnTransformer is not a model input.")
            out.append(names.index(str(c)))
    return out


def _output_names(transformer: Any, names: list[str], n_out: int) -> list[str]:
    try:
        out = [str(n) for n in transformer.get_feature_names_out(names)]
    except Exception:  # no names: positional names of the right length keep tracing possible
        return [f"x{i}" for i in range(n_out)]
    return out


def _trace_leaf(transformer: Any, names: list[str]) -> list[int]:
    if not hasattr(transformer, "get_feature_names_out"):
        raise MappingError(f"{type(transformer).__name__} does not name its output columns (no get_feature_names_out).")
    try:
        out = [str(n) for n in transformer.get_feature_names_out(names)]
    except Exception as exc:
        raise MappingError(f"{type(transformer).__name__}.get_feature_names_out failed: {exc}") from exc
    if len(names) == 1:
        return [0] * len(out)
    if out == names:
        return list(range(len(names)))
    by_length = sorted(range(len(names)), key=lambda i: -len(names[i]))
    mapping: list[int] = []
    for o in out:
        if o in names:
            mapping.append(names.index(o))
            continue
        # one-hot style names: "<input>_<category>"; take the longest input name that prefixes it
        hit = next((i for i in by_length if o.startswith(names[i] + "_")), None)
        if hit is None:
            raise MappingError(
                f"{type(transformer).__name__} output column {o!r} does not name one of its input columns."
            )
        mapping.append(hit)
    return mapping
