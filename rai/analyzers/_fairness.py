"""Fairness with fairlearn's semantics, uncertainty, and a minimum group size.

Group metrics, differences (max - min) and ratios (min / max) follow fairlearn's ``MetricFrame``
and its ``demographic_parity_*``, ``equalized_odds_*`` (worst case) and ``equal_opportunity_*``
functions, which the test suite uses as the oracle. They are computed here from per-group
confusion counts, the same code that evaluates the bootstrap replicates: fairlearn 0.15's
``MetricFrame`` takes about 10 s per sensitive feature on 200,000 rows, this takes a fraction of
a second. Confidence intervals come from a bootstrap stratified by group (each group resampled
within itself, so group sizes stay fixed and a small group never vanishes from a replicate); the
interval of a disparity is read from the signed pairwise differences (``_gaps.py``), so it reaches
parity when the data cannot exclude it.

A group is *judged* for a rate only when that rate's denominator reaches ``min_group_size``: rows
for a selection rate or accuracy, actual positives for a true-positive rate, actual negatives for
a false-positive rate. Each metric keeps fairlearn's all-group ``difference`` and ``ratio`` and
adds ``judged``, the disparity over the judged groups with the others listed and why; verdicts
and headlines use ``judged``, and it is insufficient evidence only when fewer than two groups
remain.
"""

from __future__ import annotations

import numpy as np

from rai._spec import ValidatedData
from rai.analyzers._base import Analyzer, check_param
from rai.analyzers._bootstrap import bootstrap, percentile_interval
from rai.analyzers._gaps import gap_interval
from rai.analyzers._groups import group_order, group_rows, sensitive_groupings
from rai.analyzers._metrics import _is_positive, make_stats
from rai.results import ExcludedGroup, FairnessMetric, FairnessResult, GroupInfo, Interval, JudgedGap

__all__ = ["FairnessAnalyzer", "GROUP_METRICS", "DISPARITIES"]

#: Per-group metrics by task: our name -> (fairlearn / scikit-learn function name)
GROUP_METRICS = {
    "binary": ("selection_rate", "true_positive_rate", "false_positive_rate", "accuracy"),
    "multiclass": ("accuracy",),
    "regression": ("mae", "mean_prediction"),
}

#: Disparity metrics of binary classification: name -> the group metrics it compares.
#: What each group rate divides by: a group is judged for a rate only when this reaches min_group_size.
DENOMINATORS = {
    "selection_rate": "rows",
    "accuracy": "rows",
    "true_positive_rate": "actual positives",
    "false_positive_rate": "actual negatives",
    "mae": "rows",
    "mean_prediction": "rows",
}

#: Metrics that are proportions in [0, 1].
RATES = frozenset({"selection_rate", "accuracy", "true_positive_rate", "false_positive_rate"})

GROUP_METRICS_ALL = frozenset(m for ms in GROUP_METRICS.values() for m in ms)

DISPARITIES = {
    "demographic_parity": ("selection_rate",),
    "equal_opportunity": ("true_positive_rate",),
    "equalized_odds": ("true_positive_rate", "false_positive_rate"),
}


