"""The plain context: statuses from intervals, orientation of the heat map, ordering, summaries."""

from __future__ import annotations

import pytest

from rai.report import build_context
from rai.report._context import Limits, _heatmap
from tests.report.conftest import build_assessment


def _policy(threshold):
    from rai.gate import parse_policy

    return parse_policy({"version": 1, "checks": [
        {"name": "parity", "metric": "fairness.demographic_parity.ratio", "op": ">=", "threshold": threshold, "on_insufficient": "pass"},
        {"name": "drift", "metric": "drift.share_drifted", "op": "<", "threshold": 0.5, "severity": "warn"}]})


def test_every_status_is_the_policys_verdict_not_a_threshold_of_the_report():
    doc = build_assessment()
    strict, lenient = build_context(doc, policy=_policy(0.999)), build_context(doc, policy=_policy(0.0))
    for ctx, expected in ((strict, "attention"), (lenient, "ok")):
        dp = [m for f in ctx["fairness"]["features"] for m in f["metrics"] if m["name"] == "demographic_parity"]
        assert {m["status"] for m in dp} <= {expected, "insufficient"} and expected in {m["status"] for m in dp}
        assert ctx["fairness"]["status"] == expected
        assert [c["name"] for c in ctx["verdicts"]["checks"]] == ["parity", "drift"]
    assert strict["fairness"]["findings"] and not lenient["fairness"]["findings"]
    # a metric no check judges is information, not a verdict
    sel = [m for f in strict["fairness"]["features"] for m in f["metrics"] if m["name"] == "selection_rate"]
    assert {m["status"] for m in sel} == {"info"}
    import rai.report._context as context_module
    assert not any(hasattr(context_module, n) for n in ("DISPARITY_DIFFERENCE", "DISPARITY_RATIO", "_disparity_status"))


def test_worst_group_depends_on_the_direction_of_the_metric():
    ctx = build_context(build_assessment())
    race = next(f for f in ctx["fairness"]["features"] if f["feature"] == "RAC1P")
    sel = next(m for m in race["metrics"] if m["name"] == "selection_rate")
    # the insufficient group (40 rows) has the lowest rate but is not judged
    assert sel["worst"]["group"] == "2" and sel["best"]["group"] == "1"
    assert next(v for v in sel["by_group"] if v["group"] == "6")["insufficient"]


def test_heatmap_first_axis_becomes_rows():
    raw = {"features": ["age", "edu"],
           "axes": [{"feature": "age", "kind": "numeric", "labels": ["young", "old"], "edges": [0, 40, 90]},
                    {"feature": "edu", "kind": "categorical", "labels": ["hs", "ba", "phd"], "edges": []}],
           "count": [[10, 20, 30], [40, 50, 60]], "errors": [[1, 2, 3], [4, 5, 6]],
           "error_rate": [[0.1, 0.1, 0.1], [0.1, 0.1, None]]}
    hm = _heatmap(raw, Limits(), [])
    assert hm["y_labels"] == ["young", "old"] and hm["x_labels"] == ["hs", "ba", "phd"]
    assert hm["features"] == ["edu", "age"]  # [columns, rows]
    assert hm["count"][1][2] == 60 and hm["error_rate"][1][2] is None
    one = _heatmap(dict(raw, axes=raw["axes"][:1], features=["age"], count=[[10], [40]], error_rate=[[0.1], [0.4]]), Limits(), [])
    assert one["x_labels"] == ["young", "old"] and one["error_rate"] == [[0.1, 0.4]]


def test_drift_lists_drifted_columns_first():
    ctx = build_context(build_assessment(n_columns=12))
    cols = ctx["drift"]["columns"]
    flags = [c["drifted"] for c in cols]
    assert flags == sorted(flags, reverse=True)
    assert cols[0]["distribution"]["reference"] and abs(sum(cols[0]["distribution"]["reference"]) - 1) < 1e-3


def test_cohorts_significant_and_worse_first_with_ranks():
    ctx = build_context(build_assessment(n_cohorts=30))
    cohorts = ctx["errors"]["cohorts"]
    assert [c["rank"] for c in cohorts] == list(range(1, 31))
    key = [not (c["significant"] and c["worse"]) for c in cohorts]
    assert key == sorted(key)
    assert ctx["errors"]["worst"]["rule"].startswith("AGEP > 62.5")
    # the analyzer's contract: p_value is the adjusted one, p_value_raw the test's
    assert cohorts[0]["p_value_adjusted"] == pytest.approx(3 * cohorts[0]["p_value"])


def test_rendering_is_deterministic():
    a = build_assessment()
    assert build_context(a) == build_context(a)
