"""Decisions: every operator on the point and on the interval, severities, insufficient evidence, baselines.

The assessment's accuracy is 0.85 with interval [0.83, 0.87] (conftest.py), so each expected
outcome below can be checked by hand.
"""

from __future__ import annotations

import json

import pytest

from rai._exceptions import ConfigError
from rai.gate import FAIL, INSUFFICIENT, PASS, SKIPPED, compare, evaluate, parse_policy

from .conftest import make_assessment, policy


def run(doc, *checks, baseline=None, **top):
    return evaluate(parse_policy(policy(*checks, **top)), doc, baseline=baseline)


def one(doc, baseline=None, **check):
    check.setdefault("metric", "performance.accuracy")
    (result,) = run(doc, check, baseline=baseline).results
    return result


POINT = [
    (">=", 0.85, PASS), (">=", 0.86, FAIL),
    (">", 0.84, PASS), (">", 0.85, FAIL),
    ("<=", 0.85, PASS), ("<=", 0.84, FAIL),
    ("<", 0.86, PASS), ("<", 0.85, FAIL),
    ("==", 0.85, PASS), ("==", 0.80, FAIL),
    ("!=", 0.80, PASS), ("!=", 0.85, FAIL),
]


@pytest.mark.parametrize("op,threshold,expected", POINT)
def test_every_operator_on_the_point_estimate(assessment, op, threshold, expected):
    r = one(assessment, op=op, threshold=threshold)
    assert r.outcome == expected
    assert r.effect == ("pass" if expected == PASS else "fail")
    assert r.reason == f"0.85 {'meets' if expected == PASS else 'fails'} {op} {threshold:g}"


CI = [
    # op, threshold, point outcome, interval outcome: fail only when all of [0.83, 0.87] is on the wrong side
    (">=", 0.86, FAIL, PASS), (">=", 0.88, FAIL, FAIL),
    (">", 0.86, FAIL, PASS), (">", 0.87, FAIL, FAIL),
    ("<=", 0.84, FAIL, PASS), ("<=", 0.82, FAIL, FAIL),
    ("<", 0.84, FAIL, PASS), ("<", 0.83, FAIL, FAIL),
    ("==", 0.86, FAIL, PASS), ("==", 0.90, FAIL, FAIL),
    ("!=", 0.85, FAIL, PASS),
    (">=", 0.80, PASS, PASS),
]


@pytest.mark.parametrize("op,threshold,point,interval", CI)
def test_every_operator_on_the_interval(assessment, op, threshold, point, interval):
    assert one(assessment, op=op, threshold=threshold).outcome == point
    r = one(assessment, op=op, threshold=threshold, decide_on="ci")
    assert r.outcome == interval
    if point == FAIL and interval == PASS:
        assert "but its interval [0.83, 0.87] reaches it (decide_on: ci)" in r.reason
    if interval == FAIL:
        assert r.reason.startswith("the whole interval [0.83, 0.87] fails")


def test_ci_on_a_single_point_interval_for_not_equal(assessment):
    assessment["results"]["performance"]["ci"]["accuracy"] = {"low": 0.85, "high": 0.85}
    assert one(assessment, op="!=", threshold=0.85, decide_on="ci").outcome == FAIL


def test_ci_without_an_interval_falls_back_to_the_point_and_says_so(assessment):
    r = one(assessment, metric="drift.share_drifted", op="<", threshold=0.3, decide_on="ci")
    assert r.outcome == FAIL
    assert r.reason == "no interval in the assessment, decided on the point estimate: 0.3333 fails < 0.3"


def test_severity_warn_reports_but_does_not_block(assessment):
    v = run(assessment, {"metric": "performance.accuracy", "op": ">=", "threshold": 0.9, "severity": "warn"})
    (r,) = v.results
    assert (r.outcome, r.effect, v.passed, v.exit_code) == (FAIL, "warn", True, 0)
    assert v.counts == {"checks": 1, "passed": 0, "failed": 1, "insufficient": 0, "skipped": 0, "blocking": 0, "warnings": 1}
    v = run(assessment, {"metric": "performance.accuracy", "op": ">=", "threshold": 0.9})
    assert (v.passed, v.exit_code, v.status) == (False, 1, "failed")


@pytest.mark.parametrize(
    "on_insufficient,severity,effect,exit_code",
    [("fail", "error", "fail", 1), ("fail", "warn", "warn", 0), ("warn", "error", "warn", 0),
     ("warn", "warn", "warn", 0), ("pass", "error", "pass", 0), ("pass", "warn", "pass", 0)],
)
def test_insufficient_evidence_and_its_effect(assessment, on_insufficient, severity, effect, exit_code):
    check = {"metric": "performance.by_group.accuracy", "sensitive_feature": "RACE", "group": "C", "op": ">=",
             "threshold": 0.8, "on_insufficient": on_insufficient, "severity": severity}
    v = run(assessment, check)
    (r,) = v.results
    # 0.70 < 0.80 would fail, but group C has 20 rows, below the minimum of 30: not judged
    assert r.outcome == INSUFFICIENT
    assert r.reason == "RACE=C: group(s) too small to judge: RACE=C (n=20)"
    assert (r.effect, v.exit_code) == (effect, exit_code)


