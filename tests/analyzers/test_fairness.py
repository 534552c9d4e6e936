"""Fairness figures against fairlearn's own functions and a published figure on UCI Adult."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fairlearn import metrics as flm

from rai._spec import DatasetSpec
from rai.analyzers._fairness import FairnessAnalyzer
from tests.conftest import make_binary


def _by(result, name, feature):
    (m,) = [m for m in result.metrics if m.name == name and m.sensitive_feature == feature]
    return m


def test_adult_label_parity_by_sex_is_the_published_figure(adult_csv):
    frame = pd.read_csv(adult_csv, skipinitialspace=True)
    frame["pred"] = frame["income-per-year"]
    spec = DatasetSpec(target="income-per-year", prediction="pred", sensitive=("sex",), positive_label=">50K")
    result = FairnessAnalyzer(n_bootstrap=50).compute(spec.validate(frame))
    dp = _by(result, "demographic_parity", "sex")
    assert dp.difference == pytest.approx(0.196276, abs=5e-7)
    assert dp.by_group["Female"] == pytest.approx(0.109461, abs=5e-7)
    assert dp.by_group["Male"] == pytest.approx(0.305737, abs=5e-7)
    assert dp.ci_low < dp.difference < dp.ci_high


@pytest.fixture
def biased():
    frame = make_binary(4000, seed=2, bias=1.0)
    spec = DatasetSpec(target="y", prediction="pred", score="score", sensitive=("group", "color"))
    return frame, spec.validate(frame)


def test_disparities_equal_fairlearn(biased):
    frame, data = biased
    result = FairnessAnalyzer(n_bootstrap=100).compute(data)
    y, p = frame.y, frame.pred
    for feature in ("group", "color"):
        sf = frame[feature]
        cases = {
            "demographic_parity": (flm.demographic_parity_difference(y, p, sensitive_features=sf),
                                   flm.demographic_parity_ratio(y, p, sensitive_features=sf)),
            "equalized_odds": (flm.equalized_odds_difference(y, p, sensitive_features=sf),
                               flm.equalized_odds_ratio(y, p, sensitive_features=sf)),
            "equal_opportunity": (flm.equal_opportunity_difference(y, p, sensitive_features=sf),
                                  flm.equal_opportunity_ratio(y, p, sensitive_features=sf)),
        }
        for name, (diff, ratio) in cases.items():
            m = _by(result, name, feature)
            assert m.difference == pytest.approx(diff, abs=1e-12), (name, feature)
            assert m.ratio == pytest.approx(ratio, abs=1e-12), (name, feature)
            assert m.ci_low <= m.difference <= m.ci_high
            assert m.ratio_ci_low <= m.ratio <= m.ratio_ci_high


def test_group_rates_equal_fairlearn_metricframe(biased):
    frame, data = biased
    result = FairnessAnalyzer(n_bootstrap=0).compute(data)
    mf = flm.MetricFrame(metrics={"tpr": flm.true_positive_rate, "fpr": flm.false_positive_rate},
                         y_true=frame.y, y_pred=frame.pred, sensitive_features=frame.group)
    tpr = _by(result, "true_positive_rate", "group")
    fpr = _by(result, "false_positive_rate", "group")
    for g in ("a", "b"):
        assert tpr.by_group[g] == pytest.approx(mf.by_group.loc[g, "tpr"])
        assert fpr.by_group[g] == pytest.approx(mf.by_group.loc[g, "fpr"])
    # without bootstrap there are no intervals, and that is said with nulls
    assert tpr.ci_low is None and tpr.by_group_ci["a"].low is None


def test_intersection_equals_fairlearn_on_two_features(biased):
    frame, data = biased
    result = FairnessAnalyzer(n_bootstrap=0).compute(data)
    sr = _by(result, "selection_rate", "group & color")
    mf = flm.MetricFrame(metrics=flm.selection_rate, y_true=frame.y, y_pred=frame.pred,
                         sensitive_features=frame[["group", "color"]])
    for (g, c), value in mf.by_group.items():
        assert sr.by_group[f"{g} & {c}"] == pytest.approx(value)
    assert sr.difference == pytest.approx(mf.difference())


def test_planted_bias_is_found_with_an_interval_that_excludes_zero(biased):
    _, data = biased
    dp = _by(FairnessAnalyzer(n_bootstrap=200).compute(data), "demographic_parity", "group")
    assert dp.difference > 0.1 and dp.ci_low > 0.05
    fair = make_binary(4000, seed=2, bias=0.0)
    spec = DatasetSpec(target="y", prediction="pred", sensitive=("group",))
    dp0 = _by(FairnessAnalyzer(n_bootstrap=200).compute(spec.validate(fair)), "demographic_parity", "group")
    assert dp0.ci_low < 0.05  # no planted bias: the interval reaches near zero


def test_small_groups_are_marked_insufficient():
    frame = make_binary(500, seed=4)
    frame.loc[0, "group"] = "lonely"  # a group of one row
    spec = DatasetSpec(target="y", prediction="pred", sensitive=("group",))
    result = FairnessAnalyzer(n_bootstrap=30, min_group_size=30).compute(spec.validate(frame))
    info = {g.group: g for g in result.groups}
    assert info["lonely"].count == 1 and info["lonely"].insufficient
    assert not info["a"].insufficient
    assert _by(result, "demographic_parity", "group").insufficient_groups == ["lonely"]


def test_missing_sensitive_values_form_their_own_group():
    frame = make_binary(300, seed=5)
    frame.loc[:9, "group"] = None
    spec = DatasetSpec(target="y", prediction="pred", sensitive=("group",))
    result = FairnessAnalyzer(n_bootstrap=0).compute(spec.validate(frame))
    assert {g.group: g.count for g in result.groups}["(missing)"] == 10


def test_string_labels_with_explicit_positive_label():
    frame = make_binary(1000, seed=6)
    frame["y"] = np.where(frame.y == 1, "hired", "rejected")
    frame["pred"] = np.where(frame.pred == 1, "hired", "rejected")
    spec = DatasetSpec(target="y", prediction="pred", sensitive=("group",), positive_label="hired")
    sr = _by(FairnessAnalyzer(n_bootstrap=0).compute(spec.validate(frame)), "selection_rate", "group")
    expected = frame.assign(h=frame.pred == "hired").groupby("group").h.mean()
    assert sr.by_group == pytest.approx(expected.to_dict())
