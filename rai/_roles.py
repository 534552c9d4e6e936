"""Column roles said out loud: which column plays which part, and which guesses look wrong.

Roles are inferred silently elsewhere (every undeclared column is a feature, its type from its
dtype); ``ColumnRoles`` writes the outcome down before analysis, on stderr from the CLI and in
``assessment.json``, with warnings for the guesses that most often go wrong: a row id, a year or
date, an integer code read as a number, and a label that was not declared as the target.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

import pandas as pd

from rai._serialize import Result

if TYPE_CHECKING:
    from rai._spec import DatasetSpec, ValidatedData

__all__ = ["ColumnRoles", "is_id_like", "describe_roles", "more_distinct_than"]

#: fewer rows than this are no evidence that a column is unique per row
MIN_ROWS_FOR_ID = 20
#: integer columns read as numeric with at most this many distinct values look like codes
MAX_CODE_VALUES = 30
#: years a year-like integer column falls in
YEAR_RANGE = (1900, 2100)
#: names that usually hold the label
TARGET_NAMES = frozenset({"target", "label", "labels", "y", "class", "outcome", "ground_truth", "truth", "actual"})
#: rows looked at first: distinct counts are often settled by them, without hashing a long column
PROBE_ROWS = 10_000
_DATE_NAME = re.compile(r"(^|_)(year|yr|date|month|day|time|timestamp)($|_)", re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class ColumnRoles(Result):
    """The part each column plays in an assessment, and the warnings about inferred roles.

    ``id_like`` columns hold a distinct value on every row and were not declared: they are kept
    out of the features (drift and quality check them only for missing values and types).
    ``awaiting_labels`` are declared output columns the reference has and this table lacks
    (labels arrive later): the analyzers that need them skip with a note.
    """

    target: str | None
    prediction: str | None
    score: str | None
    sensitive: list[str]
    id: str | None
    timestamp: str | None
    excluded: list[str]
    id_like: list[str]
    numeric: list[str]
    categorical: list[str]
    awaiting_labels: list[str]
    warnings: list[str]

    def lines(self) -> list[str]:
        """The short report printed before analysis."""
        def show(items: list[str], limit: int = 12) -> str:
            # one screen, even for a table with hundreds of columns
            more = f", ... (+{len(items) - limit} more)" if len(items) > limit else ""
            return ", ".join(items[:limit]) + more if items else "-"

        out = [
            f"roles: target {self.target or '-'}, prediction {self.prediction or '-'}, score {self.score or '-'}, "
            f"sensitive {show(self.sensitive)}, id {self.id or '-'}, excluded {show(self.excluded)}",
            f"features: {len(self.numeric)} numeric ({show(self.numeric)}); "
            f"{len(self.categorical)} categorical ({show(self.categorical)})",
        ]
        if self.awaiting_labels:
            out.append(f"awaiting labels: {show(self.awaiting_labels)} (in the reference, not in this data)")
        out.extend(f"warning: {w}" for w in self.warnings)
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def is_id_like(series: pd.Series) -> bool:
    """A column holding a distinct value on every row (integers or text, not measured floats)."""
    if len(series) < MIN_ROWS_FOR_ID or pd.api.types.is_float_dtype(series) or pd.api.types.is_bool_dtype(series):
        return False
    head = series.iloc[:PROBE_ROWS]
    if head.nunique(dropna=False) < len(head):  # a repeat among the first rows: not unique per row
        return False
    return bool(series.notna().all()) and series.nunique() == len(series)


def more_distinct_than(series: pd.Series, limit: int) -> bool:
    """``series.nunique() > limit``, settled by the first rows when they already hold more."""
    return series.iloc[:PROBE_ROWS].nunique() > limit or series.nunique() > limit


def _looks_like_year_or_date(name: str, series: pd.Series) -> bool:
    if _DATE_NAME.search(name):
        return True
    if pd.api.types.is_integer_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = series.dropna()
        return len(values) > 0 and bool(values.between(*YEAR_RANGE).all())
    return False


def describe_roles(data: ValidatedData, *, spec: DatasetSpec | None = None,
                   awaiting_labels: tuple[str, ...] = ()) -> ColumnRoles:
    """The roles of ``data``'s columns (after alignment with the reference) and their warnings.

    ``spec`` is the contract as declared, when ``data`` was validated without the columns it
    still awaits (``awaiting_labels``).
    """
    spec = spec or data.spec
    frame = data.frame
    warnings: list[str] = []
    declared = set(spec.numeric) | set(spec.categorical)
    for column in data.id_like:
        warnings.append(
            f"column {column!r} holds a distinct value on every row, like an id: it is left out of drift and "
            f"quality; declare it with --id {column} (or --numeric / --categorical {column} to keep it as a feature)"
        )
    for column in data.features:
        if column in declared or column not in frame.columns:
            continue
        series = frame[column]
        if _looks_like_year_or_date(column, series):
            warnings.append(
                f"column {column!r} looks like a year or a date: it is treated as a feature and will drift with "
                f"time; pass --exclude {column} (or --timestamp) unless the model uses it"
            )
        elif (pd.api.types.is_integer_dtype(series) and data.feature_types[column] == "numeric"
              and not more_distinct_than(series, MAX_CODE_VALUES)):
            warnings.append(
                f"integer column {column!r} has {series.nunique()} distinct values and is treated as numeric; "
                f"if they are codes, pass --categorical {column}"
            )
        if spec.target is None and column.lower() in TARGET_NAMES:
            warnings.append(
                f"column {column!r} is named like a label but no --target was given: it is treated as a feature; "
                f"pass --target {column} (or --exclude {column})"
            )
    return ColumnRoles(
        target=spec.target,
        prediction=spec.prediction,
        score=spec.score,
        sensitive=list(spec.sensitive),
        id=spec.id,
        timestamp=spec.timestamp,
        excluded=list(spec.exclude),
        id_like=list(data.id_like),
        numeric=data.numeric_features(),
        categorical=data.categorical_features(),
        awaiting_labels=list(awaiting_labels),
        warnings=warnings,
    )
