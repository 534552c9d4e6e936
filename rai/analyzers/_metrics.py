"""Metrics as functions of atom counts, so point estimates and bootstrap replicates share one code path.

Every ``*Stats`` object is built once from the rows of one table (or one group). It groups the
rows into *atoms*, rows that every metric treats alike (the confusion cells; with a score, rows
of one cell and one score value), and exposes ``atoms``, the atom of each row. ``metrics(A)``
then evaluates on a count matrix ``A`` of shape (atoms, replicates): the observed counts give
the point estimate, resampled counts give bootstrap replicates (``_bootstrap.resample``). All
work is matrix products and cumulative sums over whole columns: no per-row Python.

Each ``metrics(A)`` returns ``{name: array of shape (replicates,)}``; NaN marks an undefined
value (e.g. precision with no predicted positive), reported as ``null``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from scipy import sparse

__all__ = ["BinaryStats", "MulticlassStats", "RegressionStats", "make_stats", "ECE_BINS"]

#: Bins of the expected calibration error: ten equal-width bins of the score on [0, 1].
ECE_BINS = 10


def _div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / den
    return np.where(den > 0, out, np.nan)


def _onehot(codes: np.ndarray, n_codes: int) -> sparse.csr_matrix:
    """(n_codes, atoms) indicator matrix: ``_onehot(c, k) @ A`` sums the counts of each code."""
    n = len(codes)
    from scipy import sparse

    return sparse.csr_matrix((np.ones(n), (codes, np.arange(n))), shape=(n_codes, n))


def _atoms(*keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows equal in every key form one atom: (one representative row per atom, the atom of each row).

    Atoms are numbered in the order of ``np.lexsort(keys)``: by the last key, then the one before.
    """
    order = np.lexsort(keys)  # the one sort of the rows
    new = np.zeros(len(order), dtype=bool)
    new[:1] = True
    for key in keys:
        k = key[order]
        new[1:] |= k[1:] != k[:-1]
    atoms = np.empty(len(order), dtype=np.int64)
    atoms[order] = np.cumsum(new) - 1
    return order[new], atoms


def calibration_bin_index(score: np.ndarray, n_bins: int = ECE_BINS) -> np.ndarray:
    """Bin of each score: [0, 0.1), [0.1, 0.2), ..., [0.9, 1.0] (the last bin includes 1)."""
    return np.minimum((score * n_bins).astype(int), n_bins - 1)


