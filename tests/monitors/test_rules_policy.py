"""Monitor rules are policy checks: metric paths with qualifiers, judged by the gate's resolver and comparator."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from fairlearn.metrics import demographic_parity_ratio

from rai._exceptions import ConfigError
from rai.datasets import load_acs_employment

from monitors import Endpoint, Monitor, MonitorConfig
from monitors._config import Rule
from monitors._demo import _acs_spec

from .conftest import SECRET

PARITY = {"name": "parity-by-sex", "metric": "fairness.demographic_parity.ratio", "sensitive_feature": "SEX",
          "op": "<", "threshold": 0.8, "severity": "critical"}
MISSING = {"name": "absent-column", "metric": "drift.columns.statistic", "column": "NOPE", "op": ">", "threshold": 0.1}


@pytest.fixture(scope="module")
def acs():
    ref = load_acs_employment(2015).sample(3000, random_state=0).reset_index(drop=True)
    cur = load_acs_employment(2018).sample(3000, random_state=1).reset_index(drop=True)
    return ref, cur


def _biased(cur):
    """Women's positive predictions withheld at random: the selection-rate ratio by sex falls well under 0.8."""
    out = cur.copy()
    rng = np.random.default_rng(0)
    women = (out["SEX"].astype(str) == "2") & (out["prediction"] == 1)
    out.loc[women & (rng.random(len(out)) < 0.5), "prediction"] = 0
    return out


def _monitor(tmp_path, receiver):
    cfg = MonitorConfig.from_mapping({
        "name": "acs", "store": f"sqlite:///{tmp_path / 'm.db'}",
        "rules": [PARITY, MISSING],
        "webhooks": [{"name": "r", "url": receiver.url}],
    })
    spec = dataclasses.replace(_acs_spec(), sensitive=("SEX",))
    return Monitor(cfg, spec=spec, secret=SECRET, options={"performance": {"n_bootstrap": 0}, "fairness": {"n_bootstrap": 50}})


def test_a_fairness_rule_fires_a_signed_event_on_a_biased_batch_only(tmp_path, acs, receiver):
    ref, cur = acs
    mon = _monitor(tmp_path, receiver)
    fair = mon.check(cur, window="unbiased", reference=ref)
    assert fair.alerts == [] and receiver.requests == []
    biased = _biased(cur)
    oracle = demographic_parity_ratio(biased["employed"], biased["prediction"], sensitive_features=biased["SEX"].astype(str))
    assert oracle < 0.8
    out = mon.check(biased, window="biased", reference=ref)
    (alert,) = out.alerts
    assert alert.rule == "parity-by-sex" and alert.status == "fired"
    mon.deliver()
    (event,) = receiver.events()  # the receiver verified the Standard Webhooks signature
    data = event["data"]
    assert data["metric"] == "fairness.demographic_parity.ratio" and data["qualifiers"] == {"sensitive_feature": "SEX"}
    assert data["value"] == pytest.approx(oracle, abs=1e-12)  # the same number the gate would judge
    low, high = data["interval"]
    assert low <= data["value"] <= high

    # the history records each rule's outcome, insufficient evidence included (it never fires)
    runs = {r["window"]: r for r in mon.store.history()}
    rules = {d["rule"]: d for d in runs["biased"]["summary"]["rules"]}
    assert rules["parity-by-sex"]["outcome"] == "fail" and rules["parity-by-sex"]["breached"]
    assert rules["absent-column"]["outcome"] == "insufficient evidence" and not rules["absent-column"]["breached"]
    assert "'NOPE' is not in the assessment" in rules["absent-column"]["reason"]
    assert {d["rule"]: d["outcome"] for d in runs["unbiased"]["summary"]["rules"]}["parity-by-sex"] == "pass"


def test_rules_share_the_gates_comparator_and_decide_on():
    # decide_on: ci fires only when the whole interval meets the alert's condition
    rule = Rule.from_mapping({**PARITY, "decide_on": "ci"}, "rules[0]")
    check = rule.as_check()
    assert (check.op, check.threshold, check.decide_on, check.sensitive_feature) == (">=", 0.8, "ci", "SEX")
    alias = Rule.from_mapping({"signal": "column_drift.AGEP", "op": "==", "threshold": 1}, "rules[1]")
    assert (alias.metric, alias.qualifiers) == ("drift.columns.drifted", (("column", "AGEP"),))
    legacy = Rule.from_mapping({"signal": "fairness.equalized_odds.SEX", "op": ">", "threshold": 0.1}, "rules[2]")
    assert (legacy.metric, dict(legacy.qualifiers)) == ("fairness.equalized_odds.difference", {"sensitive_feature": "SEX"})
    with pytest.raises(ConfigError, match=r"rules\[3\] needs exactly one of 'metric'"):
        Rule.from_mapping({"signal": "dataset_drift", "metric": "drift.share_drifted"}, "rules[3]")
    with pytest.raises(ConfigError, match=r"rules\[4\]\.metric: unknown metric path 'drift.share_drift'"):
        Rule.from_mapping({"metric": "drift.share_drift", "op": ">", "threshold": 0.5}, "rules[4]")
    with pytest.raises(ConfigError, match=r"rules\[5\]\.signal: unknown signal 'drfit'"):
        Rule.from_mapping({"signal": "drfit"}, "rules[5]")


def test_window_headline_says_what_happened():
    from monitors._history import window_headline

    assert window_headline(3, 12, 0.25, 0.5, [("feature-drift", "fired")]) == \
        "3 of 12 features drifted (share 0.25; dataset drift needs 0.5); alert feature-drift fired"
    assert window_headline(7, 12, 7 / 12, 0.5, []) == "7 of 12 features drifted (share 0.58; dataset drift: share reaches 0.5); no alert"
