"""Result shapes of the core analyzers: performance, fairness, drift, data quality.

Every result is a frozen dataclass with ``to_dict()`` / ``from_dict()``. Intervals are
``ci_low`` / ``ci_high`` pairs (bootstrap percentiles at ``confidence_level``); a value
that cannot be computed is ``None`` (``null`` in JSON), never NaN.
"""

from __future__ import annotations

import dataclasses


from rai._serialize import Result

__all__ = [
    "Interval",
    "GroupPerformance",
    "ConfusionMatrix",
    "CalibrationBin",
    "PerformanceResult",
    "GroupInfo",
    "ExcludedGroup",
    "JudgedGap",
    "FairnessMetric",
    "FairnessResult",
    "Distribution",
    "ColumnDrift",
    "DriftResult",
    "ColumnQuality",
    "QualityIssue",
    "QualityResult",
]


@dataclasses.dataclass(frozen=True)
class Interval(Result):
    """A confidence interval."""

    low: float | None
    high: float | None


@dataclasses.dataclass(frozen=True)
class GroupPerformance(Result):
    """Performance metrics of one group of one sensitive feature."""

    sensitive_feature: str
    group: str
    count: int
    insufficient: bool
    metrics: dict[str, float | None]
    ci: dict[str, Interval]


@dataclasses.dataclass(frozen=True)
class ConfusionMatrix(Result):
    """Rows are true labels, columns predicted labels, in the order of ``labels``."""

    labels: list[str]
    matrix: list[list[int]]


@dataclasses.dataclass(frozen=True)
class CalibrationBin(Result):
    """One bin of a reliability diagram."""

    low: float
    high: float
    count: int
    mean_score: float | None
    positive_rate: float | None


@dataclasses.dataclass(frozen=True, repr=False)
class PerformanceResult(Result):
    """Overall and per-group performance, with bootstrap confidence intervals."""

    task: str
    n_rows: int
    positive_label: str | None
    overall: dict[str, float | None]
    ci: dict[str, Interval]
    by_group: list[GroupPerformance]
    confusion_matrix: ConfusionMatrix | None
    calibration: list[CalibrationBin]
    confidence_level: float
    n_bootstrap: int
    seed: int


@dataclasses.dataclass(frozen=True)
class GroupInfo(Result):
    """Size of one group of one sensitive feature, and whether it is large enough to judge."""

    sensitive_feature: str
    group: str
    count: int
    insufficient: bool


@dataclasses.dataclass(frozen=True)
class ExcludedGroup(Result):
    """A group left out of a judged disparity: its rate rests on too few rows to judge."""

    group: str
    #: the rate's denominator in this group (rows, actual positives, actual negatives, ...)
    n: int
    reason: str


@dataclasses.dataclass(frozen=True)
class JudgedGap(Result):
    """A disparity over the groups large enough to judge for this metric.

    A group is judged for a rate only when that rate's denominator (rows for a selection rate,
    actual positives for a true-positive rate, actual negatives for a false-positive rate) reaches
    ``min_group_size``; the others are listed in ``excluded`` with the reason. With fewer than two
    judged groups there is nothing to compare: ``insufficient`` is true and the values are null.
    The interval comes from simultaneous bootstrap intervals of the signed pairwise differences
    (log-ratios for the ratio), so it reaches parity (0, or 1 for the ratio) whenever the data
    cannot exclude it.
    """

    difference: float | None
    ratio: float | None
    ci_low: float | None
    ci_high: float | None
    ratio_ci_low: float | None
    ratio_ci_high: float | None
    groups: list[str]
    excluded: list[ExcludedGroup]
    insufficient: bool
    reason: str | None
    #: the group with the lowest and the highest value (of the compared metric behind the gap)
    low_group: str | None
    high_group: str | None
    #: the smallest denominator among the judged groups
    min_n: int | None


