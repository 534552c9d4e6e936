"""Result shapes of the error analysis: cohorts where the model fails, and an error heat map.

A cohort is a leaf of a shallow decision tree fitted to the error indicator. Its ``rule`` is
the human-readable path on the original column names; ``filters`` say the same thing for
machines (one filter per column, conditions on the same column merged). ``p_value`` is
Benjamini-Hochberg-corrected across the cohorts; ``p_value_raw`` is the exact binomial test
of the cohort's error count against the overall error rate.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any, Literal

from rai._serialize import Result
from rai.results._stream import Metric, PathDoc, document_paths, register_section

__all__ = ["CohortFilter", "ErrorCohort", "ErrorHeatmap", "ErrorResult", "HeatmapAxis"]


@dataclasses.dataclass(frozen=True)
class CohortFilter(Result):
    """One condition on one column.

    Numeric: ``low < value <= high`` (a ``None`` bound is open). Categorical: ``value in values``,
    or ``not in`` when ``negate``. ``include_missing`` says whether a missing value matches.
    """

    column: str
    kind: Literal["numeric", "categorical"]
    low: float | None
    high: float | None
    values: list[str]
    negate: bool
    include_missing: bool


@dataclasses.dataclass(frozen=True)
class ErrorCohort(Result):
    """A group of rows defined by a rule, with how often the model errs in it.

    ``error_coverage`` is the share of all errors that fall in the cohort. ``test_size`` and
    ``test_errors`` are the counts the binomial test used (the held-out half when the analysis
    is honest). ``metrics`` holds the cohort's performance; ``group_makeup`` the row count of
    each group of each sensitive feature inside the cohort.
    """

    rule: str
    filters: list[CohortFilter]
    size: int
    n_errors: int
    error_rate: float
    error_coverage: float
    p_value: float | None
    p_value_raw: float | None
    test_size: int
    test_errors: int
    significant: bool
    metrics: dict[str, float | None]
    group_makeup: dict[str, dict[str, int]]
    depth: int
    leaf: int


@dataclasses.dataclass(frozen=True)
class HeatmapAxis(Result):
    """One axis of the heat map: quantile bins of a numeric column (``edges``, ``labels``) or categories."""

    feature: str
    kind: Literal["numeric", "categorical"]
    labels: list[str]
    edges: list[float]


@dataclasses.dataclass(frozen=True)
class ErrorHeatmap(Result):
    """Error counts over one or two columns; cell ``[i][j]`` is bin ``i`` of the first axis and ``j`` of the second.

    With one axis the matrices have a single column. ``error_rate`` is ``None`` for an empty cell.
    """

    features: list[str]
    axes: list[HeatmapAxis]
    count: list[list[int]]
    errors: list[list[int]]
    error_rate: list[list[float | None]]


@dataclasses.dataclass(frozen=True)
class ErrorResult(Result):
    """Where the model fails: error cohorts from a surrogate tree, and an error heat map.

    ``status`` is ``ok``, ``no_errors`` (every prediction right: nothing to analyse) or
    ``insufficient_data`` (too few rows), with ``message`` explaining the latter two.
    Cohorts are sorted by error rate, highest first.
    """

    task: str
    status: Literal["ok", "no_errors", "insufficient_data"]
    message: str | None
    n_rows: int
    n_errors: int
    error_rate: float
    error_definition: str
    error_threshold: float | None
    cohorts: list[ErrorCohort]
    heatmap: ErrorHeatmap | None
    tree_feature_importance: dict[str, float]
    features: list[str]
    max_depth: int
    min_leaf_size: int
    honest: bool
    n_fit: int
    n_test: int
    alternative: str
    alpha: float
    split_alpha: float
    correction: str
    seed: int
    confirm_alpha: float = 1.0


# --------------------------------------------------------------------------------------------
# metric stream

_COHORT_FIELDS = ("error_rate", "error_coverage", "size", "n_errors", "p_value")


@register_section("errors")
def _walk_errors(errors: dict[str, Any]) -> Iterator[Metric]:
    n = errors.get("n_rows")
    for key in ("error_rate", "n_errors", "n_rows"):
        if isinstance(errors.get(key), (int, float)) and not isinstance(errors.get(key), bool):
            yield Metric(f"errors.{key}", errors[key], n=n, n_effective=n, headline=key == "error_rate")
    cohorts = [c for c in errors.get("cohorts") or [] if isinstance(c, dict) and isinstance(c.get("error_rate"), (int, float))]
    if not cohorts:
        why = f"no cohorts ({errors.get('message') or errors.get('status') or 'none found'})"
        for field in _COHORT_FIELDS:
            yield Metric(f"errors.worst_cohort.{field}", None, insufficient=True, reason=why)
            yield Metric(f"errors.cohorts.{field}", None, insufficient=True, reason=why)
        return
    worst = max(cohorts, key=lambda c: (c["error_rate"], c.get("size") or 0))
    for cohort, path, headline in [(worst, "worst_cohort", True), *((c, "cohorts", False) for c in cohorts)]:
        # the worst cohort is one number whatever its rule (so a baseline's pairs with it); the rule is in its size label
        quals = () if path == "worst_cohort" else (("cohort", str(cohort.get("rule"))),)
        for field in _COHORT_FIELDS:
            yield Metric(f"errors.{path}.{field}", cohort.get(field), quals, n=cohort.get("size"),
                         n_effective=cohort.get("size"), headline=headline and field == "error_rate",
                         sizes=((f"cohort {cohort.get('rule')}", cohort.get("size"), False),))


document_paths("errors", [
    PathDoc("errors.error_rate", (), "share of rows the model gets wrong", "never"),
    PathDoc("errors.n_errors", (), "rows the model gets wrong", "never"),
    PathDoc("errors.n_rows", (), "rows analysed", "never"),
    PathDoc("errors.worst_cohort.<field>", (), "the error cohort with the highest error rate (ties: the larger): error_rate, error_coverage, size, n_errors, p_value", "no cohort was found"),
    PathDoc("errors.cohorts.<field>", ("cohort",), "every error cohort (`cohort` is its rule)", "no cohort was found"),
])
