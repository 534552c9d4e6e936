"""Inputs of the causal analysis: the treatments as configured, the outcome, and the encoded features.

Kept apart from the analyzer so that each module has one job: this one turns columns into the arrays
the estimator takes, and the configuration into checked ``Treatment`` records.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from rai._exceptions import ConfigError, DataContractError, UnsupportedError
from rai._spec import MISSING_GROUP, ValidatedData

__all__ = ["Treatment", "as_labels", "encode_confounders", "encode_heterogeneity", "outcome_values",
           "parse_treatments", "treatment_values"]


@dataclasses.dataclass(frozen=True)
class Treatment:
    """One treatment as configured (see ``rai.analyzers._causal``)."""

    column: str
    kind: str | None
    control: str | None
    values: dict[str, float | None] | None
    drop: tuple[str, ...] = ()


def parse_treatments(raw: Any) -> list[Treatment]:
    out = []
    for i, item in enumerate(raw):
        where = f"analyzers.causal.treatments[{i}]"
        if isinstance(item, str):
            out.append(Treatment(column=item, kind=None, control=None, values=None))
            continue
        if not isinstance(item, dict) or not isinstance(item.get("column"), str):
            raise ConfigError(f"{where} must be a feature name or a mapping with a 'column' key; got {item!r}.")
        unknown = sorted(set(item) - {"column", "kind", "control", "values", "drop"})
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {unknown}; expected some of "
                              "['column', 'control', 'drop', 'kind', 'values'].")
        drop = item.get("drop") or []
        if not isinstance(drop, list):
            raise ConfigError(f"{where}.drop must be a list of codes; got {drop!r}.")
        kind = item.get("kind")
        if kind not in (None, "numeric", "categorical"):
            raise ConfigError(f"{where}.kind must be numeric or categorical; got {kind!r}.")
        values = item.get("values")
        if values is not None:
            if not isinstance(values, dict) or not all(v is None or isinstance(v, (int, float)) and not isinstance(v, bool)
                                                       for v in values.values()):
                raise ConfigError(f"{where}.values must map each code to a number (or null to drop it); got {values!r}.")
            values = {_label(k): (None if v is None else float(v)) for k, v in values.items()}
            if kind == "categorical":
                raise ConfigError(f"{where}: values maps codes to numbers, so kind must be numeric; got {kind!r}.")
        control = item.get("control")
        out.append(Treatment(column=item["column"], kind=kind, control=None if control is None else _label(control),
                              values=values, drop=tuple(_label(d) for d in drop)))
    columns = [t.column for t in out]
    dupes = sorted({c for c in columns if columns.count(c) > 1})
    if dupes:
        raise ConfigError(f"analyzers.causal.treatments lists {dupes!r} more than once.")
    return out


def _label(value: Any) -> str:
    # 1.0 and 1 name the same level; as in the group labels of the fairness analyzer
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def as_labels(s: pd.Series) -> pd.Series:
    return s.astype(object).where(s.notna(), MISSING_GROUP).map(_label).astype(str)


def outcome_values(s: pd.Series, data: ValidatedData, name: str) -> tuple[np.ndarray, bool, Any]:
    """The outcome as numbers: 0/1 for a binary one (1 = the positive label), else its values."""
    if name == data.spec.target and data.task == "binary":
        positive = data.positive_label
        y = np.where(s.isna(), np.nan, (s.astype(object) == positive) | (s.astype(str) == str(positive)))
        return y.astype(float), True, positive
    if name == data.spec.target and data.task == "multiclass":
        raise UnsupportedError(f"causal analysis of a multiclass outcome ({name!r}) is not supported; give a binary "
                               "or numeric outcome (analyzers.causal.outcome).")
    if not pd.api.types.is_numeric_dtype(s):
        raise DataContractError(f"The 'outcome' column {name!r} must be numeric or the binary target; got dtype {s.dtype}.")
    values = s.to_numpy(dtype=float)
    distinct = np.unique(values[~np.isnan(values)])
    if len(distinct) == 2 and set(distinct) == {0.0, 1.0}:
        return values, True, 1
    return values, False, None


def treatment_values(s: pd.Series, t: Treatment, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """The treatment per row (floats, or level labels) and which rows have one (not missing, not dropped)."""
    T, ok = _raw_treatment(s, t, kind)
    if t.drop:
        ok &= ~as_labels(s).isin(t.drop).to_numpy()
    return T, ok


def _raw_treatment(s: pd.Series, t: Treatment, kind: str) -> tuple[np.ndarray, np.ndarray]:
    if t.values is not None:
        labels = as_labels(s)
        unknown = sorted(set(labels.unique()) - set(t.values) - set(t.drop) - {MISSING_GROUP})
        if unknown:
            raise DataContractError(f"analyzers.causal.treatments: values of {t.column!r} has no number for code(s) "
                                    f"{unknown[:10]!r}; map every code (null drops it).")
        T = labels.map(lambda v: t.values.get(v)).to_numpy(dtype=float)
        return T, ~np.isnan(T)
    if kind == "numeric":
        try:
            T = pd.to_numeric(s.astype(object), errors="raise").to_numpy(dtype=float)
        except (TypeError, ValueError) as exc:
            raise DataContractError(f"analyzers.causal.treatments: {t.column!r} is numeric by kind but holds non-numbers "
                                    f"({exc}); give values: {{code: number}} or kind: categorical.") from exc
        return T, ~np.isnan(T)
    labels = as_labels(s)
    return labels.to_numpy(dtype=object), (labels != MISSING_GROUP).to_numpy()


def encode_confounders(frame: pd.DataFrame, columns: list[str], types: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Numeric columns as they are (missing kept), categorical ones as codes for native categorical splits."""
    parts, is_cat = [], []
    for c in columns:
        s = frame[c]
        if types.get(c) == "numeric":
            parts.append(pd.to_numeric(s, errors="coerce").to_numpy(dtype=float))
            is_cat.append(False)
        else:
            labels = as_labels(s)
            top = labels.value_counts().index[:254]  # HistGradientBoosting's categorical limit (255 bins)
            codes = pd.Categorical(labels.where(labels.isin(top), "(other)")).codes.astype(float)
            parts.append(codes)
            is_cat.append(True)
    if not parts:
        return np.zeros((len(frame), 1)), np.array([False])
    return np.column_stack(parts), np.array(is_cat)


