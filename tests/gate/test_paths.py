"""Metric paths reach every number of the assessment; anything absent is an input error, never a pass.

Expected numbers are the hand-picked ones of ``conftest.py``.
"""

from __future__ import annotations

import pytest

from rai._exceptions import ConfigError
from rai.gate import iter_metrics, parse_policy, resolve

from .conftest import make_assessment, policy


def check(metric: str, **quals):
    return parse_policy(policy({"metric": metric, "op": ">=", "threshold": 0, **quals}), source="p.yaml").checks[0]


def values(doc, metric, **quals):
    return {m.label: (m.value, m.low, m.high) for m in resolve(doc, check(metric, **quals))}


def test_performance_overall_with_interval(assessment):
    (m,) = resolve(assessment, check("performance.accuracy"))
    assert (m.value, m.low, m.high) == (0.85, 0.83, 0.87)
    assert [(s.label, s.count) for s in m.sizes] == [("all rows", 1000)]
    assert values(assessment, "performance.log_loss") == {"overall": (None, None, None)}
    assert values(assessment, "performance.n_rows") == {"overall": (1000, None, None)}


def test_performance_by_group(assessment):
    (m,) = resolve(assessment, check("performance.by_group.accuracy", sensitive_feature="RACE", group="C"))
    assert m.value == pytest.approx(0.70) and m.sizes[0].count == 20 and m.sizes[0].insufficient
    every = values(assessment, "performance.by_group.accuracy", sensitive_feature="SEX")
    assert {k: v[0] for k, v in every.items()} == {"SEX=1": 0.86, "SEX=2": 0.84}
    assert len(resolve(assessment, check("performance.by_group.accuracy"))) == 5  # every group of every feature


def test_fairness_disparity_and_groups(assessment):
    (m,) = resolve(assessment, check("fairness.demographic_parity.ratio", sensitive_feature="SEX"))
    assert m.value == pytest.approx(0.35 / 0.50) and (m.low, m.high) == pytest.approx((0.6, 0.8))
    assert [(s.label, s.count, s.insufficient) for s in m.sizes] == [("SEX=1", 520, False), ("SEX=2", 480, False)]
    (d,) = resolve(assessment, check("fairness.demographic_parity.difference", sensitive_feature="SEX"))
    assert d.value == pytest.approx(0.15) and (d.low, d.high) == pytest.approx((0.09, 0.21))
    # equalized odds has no per-group values: the groups involved come from fairness.groups
    (eo,) = resolve(assessment, check("fairness.equalized_odds.difference", sensitive_feature="RACE"))
    assert [s.label for s in eo.insufficient_sizes] == ["RACE=C"]
    both = resolve(assessment, check("fairness.demographic_parity.ratio"))
    assert [m.label for m in both] == ["SEX", "RACE"]


def test_fairness_by_group(assessment):
    (m,) = resolve(assessment, check("fairness.selection_rate.by_group", sensitive_feature="RACE", group="B"))
    assert (m.value, m.low, m.high) == pytest.approx((0.42, 0.38, 0.46))
    assert len(resolve(assessment, check("fairness.selection_rate.by_group", sensitive_feature="RACE"))) == 3


def test_drift_paths(assessment):
    assert values(assessment, "drift.share_drifted")["dataset"][0] == pytest.approx(1 / 3)
    assert values(assessment, "drift.dataset_drift")["dataset"][0] is False
    assert values(assessment, "drift.columns.SCHL.statistic") == {"column SCHL": (0.15, None, None)}
    assert values(assessment, "drift.columns.drifted", column="SCHL") == {"column SCHL": (True, None, None)}
    assert set(values(assessment, "drift.columns.psi")) == {"column AGEP", "column SCHL", "column MAR"}
    assert values(assessment, "drift.prediction.statistic") == {"column prediction": (0.01, None, None)}


def test_quality_paths(assessment):
    assert values(assessment, "quality.duplicate_row_share") == {"table": (0.01, None, None)}
    assert values(assessment, "quality.issues") == {"table": (1, None, None)}
    assert values(assessment, "quality.issues", column="SCHL") == {"column SCHL": (0, None, None)}
    assert values(assessment, "quality.columns.missing_share", column="AGEP") == {"column AGEP": (0.03, None, None)}


def test_errors_paths(assessment):
    (m,) = resolve(assessment, check("errors.worst_cohort.error_rate"))
    assert m.value == 0.40 and m.label == "cohort AGEP > 60" and m.sizes[0].count == 100
    assert values(assessment, "errors.worst_cohort.size") == {"cohort AGEP > 60": (100, None, None)}
    assert len(resolve(assessment, check("errors.cohorts.error_rate"))) == 2
    assert values(assessment, "errors.error_rate") == {"errors": (0.15, None, None)}
    # no cohort (all predictions right): nothing to judge, which is not bad input
    assessment["results"]["errors"].update(cohorts=[], status="no_errors", message="no errors to analyse")
    assert values(assessment, "errors.worst_cohort.error_rate") == {"no cohorts (no errors to analyse)": (None, None, None)}


