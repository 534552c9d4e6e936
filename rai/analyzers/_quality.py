"""Data quality of the current data, against the reference when one is fitted.

Per column: missing values, values whose type differs from the column's (numbers in a text
column, text in a numeric one), numeric values outside the reference range, categories the
reference never had, constant columns. Per table: groups of identical columns and duplicate
rows (and duplicate ids when an id column is declared). Every finding is also listed in
``QualityResult.issues`` with a severity:

=========  ==========================================================================
error      something is broken: a column entirely missing, values of the wrong type,
           a column that varies in the reference but is constant now
warning    worth a look: missing share above ``missing_threshold`` (and above the
           reference's by that margin), values out of the reference range or unseen
           categories above ``new_value_threshold`` of the rows, identical columns,
           duplicate rows above ``duplicate_threshold``, duplicate ids
info       noted: the same but small, or the same as in the reference
=========  ==========================================================================

Everything is computed over whole columns (pandas / numpy); only object columns are
inspected value by value (in pandas' C loop) to find the type of each value.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from rai._spec import ValidatedData, _infer_feature_type
from rai.analyzers._base import Analyzer, check_param
from rai.analyzers._stattests import Summary, label_values
from rai.analyzers._summaries import column_summary
from rai.results._core import ColumnQuality, QualityIssue, QualityResult

__all__ = ["SEVERITIES", "QualityAnalyzer"]

SEVERITIES = ("info", "warning", "error")
#: Unseen categories listed per column (the count covers all of them).
MAX_LISTED = 20


@dataclasses.dataclass(frozen=True)
class _RefColumn:
    kind: str
    value_types: frozenset[str]
    minimum: float | None
    maximum: float | None
    labels: frozenset[str] | None
    missing_share: float
    constant: bool


class QualityAnalyzer(Analyzer):
    """Data-quality figures of the current data; ``fit(reference)`` is optional.

    Without a reference the range and unseen-category checks are skipped (``None`` / empty)
    and the expected type of a column is the type of most of its values.

    Parameters
    ----------
    missing_threshold:
        Share of missing values above which a column gets a warning.
    new_value_threshold:
        Share of out-of-range values or unseen categories above which a column gets a warning
        (below it, an info).
    duplicate_threshold:
        Share of duplicate rows above which the table gets a warning.
    """

    name = "quality"
    needs_reference = False

    def __init__(
        self,
        *,
        missing_threshold: float = 0.1,
        new_value_threshold: float = 0.01,
        duplicate_threshold: float = 0.01,
    ) -> None:
        self.missing_threshold = missing_threshold
        self.new_value_threshold = new_value_threshold
        self.duplicate_threshold = duplicate_threshold

    def _validate_params(self) -> None:
        for name in ("missing_threshold", "new_value_threshold", "duplicate_threshold"):
            value = getattr(self, name)
            check_param(type(self).__name__, name, value, "a number in [0, 1]",
                        isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1)

    def fit(self, reference: Any) -> QualityAnalyzer:
        """Learn ranges, categories, value types and missing shares from the reference.

        ``reference`` is a ``ValidatedData`` or a stored ``rai._profile.Profile`` (which has
        no value types: then the expected type comes from the data, and infinite values count
        as missing in the reference's missing share).
        """
        self._validate_params()
        if not isinstance(reference, ValidatedData) and hasattr(reference, "column_profiles"):
            self.reference_columns_ = {name: _from_profile(c, reference.n_rows) for name, c in reference.column_profiles.items()}
            return self
        kinds = _column_kinds(reference)
        self.reference_columns_ = {}
        for column in reference.frame.columns:
            name = str(column)
            kind = kinds[name]
            facts = _facts(reference, name, kind)
            self.reference_columns_[name] = _RefColumn(
                kind=kind,
                value_types=frozenset(facts.types.index),
                minimum=facts.minimum,
                maximum=facts.maximum,
                labels=frozenset(facts.label_counts()[0]) if kind == "categorical" else None,
                missing_share=facts.n_missing / facts.n_rows if facts.n_rows else 0.0,
                constant=facts.n_unique <= 1,
            )
        return self

    def compute(self, data: ValidatedData) -> QualityResult:
        self._validate_params()
        frame = data.frame
        refs: dict[str, _RefColumn] = getattr(self, "reference_columns_", {})
        kinds = _column_kinds(data)
        for name, ref in refs.items():
            if name in kinds:
                kinds[name] = ref.kind  # the reference decides the type, as for drift
        n_rows = len(frame)
        columns: list[ColumnQuality] = []
        issues: list[QualityIssue] = []
        checked = set(data.features) | set(data.spec.output_columns)
        for column in frame.columns:
            name = str(column)
            # id, timestamp and excluded columns: only missing values and types are checked
            ref = refs.get(name)
            cq, found = self._column(_facts(data, name, kinds[name]), ref, checked=name in checked)
            columns.append(cq)
            issues.extend(found)

        duplicated_columns = _identical_columns(frame, [c for c in frame.columns if str(c) in checked],
                                                {c.column: (c.n_missing, c.n_unique) for c in columns})
        for group in duplicated_columns:
            issues.append(QualityIssue(
                column=group[0], kind="duplicated_columns", severity="warning",
                message=f"columns {group} hold identical values on every row",
            ))
        # a column with a distinct value on every row rules duplicate rows out without hashing the rows
        key_like = any(c.n_missing == 0 and c.n_unique == n_rows for c in columns)
        duplicate_rows = 0 if key_like and n_rows else _duplicate_rows(frame)
        share = duplicate_rows / n_rows if n_rows else 0.0
        if duplicate_rows:
            issues.append(QualityIssue(
                column=None, kind="duplicate_rows",
                severity="warning" if share > self.duplicate_threshold else "info",
                message=f"{duplicate_rows} row(s) ({share:.2%}) repeat an earlier row exactly",
            ))
        id_column = data.spec.id
        if id_column is not None and id_column in frame.columns:
            dup_ids = int(frame[id_column].duplicated(keep="first").sum())
            if dup_ids:
                issues.append(QualityIssue(
                    column=id_column, kind="duplicate_ids", severity="warning",
                    message=f"{dup_ids} row(s) repeat an id of the id column {id_column!r}",
                ))
        order = {s: i for i, s in enumerate(reversed(SEVERITIES))}
        issues.sort(key=lambda i: order[i.severity])
        return QualityResult(
            n_rows=n_rows,
            n_columns=frame.shape[1],
            duplicate_rows=duplicate_rows,
            duplicate_row_share=share,
            duplicated_columns=duplicated_columns,
            columns=columns,
            issues=issues,
        )

    # ------------------------------------------------------------------------------------
    def _column(self, facts: _Facts, ref: _RefColumn | None, *, checked: bool) -> tuple[ColumnQuality, list[QualityIssue]]:
        issues: list[QualityIssue] = []
        name, kind, types, n_rows = facts.name, facts.kind, facts.types, facts.n_rows
        n_missing, n_unique = facts.n_missing, facts.n_unique
        missing_share = n_missing / n_rows if n_rows else 0.0
        constant = n_unique <= 1 and n_rows > 1

        # missing values
        if n_rows and n_missing == n_rows:
            issues.append(QualityIssue(name, "missing", "error", f"column {name!r} has no value on any of the {n_rows} rows"))
        elif missing_share > self.missing_threshold:
            usual = ref is not None and missing_share <= ref.missing_share + self.missing_threshold
            issues.append(QualityIssue(
                name, "missing", "info" if usual else "warning",
                f"column {name!r} is {missing_share:.1%} missing"
                + (f" (reference: {ref.missing_share:.1%})" if ref is not None else ""),
            ))
        elif n_missing and ref is not None and ref.missing_share == 0:
            issues.append(QualityIssue(
                name, "missing", "info",
                f"column {name!r} has {n_missing} missing value(s) ({missing_share:.2%}); the reference had none",
            ))

        if kind == "numeric":
            issue = _non_finite_issue(name, facts.series, n_rows)
            if issue is not None:
                issues.append(issue)

        # values of the wrong type
        if ref is not None and ref.value_types:
            expected = set(ref.value_types)
        elif kind == "numeric":
            expected = {"number"}
        else:
            expected = {types.idxmax()} if len(types) else set()
        if kind == "numeric":
            expected |= {"number"}
        mismatched = types[[t not in expected for t in types.index]]
        type_mismatch = int(mismatched.sum())
        if type_mismatch:
            issues.append(QualityIssue(
                name, "type_mismatch", "error",
                f"column {name!r} has {type_mismatch} value(s) of type {sorted(mismatched.index)}; "
                f"expected {sorted(expected)}",
            ))

        # out of the reference range
        out_count = 0
        out_share: float | None = None
        if checked and kind == "numeric" and ref is not None and ref.minimum is not None:
            out_count = facts.outside(ref.minimum, ref.maximum)
            n_finite = facts.numeric().n
            out_share = out_count / n_finite if n_finite else 0.0
            if out_count:
                issues.append(QualityIssue(
                    name, "out_of_range", "warning" if out_share > self.new_value_threshold else "info",
                    f"column {name!r} has {out_count} value(s) ({out_share:.2%}) outside the reference range "
                    f"[{ref.minimum:g}, {ref.maximum:g}] (min {facts.minimum:g}, max {facts.maximum:g})",
                ))

        # categories the reference never had
        unseen: list[str] = []
        unseen_count = 0
        if checked and kind == "categorical" and ref is not None and ref.labels is not None:
            labels, label_counts = facts.label_counts()
            new = np.array([label not in ref.labels for label in labels], dtype=bool)
            if new.any():
                counts = label_counts[new]
                order = np.argsort(-counts, kind="stable")  # most rows first; labels sorted on ties
                unseen = [str(v) for v in labels[new][order][:MAX_LISTED]]
                unseen_count = int(counts.sum())
                share = unseen_count / max(n_rows - n_missing, 1)
                issues.append(QualityIssue(
                    name, "unseen_categories", "warning" if share > self.new_value_threshold else "info",
                    f"column {name!r} has {int(new.sum())} categor(ies) not in the reference on {unseen_count} row(s) "
                    f"({share:.2%}): {unseen[:5]}{' ...' if new.sum() > 5 else ''}",
                ))

        # constant
        if checked and constant and n_missing < n_rows:
            if ref is not None and not ref.constant:
                severity, note = "error", "; it varies in the reference"
            elif ref is not None:
                severity, note = "info", "; it is constant in the reference too"
            else:
                severity, note = "warning", ""
            issues.append(QualityIssue(name, "constant", severity, f"column {name!r} holds a single value{note}"))

        return (
            ColumnQuality(
                column=name,
                dtype=str(facts.series.dtype),
                column_type=kind,
                n_missing=n_missing,
                missing_share=missing_share,
                n_unique=n_unique,
                constant=constant,
                type_mismatch_count=type_mismatch,
                out_of_range_count=out_count,
                out_of_range_share=out_share,
                unseen_categories=unseen,
                unseen_count=unseen_count,
            ),
            issues,
        )


# ----------------------------------------------------------------------------------------------
# per-column facts: from the summaries drift also reads (one sort or count per column and table)

#: Value types whose text labels are one-to-one with the values (so label counts give nunique).
_PLAIN_TYPES = frozenset({"number", "string", "bool"})


@dataclasses.dataclass(frozen=True)
class _Facts:
    """What the checks read about one column; ranges and categories come from the shared summaries."""

    data: ValidatedData
    name: str
    kind: str
    series: pd.Series
    n_rows: int
    n_missing: int
    n_unique: int
    types: pd.Series

    def numeric(self) -> Summary:
        """The column's finite numeric values, sorted (raw or as distinct values with counts)."""
        return column_summary(self.data, self.name, "numeric")

    def label_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """Category labels (sorted) and their counts, missing values left out."""
        summary = column_summary(self.data, self.name, "categorical")
        return summary.values, summary.counts

    def outside(self, low: float, high: float) -> int:
        """How many finite values lie outside ``[low, high]``."""
        summary = self.numeric()
        lo, hi = np.searchsorted(summary.values, low, side="left"), np.searchsorted(summary.values, high, side="right")
        if summary.counts is None:
            return int(lo + summary.values.size - hi)
        return int(summary.counts[:lo].sum() + summary.counts[hi:].sum())

    @property
    def minimum(self) -> float | None:
        values = self.numeric().values if self.kind == "numeric" else np.zeros(0)
        return float(values[0]) if values.size else None

    @property
    def maximum(self) -> float | None:
        values = self.numeric().values if self.kind == "numeric" else np.zeros(0)
        return float(values[-1]) if values.size else None


def _facts(data: ValidatedData, name: str, kind: str) -> _Facts:
    raw = data.frame[name]
    numeric_dtype = (pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype)
                     and not isinstance(raw.dtype, pd.CategoricalDtype))
    n_present = None
    if not numeric_dtype and kind == "categorical" and name in data.features + tuple(data.spec.output_columns):
        n_present = int(column_summary(data, name, "categorical").counts.sum())  # spares a pass for missing values
    types = _value_types(raw, n_present)
    plain = set(types.index) <= _PLAIN_TYPES
    s = raw if plain else _hashable(raw)
    n_missing = len(s) - int(types.sum())  # every non-missing value has a type
    facts = _Facts(data, name, kind, s, len(s), n_missing, 0, types)
    if numeric_dtype:
        summary = column_summary(data, name, "numeric")  # finite values: add back the infinities
        n_infinite = summary.n_missing - n_missing
        n_unique = summary.n_unique
        if n_infinite:
            x = s.to_numpy(dtype=np.float64, na_value=np.nan)
            n_unique += int(np.isposinf(x).any()) + int(np.isneginf(x).any())
    elif kind == "categorical" and plain and name in data.features + tuple(data.spec.output_columns):
        n_unique = int(facts.label_counts()[0].size)
    else:
        n_unique = int(s.nunique(dropna=True))
    return dataclasses.replace(facts, n_unique=n_unique)