def encode_heterogeneity(frame: pd.DataFrame, columns: list[str], types: dict[str, str], min_count: int
                          ) -> tuple[np.ndarray | None, list[tuple[str, str, Any]], np.ndarray | None]:
    """``X`` of the effect model (one level per categorical dropped) and the policy tree's full one-hot matrix.

    ``names`` describes each column of the tree's matrix: ``(column, "numeric", None)`` or
    ``(column, "level", label)``. Missing numeric values take the median (the effect model needs numbers).
    A level with fewer than ``min_count`` rows gets no column of its own: it shares the most frequent
    level's effect (a coefficient fitted on a handful of rows would swing the per-row effects, and
    the policy tree with them).
    """
    if not columns:
        return None, [], None
    model_parts, tree_parts, names = [], [], []
    for c in columns:
        if types.get(c) == "numeric":
            v = pd.to_numeric(frame[c], errors="coerce")
            v = v.fillna(v.median() if v.notna().any() else 0.0).to_numpy(dtype=float)
            model_parts.append(v[:, None])
            tree_parts.append(v[:, None])
            names.append((c, "numeric", None))
            continue
        labels = as_labels(frame[c])
        counts = labels.value_counts()
        levels = [lvl for lvl, n in counts.items() if n >= min_count] or [counts.index[0]]
        onehot = np.column_stack([(labels == lvl).to_numpy(dtype=float) for lvl in levels])
        tree_parts.append(onehot)
        names.extend((c, "level", lvl) for lvl in levels)
        if len(levels) > 1:
            model_parts.append(onehot[:, 1:])  # the most frequent level is the reference
    tree = np.column_stack(tree_parts)
    model = np.column_stack(model_parts) if model_parts else None
    return model, names, tree
