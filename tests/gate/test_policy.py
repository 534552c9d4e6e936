"""Policy parsing: every malformed policy is a ConfigError that names the check, the key and what came."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest
import yaml

from rai._exceptions import ConfigError
from rai.gate import (
    Check,
    load_policy,
    parse_metric_path,
    parse_policy,
    policy_from_config,
    preset_policy_text,
)

from .conftest import policy

ACC = {"metric": "performance.accuracy", "op": ">=", "threshold": 0.8}


def schema() -> dict:
    return json.loads(resources.files("rai.schemas").joinpath("policy.schema.json").read_text(encoding="utf-8"))


def test_minimal_policy_and_defaults():
    p = parse_policy(policy(ACC), source="p.yaml")
    (c,) = p.checks
    assert c == Check(name="performance.accuracy", metric="performance.accuracy", op=">=", threshold=0.8, index=1)
    assert (c.severity, c.decide_on, c.on_insufficient) == ("error", "point", "warn")
    assert not p.needs_baseline


def test_policy_defaults_block_applies_and_check_overrides():
    p = parse_policy(
        policy(ACC, {**ACC, "name": "b", "severity": "error"}, defaults={"severity": "warn", "decide_on": "ci", "on_insufficient": "fail"})
    )
    assert [(c.severity, c.decide_on, c.on_insufficient) for c in p.checks] == [("warn", "ci", "fail"), ("error", "ci", "fail")]


def test_the_issue_example_parses():
    text = """
version: 1
checks:
  - name: parity by sex
    metric: fairness.demographic_parity.ratio
    sensitive_feature: sex
    op: ">="
    threshold: 0.8
  - name: accuracy floor
    metric: performance.accuracy
    op: ">="
    threshold: 0.85
  - name: no accuracy regression against the approved model
    metric: performance.accuracy
    op: ">="
    baseline_tolerance: 0.01     # passes when value >= baseline value - 0.01
