"""A numeric view of a mixed-type table, for explainers that perturb numbers.

Model-agnostic explainers (shap's permutation explainer, LIME) sample and perturb a numeric
matrix. ``TabularCodec`` turns the ORIGINAL input columns into such a matrix (categorical
columns as integer codes, a missing category as its own code) and back into a DataFrame with
the original dtypes, so the model always sees the kind of input it was fitted on.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["TabularCodec", "display_labels", "display_value"]


def display_value(value: Any) -> str:
    """A value as a short string for rules and reports (``1.0`` shows as ``1``, missing as ``(missing)``)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "(missing)"
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    return str(value)


def display_labels(values: Any) -> np.ndarray:
    """``display_value`` of every element (an object array), one Python call per distinct value."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object) if not isinstance(values, pd.Series) else values)
    names = np.array([display_value(u) for u in uniques] + ["(missing)"], dtype=object)
    return names[codes]


@dataclasses.dataclass(frozen=True)
class TabularCodec:
    """Encode original columns as numbers and decode them back.

    Attributes
    ----------
    columns:
        The columns, in model-input order.
    categorical:
        Index of each categorical column in ``columns``.
    categories:
        For each categorical column, the values its codes stand for; code ``len(categories)``
        stands for a missing value.
    dtypes:
        The original dtypes, restored on decode.
    """

    columns: tuple[str, ...]
    categorical: tuple[int, ...]
    categories: dict[int, tuple[Any, ...]]
    dtypes: dict[str, Any]

    @classmethod
    def fit(cls, frame: pd.DataFrame, categorical: Sequence[str]) -> TabularCodec:
        cat_set = set(categorical)
        cat_idx: list[int] = []
        cats: dict[int, tuple[Any, ...]] = {}
        for i, column in enumerate(frame.columns):
            s = frame[column]
            if column in cat_set or not _is_number(s):
                cat_idx.append(i)
                if isinstance(s.dtype, pd.CategoricalDtype):
                    values = list(s.cat.categories)
                else:
                    values = sorted(pd.unique(s.dropna()).tolist(), key=lambda v: (str(type(v)), v))
                cats[i] = tuple(values)
        return cls(
            columns=tuple(str(c) for c in frame.columns),
            categorical=tuple(cat_idx),
            categories=cats,
            dtypes={str(c): frame[c].dtype for c in frame.columns},
        )

    def labels(self, index: int) -> list[str]:
        """Display names of the codes of categorical column ``index`` (the last is missing)."""
        return [display_value(v) for v in self.categories[index]] + ["(missing)"]

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        out = np.empty((len(frame), len(self.columns)), dtype=float)
        for i, column in enumerate(self.columns):
            s = frame[column]
            if i in self.categories:
                values = self.categories[i]
                # values unseen when fitting are treated as missing: the explainers cannot sample them
                codes = pd.Categorical(s.astype(object), categories=pd.Index(values, dtype=object)).codes
                out[:, i] = np.where(codes < 0, len(values), codes).astype(float)
            else:
                out[:, i] = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
        return out

    def decode(self, matrix: np.ndarray) -> pd.DataFrame:
        matrix = np.asarray(matrix, dtype=float)
        if matrix.ndim == 1:
            matrix = matrix[None, :]
        data: dict[str, Any] = {}
        for i, column in enumerate(self.columns):
            col = matrix[:, i]
            dtype = self.dtypes[column]
            if i in self.categories:
                values = np.array(list(self.categories[i]) + [None], dtype=object)
                codes = np.clip(np.rint(np.nan_to_num(col, nan=len(values) - 1)), 0, len(values) - 1).astype(int)
                decoded = pd.Series(values[codes], dtype=object)
                if isinstance(dtype, pd.CategoricalDtype):
                    data[column] = pd.Categorical(decoded, categories=dtype.categories, ordered=dtype.ordered)
                elif pd.api.types.is_bool_dtype(dtype):
                    data[column] = decoded if decoded.isna().any() else decoded.astype(bool)
                elif dtype == object:
                    data[column] = decoded
                else:
                    try:
                        data[column] = decoded.astype(dtype)
                    except (TypeError, ValueError):
                        data[column] = decoded
            else:
                series = pd.Series(col)
                if pd.api.types.is_integer_dtype(dtype) and not np.isnan(col).any():
                    series = series.round().astype(dtype)
                data[column] = series
        return pd.DataFrame(data, columns=list(self.columns))


def _is_number(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