# ----------------------------------------------------------------------------------------------


def _from_profile(col: Any, n_rows: int) -> _RefColumn:
    if col.kind == "categorical":
        return _RefColumn(kind="categorical", value_types=frozenset(), minimum=None, maximum=None,
                          labels=frozenset(str(v) for v in col.values), missing_share=col.n_missing / n_rows if n_rows else 0.0,
                          constant=len(col.values) <= 1)
    return _RefColumn(kind="numeric", value_types=frozenset(), minimum=col.minimum, maximum=col.maximum, labels=None,
                      missing_share=col.n_missing / n_rows if n_rows else 0.0,
                      constant=col.minimum is None or col.minimum == col.maximum)


def _column_kinds(data: ValidatedData) -> dict[str, str]:
    kinds: dict[str, str] = {}
    for column in data.frame.columns:
        name = str(column)
        if name in data.feature_types:
            kinds[name] = data.feature_types[name]
        elif name in (data.spec.target, data.spec.prediction) and data.task in ("binary", "multiclass"):
            kinds[name] = "categorical"
        else:
            kinds[name] = _infer_feature_type(data.frame[column])
    return kinds


def _non_finite_issue(name: str, s: pd.Series, n_rows: int) -> QualityIssue | None:
    """+inf / -inf in a numeric column: an error, never silently dropped as the range and drift checks do.

    No measurement is infinite; such values come from a division by zero or an overflow upstream,
    and every statistic that filters them away would otherwise look at fewer rows without saying so.
    """
    x = _numeric_values(s)
    n_pos, n_neg = int(np.count_nonzero(x == np.inf)), int(np.count_nonzero(x == -np.inf))
    if not n_pos + n_neg:
        return None
    share = (n_pos + n_neg) / n_rows if n_rows else 0.0
    return QualityIssue(
        name, "non_finite", "error",
        f"column {name!r} has {n_pos + n_neg} infinite value(s) ({share:.2%}: {n_pos} +inf, {n_neg} -inf); "
        "they are left out of the range and drift statistics",
    )


