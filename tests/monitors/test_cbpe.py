"""Performance estimated without labels (CBPE) against hand-computed cases and realized values."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from rai._exceptions import DataContractError

from monitors._cbpe import CBPE


def _calibrated_reference(n: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Scores 0.2 and 0.8 whose label shares are exactly 0.2 and 0.8: isotonic calibration is the identity."""
    scores = np.r_[np.full(n, 0.2), np.full(n, 0.8)]
    labels = np.r_[np.arange(n) < 0.2 * n, np.arange(n) < 0.8 * n].astype(int)
    return labels, scores


def test_binary_estimates_match_the_hand_computed_expected_confusion_matrix():
    y, s = _calibrated_reference()
    est = CBPE(n_samples=50).fit(y, s)
    n8, n2 = 300, 700
    window = np.r_[np.full(n8, 0.8), np.full(n2, 0.2)]
    e = est.estimate(window)
    tp, fp, fn, tn = 0.8 * n8, 0.2 * n8, 0.2 * n2, 0.8 * n2
    assert e.get("accuracy").value == pytest.approx((tp + tn) / (n8 + n2))
    assert e.get("precision").value == pytest.approx(tp / (tp + fp))
    assert e.get("recall").value == pytest.approx(tp / (tp + fn))
    assert e.get("f1").value == pytest.approx(2 * tp / (2 * tp + fp + fn))
    # expected AUC: P(score of a positive > score of a negative) + half the ties, over the expected counts
    pos = {0.8: 0.8 * n8, 0.2: 0.2 * n2}
    neg = {0.8: 0.2 * n8, 0.2: 0.8 * n2}
    auc = (pos[0.8] * neg[0.2] + 0.5 * (pos[0.8] * neg[0.8] + pos[0.2] * neg[0.2])) / (sum(pos.values()) * sum(neg.values()))
    assert e.get("roc_auc").value == pytest.approx(auc)
    assert e.signals()["performance.estimated.accuracy"] == pytest.approx(0.8)
    for m in e.metrics:
        assert m.ci_low <= m.value <= m.ci_high and m.realized is None


def test_binary_interval_covers_the_realized_value_of_calibrated_scores():
    rng = np.random.default_rng(3)
    p_ref = rng.beta(2, 2, 20000)
    y_ref = (rng.random(20000) < p_ref).astype(int)
    est = CBPE(n_samples=200, seed=1).fit(y_ref, p_ref)
    covered = {m: 0 for m in ("accuracy", "precision", "recall", "f1", "roc_auc")}
    for k in range(20):
        p = rng.beta(3, 1.5, 2000)  # covariate shift: more high scores, same calibration
        y = (rng.random(2000) < p).astype(int)
        e = est.estimate(p, y_true=y)
        assert e.get("accuracy").realized == pytest.approx(skm.accuracy_score(y, p >= 0.5))
        assert e.get("roc_auc").realized == pytest.approx(skm.roc_auc_score(y, p))
        for m in e.metrics:
            covered[m.name] += m.ci_low <= m.realized <= m.ci_high
    assert all(c >= 16 for c in covered.values()), covered  # a 95% interval: 19 of 20 expected


def test_multiclass_estimates_approach_realized_values():
    rng = np.random.default_rng(0)

    def sample(n, shift):
        logits = rng.normal(size=(n, 3)) * 1.5 + np.array([shift, 0.0, -shift])
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        y = np.minimum((rng.random((n, 1)) > p.cumsum(axis=1)).sum(axis=1), 2)
        return np.array(["a", "b", "c"])[y], p

    y_ref, p_ref = sample(20000, 0.0)
    est = CBPE(n_samples=100).fit(y_ref, p_ref, classes=["a", "b", "c"])
    y, p = sample(20000, 1.0)
    e = est.estimate(p, y_true=y)
    assert e.task == "multiclass"
    pred = np.array(["a", "b", "c"])[p.argmax(axis=1)]
    oracle = {
        "accuracy": skm.accuracy_score(y, pred),
        "precision": skm.precision_score(y, pred, average="macro"),
        "recall": skm.recall_score(y, pred, average="macro"),
        "f1": skm.f1_score(y, pred, average="macro"),
        "roc_auc": skm.roc_auc_score(y, p, multi_class="ovr", average="macro"),
    }
    for name, value in oracle.items():
        m = e.get(name)
        assert m.realized == pytest.approx(value)
        assert abs(m.value - value) < 0.02, (name, m.value, value)


@pytest.mark.parametrize(
    ("y", "s", "message"),
    [
        (np.zeros(10), np.linspace(0, 1, 10), "calibration needs at least two"),
        (np.r_[np.zeros(5), np.ones(5)], np.linspace(0, 2, 10), "outside [0, 1]"),
        (np.r_[np.zeros(5), np.ones(5)], np.linspace(0, 1, 9), "y_true has 10 rows but scores has 9"),
        (np.r_[np.zeros(5), np.ones(3), np.full(2, 2)], np.linspace(0, 1, 10), "one score column needs a binary target"),
    ],
)
def test_bad_reference_is_a_clear_error(y, s, message):
    with pytest.raises(DataContractError, match=message.replace("[", r"\[").replace("]", r"\]")):
        CBPE().fit(y, s)


def test_bad_parameters_name_the_parameter():
    y, s = _calibrated_reference(100)
    with pytest.raises(DataContractError, match="The 'metrics' parameter of CBPE"):
        CBPE(metrics=("accuracy", "mcc")).fit(y, s)
    with pytest.raises(DataContractError, match="call fit"):
        CBPE().estimate(s)
