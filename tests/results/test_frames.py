"""Results as pandas tables and short reprs: checked against fairlearn and the results' own fields."""

from __future__ import annotations

import pytest

from rai import DatasetSpec, assess
from tests.conftest import make_binary


@pytest.fixture(scope="module")
def data():
    return make_binary(3000, seed=5, bias=0.6), make_binary(3000, seed=6)


@pytest.fixture(scope="module")
def assessment(data):
    current, reference = data
    spec = DatasetSpec(target="y", prediction="pred", score="score", sensitive=("group",))
    return assess(current, spec=spec, reference=reference,
                  options={"performance": {"n_bootstrap": 20}, "fairness": {"n_bootstrap": 20}})


def test_fairness_table_matches_fairlearn(assessment, data):
    from fairlearn.metrics import MetricFrame, selection_rate, true_positive_rate

    current, _ = data
    table = assessment.results.fairness.to_pandas()
    frame = MetricFrame(metrics={"selection_rate": selection_rate, "true_positive_rate": true_positive_rate},
                        y_true=current.y, y_pred=current.pred, sensitive_features=current.group)
    for metric in ("selection_rate", "true_positive_rate"):
        rows = table[(table.metric == metric) & (table.sensitive_feature == "group")].set_index("group")
        for group, expected in frame.by_group[metric].items():
            assert rows.loc[group, "value"] == pytest.approx(expected)
            assert rows.loc[group, "ci_low"] <= rows.loc[group, "value"] <= rows.loc[group, "ci_high"]
            assert rows.loc[group, "count"] == (current.group == group).sum()
    assert {"metric", "sensitive_feature", "group", "value", "ci_low", "ci_high", "insufficient"} <= set(table.columns)


def test_drift_quality_and_performance_tables(assessment, data):
    current, _ = data
    drift = assessment.results.drift.to_pandas()
    assert list(drift.column[drift.role == "feature"]) == [c.column for c in assessment.results.drift.columns]
    assert set(drift.column[drift.role != "feature"]) == {"pred", "score", "y"}
    assert drift.drifted.sum() == assessment.results.drift.n_drifted + sum(
        c.drifted for c in assessment.results.drift.prediction)
    quality = assessment.results.quality.to_pandas()
    assert set(quality.column) == set(current.columns)
    perf = assessment.results.performance.to_pandas()
    overall = perf[perf.group.isna()].set_index("metric")
    assert overall.loc["accuracy", "value"] == pytest.approx((current.y == current.pred).mean())


def test_errors_table_lists_the_cohorts(assessment):
    errors = assessment.results.errors
    table = errors.to_pandas()
    assert list(table["rule"]) == [c.rule for c in errors.cohorts]
    assert (table.error_rate == table.n_errors / table["size"]).all()


def test_reprs_are_one_screen(assessment):
    text = repr(assessment)
    assert len(text) < 2500 and len(text.splitlines()) < 25
    assert text.startswith("<Assessment: binary, 3,000 rows against 3,000 reference rows")
    assert "drift:" in text and "performance: accuracy" in text
    assert len(repr(assessment.results)) < 2000
    assert repr(assessment.results.drift).startswith("<DriftResult: ")
    assert len(assessment.to_json()) > 20 * len(text)  # the summary, not the whole document


def test_a_result_without_rows_says_so(assessment):
    with pytest.raises(TypeError, match="ConfusionMatrix has no rows to tabulate"):
        assessment.results.performance.confusion_matrix.to_pandas()


def test_assessment_table_is_the_metric_stream(assessment):
    from rai.results import metric_stream

    stream = metric_stream(assessment.to_dict())
    table = assessment.to_pandas()
    assert len(table) == len(stream)
    assert list(table.path) == [m.path for m in stream]
    assert {"path", "value", "ci_low", "ci_high", "n", "insufficient"} <= set(table.columns)
    accuracy = table[table.path == "performance.accuracy"]
    assert len(accuracy) == 1
    assert accuracy.value.iloc[0] == pytest.approx(assessment.results.performance.overall["accuracy"])
    assert "sensitive_feature" in table.columns  # qualifiers are columns
