"""Bootstrap by atom counts against a brute-force row bootstrap (numpy), within Monte-Carlo tolerance."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import rankdata

from rai.analyzers._bootstrap import FEW_ATOMS, bootstrap, resample
from rai.analyzers._metrics import BinaryStats, MulticlassStats

B = 4000


def _rows_bootstrap(n: int, metric, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.array([metric(rng.integers(0, n, n)) for _ in range(B)])


def _close(count_reps: np.ndarray, row_reps: np.ndarray, tol: float) -> None:
    for q in (0.025, 0.5, 0.975):
        assert np.nanquantile(count_reps, q) == pytest.approx(np.nanquantile(row_reps, q), abs=tol)
    assert np.nanstd(count_reps) == pytest.approx(np.nanstd(row_reps), rel=0.06)


@pytest.fixture
def cells():
    # tn, fp, fn, tp of 400 rows, shuffled
    y = np.repeat([0, 0, 1, 1], [150, 40, 60, 150]).astype(bool)
    p = np.repeat([0, 1, 0, 1], [150, 40, 60, 150]).astype(bool)
    order = np.random.default_rng(0).permutation(len(y))
    return y[order], p[order]


def test_confusion_counts_are_resampled_as_cells(cells):
    y, p = cells
    stats = BinaryStats(y, p)
    assert len(np.bincount(stats.atoms)) * FEW_ATOMS <= len(y)  # the count path, not rows
    _, reps = bootstrap(stats.metrics, stats.atoms, B, np.random.default_rng(1))
    oracles = {
        "accuracy": lambda i: np.mean(y[i] == p[i]),
        "precision": lambda i: y[i][p[i]].mean(),
        "recall": lambda i: p[i][y[i]].mean(),
        "f1": lambda i: 2 * np.sum(y[i] & p[i]) / (np.sum(y[i]) + np.sum(p[i])),
        "balanced_accuracy": lambda i: (p[i][y[i]].mean() + (~p[i][~y[i]]).mean()) / 2,
        "false_positive_rate": lambda i: p[i][~y[i]].mean(),
    }
    for name, metric in oracles.items():
        _close(reps[name], _rows_bootstrap(len(y), metric, seed=2), tol=0.006)


def test_counts_have_the_row_bootstrap_mean_and_covariance(cells):
    y, p = cells
    atoms = BinaryStats(y, p).atoms
    counts = np.hstack(list(resample(atoms, B, np.random.default_rng(3))))
    rng = np.random.default_rng(4)
    rows = np.array([np.bincount(atoms[rng.integers(0, len(y), len(y))], minlength=4) for _ in range(B)]).T
    assert counts.sum(axis=0).tolist() == [len(y)] * B
    np.testing.assert_allclose(counts.mean(axis=1), rows.mean(axis=1), atol=0.5)
    np.testing.assert_allclose(np.cov(counts), np.cov(rows), atol=6.0)  # variances about 40 to 100


def test_score_metrics_resample_rows_and_match_a_row_bootstrap():
    rng = np.random.default_rng(5)
    y = rng.random(300) < 0.4
    s = np.clip(0.4 + 0.25 * (y - 0.4) + 0.2 * rng.standard_normal(300), 0, 1)
    stats = BinaryStats(y, s >= 0.5, s)
    assert len(np.bincount(stats.atoms)) * FEW_ATOMS > len(y)  # distinct scores: the row path
    _, reps = bootstrap(stats.metrics, stats.atoms, B, np.random.default_rng(6))
    def auc(i):  # Mann-Whitney, ties counted half
        pos = y[i].sum()
        return (rankdata(s[i])[y[i]].sum() - pos * (pos + 1) / 2) / (pos * (len(i) - pos))

    _close(reps["roc_auc"], _rows_bootstrap(len(y), auc, seed=7), tol=0.01)
    _close(reps["brier"], _rows_bootstrap(len(y), lambda i: np.mean((s[i] - y[i]) ** 2), seed=8), tol=0.004)


def test_multiclass_counts_match_a_row_bootstrap():
    rng = np.random.default_rng(9)
    yt = rng.integers(0, 3, 600)
    yp = np.where(rng.random(600) < 0.7, yt, rng.integers(0, 3, 600))
    stats = MulticlassStats(yt, yp, (0, 1, 2))
    _, reps = bootstrap(stats.metrics, stats.atoms, B, np.random.default_rng(10))
    def f1_macro(i):
        cm = np.bincount(yt[i] * 3 + yp[i], minlength=9).reshape(3, 3)
        return np.mean(2 * np.diag(cm) / (cm.sum(axis=0) + cm.sum(axis=1)))

    oracle = _rows_bootstrap(len(yt), f1_macro, seed=11)
    _close(reps["f1_macro"], oracle, tol=0.006)


def test_same_seed_same_replicates(cells):
    y, p = cells
    stats = BinaryStats(y, p)
    a = bootstrap(stats.metrics, stats.atoms, 50, np.random.default_rng(12))[1]
    b = bootstrap(stats.metrics, stats.atoms, 50, np.random.default_rng(12))[1]
    assert all(np.array_equal(a[k], b[k], equal_nan=True) for k in a)

