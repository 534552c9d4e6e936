"""Result shapes of the core analyzers: performance, fairness, drift, data quality.

Every result is a frozen dataclass with ``to_dict()`` / ``from_dict()``. Intervals are
``ci_low`` / ``ci_high`` pairs (bootstrap percentiles at ``confidence_level``); a value
that cannot be computed is ``None`` (``null`` in JSON), never NaN.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from rai._serialize import Result
from rai.results._stream import Metric, PathDoc, document_paths, register_section

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


@dataclasses.dataclass(frozen=True)
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


@dataclasses.dataclass(frozen=True)
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


@dataclasses.dataclass(frozen=True)
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


@dataclasses.dataclass(frozen=True)
class QualityResult(Result):
    """Data quality of the current data, against the reference when one is given."""

    n_rows: int
    n_columns: int
    duplicate_rows: int
    duplicate_row_share: float
    duplicated_columns: list[list[str]]
    columns: list[ColumnQuality]
    issues: list[QualityIssue]




# --------------------------------------------------------------------------------------------
# metric stream: the numbers of these sections, as the gate, the report and the monitor read them


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _ci(ci: Any) -> tuple[float | None, float | None]:
    ci = ci if isinstance(ci, dict) else {}
    return ci.get("low"), ci.get("high")


@register_section("performance")
def _walk_performance(perf: dict[str, Any]) -> Iterator[Metric]:
    n = perf.get("n_rows")
    rows = (("all rows", n, False),)
    yield Metric("performance.n_rows", n, n=n, n_effective=n, sizes=rows)
    cis = perf.get("ci") or {}
    for name, value in (perf.get("overall") or {}).items():
        yield Metric(f"performance.{name}", value, (), *_ci(cis.get(name)), n=n, n_effective=n, headline=True, sizes=rows)
    for row in perf.get("by_group") or []:
        quals = (("sensitive_feature", str(row.get("sensitive_feature"))), ("group", str(row.get("group"))))
        count = row.get("count")
        small = bool(row.get("insufficient"))
        label = f"{row.get('sensitive_feature')}={row.get('group')}"
        reason = f"group(s) too small to judge: {label} (n={count})" if small else None
        for name, value in (row.get("metrics") or {}).items():
            yield Metric(f"performance.by_group.{name}", value, quals, *_ci((row.get("ci") or {}).get(name)),
                         n=count, n_effective=count, insufficient=small, reason=reason, sizes=((label, count, small),))


@register_section("fairness")
def _walk_fairness(fair: dict[str, Any]) -> Iterator[Metric]:
    minimum = fair.get("min_group_size")
    counts = {(g.get("sensitive_feature"), g.get("group")): g.get("count") for g in fair.get("groups") or []}
    small_rows = {(g.get("sensitive_feature"), g.get("group")) for g in fair.get("groups") or [] if g.get("insufficient")}
    for m in fair.get("metrics") or []:
        name, feature = m.get("name"), m.get("sensitive_feature")
        quals = (("sensitive_feature", str(feature)),)
        groups = list(dict.fromkeys([*(g for (f, g) in counts if f == feature), *(m.get("by_group") or {}),
                                     *(m.get("insufficient_groups") or [])]))
        small = [g for g in groups if (feature, g) in small_rows or g in (m.get("insufficient_groups") or [])]
        row_sizes = tuple((f"{feature}={g}", counts.get((feature, g)), g in small) for g in groups)
        rows = sum(counts.get((feature, g)) or 0 for g in groups)
        judged = m.get("judged")
        if isinstance(judged, dict):
            left_out = {e.get("group"): e for e in judged.get("excluded") or []}
            common = dict(
                n=sum(counts.get((feature, g)) or 0 for g in judged.get("groups") or []),
                n_effective=judged.get("min_n"), insufficient=bool(judged.get("insufficient")),
                reason=judged.get("reason"), headline=True,
                excluded=tuple(f"{feature}={g}: {e.get('reason')}" for g, e in left_out.items()),
                sizes=tuple((f"{feature}={g}", left_out[g].get("n") if g in left_out else (m.get("by_group_n") or {}).get(g, counts.get((feature, g))),
                             g in left_out) for g in groups),
            )
            yield Metric(f"fairness.{name}.difference", judged.get("difference"), quals,
                         judged.get("ci_low"), judged.get("ci_high"), **common)
            yield Metric(f"fairness.{name}.ratio", judged.get("ratio"), quals,
                         judged.get("ratio_ci_low"), judged.get("ratio_ci_high"), **common)
        # fairlearn's figures over every group; any group too small makes them insufficient evidence
        reason = "group(s) too small to judge: " + ", ".join(f"{feature}={g} (n={counts.get((feature, g))})" for g in small) if small else None
        prefix = f"fairness.{name}.all_groups" if isinstance(judged, dict) else f"fairness.{name}"
        common = dict(n=rows, n_effective=min((c for _, c, _ in row_sizes if c is not None), default=None),
                      insufficient=bool(small), reason=reason, headline=not isinstance(judged, dict), sizes=row_sizes)
        yield Metric(f"{prefix}.difference", m.get("difference"), quals, m.get("ci_low"), m.get("ci_high"), **common)
        yield Metric(f"{prefix}.ratio", m.get("ratio"), quals, m.get("ratio_ci_low"), m.get("ratio_ci_high"), **common)
        by_n = m.get("by_group_n") or {}
        what = m.get("denominator") or "rows"
        for group, value in (m.get("by_group") or {}).items():
            n_rows = counts.get((feature, group))
            if group in by_n:
                n_eff = by_n[group]
                short = minimum is not None and n_eff < minimum
                why = (f"group(s) too small to judge: {feature}={group} (n={n_eff})" if what == "rows"
                       else f"too few {what} to judge {feature}={group}: {n_eff} < {minimum}")
            else:  # an assessment from before sufficiency per rate: rows decide
                n_eff, short = n_rows, group in small
                why = f"group(s) too small to judge: {feature}={group} (n={n_rows})"
            yield Metric(f"fairness.{name}.by_group", value, (*quals, ("group", str(group))),
                         *_ci((m.get("by_group_ci") or {}).get(group)), n=n_rows, n_effective=n_eff,
                         insufficient=bool(short), reason=why if short else None,
                         sizes=((f"{feature}={group}", n_eff, bool(short)),))


_DRIFT_SCALARS = ("share_drifted", "n_drifted", "n_columns", "dataset_drift", "drift_share_threshold")
_DRIFT_FIELDS = ("statistic", "p_value", "p_value_adjusted", "psi", "drifted", "threshold")


@register_section("drift")
def _walk_drift(drift: dict[str, Any]) -> Iterator[Metric]:
    n = drift.get("n_current")
    sizes = (("reference rows", drift.get("n_reference"), False), ("current rows", n, False))
    for name in _DRIFT_SCALARS:
        if name in drift:
            yield Metric(f"drift.{name}", drift[name], n=n, n_effective=n, sizes=sizes,
                         headline=name in ("share_drifted", "n_drifted", "dataset_drift"))
    outputs = [r for r in drift.get("prediction") or [] if isinstance(r, dict)]
    if outputs:
        yield Metric("drift.prediction_drift", any(r.get("drifted") for r in outputs if r.get("role") != "target"), n=n, n_effective=n, sizes=sizes)
        yield Metric("drift.target_drift", any(r.get("drifted") for r in outputs if r.get("role") == "target"), n=n, n_effective=n, sizes=sizes)
    for section in ("columns", "prediction"):
        for row in drift.get(section) or []:
            quals = (("column", str(row.get("column"))),)
            sizes = (("reference rows", row.get("n_reference"), False), ("current rows", row.get("n_current"), False))
            for field in _DRIFT_FIELDS:
                yield Metric(f"drift.{section}.{field}", row.get(field), quals, sizes=sizes,
                             n=row.get("n_current"), n_effective=min(row.get("n_current") or 0, row.get("n_reference") or 0))


_QUALITY_SCALARS = ("duplicate_row_share", "duplicate_rows", "n_rows", "n_columns")
_QUALITY_FIELDS = ("missing_share", "n_missing", "n_unique", "constant", "type_mismatch_count",
                   "out_of_range_count", "out_of_range_share", "unseen_count")


@register_section("quality")
def _walk_quality(quality: dict[str, Any]) -> Iterator[Metric]:
    n = quality.get("n_rows")
    sizes = (("rows", n, False),)
    for name in _QUALITY_SCALARS:
        if name in quality:
            yield Metric(f"quality.{name}", quality[name], n=n, n_effective=n, sizes=sizes, headline=name == "duplicate_row_share")
    cols = [c for c in quality.get("columns") or [] if isinstance(c, dict)]
    yield Metric("quality.max_missing_share", max((c.get("missing_share") or 0.0 for c in cols), default=0.0), n=n, n_effective=n, sizes=sizes)
    yield Metric("quality.max_out_of_range_share", max((c["out_of_range_share"] for c in cols if c.get("out_of_range_share") is not None), default=0.0),
                 n=n, n_effective=n, sizes=sizes)
    yield Metric("quality.unseen_categories", sum(int(c.get("unseen_count") or 0) for c in cols), n=n, n_effective=n, sizes=sizes)
    issues = [i for i in quality.get("issues") or [] if isinstance(i, dict)]
    yield Metric("quality.issues", len(issues), n=n, n_effective=n, sizes=sizes, headline=True)
    for row in quality.get("columns") or []:
        column = row.get("column")
        quals = (("column", str(column)),)
        yield Metric("quality.issues", sum(1 for i in issues if i.get("column") == column), quals, n=n, n_effective=n, sizes=sizes)
        for field in _QUALITY_FIELDS:
            if field in row:
                yield Metric(f"quality.columns.{field}", row[field], quals, n=n, n_effective=n, sizes=sizes)


_ROWS = "never (rows of the whole table)"
_GROUP_ROWS = "the group has fewer rows than `min_group_size`"
document_paths("performance", [
    PathDoc("performance.<metric>", (), "overall value: accuracy, precision, recall, f1, balanced_accuracy, roc_auc, log_loss, brier, ece; mae, rmse, r2 (regression); with bootstrap interval", _ROWS),
    PathDoc("performance.n_rows", (), "rows assessed", _ROWS),
    PathDoc("performance.by_group.<metric>", ("sensitive_feature", "group"), "the metric in one group, with its interval", _GROUP_ROWS),
])
document_paths("fairness", [
    PathDoc("fairness.<name>.difference", ("sensitive_feature",),
            "judged gap, max - min over the groups large enough to judge for this rate (`demographic_parity`, `equal_opportunity`, `equalized_odds` (worse of TPR and FPR), `selection_rate`, `true_positive_rate`, `false_positive_rate`, `accuracy`); the groups set aside are listed in `excluded`; interval from simultaneous signed pairwise differences (contains 0 when parity cannot be excluded)",
            "fewer than two groups reach `min_group_size` in the rate's denominator: rows (selection rate, accuracy), actual positives (TPR, equal opportunity), actual negatives (FPR)"),
    PathDoc("fairness.<name>.ratio", ("sensitive_feature",), "judged ratio, min / max over the same groups; interval from pairwise log-ratios (contains 1 when parity cannot be excluded)",
            "as the difference"),
    PathDoc("fairness.<name>.all_groups.difference", ("sensitive_feature",), "fairlearn's difference over every group (its `MetricFrame.difference()` / `*_difference` functions)",
            "any group has fewer rows than `min_group_size`"),
    PathDoc("fairness.<name>.all_groups.ratio", ("sensitive_feature",), "fairlearn's ratio over every group", "any group has fewer rows than `min_group_size`"),
    PathDoc("fairness.<name>.by_group", ("sensitive_feature", "group"), "the group's rate (selection rate, TPR, FPR, accuracy) with its interval; `n_effective` is the rate's denominator",
            "the rate's denominator in the group is below `min_group_size`"),
])
document_paths("drift", [
    PathDoc("drift.share_drifted", (), "share of feature columns that drifted", _ROWS),
    PathDoc("drift.n_drifted", (), "number of drifted feature columns", _ROWS),
    PathDoc("drift.n_columns", (), "feature columns compared", _ROWS),
    PathDoc("drift.dataset_drift", (), "true when the share drifted reaches `drift_share_threshold`", _ROWS),
    PathDoc("drift.drift_share_threshold", (), "the share that makes dataset drift (0.5, evidently's default)", _ROWS),
    PathDoc("drift.prediction_drift", (), "true when a prediction or score column drifted", _ROWS),
    PathDoc("drift.target_drift", (), "true when the target column drifted", _ROWS),
    PathDoc("drift.columns.<field>", ("column",), "a feature column's drift: statistic, p_value, p_value_adjusted, psi, drifted, threshold (the path may also name the column: `drift.columns.AGEP.statistic`)", _ROWS),
    PathDoc("drift.prediction.<field>", ("column",), "the same for the prediction, score and target columns", _ROWS),
])
document_paths("quality", [
    PathDoc("quality.duplicate_row_share", (), "share of rows that repeat an earlier row", _ROWS),
    PathDoc("quality.duplicate_rows", (), "rows that repeat an earlier row", _ROWS),
    PathDoc("quality.n_rows", (), "rows of the assessed table", _ROWS),
    PathDoc("quality.n_columns", (), "columns of the assessed table", _ROWS),
    PathDoc("quality.max_missing_share", (), "the largest missing share of any column", _ROWS),
    PathDoc("quality.max_out_of_range_share", (), "the largest share of values outside the reference's range, over numeric columns", _ROWS),
    PathDoc("quality.unseen_categories", (), "values of categories the reference never had, over all columns", _ROWS),
    PathDoc("quality.issues", ("column",), "number of quality issues: of the table, or of one column", _ROWS),
    PathDoc("quality.columns.<field>", ("column",), "missing_share, n_missing, n_unique, constant, type_mismatch_count, out_of_range_count, out_of_range_share, unseen_count", _ROWS),
])
