"""rai.plot draws what the results say: intervals, flags and ranks read back from the Axes."""

from __future__ import annotations

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

import rai.plot  # noqa: E402
from rai import DatasetSpec, assess  # noqa: E402
from rai._exceptions import ConfigError  # noqa: E402
from tests.conftest import make_binary  # noqa: E402


@pytest.fixture(scope="module")
def assessment():
    current = make_binary(2000, seed=8, bias=0.8)
    current["x1"] = current["x1"] + 1.0  # a shift the drift analyzer must flag
    spec = DatasetSpec(target="y", prediction="pred", score="score", sensitive=("group", "color"))
    return assess(current, spec=spec, reference=make_binary(2000, seed=9),
                  options={"performance": {"n_bootstrap": 20}, "fairness": {"n_bootstrap": 20}})


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_fairness_draws_each_group_with_its_interval(assessment):
    result = assessment.results.fairness
    ax = rai.plot.fairness(result, metric="false_positive_rate", sensitive_feature="group")
    metric = next(m for m in result.metrics if m.name == "false_positive_rate" and m.sensitive_feature == "group")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == list(metric.by_group)
    intervals = [tuple(line.get_xdata()) for line in ax.lines if len(line.get_xdata()) == 2]
    expected = [(metric.by_group_ci[g].low, metric.by_group_ci[g].high) for g in metric.by_group]
    assert intervals == pytest.approx(expected)
    points = [line.get_xdata()[0] for line in ax.lines if len(line.get_xdata()) == 1]
    assert points == pytest.approx(list(metric.by_group.values()))


def test_fairness_names_what_exists_when_asked_for_what_does_not(assessment):
    with pytest.raises(ConfigError, match=r"no metric 'recall' by 'group'; expected a metric from \[.*selection_rate"):
        rai.plot.fairness(assessment.results.fairness, metric="recall")


def test_drift_colours_exactly_the_drifted_columns(assessment):
    result = assessment.results.drift
    ax = rai.plot.drift(result)
    red = [mcolors.to_hex(bar.get_facecolor()) == "#c44e52" for bar in ax.patches]
    assert red == [c.drifted for c in result.columns]
    assert any(red)  # x1 was shifted by one standard deviation
    assert [bar.get_width() for bar in ax.patches] == pytest.approx([c.statistic for c in result.columns])


def test_error_cohorts_and_importance(assessment):
    errors = assessment.results.errors
    ax = rai.plot.error_cohorts(errors)
    assert [bar.get_width() for bar in ax.patches] == pytest.approx([c.error_rate for c in errors.cohorts])
    assert [t.get_text() for t in ax.get_yticklabels()] == [c.rule for c in errors.cohorts]
    from rai.results import ExplanationResult, FeatureImportance

    fake_ranks = [FeatureImportance(feature=f, importance=v, method="mean |SHAP|", rank=r, share=0.0)
                  for f, v, r in [("b", 0.2, 2), ("a", 0.5, 1), ("c", 0.1, 3)]]
    explanation = ExplanationResult.__new__(ExplanationResult)
    object.__setattr__(explanation, "global_importance", fake_ranks)
    ax = rai.plot.importance(explanation, top=2)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]
    with pytest.raises(ConfigError, match="'top' parameter of rai.plot.importance must be a positive integer"):
        rai.plot.importance(explanation, top=0)