"""
    p = parse_policy(yaml.safe_load(text))
    assert [c.name for c in p.checks] == ["parity by sex", "accuracy floor", "no accuracy regression against the approved model"]
    assert p.checks[0].sensitive_feature == "sex"
    assert p.checks[2].baseline_tolerance == 0.01 and p.checks[2].threshold is None
    assert p.needs_baseline


def test_numeric_group_names_are_read_as_text():
    p = parse_policy(policy({"metric": "performance.by_group.accuracy", "sensitive_feature": "SEX", "group": 1, "op": ">=", "threshold": 0.8}))
    assert p.checks[0].group == "1"


def test_bool_threshold_only_for_equality():
    p = parse_policy(policy({"metric": "drift.dataset_drift", "op": "==", "threshold": False}))
    assert p.checks[0].threshold is False
    with pytest.raises(ConfigError, match=r"'threshold' must be a number; got True"):
        parse_policy(policy({"metric": "drift.dataset_drift", "op": ">=", "threshold": True}))


BAD = [
    ([1, 2], "a policy must be a mapping with 'version: 1' and a list of 'checks'; got list"),
    ({"checks": [ACC]}, "'version' is required; this toolkit reads policy version 1"),
    ({"version": 2, "checks": [ACC]}, "'version' must be 1; got 2"),
    ({"version": 1, "check": [ACC]}, "unknown key 'check' (did you mean 'checks'?)"),
    ({"version": 1, "checks": []}, "'checks' must be a non-empty list of checks; got []"),
    ({"version": 1, "checks": ["accuracy"]}, "checks[0]: each check must be a mapping"),
    (policy({**ACC, "treshold": 1}), "checks[0]: unknown key 'treshold' (did you mean 'threshold'?)"),
    (policy({"op": ">=", "threshold": 1}), "checks[0]: 'metric' is required"),
    (policy({"metric": "performance.accuracy", "threshold": 1}), "checks[0]: 'op' is required; expected one of ['>=', '>', '<=', '<', '==', '!=']"),
    (policy({**ACC, "op": "=>"}), "checks[0]: 'op' must be one of ['>=', '>', '<=', '<', '==', '!=']; got '=>'"),
    (policy({**ACC, "baseline_tolerance": 0.01}), "give exactly one of 'threshold' (an absolute bound) or 'baseline_tolerance'"),
    (policy({"metric": "performance.accuracy", "op": ">="}), "got neither"),
    (policy({**ACC, "threshold": "0.8"}), "'threshold' must be a number; got str '0.8'"),
    (policy({**ACC, "threshold": float("nan")}), "'threshold' must be a finite number"),
    (policy({"metric": "performance.accuracy", "op": ">=", "baseline_tolerance": -0.1}), "'baseline_tolerance' must be >= 0; got -0.1"),
    (policy({"metric": "performance.accuracy", "op": "!=", "baseline_tolerance": 0.1}), "'baseline_tolerance' works with >=, >, <=, < or ==; got op '!='"),
    (policy({**ACC, "severity": "fatal"}), "'severity' must be one of ['error', 'warn']; got 'fatal'"),
    (policy({**ACC, "decide_on": "interval"}), "'decide_on' must be one of ['point', 'ci']; got 'interval'"),
    (policy({**ACC, "on_insufficient": "skip"}), "'on_insufficient' must be one of ['fail', 'warn', 'pass']; got 'skip'"),
    (policy(ACC, defaults={"severity": "x"}), "defaults: 'severity' must be one of ['error', 'warn']; got 'x'"),
    (policy(ACC, ACC), "checks[1] has the same name 'performance.accuracy' as checks[0]; check names must be unique"),
    (policy({**ACC, "name": ""}), "'name' must be non-empty text"),
    (policy({**ACC, "sensitive_feature": "SEX"}), "'sensitive_feature' does not apply to metric path 'performance.accuracy' (it takes no qualifier); for a group's value use performance.by_group.accuracy"),
    (policy({**ACC, "metric": "performance.by_group.accuracy", "group": "1"}), "'group' needs 'sensitive_feature' too"),
    (policy({"metric": "explanations.rank_of", "op": ">", "threshold": 3}), "metric path 'explanations.rank_of' needs 'feature'"),
    (policy({**ACC, "metric": "drift.columns.AGEP.statistic", "column": "AGEP"}), "the path already names column 'AGEP'"),
    (policy({**ACC, "metric": "perfomance.accuracy"}), "unknown metric path 'perfomance.accuracy': it must start with one of"),
    (policy({**ACC, "metric": "fairness.demographic_parity.ration"}), "expected fairness.<name>.<difference|ratio|by_group>"),
    (policy({**ACC, "metric": "drift.columns.AGEP.pvalue"}), "the drift field must be one of"),
    (policy({**ACC, "metric": "drift.share"}), "Did you mean 'drift.share_drifted'?"),
    (policy({**ACC, "metric": "performance."}), "'performance' needs a metric after the dot"),
    (policy({**ACC, "group": True, "metric": "performance.by_group.accuracy", "sensitive_feature": "S"}), "'group' must be a name (text); got the boolean True"),
]


@pytest.mark.parametrize("doc,message", BAD, ids=[m[:40] for _, m in BAD])
def test_bad_policies(doc, message):
    with pytest.raises(ConfigError) as exc:
        parse_policy(doc, source="policy.yaml")
    text = str(exc.value)
    assert text.startswith("policy.yaml")
    assert message in text


def test_error_names_the_check_by_position_and_name():
    with pytest.raises(ConfigError, match=r"^p: checks\[1\] \('floor'\): 'op' must be one of"):
        parse_policy(policy(ACC, {**ACC, "name": "floor", "op": "~"}), source="p")


@pytest.mark.parametrize(
    "path,kind,name,part,column",
    [
        ("performance.accuracy", "performance", "accuracy", None, None),
        ("performance.by_group.f1", "performance.by_group", "f1", None, None),
        ("fairness.equalized_odds.difference", "fairness.disparity", "equalized_odds", "difference", None),
        ("fairness.selection_rate.by_group", "fairness.by_group", "selection_rate", "by_group", None),
        ("drift.share_drifted", "drift.scalar", "share_drifted", None, None),
        ("drift.columns.statistic", "drift.column", "statistic", "columns", None),
        ("drift.columns.AGEP.statistic", "drift.column", "statistic", "columns", "AGEP"),
        ("drift.columns.a.b.c.psi", "drift.column", "psi", "columns", "a.b.c"),
        ("drift.prediction.p_value", "drift.column", "p_value", "prediction", None),
        ("quality.duplicate_row_share", "quality.scalar", "duplicate_row_share", None, None),
        ("quality.issues", "quality.issues", "issues", None, None),
        ("quality.columns.missing_share", "quality.column", "missing_share", None, None),
        ("errors.worst_cohort.error_rate", "errors.worst_cohort", "error_rate", None, None),
        ("errors.cohorts.size", "errors.cohorts", "size", None, None),
        ("errors.error_rate", "errors.scalar", "error_rate", None, None),
        ("explanations.rank_of", "explanations", "rank_of", "rank_of", None),
        ("explanations.share_of", "explanations", "share_of", "share_of", None),
    ],
)
def test_path_grammar(path, kind, name, part, column):
    p = parse_metric_path(path)
    assert (p.kind, p.name, p.part, p.column) == (kind, name, part, column)


def test_load_policy_file_errors(tmp_path):
    with pytest.raises(ConfigError, match=r"policy file '.*nope.yaml' does not exist \(tried '/"):
        load_policy(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nchecks:\n  - metric: [performance.accuracy\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"is not valid YAML at line \d+, column \d+"):
        load_policy(bad)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="is not UTF-8 text"):
        load_policy(latin)


def test_preset_is_valid_commented_and_states_its_limits():
    text = preset_policy_text()
    p = parse_policy(yaml.safe_load(text))
    by_metric = {(c.metric, c.uses_baseline): c for c in p.checks}
    assert by_metric[("fairness.demographic_parity.ratio", False)].threshold == 0.8
    assert by_metric[("fairness.equalized_odds.difference", False)].threshold == 0.1
    assert by_metric[("drift.share_drifted", False)].threshold == 0.5
    assert by_metric[("performance.accuracy", True)].baseline_tolerance == 0.01
    assert "four-fifths" in text and "NOT a legal" in text and "29 CFR 1607.4(D)" in text
    # every check is preceded by a comment saying where its convention comes from
    blocks = text.split("  - name:")[1:]
    lines = text.splitlines()
    for name_line in [i for i, line in enumerate(lines) if line.startswith("  - name:")]:
        assert lines[name_line - 1].lstrip().startswith("#"), lines[name_line]
    assert len(blocks) == len(p.checks)


def test_json_schema_accepts_the_preset_and_the_parser_agrees_on_bad_policies():
    validator = jsonschema.Draft202012Validator(schema())
    jsonschema.Draft202012Validator.check_schema(schema())
    assert not list(validator.iter_errors(yaml.safe_load(preset_policy_text())))
    rejected_by_schema = 0
    for doc, _ in BAD:
        with pytest.raises(ConfigError):
            parse_policy(doc)
        if list(validator.iter_errors(doc)):
            rejected_by_schema += 1
    # the schema catches every structural problem; grammar details (paths, qualifiers) are the parser's
    assert rejected_by_schema >= 20


@pytest.mark.parametrize("doc", [policy(ACC), yaml.safe_load(preset_policy_text()),
                                 policy({"metric": "drift.dataset_drift", "op": "==", "threshold": False, "severity": "warn"})])
def test_json_schema_accepts_valid_policies(doc):
    parse_policy(doc)
    assert not list(jsonschema.Draft202012Validator(schema()).iter_errors(doc))


def test_policy_from_config_inline_and_by_reference(tmp_path):
    (tmp_path / "policy.yaml").write_text(yaml.safe_dump(policy(ACC)), encoding="utf-8")
    cfg = tmp_path / "rai.yaml"
    cfg.write_text("version: 1\ngate:\n  policy: policy.yaml\n  baseline: champion/assessment.json\n", encoding="utf-8")
    p, baseline = policy_from_config(cfg)
    assert p.checks[0].threshold == 0.8 and baseline == tmp_path / "champion/assessment.json"
    cfg.write_text(yaml.safe_dump({"version": 1, "gate": policy(ACC)}), encoding="utf-8")
    p, baseline = policy_from_config(cfg)
    assert p.source.endswith("rai.yaml: gate") and baseline is None
    cfg.write_text("version: 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="has no 'gate:' section"):
        policy_from_config(cfg)
