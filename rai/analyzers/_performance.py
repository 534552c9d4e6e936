"""Performance: overall and per sensitive group, with bootstrap confidence intervals."""

from __future__ import annotations

import numpy as np

from rai._spec import ValidatedData
from rai.analyzers._base import Analyzer, check_param
from rai.analyzers._bootstrap import bootstrap, percentile_interval
from rai.analyzers._groups import group_order, group_rows, sensitive_groupings
from rai.analyzers._metrics import ECE_BINS, calibration_bin_index, make_stats
from rai.results import CalibrationBin, ConfusionMatrix, GroupPerformance, Interval, PerformanceResult

__all__ = ["PerformanceAnalyzer"]

#: Metrics reported per task, in display order.
TASK_METRICS = {
    "binary": ("accuracy", "precision", "recall", "f1", "balanced_accuracy", "specificity",
               "false_positive_rate", "false_negative_rate", "selection_rate", "base_rate",
               "roc_auc", "log_loss", "brier", "calibration_error"),
    "multiclass": ("accuracy", "balanced_accuracy", "precision_macro", "recall_macro", "f1_macro"),
    "regression": ("mae", "rmse", "r2", "mean_prediction", "mean_target"),
}


class PerformanceAnalyzer(Analyzer):
    """Task metrics overall and per group of each sensitive feature.

    Parameters
    ----------
    n_bootstrap:
        Bootstrap replicates for the confidence intervals (0 turns intervals off).
    confidence_level:
        Coverage of the percentile intervals.
    min_group_size:
        Groups with fewer rows are reported but marked ``insufficient``.
    seed:
        Seed of the bootstrap.
    """

    name = "performance"
    needs_target = True

    def __init__(self, *, n_bootstrap: int = 200, confidence_level: float = 0.95,
                 min_group_size: int = 30, seed: int = 0) -> None:
        self.n_bootstrap = n_bootstrap
        self.confidence_level = confidence_level
        self.min_group_size = min_group_size
        self.seed = seed

    def _validate_params(self) -> None:
        owner = type(self).__name__
        check_param(owner, "n_bootstrap", self.n_bootstrap, "an int >= 0",
                    isinstance(self.n_bootstrap, int) and self.n_bootstrap >= 0)
        check_param(owner, "confidence_level", self.confidence_level, "a float in (0, 1)",
                    isinstance(self.confidence_level, float) and 0 < self.confidence_level < 1)
        check_param(owner, "min_group_size", self.min_group_size, "an int >= 1",
                    isinstance(self.min_group_size, int) and self.min_group_size >= 1)

    def compute(self, data: ValidatedData) -> PerformanceResult:
        self._validate_params()
        rng = np.random.default_rng(self.seed)
        task = data.task
        names = TASK_METRICS[task]
        y, p, s = data.y_true, data.y_pred, data.y_score

        def evaluate(rows: np.ndarray | None) -> tuple[dict[str, float | None], dict[str, Interval]]:
            sel = slice(None) if rows is None else rows
            stats = make_stats(task, y[sel], p[sel], positive=data.positive_label, classes=data.classes,
                               score=None if s is None else s[sel])
            point, samples = bootstrap(stats.metrics, stats.atoms, self.n_bootstrap, rng)
            overall = {k: _finite(point[k]) for k in names if k in point}
            ci = {}
            for k in overall:
                low, high = percentile_interval(samples[k], self.confidence_level)
                ci[k] = Interval(low=low, high=high)
            return overall, ci

        overall, ci = evaluate(None)
        by_group = []
        for feature, labels in sensitive_groupings(data):
            rows = group_rows(labels)
            for group in group_order(labels):
                idx = rows[group]
                metrics, group_ci = evaluate(idx)
                by_group.append(GroupPerformance(
                    sensitive_feature=feature, group=group, count=int(len(idx)),
                    insufficient=len(idx) < self.min_group_size, metrics=metrics, ci=group_ci,
                ))
        return PerformanceResult(
            task=task,
            n_rows=data.n_rows,
            positive_label=None if data.positive_label is None else str(data.positive_label),
            overall=overall,
            ci=ci,
            by_group=by_group,
            confusion_matrix=_confusion(data),
            calibration=_calibration(data),
            confidence_level=self.confidence_level,
            n_bootstrap=self.n_bootstrap,
            seed=self.seed,
        )


def _finite(value: float) -> float | None:
    return value if np.isfinite(value) else None


def _confusion(data: ValidatedData) -> ConfusionMatrix | None:
    if data.task == "regression":
        return None
    import pandas as pd

    labels = list(data.classes)
    t = pd.Categorical(data.y_true, categories=labels).codes
    p = pd.Categorical(data.y_pred, categories=labels).codes
    k = len(labels)
    matrix = np.bincount(t * k + p, minlength=k * k).reshape(k, k)
    return ConfusionMatrix(labels=[str(v) for v in labels], matrix=matrix.tolist())


def _calibration(data: ValidatedData) -> list[CalibrationBin]:
    s = data.y_score
    if s is None or data.task != "binary":
        return []
    y = (data.y_true == data.positive_label).astype(float)
    bins = calibration_bin_index(s)
    count = np.bincount(bins, minlength=ECE_BINS)
    sum_s = np.bincount(bins, weights=s, minlength=ECE_BINS)
    sum_y = np.bincount(bins, weights=y, minlength=ECE_BINS)
    out = []
    for b in range(ECE_BINS):
        c = int(count[b])
        out.append(CalibrationBin(
            low=b / ECE_BINS, high=(b + 1) / ECE_BINS, count=c,
            mean_score=float(sum_s[b] / c) if c else None,
            positive_rate=float(sum_y[b] / c) if c else None,
        ))
    return out