class _Functionals:
    """Linear functionals of the atom counts, stacked into one sparse matrix.

    Every metric here is a function of a few count-weighted sums over atoms (cell counts, loss
    sums, positives and negatives per distinct score, calibration gaps per bin). Stacking them
    lets one sparse product ``M @ A`` read the count matrix once per chunk of replicates.
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self._rows: list[np.ndarray] = []
        self._cols: list[np.ndarray] = []
        self._data: list[np.ndarray] = []
        self.slices: dict[str, slice] = {}
        self._height = 0

    def add(self, name: str, codes: np.ndarray, n_codes: int, data: np.ndarray | float = 1.0,
            rows: np.ndarray | None = None) -> None:
        """Add ``n_codes`` sums: sum of ``data * count`` over the atoms (all, or ``rows``) with each code."""
        rows = np.arange(self.n) if rows is None else rows
        self._rows.append(self._height + np.asarray(codes)[rows] if np.ndim(codes) else np.full(len(rows), self._height + codes))
        self._cols.append(rows)
        self._data.append(np.broadcast_to(np.asarray(data, dtype=float), (self.n,))[rows])
        self.slices[name] = slice(self._height, self._height + n_codes)
        self._height += n_codes

    def build(self) -> sparse.csr_matrix:
        from scipy import sparse

        return sparse.csr_matrix(
            (np.concatenate(self._data), (np.concatenate(self._rows), np.concatenate(self._cols))),
            shape=(self._height, self.n),
        )


class BinaryStats:
    """Binary classification: confusion counts, and score metrics when a score is given."""

    task = "binary"

    def __init__(self, y_true: np.ndarray, y_pred: np.ndarray, score: np.ndarray | None = None) -> None:
        y = np.asarray(y_true, dtype=bool)
        cell = 2 * y.astype(int) + np.asarray(y_pred, dtype=bool).astype(int)  # tn, fp, fn, tp
        self.has_score = score is not None
        s = None if score is None else np.asarray(score, dtype=float)
        first, self.atoms = _atoms(cell) if s is None else _atoms(cell, s)  # atoms by ascending score
        y, cell = y[first], cell[first]
        f = _Functionals(len(first))
        f.add("cells", cell, 4)
        if s is not None:
            s = s[first]
            inv = np.cumsum(np.r_[True, s[1:] != s[:-1]]) - 1  # rank of the atom's score among distinct scores
            yf = y.astype(float)
            eps = np.finfo(float).eps  # as sklearn.metrics.log_loss
            sc = np.clip(s, eps, 1 - eps)
            f.add("log_loss", 0, 1, -(yf * np.log(sc) + (1 - yf) * np.log(1 - sc)))
            f.add("brier", 0, 1, (s - yf) ** 2)
            f.add("pos", inv, inv[-1] + 1, rows=np.flatnonzero(y))
            f.add("neg", inv, inv[-1] + 1, rows=np.flatnonzero(~y))
            f.add("gap", calibration_bin_index(s), ECE_BINS, s - yf)
        self._m = f.build()
        self._slices = f.slices

    def metrics(self, A: np.ndarray) -> dict[str, np.ndarray]:
        sums = self._m @ A
        part = {k: sums[v] for k, v in self._slices.items()}
        tn, fp, fn, tp = part["cells"]
        n = tn + fp + fn + tp
        out = {
            "accuracy": _div(tp + tn, n),
            "precision": _div(tp, tp + fp),
            "recall": _div(tp, tp + fn),
            "f1": _div(2 * tp, 2 * tp + fp + fn),
            "specificity": _div(tn, tn + fp),
            "false_positive_rate": _div(fp, fp + tn),
            "false_negative_rate": _div(fn, fn + tp),
            "selection_rate": _div(tp + fp, n),
            "base_rate": _div(tp + fn, n),
        }
        out["true_positive_rate"] = out["recall"]
        out["balanced_accuracy"] = (out["recall"] + out["specificity"]) / 2
        if self.has_score:
            out["log_loss"] = _div(part["log_loss"][0], n)
            out["brier"] = _div(part["brier"][0], n)
            out["roc_auc"] = _auc(part["pos"], part["neg"])
            # sum over bins of |n_b * (mean score_b - positive rate_b)|, over n
            out["calibration_error"] = _div(np.abs(part["gap"]).sum(axis=0), n)
        return out


def _auc(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """Mann-Whitney AUC from weighted positives / negatives per ascending distinct score, ties half."""
    # sum of pos * (negatives below + half the tied ones), without temporaries of the full size
    num = np.einsum("ij,ij->j", pos, np.cumsum(neg, axis=0)) - 0.5 * np.einsum("ij,ij->j", pos, neg)
    return _div(num, pos.sum(axis=0) * neg.sum(axis=0))


class MulticlassStats:
    """Multiclass classification from the K x K confusion matrix."""

    task = "multiclass"

    def __init__(self, y_true: np.ndarray, y_pred: np.ndarray, classes: tuple[Any, ...]) -> None:
        k = len(classes)
        cell = _codes(y_true, classes) * k + _codes(y_pred, classes)
        self.k = k
        first, self.atoms = _atoms(cell)
        self._cells = _onehot(cell[first], k * k)

    def metrics(self, A: np.ndarray) -> dict[str, np.ndarray]:
        k = self.k
        cm = (self._cells @ A).T.reshape(-1, k, k)  # (b, true, pred)
        n = cm.sum(axis=(1, 2))
        tp = np.diagonal(cm, axis1=1, axis2=2)
        support = cm.sum(axis=2)
        predicted = cm.sum(axis=1)
        recall = _div(tp, support)
        precision = _div(tp, predicted)
        with np.errstate(invalid="ignore"):
            f1 = _div(2 * tp, support + predicted)
        present = support > 0  # sklearn's macro average over labels present in y_true or y_pred
        labels = present | (predicted > 0)
        return {
            "accuracy": _div(tp.sum(axis=1), n),
            "balanced_accuracy": _nanmean_where(recall, present),
            "precision_macro": _nanmean_where(np.nan_to_num(precision), labels),
            "recall_macro": _nanmean_where(np.nan_to_num(recall), labels),
            "f1_macro": _nanmean_where(np.nan_to_num(f1), labels),
        }


def _codes(values: np.ndarray, classes: tuple[Any, ...]) -> np.ndarray:
    import pandas as pd

    return pd.Categorical(values, categories=list(classes)).codes.astype(int)


def _nanmean_where(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    total = np.where(mask, values, 0.0).sum(axis=1)
    return _div(total, mask.sum(axis=1).astype(float))


class RegressionStats:
    """Regression: MAE, RMSE, R2 and the mean prediction, from weighted sums."""

    task = "regression"

    def __init__(self, y_true: np.ndarray, y_pred: np.ndarray) -> None:
        y = np.asarray(y_true, dtype=float)
        p = np.asarray(y_pred, dtype=float)
        first, self.atoms = _atoms(p, y)  # one atom per distinct (target, prediction)
        y, p = y[first], p[first]
        err = p - y
        # columns: 1, |e|, e^2, y, y^2, prediction
        self._cols = np.vstack([np.ones_like(y), np.abs(err), err**2, y, y**2, p])

    def metrics(self, A: np.ndarray) -> dict[str, np.ndarray]:
        n, abs_err, sse, sum_y, sum_y2, sum_p = self._cols @ A
        mean_y = _div(sum_y, n)
        sst = sum_y2 - n * mean_y**2
        with np.errstate(invalid="ignore"):
            r2 = np.where(sst > 0, 1 - _div(sse, sst), np.nan)
        return {
            "mae": _div(abs_err, n),
            "rmse": np.sqrt(_div(sse, n)),
            "r2": r2,
            "mean_prediction": _div(sum_p, n),
            "mean_target": mean_y,
        }


def make_stats(task: str, y_true: np.ndarray, y_pred: np.ndarray, *, positive: Any = None,
               classes: tuple[Any, ...] = (), score: np.ndarray | None = None) -> BinaryStats | MulticlassStats | RegressionStats:
    """The stats object for a task, on label arrays as they come from the data."""
    if task == "binary":
        return BinaryStats(_is_positive(y_true, positive), _is_positive(y_pred, positive), score)
    if task == "multiclass":
        return MulticlassStats(y_true, y_pred, classes)
    return RegressionStats(y_true, y_pred)


def _is_positive(values: np.ndarray, positive: Any) -> np.ndarray:
    import pandas as pd

    out = np.asarray(values) == positive
    if isinstance(out, np.ndarray) and out.shape == np.shape(values) and out.any():
        return out.astype(bool)
    # labels of another type than the positive label (1 vs "1"): compare as text
    return (pd.Series(values).astype(str) == str(positive)).to_numpy()
