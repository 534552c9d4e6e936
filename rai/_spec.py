"""The data contract: which column is what, validated once at the boundary.

``DatasetSpec`` is what the user declares (or the config says). ``DatasetSpec.validate``
checks one table against it and returns a ``ValidatedData``: the frame plus everything
resolved from it (feature list and types, task, class labels, positive label). Everything
after the boundary trusts a ``ValidatedData`` and never re-checks.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from rai._exceptions import DataContractError
from rai._roles import is_id_like, more_distinct_than
from rai._serialize import Result

__all__ = ["DatasetSpec", "ValidatedData", "Task", "FeatureType", "MISSING_GROUP", "align_with_reference"]

Task = Literal["binary", "multiclass", "regression"]
FeatureType = Literal["numeric", "categorical"]

#: Group label used for a missing value in a sensitive feature (so it is reported, not dropped).
MISSING_GROUP = "(missing)"

#: Most distinct integer labels a target may have and still be read as classes, not a regression target.
MAX_CLASSES = 50
#: Default most distinct values of a sensitive feature (``DatasetSpec.max_groups``).
MAX_GROUPS = 300


@dataclasses.dataclass(frozen=True)
class DatasetSpec(Result):
    """Which columns hold the target, the model's outputs, the sensitive features and the rest.

    Parameters
    ----------
    target, prediction, score:
        Column names of the true label, the predicted label and the predicted probability of
        the positive class (binary only). Any may be ``None``: without a target only the data
        analyzers (drift, quality) run.
    sensitive:
        Columns whose groups fairness is measured across. Several give the intersection too.
    numeric, categorical:
        Override the inferred feature types for these columns.
    id, timestamp:
        Optional row id and event-time columns (not features).
    exclude:
        Columns that are neither features nor outputs (e.g. a year or a split flag).
    task:
        ``"binary"``, ``"multiclass"`` or ``"regression"``; inferred from the target when ``None``.
    positive_label:
        The positive class for binary tasks. Default: ``1`` / ``True`` when present, otherwise the
        last label in sorted order.
    max_groups:
        Most distinct values a sensitive feature may have. Above it the column is refused: a
        free-text or id-like column would make every group too small to judge, and the group
        analyses would run for hours.
    """

    target: str | None = None
    prediction: str | None = None
    score: str | None = None
    sensitive: tuple[str, ...] = ()
    numeric: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    id: str | None = None
    timestamp: str | None = None
    exclude: tuple[str, ...] = ()
    task: Task | None = None
    positive_label: Any = None
    max_groups: int = MAX_GROUPS

    def __post_init__(self) -> None:
        # accept any sequence for the tuple fields, but store tuples so the spec stays hashable
        for name in ("sensitive", "numeric", "categorical", "exclude"):
            value = getattr(self, name)
            if isinstance(value, str):
                value = tuple(v.strip() for v in value.split(",") if v.strip())
            object.__setattr__(self, name, tuple(value or ()))

    def replace(self, **changes: Any) -> DatasetSpec:
        """A copy with some fields changed (the spec itself is immutable)."""
        return dataclasses.replace(self, **changes)

    @property
    def output_columns(self) -> tuple[str, ...]:
        return tuple(c for c in (self.target, self.prediction, self.score) if c)

    @property
    def non_feature_columns(self) -> tuple[str, ...]:
        return self.output_columns + tuple(c for c in (self.id, self.timestamp) if c) + self.exclude

    def validate(self, frame: pd.DataFrame, *, name: str = "data") -> ValidatedData:
        """Check ``frame`` against the contract and resolve features, types and task.

        Raises
        ------
        DataContractError
            With a message naming the table, the column, what was expected and what came.
        """
        return _validate(self, frame, name=name)

    def validate_pair(
        self, reference: pd.DataFrame, current: pd.DataFrame
    ) -> tuple[ValidatedData, ValidatedData]:
        """Validate a reference and a current table and check they share features and types."""
        ref = self.validate(reference, name="reference")
        return ref, align_with_reference(ref, self.validate(current, name="data"))


@dataclasses.dataclass(frozen=True)
class ValidatedData:
    """A table that passed ``DatasetSpec.validate``, with what was resolved from it."""

    frame: pd.DataFrame
    spec: DatasetSpec
    name: str
    features: tuple[str, ...]
    feature_types: dict[str, FeatureType]
    task: Task | None
    classes: tuple[Any, ...]
    positive_label: Any
    #: undeclared columns with a distinct value on every row, kept out of the features
    id_like: tuple[str, ...] = ()
    #: Column summaries computed once per validated table and shared by the analyzers
    #: (``rai.analyzers._summaries``), and the error analysis the counterfactuals reuse; a new
    #: table (``dataclasses.replace``) starts empty.
    summaries: dict[Any, Any] = dataclasses.field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def n_rows(self) -> int:
        return len(self.frame)

    @property
    def has_target(self) -> bool:
        return self.spec.target is not None

    @property
    def has_prediction(self) -> bool:
        return self.spec.prediction is not None

    @property
    def y_true(self) -> np.ndarray:
        return self.frame[self.spec.target].to_numpy()

    @property
    def y_pred(self) -> np.ndarray:
        return self.frame[self.spec.prediction].to_numpy()

    @property
    def y_score(self) -> np.ndarray | None:
        return None if self.spec.score is None else self.frame[self.spec.score].to_numpy(dtype=float)

    def sensitive_values(self, column: str) -> pd.Series:
        """The sensitive column as strings, missing values as their own group."""
        s = self.frame[column]
        if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) != "string":
            # mixed Python objects: True and 1 hash alike but are different groups; label row by row
            return s.astype(object).where(s.notna(), MISSING_GROUP).map(_group_label).astype(str)
        # label each distinct value once, not each row (a Python call per row took 1 s on 70k rows x 4 groupings)
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        labels = np.array([_group_label(v) for v in uniques] + [MISSING_GROUP], dtype=object)
        return pd.Series(labels[codes], index=s.index, name=s.name, dtype=object).astype(str)

    def numeric_features(self) -> list[str]:
        return [c for c in self.features if self.feature_types[c] == "numeric"]

    def categorical_features(self) -> list[str]:
        return [c for c in self.features if self.feature_types[c] == "categorical"]


def _group_label(value: Any) -> str:
    # 1.0 and 1 name the same group; show integers without a trailing ".0"
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _suggest(name: str, columns: Sequence[str]) -> str:
    names = [str(c) for c in columns]
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    if not close:  # a shortened name: 'income' for 'income-per-year'
        close = [c for c in names if name.lower() in c.lower()][:1]
    return f" Did you mean {close[0]!r}?" if close else ""


def _require_column(frame: pd.DataFrame, column: str, role: str, table: str) -> None:
    if column not in frame.columns:
        shown = ", ".join(repr(str(c)) for c in list(frame.columns)[:20])
        more = "" if frame.shape[1] <= 20 else f", ... ({frame.shape[1]} in all)"
        raise DataContractError(
            f"{table}: the {role} column {column!r} is not in the table.{_suggest(column, list(frame.columns))} "
            f"Columns present: {shown}{more}."
        )


def _first_bad_rows(mask: np.ndarray, frame: pd.DataFrame, k: int = 3) -> str:
    idx = list(frame.index[np.asarray(mask)][:k])
    return ", ".join(str(i) for i in idx)


def _check_mixed_text(series: pd.Series, role: str, column: str, table: str) -> None:
    """Refuse a label column where most values are numbers but some are text (a typo, a unit, 'n/a')."""
    if _is_numeric(series) or pd.api.types.is_bool_dtype(series):
        return
    values = series.dropna()
    numeric = pd.to_numeric(values.astype(str), errors="coerce")
    n_text = int(numeric.isna().sum())
    if 0 < n_text < len(values) and n_text <= len(values) // 2:
        bad = values[numeric.isna()]
        raise DataContractError(
            f"{table}: the {role} column {column!r} holds numbers but also {n_text} text value(s) such as "
            f"{bad.iloc[0]!r} (row {bad.index[0]}); expected numeric labels only."
        )


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


#: evidently 0.7's INTEGER_CARDINALITY_LIMIT: integer columns with at most this many values are categorical
INTEGER_CARDINALITY_LIMIT = 10


def _infer_feature_type(series: pd.Series) -> FeatureType:
    # evidently 0.7's rule (core/datasets.py infer_column_type): floats are numerical, integers
    # are categorical up to 10 distinct values, everything else (text, bool, category) categorical
    if _is_numeric(series):
        if pd.api.types.is_integer_dtype(series) and not more_distinct_than(series, INTEGER_CARDINALITY_LIMIT):
            return "categorical"
        return "numeric"
    return "categorical"


def _is_datetime(series: pd.Series) -> bool:
    return pd.api.types.is_datetime64_any_dtype(series) or isinstance(series.dtype, pd.PeriodDtype)


def _infer_task(y: pd.Series, spec: DatasetSpec, table: str) -> Task:
    if spec.task is not None:
        return spec.task
    values = y.dropna()
    n_unique = values.nunique()
    if _is_numeric(values) and not pd.api.types.is_integer_dtype(values):
        floats = values.to_numpy(dtype=float)
        if n_unique > MAX_CLASSES or not np.all(np.mod(floats, 1) == 0):
            return "regression"
    if _is_numeric(values) and pd.api.types.is_integer_dtype(values) and n_unique > MAX_CLASSES:
        return "regression"
    return "binary" if n_unique <= 2 else "multiclass"


def _resolve_positive(classes: tuple[Any, ...], spec: DatasetSpec, table: str) -> Any:
    if spec.positive_label is not None:
        for c in classes:
            if c == spec.positive_label or str(c) == str(spec.positive_label):
                return c
        raise DataContractError(
            f"{table}: positive_label {spec.positive_label!r} is not a value of the target column "
            f"{spec.target!r}; the target holds {list(classes)!r}."
        )
    for candidate in (True, 1, "1"):
        for c in classes:
            if type(c) is type(candidate) or isinstance(c, (np.integer, np.bool_)):
                if c == candidate:
                    return c
    return classes[-1]


def _validate(spec: DatasetSpec, frame: pd.DataFrame, *, name: str) -> ValidatedData:
    if not isinstance(frame, pd.DataFrame):
        raise DataContractError(f"{name}: expected a pandas DataFrame, got {type(frame).__name__}.")
    dupes = frame.columns[frame.columns.duplicated()].unique().tolist()
    if dupes:
        raise DataContractError(
            f"{name}: duplicated column names {[str(d) for d in dupes]}; every column needs a unique name."
        )
    if len(frame) == 0:
        raise DataContractError(f"{name}: the table has no rows; expected at least one.")

    roles = {
        "target": spec.target,
        "prediction": spec.prediction,
        "score": spec.score,
        "id": spec.id,
        "timestamp": spec.timestamp,
    }
    for role, column in roles.items():
        if column is not None:
            _require_column(frame, column, role, name)
    if isinstance(spec.max_groups, bool) or not isinstance(spec.max_groups, int) or spec.max_groups < 2:
        raise DataContractError(f"max_groups must be an integer >= 2; got {spec.max_groups!r}.")
    for column in spec.sensitive:
        _require_column(frame, column, "sensitive", name)
        n_groups = int(frame[column].nunique(dropna=False))
        if n_groups > spec.max_groups:
            raise DataContractError(
                f"{name}: sensitive feature {column!r} has {n_groups:,} distinct values; at most "
                f"{spec.max_groups} groups are allowed (data.max_groups in rai.yaml raises the limit). "
                "Is it an id or free-text column? Bin it into groups first."
            )
    for column in spec.numeric + spec.categorical + spec.exclude:
        _require_column(frame, column, "declared feature" if column not in spec.exclude else "excluded", name)
    both = set(spec.numeric) & set(spec.categorical)
    if both:
        raise DataContractError(f"columns {sorted(both)} are declared both numeric and categorical; pick one.")
    if spec.prediction is not None and spec.target is not None and spec.prediction == spec.target:
        raise DataContractError(f"target and prediction name the same column {spec.target!r}.")

    non_features = set(spec.non_feature_columns)
    declared = set(spec.numeric) | set(spec.categorical)
    # date-times are event times, not features (as evidently, which keeps them apart)
    candidates = [str(c) for c in frame.columns
                  if c not in non_features and (c in declared or not _is_datetime(frame[c]))]
    # a column unique per row is an id, whatever it is called, unless declared a feature
    id_like = tuple(c for c in candidates if c not in declared and is_id_like(frame[c]))
    features = tuple(c for c in candidates if c not in id_like)
    feature_types: dict[str, FeatureType] = {}
    for column in features:
        if column in spec.numeric:
            if not _is_numeric(frame[column]):
                coerced = pd.to_numeric(frame[column], errors="coerce")
                bad = coerced.isna() & frame[column].notna()
                if bad.any():
                    raise DataContractError(
                        f"{name}: column {column!r} is declared numeric but holds non-numeric values "
                        f"(e.g. {frame[column][bad].iloc[0]!r} at row {_first_bad_rows(bad.to_numpy(), frame, 1)})."
                    )
            feature_types[column] = "numeric"
        elif column in spec.categorical:
            feature_types[column] = "categorical"
        else:
            feature_types[column] = _infer_feature_type(frame[column])

    task: Task | None = None
    classes: tuple[Any, ...] = ()
    positive: Any = None
    if spec.target is not None:
        y = frame[spec.target]
        missing = y.isna().to_numpy()
        if missing.any():
            raise DataContractError(
                f"{name}: the target column {spec.target!r} has {int(missing.sum())} missing value(s) "
                f"(rows {_first_bad_rows(missing, frame)}); expected a label on every row."
            )
        _check_mixed_text(y, "target", spec.target, name)
        task = _infer_task(y, spec, name)
        if task == "regression":
            if not _is_numeric(y):
                raise DataContractError(
                    f"{name}: the target column {spec.target!r} must be numeric for a regression task; "
                    f"got dtype {y.dtype}."
                )
        else:
            classes = tuple(sorted(pd.unique(y).tolist(), key=lambda v: (str(type(v)), v)))
            if len(classes) < 2:
                raise DataContractError(
                    f"{name}: the target column {spec.target!r} has a single class {classes[0]!r}; "
                    f"classification metrics need at least two classes."
                )
            if task == "binary" and len(classes) != 2:
                raise DataContractError(
                    f"{name}: task is 'binary' but the target {spec.target!r} has {len(classes)} classes: "
                    f"{list(classes)[:10]!r}."
                )
            if task == "binary":
                positive = _resolve_positive(classes, spec, name)

    if spec.prediction is not None:
        p = frame[spec.prediction]
        missing = p.isna().to_numpy()
        if missing.any():
            raise DataContractError(
                f"{name}: the prediction column {spec.prediction!r} has {int(missing.sum())} missing "
                f"value(s) (rows {_first_bad_rows(missing, frame)}); expected a prediction on every row."
            )
        _check_mixed_text(p, "prediction", spec.prediction, name)
        if task == "regression":
            if not _is_numeric(p):
                raise DataContractError(
                    f"{name}: the prediction column {spec.prediction!r} must be numeric for regression; "
                    f"got dtype {p.dtype}."
                )
        elif task is not None:
            known = set(classes)
            unknown = [v for v in pd.unique(p).tolist() if v not in known]
            if unknown:
                raise DataContractError(
                    f"{name}: the prediction column {spec.prediction!r} holds values that are not labels of "
                    f"the target {spec.target!r}: {unknown[:5]!r}; expected one of {list(classes)[:10]!r}."
                )

    if spec.score is not None:
        s = frame[spec.score]
        if not _is_numeric(s):
            raise DataContractError(
                f"{name}: the score column {spec.score!r} must hold probabilities (numbers in [0, 1]); "
                f"got dtype {s.dtype}."
            )
        values = s.to_numpy(dtype=float)
        bad = ~np.isfinite(values) | (values < 0) | (values > 1)
        if bad.any():
            raise DataContractError(
                f"{name}: the score column {spec.score!r} has {int(bad.sum())} value(s) outside [0, 1] or "
                f"missing (rows {_first_bad_rows(bad, frame)}); expected the probability of the positive class."
            )
        if task is not None and task != "binary":
            raise DataContractError(
                f"{name}: a score column is only supported for binary tasks; the target {spec.target!r} "
                f"gives a {task} task."
            )

    return ValidatedData(
        frame=frame,
        spec=spec,
        name=name,
        features=features,
        feature_types=feature_types,
        task=task,
        classes=classes,
        positive_label=positive,
        id_like=id_like,
    )


def align_with_reference(ref: ValidatedData, cur: ValidatedData) -> ValidatedData:
    """Check ``cur`` has the reference's features, and give it the reference's feature types.

    The reference decides the types so that both sides are compared alike.
    """
    _check_compatible(ref, cur)
    return dataclasses.replace(cur, feature_types=dict(ref.feature_types), features=ref.features,
                               id_like=tuple(c for c in ref.id_like if c in cur.frame.columns))


def _check_compatible(ref: ValidatedData, cur: ValidatedData) -> None:
    missing = [c for c in ref.features if c not in cur.frame.columns]
    extra = [c for c in cur.features if c not in ref.frame.columns and c not in ref.id_like]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing from the data: {missing[:10]}")
        if extra:
            parts.append(f"not in the reference: {extra[:10]}")
        hint = ""
        if missing:
            hint = (f" If {missing[0]!r} is the label (it may arrive later), pass --target {missing[0]}; if it should "
                    f"not be compared, pass --exclude {missing[0]}.")
        raise DataContractError(
            "reference and data must have the same feature columns; " + "; ".join(parts) + "." + hint
        )
    for column in ref.features:
        # inferred types may differ by cardinality alone (an integer code with 9 values in one table
        # and 11 in the other): the reference decides those; numbers against text is an error
        rn, cn = _is_numeric(ref.frame[column]), _is_numeric(cur.frame[column])
        declared = column in ref.spec.categorical or column in ref.spec.numeric
        if rn != cn and not declared and ref.feature_types[column] == "numeric":
            rt, ct = ref.feature_types[column], cur.feature_types.get(column) or _infer_feature_type(cur.frame[column])
            raise DataContractError(
                f"column {column!r} is {rt} in the reference (dtype {ref.frame[column].dtype}) but {ct} in the "
                f"data (dtype {cur.frame[column].dtype}); the same column must have the same type in both."
            )
