"""Performance estimated without labels: confidence-based performance estimation (CBPE).

NannyML's method, written on scikit-learn and numpy:

1. ``fit``: on the reference, where labels are known, the model's scores are calibrated by
   isotonic regression (per class, one-vs-rest, rows renormalised, for multiclass);
2. ``estimate``: in a window without labels each row's calibrated probability is the expected
   value of its label, so the expected confusion matrix is the sum of calibrated probabilities by
   predicted class. Accuracy, precision, recall and F1 follow from it; ROC AUC is the area under
   the expected ROC curve (every row counted as a positive with weight p and a negative with
   weight 1 - p). Multiclass metrics are macro averages, as in the performance analyzer.
3. the interval: labels are drawn from the calibrated probabilities ``n_samples`` times and each
   metric computed on every draw (percentile interval): the spread of the realized value that the
   calibrated scores imply for a window of this size.

The estimate holds while the relation between score and label stays as on the reference (pure
covariate shift). Concept drift is what it cannot see; that is why realized values are put
beside the estimates once labels arrive.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from rai._exceptions import DataContractError

__all__ = ["CBPE", "EstimatedMetric", "PerformanceEstimate", "METRICS"]

METRICS = ("accuracy", "precision", "recall", "f1", "roc_auc")


@dataclasses.dataclass(frozen=True)
class EstimatedMetric:
    """One estimated metric with its interval, and the realized value when labels are known."""

    name: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    realized: float | None = None


@dataclasses.dataclass(frozen=True)
class PerformanceEstimate:
    """Estimated performance of one window (``performance.estimated.<metric>``)."""

    task: str
    classes: tuple[Any, ...]
    n: int
    metrics: tuple[EstimatedMetric, ...]
    confidence: float
    n_samples: int
    reference: dict[str, float | None]
    method: str = "CBPE: isotonic calibration of the scores on the reference, expected confusion matrix"

    def get(self, name: str) -> EstimatedMetric:
        for m in self.metrics:
            if m.name == name:
                return m
        raise KeyError(name)

    def signals(self) -> dict[str, float | None]:
        """The estimates as monitor signals, ``performance.estimated.<metric>``."""
        return {f"performance.estimated.{m.name}": m.value for m in self.metrics}

    def metric_records(self) -> list[Any]:
        """The estimates as metric-stream records (path, value, interval, n)."""
        from rai.results._monitoring import _walk_estimates

        return list(_walk_estimates(self.to_dict()))

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task, "classes": [_plain(c) for c in self.classes], "n": self.n,
            "method": self.method, "confidence": self.confidence, "n_samples": self.n_samples,
            "reference": dict(self.reference),
            "metrics": {m.name: {"value": m.value, "ci_low": m.ci_low, "ci_high": m.ci_high, "realized": m.realized}
                        for m in self.metrics},
        }


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


class CBPE:
    """Confidence-based performance estimation for binary and multiclass classifiers.

    Parameters
    ----------
    metrics:
        Some of ``accuracy``, ``precision``, ``recall``, ``f1``, ``roc_auc``.
    threshold:
        Binary only: a score at or above it is predicted positive (when no predictions are given).
    n_samples:
        Label draws behind each interval.
    confidence:
        Level of the intervals.
    seed:
        Seed of the label draws.
    """

    def __init__(self, *, metrics: Sequence[str] = METRICS, threshold: float = 0.5, n_samples: int = 200,
                 confidence: float = 0.95, seed: int = 0) -> None:
        self.metrics = metrics
        self.threshold = threshold
        self.n_samples = n_samples
        self.confidence = confidence
        self.seed = seed

    # -- fitting -------------------------------------------------------------------------
    def fit(self, y_true: Any, scores: Any, *, classes: Sequence[Any] | None = None,
            positive_label: Any = None) -> CBPE:
        """Calibrate on the reference: its labels and the model's scores.

        ``scores`` is the positive-class probability (1-D, binary) or one column per class in
        the order of ``classes`` (2-D). ``classes`` defaults to the sorted labels of ``y_true``.
        """
        from sklearn.isotonic import IsotonicRegression

        self._check_params()
        y = np.asarray(y_true)
        s = np.asarray(scores, dtype=float)
        if len(y) != len(s):
            raise DataContractError(f"CBPE.fit: y_true has {len(y)} rows but scores has {len(s)}; expected the same.")
        _check_scores(s, "reference")
        found = np.unique(y)
        self.classes_ = tuple(classes) if classes is not None else tuple(found.tolist())
        if s.ndim == 2 and s.shape[1] == 2 and len(self.classes_) == 2:
            s = s[:, 1]
        unknown = [v for v in found.tolist() if v not in self.classes_]
        if unknown:
            raise DataContractError(f"CBPE.fit: labels {unknown[:5]!r} are not among the classes {list(self.classes_)!r}.")
        if len(self.classes_) < 2 or len(found) < 2:
            raise DataContractError(
                f"CBPE.fit: the reference labels hold {len(found)} class(es) ({found.tolist()[:5]!r}); "
                "calibration needs at least two.")
        if s.ndim == 1:
            if len(self.classes_) != 2:
                raise DataContractError(
                    f"CBPE.fit: one score column needs a binary target; got {len(self.classes_)} classes "
                    f"{list(self.classes_)[:10]!r} (pass one score column per class).")
            self.task_ = "binary"
            self.positive_ = positive_label if positive_label is not None else self.classes_[-1]
            if self.positive_ not in self.classes_:
                raise DataContractError(
                    f"CBPE.fit: positive_label {self.positive_!r} is not among the classes {list(self.classes_)!r}.")
            target = (y == self.positive_).astype(float)
            self.calibrators_ = [IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(s, target)]
        else:
            if s.shape[1] != len(self.classes_):
                raise DataContractError(
                    f"CBPE.fit: scores has {s.shape[1]} columns but there are {len(self.classes_)} classes "
                    f"{list(self.classes_)[:10]!r}; expected one column per class.")
            self.task_ = "multiclass"
            self.positive_ = None
            self.calibrators_ = [
                IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(s[:, j], (y == c).astype(float))
                for j, c in enumerate(self.classes_)
            ]
        self.reference_ = self._realized(y, s, self._predicted(s, None))
        return self

    def _check_params(self) -> None:
        bad = [m for m in self.metrics if m not in METRICS]
        if bad or not self.metrics:
            raise DataContractError(f"The 'metrics' parameter of CBPE must name some of {list(METRICS)}. Got {list(self.metrics)!r} instead.")
        if not 0.0 < float(self.confidence) < 1.0:
            raise DataContractError(f"The 'confidence' parameter of CBPE must be in (0, 1). Got {self.confidence!r} instead.")
        if int(self.n_samples) < 10:
            raise DataContractError(f"The 'n_samples' parameter of CBPE must be an integer >= 10. Got {self.n_samples!r} instead.")

    # -- estimating ----------------------------------------------------------------------
    def calibrated(self, scores: Any) -> np.ndarray:
        """Calibrated probabilities: of the positive class (binary), or rows summing to 1."""
        s = self._scores(scores)
        if self.task_ == "binary":
            return self.calibrators_[0].predict(s)
        p = np.column_stack([c.predict(s[:, j]) for j, c in enumerate(self.calibrators_)])
        total = p.sum(axis=1, keepdims=True)
        # a row whose every class calibrates to 0 keeps the model's own scores
        return np.where(total > 0, p / np.where(total > 0, total, 1.0), s / s.sum(axis=1, keepdims=True))

    def estimate(self, scores: Any, *, y_pred: Any = None, y_true: Any = None) -> PerformanceEstimate:
        """Estimated metrics of a window from its scores; realized ones too when ``y_true`` is given."""
        if not hasattr(self, "calibrators_"):
            raise DataContractError("CBPE.estimate: call fit(reference labels, reference scores) first.")
        s = self._scores(scores)
        if len(s) == 0:
            raise DataContractError("CBPE.estimate: the window has no rows; expected at least one.")
        pred = self._predicted(s, y_pred)
        p = self.calibrated(s)
        if self.task_ == "binary":
            point = _binary_expected(p, pred == self.classes_.index(self.positive_), s)
        else:
            point = _multiclass_expected(p, pred, s)
        draws = self._draws(p, pred, s)
        realized = None if y_true is None else self._realized(np.asarray(y_true), s, pred)
        alpha = (1.0 - self.confidence) / 2.0
        out = []
        for name in self.metrics:
            values = draws[name][np.isfinite(draws[name])]
            lo, hi = (None, None) if len(values) == 0 else (float(np.quantile(values, alpha)), float(np.quantile(values, 1 - alpha)))
            out.append(EstimatedMetric(name=name, value=_finite(point[name]), ci_low=lo, ci_high=hi,
                                       realized=None if realized is None else realized[name]))
        return PerformanceEstimate(
            task=self.task_, classes=self.classes_, n=len(s), metrics=tuple(out), confidence=float(self.confidence),
            n_samples=int(self.n_samples), reference={k: self.reference_[k] for k in self.metrics},
        )

    # -- helpers -------------------------------------------------------------------------
    def _scores(self, scores: Any) -> np.ndarray:
        s = np.asarray(scores, dtype=float)
        _check_scores(s, "window")
        if self.task_ == "binary":
            if s.ndim == 2 and s.shape[1] == 2:
                s = s[:, 1]
            if s.ndim != 1:
                raise DataContractError(f"CBPE: expected one score column (binary); got shape {s.shape}.")
        elif s.ndim != 2 or s.shape[1] != len(self.classes_):
            raise DataContractError(
                f"CBPE: expected {len(self.classes_)} score columns (one per class); got shape {s.shape}.")
        return s

    def _predicted(self, s: np.ndarray, y_pred: Any) -> np.ndarray:
        """Predicted class as an index into ``classes_``."""
        if y_pred is None:
            if self.task_ == "binary":
                pos = self.classes_.index(self.positive_)
                return np.where(s >= self.threshold, pos, 1 - pos)
            return np.argmax(s, axis=1)
        yp = np.asarray(y_pred)
        if len(yp) != len(s):
            raise DataContractError(f"CBPE: y_pred has {len(yp)} rows but scores has {len(s)}; expected the same.")
        return self._index(yp, "predictions")

    def _realized(self, y: np.ndarray, s: np.ndarray, pred: np.ndarray) -> dict[str, float | None]:
        from sklearn import metrics as skm

        yi = self._index(y, "labels")
        k = len(self.classes_)
        out: dict[str, float | None] = {"accuracy": float(skm.accuracy_score(yi, pred))}
        if self.task_ == "binary":
            kw: dict[str, Any] = {"pos_label": self.classes_.index(self.positive_), "zero_division": np.nan}
        else:
            kw = {"labels": list(range(k)), "average": "macro", "zero_division": np.nan}
        out["precision"] = _finite(skm.precision_score(yi, pred, **kw))
        out["recall"] = _finite(skm.recall_score(yi, pred, **kw))
        out["f1"] = _finite(skm.f1_score(yi, pred, **kw))
        if self.task_ == "binary":
            positive = yi == self.classes_.index(self.positive_)
            out["roc_auc"] = float(skm.roc_auc_score(positive, s)) if 0 < positive.sum() < len(yi) else None
        else:
            every = all(0 < np.sum(yi == j) < len(yi) for j in range(k))
            out["roc_auc"] = float(np.mean([skm.roc_auc_score(yi == j, s[:, j]) for j in range(k)])) if every else None
        return out

    def _index(self, values: Any, what: str) -> np.ndarray:
        """Labels as indices into ``classes_``."""
        v = np.asarray(values)
        index = {c: i for i, c in enumerate(self.classes_)}
        unknown = sorted({x for x in v.tolist() if x not in index}, key=str)
        if unknown:
            raise DataContractError(f"CBPE: {what} {unknown[:5]!r} are not among the classes {list(self.classes_)!r}.")
        return np.array([index[x] for x in v.tolist()], dtype=int)

    def _draws(self, p: np.ndarray, pred: np.ndarray, s: np.ndarray) -> dict[str, np.ndarray]:
        """Each metric realized on ``n_samples`` label vectors drawn from the calibrated probabilities."""
        from scipy.stats import rankdata

        rng = np.random.default_rng(self.seed)
        n_samples = int(self.n_samples)
        out = {m: np.empty(n_samples) for m in METRICS}
        if self.task_ == "binary":
            ranks = rankdata(s)
            predicted = pred == self.classes_.index(self.positive_)
            for b in range(n_samples):
                y = rng.random(len(p)) < p
                _binary_counts_into(out, b, y, predicted, ranks)
            return out
        k = len(self.classes_)
        cum = np.cumsum(p, axis=1)
        ranks = np.column_stack([rankdata(s[:, j]) for j in range(k)])
        for b in range(n_samples):
            u = rng.random((len(p), 1))
            y = np.minimum((u > cum).sum(axis=1), k - 1)
            cm = np.bincount(y * k + pred, minlength=k * k).reshape(k, k).astype(float)
            for name, v in _from_confusion(cm).items():
                out[name][b] = v
            aucs = []
            for j in range(k):
                pos = y == j
                n1 = int(pos.sum())
                n0 = len(y) - n1
                aucs.append((ranks[pos, j].sum() - n1 * (n1 + 1) / 2) / (n1 * n0) if n1 and n0 else np.nan)
            out["roc_auc"][b] = float(np.mean(aucs))
        return out


def _check_scores(s: np.ndarray, where: str) -> None:
    if s.ndim not in (1, 2):
        raise DataContractError(f"CBPE: {where} scores must be 1-D or 2-D; got shape {s.shape}.")
    bad = ~np.isfinite(s) | (s < 0) | (s > 1)
    if bad.any():
        raise DataContractError(
            f"CBPE: {where} scores hold {int(bad.sum())} value(s) outside [0, 1] or missing; expected probabilities.")


def _finite(v: Any) -> float | None:
    if v is None:
        return None
    v = float(v)
    return v if np.isfinite(v) else None


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else np.nan


def _binary_expected(p: np.ndarray, predicted: np.ndarray, s: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import roc_auc_score

    tp = float(p[predicted].sum())
    fp = float((1 - p[predicted]).sum())
    fn = float(p[~predicted].sum())
    tn = float((1 - p[~predicted]).sum())
    out = {
        "accuracy": (tp + tn) / len(p),
        "precision": _ratio(tp, tp + fp),
        "recall": _ratio(tp, tp + fn),
        "f1": _ratio(2 * tp, 2 * tp + fp + fn),
    }
    # the expected ROC curve: each row is a positive with weight p and a negative with weight 1 - p
    if p.sum() > 0 and (1 - p).sum() > 0:
        out["roc_auc"] = float(roc_auc_score(np.r_[np.ones(len(p)), np.zeros(len(p))], np.r_[s, s],
                                             sample_weight=np.r_[p, 1 - p]))
    else:
        out["roc_auc"] = np.nan
    return out


def _binary_counts_into(out: dict[str, np.ndarray], b: int, y: np.ndarray, predicted: np.ndarray,
                        ranks: np.ndarray) -> None:
    tp = float(np.sum(y & predicted))
    fp = float(np.sum(~y & predicted))
    fn = float(np.sum(y & ~predicted))
    n = len(y)
    out["accuracy"][b] = (n - fp - fn) / n
    out["precision"][b] = _ratio(tp, tp + fp)
    out["recall"][b] = _ratio(tp, tp + fn)
    out["f1"][b] = _ratio(2 * tp, 2 * tp + fp + fn)
    n1 = int(y.sum())
    n0 = n - n1
    # Mann-Whitney: the AUC from the rank sum of the positives (ties count one half)
    out["roc_auc"][b] = (ranks[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0) if n1 and n0 else np.nan


def _from_confusion(cm: np.ndarray) -> dict[str, float]:
    """Accuracy and macro precision / recall / F1 from a confusion matrix (rows true, columns predicted)."""
    diag = np.diag(cm)
    actual = cm.sum(axis=1)
    predicted = cm.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(predicted > 0, diag / predicted, np.nan)
        recall = np.where(actual > 0, diag / actual, np.nan)
        f1 = np.where(actual + predicted > 0, 2 * diag / (actual + predicted), np.nan)
    return {
        "accuracy": float(diag.sum() / cm.sum()),
        "precision": float(np.mean(precision)) if np.all(np.isfinite(precision)) else np.nan,
        "recall": float(np.mean(recall)) if np.all(np.isfinite(recall)) else np.nan,
        "f1": float(np.mean(f1)) if np.all(np.isfinite(f1)) else np.nan,
    }


def _multiclass_expected(p: np.ndarray, pred: np.ndarray, s: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import roc_auc_score

    k = p.shape[1]
    onehot = np.eye(k)[pred]
    out = _from_confusion(p.T @ onehot)  # expected counts: true class j, predicted class l
    aucs = []
    for j in range(k):
        pj = p[:, j]
        if pj.sum() <= 0 or (1 - pj).sum() <= 0:
            aucs.append(np.nan)
            continue
        aucs.append(roc_auc_score(np.r_[np.ones(len(pj)), np.zeros(len(pj))], np.r_[s[:, j], s[:, j]],
                                  sample_weight=np.r_[pj, 1 - pj]))
    out["roc_auc"] = float(np.mean(aucs))
    return out