def test_explanations_rank_and_importance(assessment):
    assert values(assessment, "explanations.rank_of", feature="SEX") == {"SEX by shap": (3, None, None)}
    assert values(assessment, "explanations.rank_of", feature="AGEP") == {"AGEP by shap": (1, None, None)}
    assert values(assessment, "explanations.importance_of", feature="RACE") == {"RACE by shap": (0.05, None, None)}
    (share,) = resolve(assessment, check("explanations.share_of", feature="SEX"))
    assert share.value == pytest.approx(0.10 / (0.30 + 0.20 + 0.10 + 0.05 + 0.01))
    # ties share the better rank (competition ranking), and each method is its own number
    assessment["results"]["explanations"]["global_importance"] += [
        {"feature": "SEX", "importance": 0.5, "method": "ebm"},
        {"feature": "AGEP", "importance": 0.5, "method": "ebm"},
        {"feature": "MAR", "importance": 0.7, "method": "ebm"},
    ]
    assert values(assessment, "explanations.rank_of", feature="SEX") == {"SEX by shap": (3, None, None), "SEX by ebm": (2, None, None)}
    assert values(assessment, "explanations.rank_of", feature="SEX", method="ebm") == {"SEX by ebm": (2, None, None)}


ABSENT = [
    ("performance.acuracy", {}, "performance metric 'acuracy' is not in the assessment; did you mean 'accuracy'?"),
    ("performance.by_group.accuracy", {"sensitive_feature": "sex"}, "sensitive feature 'sex' is not in the assessment; did you mean 'SEX'?"),
    ("performance.by_group.accuracy", {"sensitive_feature": "SEX", "group": "3"}, "group of 'SEX' '3' is not in the assessment (it has ['1', '2'])"),
    ("fairness.demographic_parity.ratio", {"sensitive_feature": "AGE"}, "sensitive feature of fairness.demographic_parity 'AGE' is not in the assessment"),
    ("fairness.statistical_parity.ratio", {}, "fairness metric 'statistical_parity' is not in the assessment"),
    ("fairness.selection_rate.by_group", {"sensitive_feature": "SEX", "group": "x"}, "group of 'SEX' 'x' is not in the assessment"),
    ("drift.columns.AGE.statistic", {}, "drift column 'AGE' is not in the assessment; did you mean 'AGEP'?"),
    ("quality.columns.missing_share", {"column": "nope"}, "quality column 'nope' is not in the assessment"),
    ("explanations.rank_of", {"feature": "ZIP"}, "feature 'ZIP' is not in the assessment"),
    ("explanations.rank_of", {"feature": "SEX", "method": "lime"}, "explanation method 'lime' is not in the assessment (it has ['shap'])"),
    ("errors.mean_error", {}, "number of the errors result 'mean_error' is not in the assessment"),
]


@pytest.mark.parametrize("metric,quals,message", ABSENT, ids=[a[0] + str(a[1]) for a in ABSENT])
def test_absent_things_are_input_errors_naming_check_and_path(assessment, metric, quals, message):
    c = check(metric, **quals)
    with pytest.raises(ConfigError) as exc:
        resolve(assessment, c)
    assert str(exc.value).startswith(f"check 1 ({c.name!r}, {metric}): ")
    assert message in str(exc.value)


def test_missing_result_slot_says_why_the_analyzer_did_not_run():
    doc = make_assessment(with_extras=False)
    doc["results"]["notes"] = [{"analyzer": "explanations", "level": "skipped", "message": "needs a model (--model)"}]
    with pytest.raises(ConfigError, match=r"the assessment has no explanations result: the explanations analyzer did not run \(skipped: needs a model \(--model\)\)"):
        resolve(doc, check("explanations.rank_of", feature="SEX"))
    doc["results"]["drift"] = None
    with pytest.raises(ConfigError, match="has no drift result"):
        resolve(doc, check("drift.share_drifted"))


def test_iter_metrics_enumerates_every_number(assessment):
    found = {m.label: m for m in iter_metrics(assessment)}
    assert found["performance.accuracy"].value == 0.85 and found["performance.accuracy"].headline
    assert found["performance.by_group.accuracy (sensitive_feature=RACE, group=C)"].value == pytest.approx(0.70)
    assert found["fairness.demographic_parity.ratio (sensitive_feature=SEX)"].ci_low == pytest.approx(0.6)
    assert found["drift.share_drifted"].value == pytest.approx(1 / 3)
    assert found["drift.columns.statistic (column=SCHL)"].value == 0.15
    assert found["quality.issues"].value == 1
    assert found["errors.worst_cohort.error_rate"].value == 0.40
    assert found["explanations.rank_of (feature=SEX, method=shap)"].value == 3