def _numeric_values(s: pd.Series) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        return s.to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.to_numeric(s.astype(object), errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _type_name(t: type) -> str:
    if issubclass(t, (bool, np.bool_)):
        return "bool"
    if issubclass(t, (int, float, np.number)):
        return "number"
    if issubclass(t, str):
        return "string"
    if issubclass(t, (pd.Timestamp, np.datetime64)):
        return "datetime"
    return t.__name__


def _dtype_family(dtype: Any) -> str | None:
    if isinstance(dtype, pd.CategoricalDtype):
        return _dtype_family(dtype.categories.dtype)
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_numeric_dtype(dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
        return "string"
    return None  # object: look at the values


#: pandas' inferred type of an object column whose values all have one of our value types.
_INFERRED = {"string": "string", "integer": "number", "floating": "number", "mixed-integer-float": "number",
             "boolean": "bool", "empty": "string"}


def _value_types(s: pd.Series, n_present: int | None = None) -> pd.Series:
    """Number of non-missing values per value type ("number", "string", "bool", ...).

    ``n_present`` is the number of non-missing values when the caller already knows it.
    """
    family = _dtype_family(s.dtype)
    if family is not None:
        n = int(s.notna().sum()) if n_present is None else n_present
        return pd.Series({family: n}) if n else pd.Series(dtype=np.int64)
    if isinstance(s.dtype, pd.CategoricalDtype):  # the type of each category, weighted by its rows
        counts = s.value_counts(dropna=True, sort=False)
        types = pd.Series(counts.to_numpy(), index=[type(v) for v in counts.index]).groupby(level=0).sum()
    else:
        fast = _INFERRED.get(pd.api.types.infer_dtype(s, skipna=True))  # one C pass over the values
        if fast is not None:
            n = int(s.notna().sum()) if n_present is None else n_present
            return pd.Series({fast: n}) if n else pd.Series(dtype=np.int64)
        types = s.dropna().map(type).value_counts()
    out: dict[str, int] = {}
    for t, n in types.items():
        out[_type_name(t)] = out.get(_type_name(t), 0) + int(n)
    return pd.Series(out, dtype=np.int64)


def _hashable(s: pd.Series) -> pd.Series:
    """The column itself, or its text when cells are unhashable (lists, dicts)."""
    if not pd.api.types.is_object_dtype(s.dtype):
        return s
    try:
        s.nunique(dropna=True)
    except TypeError:
        return s.astype(str).where(s.notna())
    return s


def _duplicate_rows(frame: pd.DataFrame) -> int:
    """Rows equal to an earlier row: a 64-bit hash per row, then an exact check of the colliding rows."""
    if len(frame) == 0 or frame.shape[1] == 0:
        return 0
    try:
        hashes = pd.util.hash_pandas_object(frame, index=False)
    except TypeError:  # unhashable cells (lists, dicts): compare their text
        return int(frame.astype(str).duplicated(keep="first").sum())
    candidates = hashes.duplicated(keep=False).to_numpy()
    if not candidates.any():
        return 0
    return int(frame[candidates].duplicated(keep="first").sum())


def _same_values(a: pd.Series, b: pd.Series) -> bool:
    a, b = a.astype(object), b.astype(object)
    return bool(((a == b) | (a.isna() & b.isna())).all())


#: rows of a column hashed first when looking for identical columns
_HEAD_ROWS = 1000


def _identical_columns(frame: pd.DataFrame, columns: list[Any], signatures: dict[str, tuple[int, int]]) -> list[list[str]]:
    """Groups of ``columns`` with equal values on every row.

    Only columns with the same (missing count, distinct count) and the same first rows can be
    equal, so only those are hashed (a hash per column, then an exact check of equal hashes).
    """
    if len(columns) < 2 or len(frame) == 0:
        return []
    by_signature: dict[tuple[int, int], list[str]] = {}
    for column in columns:
        by_signature.setdefault(signatures[str(column)], []).append(column)
    candidates = [c for group in by_signature.values() if len(group) > 1 for c in group]
    # equal columns are equal on their first rows too: hashing those rules most candidates out
    by_head: dict[tuple[tuple[int, int], bytes], list[str]] = {}
    for column in candidates:
        head = pd.util.hash_pandas_object(_hashable(frame[column].iloc[:_HEAD_ROWS]), index=False).to_numpy()
        by_head.setdefault((signatures[str(column)], head.tobytes()), []).append(column)
    candidates = [c for group in by_head.values() if len(group) > 1 for c in group]
    if len(candidates) < 2:
        return []
    weights = np.random.default_rng(0).integers(1, 2**63, size=len(frame), dtype=np.uint64)
    digests: dict[tuple[tuple[int, int], int], list[str]] = {}
    for column in candidates:
        h = pd.util.hash_pandas_object(_hashable(frame[column]), index=False).to_numpy()
        with np.errstate(over="ignore"):
            digest = int(np.sum(h * weights, dtype=np.uint64))
        digests.setdefault((signatures[str(column)], digest), []).append(column)
    groups: list[list[str]] = []
    for candidates in digests.values():
        remaining = list(candidates)
        while len(remaining) > 1:
            first = remaining.pop(0)
            same = [c for c in remaining if _same_values(frame[first], frame[c])]
            if same:
                groups.append([str(first)] + [str(c) for c in same])
                remaining = [c for c in remaining if c not in same]
    return groups
