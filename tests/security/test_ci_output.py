"""Gate output in CI: a value from data or policy can never start a workflow-command line."""

from __future__ import annotations

import re

import yaml

from tests.gate.conftest import make_assessment, write_json

EVIL = "C\n::stop-commands::tok"


def _rename(value, old, new):
    if isinstance(value, dict):
        return {(new if k == old else k): _rename(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_rename(v, old, new) for v in value]
    return new if value == old else value


def test_a_group_value_with_a_newline_cannot_inject_a_workflow_command(rai, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    doc = _rename(make_assessment(), "C", EVIL)
    assert repr(EVIL)[1:-1] in str(doc)  # the rename reached the groups
    write_json(tmp_path / "assessment.json", doc)
    checks = [
        {"name": "race C\n::add-mask::x", "metric": "performance.by_group.accuracy", "sensitive_feature": "RACE",
         "group": EVIL, "op": ">=", "threshold": 0.99, "on_insufficient": "fail"},
        {"name": "accuracy", "metric": "performance.accuracy", "op": ">=", "threshold": 0.99},
    ]
    (tmp_path / "policy.yaml").write_text(yaml.safe_dump({"version": 1, "checks": checks}), encoding="utf-8")
    r = rai("gate", "--policy", tmp_path / "policy.yaml", "--assessment", tmp_path / "assessment.json",
            "--summary", tmp_path / "gate.md")
    assert r.code == 1, r.err
    assert "C\\n::stop-commands::tok" in r.out  # shown, escaped, on the check's own line
    for line in (r.out + r.err).splitlines():
        if line.startswith("::"):
            assert re.match(r"::(error|warning) ", line), line  # only our own annotations, escaped
    assert "\n::stop-commands" not in r.out + r.err
    assert "\n::add-mask" not in r.out + r.err
    assert "\n::stop-commands" not in (tmp_path / "gate.md").read_text()


def test_an_error_message_naming_a_hostile_value_stays_on_one_line(rai, tmp_path):
    write_json(tmp_path / "assessment.json", make_assessment())
    checks = [{"name": "x", "metric": "performance.by_group.accuracy", "sensitive_feature": "RACE",
               "group": "Z\n::stop-commands::tok", "op": ">=", "threshold": 0.5}]
    (tmp_path / "policy.yaml").write_text(yaml.safe_dump({"version": 1, "checks": checks}), encoding="utf-8")
    r = rai("gate", "--policy", tmp_path / "policy.yaml", "--assessment", tmp_path / "assessment.json")
    assert r.code == 2
    assert "\n::stop-commands" not in r.err and "Z\\n::stop-commands::tok" in r.err