def test_a_disparity_involving_an_insufficient_group_is_insufficient(assessment):
    r = one(assessment, metric="fairness.demographic_parity.ratio", sensitive_feature="RACE", op=">=", threshold=0.8)
    assert r.outcome == INSUFFICIENT and "RACE=C (n=20)" in r.reason
    r = one(assessment, metric="fairness.demographic_parity.ratio", sensitive_feature="SEX", op=">=", threshold=0.8)
    assert r.outcome == FAIL and r.reason == "SEX: 0.7 fails >= 0.8"


def test_null_value_is_insufficient(assessment):
    r = one(assessment, metric="performance.log_loss", op="<=", threshold=0.5, on_insufficient="fail")
    assert (r.outcome, r.effect) == (INSUFFICIENT, "fail")
    assert r.reason == "the value could not be computed (null in the assessment)"


def test_every_group_must_pass_and_the_worst_is_shown(assessment):
    r = one(assessment, metric="performance.by_group.accuracy", sensitive_feature="SEX", op=">=", threshold=0.85)
    assert r.outcome == FAIL and r.shown.measurement.label == "SEX=2"
    assert r.reason == "SEX=2: 0.84 fails >= 0.85 (1 of 2 is fail)"
    r = one(assessment, metric="performance.by_group.accuracy", sensitive_feature="SEX", op=">=", threshold=0.80)
    assert r.outcome == PASS and r.shown.measurement.label == "SEX=2"  # the closest to the bound
    # a failure anywhere beats insufficient evidence elsewhere
    r = one(assessment, metric="fairness.demographic_parity.ratio", op=">=", threshold=0.8)
    assert r.outcome == FAIL and [d.outcome for d in r.details] == [FAIL, INSUFFICIENT]


# -- baseline -------------------------------------------------------------------------------


def test_baseline_tolerance_greater_equal(assessment):
    tol = {"op": ">=", "baseline_tolerance": 0.01}
    # 0.85 >= 0.86 - 0.01 holds exactly (floating-point rounding must not flip it)
    r = one(assessment, baseline=make_assessment(accuracy=0.86), **tol)
    assert r.outcome == PASS and r.reason == "0.85 meets >= 0.85 (baseline 0.86 - 0.01)"
    r = one(assessment, baseline=make_assessment(accuracy=0.87), **tol)
    assert r.outcome == FAIL and r.reason == "0.85 fails >= 0.86 (baseline 0.87 - 0.01)"
    r = one(assessment, baseline=make_assessment(accuracy=0.87), decide_on="ci", **tol)
    assert r.outcome == PASS  # the interval [0.83, 0.87] reaches 0.86
    r = one(assessment, baseline=make_assessment(accuracy=0.89), decide_on="ci", **tol)
    assert r.outcome == FAIL and r.reason.startswith("the whole interval [0.83, 0.87] fails >= 0.88")


def test_baseline_tolerance_less_equal_and_within(assessment):
    base = make_assessment()
    eo = next(m for m in base["results"]["fairness"]["metrics"] if m["name"] == "equalized_odds" and m["sensitive_feature"] == "SEX")
    check = {"metric": "fairness.equalized_odds.difference", "sensitive_feature": "SEX", "op": "<=", "baseline_tolerance": 0.01}
    eo["difference"] = 0.06  # candidate 0.08 > 0.06 + 0.01: the model got less fair
    assert one(assessment, baseline=base, **check).outcome == FAIL
    eo["difference"] = 0.075
    r = one(assessment, baseline=base, **check)
    assert r.outcome == PASS and r.reason == "SEX: 0.08 meets <= 0.085 (baseline 0.075 + 0.01)"
    within = {"op": "==", "baseline_tolerance": 0.02}
    assert one(assessment, baseline=make_assessment(accuracy=0.87), **within).outcome == PASS
    r = one(assessment, baseline=make_assessment(accuracy=0.871), **within)
    assert r.outcome == FAIL and r.reason == "0.85 fails within 0.02 of baseline 0.871"