class FairnessAnalyzer(Analyzer):
    """Group metrics and disparities for each sensitive feature and their intersection.

    Parameters
    ----------
    min_group_size:
        Groups with fewer rows are marked ``insufficient`` (their values are still shown).
    n_bootstrap:
        Bootstrap replicates for the intervals (0 turns them off).
    confidence_level:
        Coverage of the percentile intervals.
    intersection:
        Also analyse the intersection of all sensitive features when there are several.
    seed:
        Seed of the bootstrap.
    """

    name = "fairness"
    needs_target = True
    needs_sensitive = True

    def __init__(self, *, min_group_size: int = 30, n_bootstrap: int = 200, confidence_level: float = 0.95,
                 intersection: bool = True, seed: int = 0) -> None:
        self.min_group_size = min_group_size
        self.n_bootstrap = n_bootstrap
        self.confidence_level = confidence_level
        self.intersection = intersection
        self.seed = seed

    def _validate_params(self) -> None:
        owner = type(self).__name__
        check_param(owner, "min_group_size", self.min_group_size, "an int >= 1",
                    isinstance(self.min_group_size, int) and self.min_group_size >= 1)
        check_param(owner, "n_bootstrap", self.n_bootstrap, "an int >= 0",
                    isinstance(self.n_bootstrap, int) and self.n_bootstrap >= 0)
        check_param(owner, "confidence_level", self.confidence_level, "a float in (0, 1)",
                    isinstance(self.confidence_level, float) and 0 < self.confidence_level < 1)

    def compute(self, data: ValidatedData) -> FairnessResult:
        self._validate_params()
        rng = np.random.default_rng(self.seed)
        task = data.task
        if task == "binary":
            y = _is_positive(data.y_true, data.positive_label)
            p = _is_positive(data.y_pred, data.positive_label)
        else:
            y, p = data.y_true, data.y_pred
        metrics: list[FairnessMetric] = []
        groups: list[GroupInfo] = []
        groupings = sensitive_groupings(data, intersection=self.intersection)
        for feature, labels in groupings:
            order = group_order(labels)
            rows = group_rows(labels)
            insufficient = [g for g in order if len(rows[g]) < self.min_group_size]
            groups.extend(GroupInfo(sensitive_feature=feature, group=g, count=int(len(rows[g])),
                                    insufficient=g in insufficient) for g in order)
            counts = _denominators(task, y, rows, order)
            points, samples = self._group_samples(task, y, p, rows, order, rng, data)
            for name in GROUP_METRICS[task]:
                metrics.append(self._metric(name, (name,), feature, points, samples, order, counts, insufficient))
            if task == "binary":
                for name, parts in DISPARITIES.items():
                    metrics.append(self._metric(name, parts, feature, points, samples, order, counts, insufficient))
        return FairnessResult(
            sensitive_features=[f for f, _ in groupings],
            metrics=metrics,
            groups=groups,
            min_group_size=self.min_group_size,
            confidence_level=self.confidence_level,
            n_bootstrap=self.n_bootstrap,
            seed=self.seed,
        )

    def _group_samples(self, task, y, p, rows, order, rng, data):
        """Per group: point estimates and bootstrap replicates, each group resampled within itself."""
        points, samples = {}, {}
        for g in order:
            idx = rows[g]
            stats = make_stats(task, y[idx], p[idx], positive=True if task == "binary" else None,
                               classes=data.classes)
            points[g], samples[g] = bootstrap(stats.metrics, stats.atoms, self.n_bootstrap, rng)
        return points, samples

    def _metric(self, name, parts, feature, points, samples, order, counts, insufficient) -> FairnessMetric:
        """One metric over the groups of one feature: fairlearn's all-group figures, and the judged gap.

        A disparity of several compared metrics (equalized odds: TPR and FPR) is the worse of their
        gaps, as fairlearn's ``equalized_odds_difference`` / ``_ratio``.
        """
        spreads = [_point_spread(points, m, order) for m in parts]
        diffs = [d for d, _ in spreads if d is not None]
        ratios = [r for _, r in spreads if r is not None]
        difference = max(diffs) if len(diffs) == len(parts) else None
        ratio = min(ratios) if len(ratios) == len(parts) else None
        defined = [g for g in order if all(np.isfinite(points[g][m]) for m in parts)]
        lo, hi, rlo, rhi = self._gap_interval(parts, defined, points, samples, counts)
        single = len(parts) == 1
        denominator = " / ".join(DENOMINATORS[m] for m in parts)
        return FairnessMetric(
            name=name, sensitive_feature=feature,
            # the groups' values of the compared metric (selection rate, TPR) for the charts
            by_group={g: _finite(points[g][parts[0]]) for g in order} if single else {},
            by_group_ci={g: Interval(*percentile_interval(samples[g][name], self.confidence_level)) for g in order}
            if single and name in GROUP_METRICS_ALL else {},
            difference=difference, ratio=ratio, ci_low=lo, ci_high=hi, ratio_ci_low=rlo, ratio_ci_high=rhi,
            insufficient_groups=list(insufficient),
            denominator=denominator,
            by_group_n={g: int(counts[DENOMINATORS[parts[0]]][g]) for g in order} if single else {},
            judged=self._judged(parts, points, samples, order, counts),
        )

    def _gap_interval(self, parts, groups, points, samples, counts):
        if not self.n_bootstrap or len(groups) < 2:
            return None, None, None, None
        arrays = [(np.array([points[g][m] for g in groups], dtype=float),
                   np.vstack([samples[g][m] for g in groups]),
                   np.array([counts[DENOMINATORS[m]][g] for g in groups]))
                  for m in parts]
        return gap_interval(arrays, self.confidence_level, rate=all(m in RATES for m in parts))

    def _judged(self, parts, points, samples, order, counts) -> JudgedGap:
        """The disparity over the groups whose every compared rate has at least ``min_group_size`` in its denominator."""
        judged, excluded = [], []
        for g in order:
            short = [(m, int(counts[DENOMINATORS[m]][g])) for m in parts
                     if counts[DENOMINATORS[m]][g] < self.min_group_size or not np.isfinite(points[g][m])]
            if not short:
                judged.append(g)
                continue
            m, n = min(short, key=lambda s: s[1])
            excluded.append(ExcludedGroup(group=g, n=n, reason=f"{n} {DENOMINATORS[m]} < {self.min_group_size} ({_label(m)})"))
        if len(judged) < 2:
            why = (f"fewer than two groups have at least {self.min_group_size} "
                   f"{' and '.join(DENOMINATORS[m] for m in parts)} ({len(judged)} of {len(order)})")
            return JudgedGap(difference=None, ratio=None, ci_low=None, ci_high=None, ratio_ci_low=None,
                             ratio_ci_high=None, groups=judged, excluded=excluded, insufficient=True, reason=why,
                             low_group=None, high_group=None, min_n=None)
        spreads = []
        for m in parts:
            values = {g: float(points[g][m]) for g in judged}
            low_g, high_g = min(values, key=values.get), max(values, key=values.get)
            hi_v, lo_v = values[high_g], values[low_g]
            spreads.append((hi_v - lo_v, lo_v / hi_v if hi_v > 0 else None, low_g, high_g))
        worst = max(spreads, key=lambda s: s[0])
        ratios = [s[1] for s in spreads]
        lo, hi, rlo, rhi = self._gap_interval(parts, judged, points, samples, counts)
        return JudgedGap(
            difference=worst[0], ratio=None if None in ratios else min(ratios),
            ci_low=lo, ci_high=hi, ratio_ci_low=rlo, ratio_ci_high=rhi,
            groups=judged, excluded=excluded, insufficient=False, reason=None,
            low_group=worst[2], high_group=worst[3],
            min_n=min(int(counts[DENOMINATORS[m]][g]) for m in parts for g in judged),
        )


def _label(metric: str) -> str:
    return metric.replace("_", " ")


def _denominators(task, y, rows, order) -> dict[str, dict[str, int]]:
    """Per group, what each rate divides by: rows, actual positives, actual negatives."""
    out = {"rows": {g: len(rows[g]) for g in order}}
    if task == "binary":
        pos = {g: int(np.count_nonzero(y[rows[g]])) for g in order}
        out["actual positives"] = pos
        out["actual negatives"] = {g: len(rows[g]) - pos[g] for g in order}
    return out


def _point_spread(points, name, order) -> tuple[float | None, float | None]:
    """max - min and min / max of one metric over the groups whose value is defined."""
    values = np.array([points[g][name] for g in order], dtype=float)
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return None, None
    hi, lo = values.max(), values.min()
    return float(hi - lo), (float(lo / hi) if hi > 0 else None)


def _finite(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if np.isfinite(value) else None
