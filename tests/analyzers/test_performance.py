"""Performance metrics against scikit-learn (the oracle), intervals against a plain resampling loop."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from rai._spec import DatasetSpec
from rai.analyzers._performance import PerformanceAnalyzer
from rai._exceptions import ConfigError
from tests.conftest import make_binary


@pytest.fixture
def validated():
    frame = make_binary(3000, seed=1)
    spec = DatasetSpec(target="y", prediction="pred", score="score", sensitive=("group",))
    return frame, spec.validate(frame)


def test_binary_metrics_equal_sklearn(validated):
    frame, data = validated
    result = PerformanceAnalyzer(n_bootstrap=50).compute(data)
    y, p, s = frame.y, frame.pred, frame.score
    o = result.overall
    assert o["accuracy"] == pytest.approx(skm.accuracy_score(y, p), abs=1e-12)
    assert o["precision"] == pytest.approx(skm.precision_score(y, p), abs=1e-12)
    assert o["recall"] == pytest.approx(skm.recall_score(y, p), abs=1e-12)
    assert o["f1"] == pytest.approx(skm.f1_score(y, p), abs=1e-12)
    assert o["balanced_accuracy"] == pytest.approx(skm.balanced_accuracy_score(y, p), abs=1e-12)
    assert o["roc_auc"] == pytest.approx(skm.roc_auc_score(y, s), abs=1e-12)
    assert o["log_loss"] == pytest.approx(skm.log_loss(y, s), rel=1e-9)
    assert o["brier"] == pytest.approx(skm.brier_score_loss(y, s), rel=1e-9)
    assert result.confusion_matrix.matrix == skm.confusion_matrix(y, p).tolist()


def test_auc_with_ties_equals_sklearn():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 500)
    s = np.round(rng.random(500), 1)  # many ties
    import pandas as pd

    frame = pd.DataFrame({"y": y, "p": (s > 0.5).astype(int), "s": s})
    data = DatasetSpec(target="y", prediction="p", score="s").validate(frame)
    result = PerformanceAnalyzer(n_bootstrap=0).compute(data)
    assert result.overall["roc_auc"] == pytest.approx(skm.roc_auc_score(y, s), abs=1e-12)


def test_calibration_error_hand_computed():
    import pandas as pd

    # bins [0.1,0.2): scores 0.1, 0.1 with labels 0, 1 -> |0.1 - 0.5| * 2; bin [0.9,1]: 0.9, 1.0 with 1, 1 -> |0.95 - 1| * 2
    frame = pd.DataFrame({"y": [0, 1, 1, 1], "s": [0.1, 0.1, 0.9, 1.0]})
    frame["p"] = (frame.s >= 0.5).astype(int)
    data = DatasetSpec(target="y", prediction="p", score="s").validate(frame)
    result = PerformanceAnalyzer(n_bootstrap=0).compute(data)
    assert result.overall["calibration_error"] == pytest.approx((0.4 * 2 + 0.05 * 2) / 4)
    assert [b.count for b in result.calibration if b.count] == [2, 2]


def test_bootstrap_interval_matches_a_plain_resampling_loop(validated):
    frame, data = validated
    result = PerformanceAnalyzer(n_bootstrap=400, seed=7).compute(data)
    rng = np.random.default_rng(123)
    y, p = frame.y.to_numpy(), frame.pred.to_numpy()
    accs = []
    for _ in range(400):
        i = rng.integers(0, len(y), len(y))
        accs.append((y[i] == p[i]).mean())
    low, high = np.quantile(accs, [0.025, 0.975])
    ci = result.ci["accuracy"]
    assert ci.low == pytest.approx(low, abs=0.004)
    assert ci.high == pytest.approx(high, abs=0.004)
    assert ci.low < result.overall["accuracy"] < ci.high


def test_group_metrics_and_sizes(validated):
    frame, data = validated
    result = PerformanceAnalyzer(n_bootstrap=20, min_group_size=1500).compute(data)
    by = {g.group: g for g in result.by_group}
    for name, g in by.items():
        part = frame[frame.group == name]
        assert g.count == len(part)
        assert g.metrics["accuracy"] == pytest.approx(skm.accuracy_score(part.y, part.pred))
        assert g.insufficient == (len(part) < 1500)
    assert by["a"].insufficient is False and by["b"].insufficient is True


def test_seed_makes_intervals_reproducible(validated):
    _, data = validated
    a = PerformanceAnalyzer(n_bootstrap=50, seed=5).compute(data)
    b = PerformanceAnalyzer(n_bootstrap=50, seed=5).compute(data)
    assert a.to_dict() == b.to_dict()


def test_multiclass_equals_sklearn():
    import pandas as pd

    rng = np.random.default_rng(0)
    y = rng.choice(["cat", "dog", "emu"], 600)
    p = np.where(rng.random(600) < 0.7, y, rng.choice(["cat", "dog", "emu"], 600))
    data = DatasetSpec(target="y", prediction="p").validate(pd.DataFrame({"y": y, "p": p}))
    result = PerformanceAnalyzer(n_bootstrap=0).compute(data)
    assert result.task == "multiclass"
    assert result.overall["accuracy"] == pytest.approx(skm.accuracy_score(y, p))
    assert result.overall["f1_macro"] == pytest.approx(skm.f1_score(y, p, average="macro"))
    assert result.overall["precision_macro"] == pytest.approx(skm.precision_score(y, p, average="macro"))
    assert result.overall["balanced_accuracy"] == pytest.approx(skm.balanced_accuracy_score(y, p))


def test_regression_equals_sklearn():
    import pandas as pd

    rng = np.random.default_rng(0)
    y = rng.normal(50, 10, 800)
    p = y + rng.normal(0, 3, 800)
    data = DatasetSpec(target="y", prediction="p").validate(pd.DataFrame({"y": y, "p": p}))
    result = PerformanceAnalyzer(n_bootstrap=30).compute(data)
    assert result.task == "regression"
    assert result.overall["mae"] == pytest.approx(skm.mean_absolute_error(y, p))
    assert result.overall["rmse"] == pytest.approx(np.sqrt(skm.mean_squared_error(y, p)))
    assert result.overall["r2"] == pytest.approx(skm.r2_score(y, p))
    assert result.confusion_matrix is None


@pytest.mark.parametrize("param, value", [("n_bootstrap", -1), ("confidence_level", 1.5), ("min_group_size", 0)])
def test_bad_parameters_are_named(validated, param, value):
    _, data = validated
    with pytest.raises(ConfigError, match=rf"The '{param}' parameter of PerformanceAnalyzer must be .* Got {value!r} instead"):
        PerformanceAnalyzer(**{param: value}).compute(data)