def test_baseline_check_without_baseline_is_skipped_but_its_path_is_still_checked(assessment):
    v = run(assessment, {"metric": "performance.accuracy", "op": ">=", "baseline_tolerance": 0.01})
    (r,) = v.results
    assert (r.outcome, r.effect, v.exit_code) == (SKIPPED, "skip", 0)
    with pytest.raises(ConfigError, match="performance metric 'acc' is not in the assessment"):
        run(assessment, {"metric": "performance.acc", "op": ">=", "baseline_tolerance": 0.01})


def test_baseline_missing_a_named_group_is_an_input_error(assessment):
    base = make_assessment()
    base["results"]["performance"]["by_group"] = [g for g in base["results"]["performance"]["by_group"] if g["group"] != "2"]
    check = {"metric": "performance.by_group.accuracy", "sensitive_feature": "SEX", "group": "2", "op": ">=", "baseline_tolerance": 0.01}
    with pytest.raises(ConfigError, match=r"group of 'SEX' '2' is not in the baseline assessment \(it has \['1'\]\)"):
        one(assessment, baseline=base, **check)
    # without naming the group, a group the baseline lacks cannot be compared: insufficient evidence
    del check["group"]
    r = one(assessment, baseline=base, **check)
    assert r.outcome == INSUFFICIENT and r.reason.startswith("SEX=2: the baseline has no value for it")


def test_insufficient_group_in_the_baseline_makes_the_comparison_insufficient(assessment):
    base = make_assessment()
    for g in base["results"]["performance"]["by_group"]:
        if g["sensitive_feature"] == "SEX" and g["group"] == "2":
            g["insufficient"], g["count"] = True, 12
    r = one(assessment, baseline=base, metric="performance.by_group.accuracy", sensitive_feature="SEX", group="2",
            op=">=", baseline_tolerance=0.01)
    assert r.outcome == INSUFFICIENT and "SEX=2 (n=12)" in r.reason


def test_champion_comparison_pairs_every_shared_number(assessment):
    base = make_assessment(accuracy=0.87, acc_ci=(0.85, 0.89), sex_rates=(0.5, 0.45))
    rows = {r.label: r for r in compare(assessment, base)}
    acc = rows["performance.accuracy"]
    assert (acc.baseline, acc.value, acc.delta) == (0.87, 0.85, pytest.approx(-0.02))
    assert (acc.baseline_low, acc.baseline_high, acc.low, acc.high) == (0.85, 0.89, 0.83, 0.87)
    dp = rows["fairness.demographic_parity.ratio (sensitive_feature=SEX)"]
    assert (dp.baseline, dp.value) == (pytest.approx(0.9), pytest.approx(0.7))
    assert rows["explanations.rank_of (feature=SEX, method=shap)"].delta == 0
    # numbers only one side has are left out
    base["results"]["performance"]["overall"]["brier"] = 0.1
    assert "performance.brier" not in {r.label for r in compare(assessment, base)}
    ordered = compare(assessment, base)
    assert all(r.headline for r in ordered[: sum(r.headline for r in ordered)])


def test_verdict_json_is_complete_and_strict_json(assessment):
    v = run(assessment,
            {"name": "floor", "metric": "performance.accuracy", "op": ">=", "threshold": 0.9},
            {"name": "groups", "metric": "performance.by_group.accuracy", "sensitive_feature": "RACE", "op": ">=", "threshold": 0.5},
            baseline=make_assessment(accuracy=0.8), name="p")
    data = json.loads(json.dumps(v.to_dict(), allow_nan=False))
    assert data["status"] == "failed" and data["exit_code"] == 1
    floor, groups = data["checks"]
    assert floor["value"] == 0.85 and floor["interval"] == [0.83, 0.87] and floor["bound"] == {"op": ">=", "threshold": 0.9}
    assert floor["sizes"] == [{"label": "all rows", "count": 1000, "insufficient": False}]
    assert groups["outcome"] == INSUFFICIENT and len(groups["measurements"]) == 3
    assert {s["label"]: s["count"] for s in groups["sizes"]} == {"RACE=A": 600, "RACE=B": 380, "RACE=C": 20}
    assert any(r["metric"] == "performance.accuracy" and r["delta"] == pytest.approx(0.05) for r in data["comparison"])


@pytest.mark.parametrize(
    "metric,quals,op,threshold,expected",
    [
        ("drift.dataset_drift", {}, "==", False, PASS),
        ("drift.dataset_drift", {}, "!=", False, FAIL),
        ("drift.columns.drifted", {}, "==", False, FAIL),  # SCHL drifted
        ("drift.columns.drifted", {"column": "AGEP"}, "==", False, PASS),
    ],
)
def test_boolean_numbers(assessment, metric, quals, op, threshold, expected):
    r = one(assessment, metric=metric, op=op, threshold=threshold, **quals)
    assert r.outcome == expected
    if metric == "drift.columns.drifted" and not quals:
        assert r.reason == "column SCHL: true fails == false (1 of 3 is fail)"