@dataclasses.dataclass(frozen=True)
class FairnessMetric(Result):
    """One metric compared across the groups of one sensitive feature.

    ``difference`` is max - min and ``ratio`` min / max over the groups, as fairlearn's
    ``MetricFrame.difference()`` / ``.ratio()``; for ``equalized_odds`` they are the worse of the
    TPR and FPR figures, as fairlearn's ``equalized_odds_difference`` / ``_ratio``.
    ``ci_low`` / ``ci_high`` bound the difference, ``ratio_ci_low`` / ``ratio_ci_high`` the ratio.
    Groups smaller than the minimum size are listed in ``insufficient_groups``.

    These all-group figures are fairlearn's (its functions are the oracle of the tests); verdicts
    and headlines use ``judged``, the same disparity over the groups whose rate has enough
    evidence (``denominator`` names what is counted, ``by_group_n`` its value in each group).
    """

    name: str
    sensitive_feature: str
    by_group: dict[str, float | None]
    by_group_ci: dict[str, Interval]
    difference: float | None
    ratio: float | None
    ci_low: float | None
    ci_high: float | None
    ratio_ci_low: float | None
    ratio_ci_high: float | None
    insufficient_groups: list[str]
    denominator: str = "rows"
    by_group_n: dict[str, int] = dataclasses.field(default_factory=dict)
    judged: JudgedGap | None = None


@dataclasses.dataclass(frozen=True, repr=False)
class FairnessResult(Result):
    """Group metrics and disparities per sensitive feature (and their intersection)."""

    sensitive_features: list[str]
    metrics: list[FairnessMetric]
    groups: list[GroupInfo]
    min_group_size: int
    confidence_level: float
    n_bootstrap: int
    seed: int


@dataclasses.dataclass(frozen=True)
class Distribution(Result):
    """Reference and current distribution of one column, for charts.

    Numeric: ``edges`` has one more entry than the counts. Categorical: ``categories`` names
    each count (capped to the most frequent, the rest summed under ``(other)``).
    """

    kind: str
    edges: list[float]
    categories: list[str]
    reference_counts: list[int]
    current_counts: list[int]


@dataclasses.dataclass(frozen=True)
class ColumnDrift(Result):
    """Drift of one column between the reference and the current data."""

    column: str
    role: str
    column_type: str
    method: str
    statistic: float | None
    threshold: float
    p_value: float | None
    p_value_adjusted: float | None
    drifted: bool
    psi: float | None
    n_reference: int
    n_current: int
    distribution: Distribution | None


@dataclasses.dataclass(frozen=True, repr=False)
class DriftResult(Result):
    """Per-column drift and the dataset-level verdict.

    ``columns`` are the features; ``prediction`` holds the prediction / score / target columns,
    reported on their own and not counted in ``share_drifted``.
    """

    columns: list[ColumnDrift]
    prediction: list[ColumnDrift]
    n_columns: int
    n_drifted: int
    share_drifted: float
    dataset_drift: bool
    drift_share_threshold: float
    correction: str
    n_reference: int
    n_current: int


@dataclasses.dataclass(frozen=True)
class ColumnQuality(Result):
    """Data-quality figures of one column of the current data."""

    column: str
    dtype: str
    column_type: str
    n_missing: int
    missing_share: float
    n_unique: int
    constant: bool
    type_mismatch_count: int
    out_of_range_count: int
    out_of_range_share: float | None
    unseen_categories: list[str]
    unseen_count: int


@dataclasses.dataclass(frozen=True)
class QualityIssue(Result):
    """A finding worth a reviewer's attention."""

    column: str | None
    kind: str
    severity: str
    message: str


@dataclasses.dataclass(frozen=True, repr=False)
class QualityResult(Result):
    """Data quality of the current data, against the reference when one is given."""

    n_rows: int
    n_columns: int
    duplicate_rows: int
    duplicate_row_share: float
    duplicated_columns: list[list[str]]
    columns: list[ColumnQuality]
    issues: list[QualityIssue]


