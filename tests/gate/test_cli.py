"""``rai gate``: exit codes 0 / 1 / 2, output files, GitHub integration, --init, --config, cold start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
import xmlschema
import yaml

from rai.gate import preset_policy_text

from .conftest import JUNIT_XSD, make_assessment, policy, write_json


@pytest.fixture
def gate(rai, monkeypatch):
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return lambda *args: rai("gate", *args)


@pytest.fixture
def files(tmp_path):
    write_json(tmp_path / "assessment.json", make_assessment())
    write_json(tmp_path / "champion.json", make_assessment(accuracy=0.87))

    def write_policy(*checks, name="policy.yaml"):
        path = tmp_path / name
        path.write_text(yaml.safe_dump(policy(*checks)), encoding="utf-8")
        return path

    return tmp_path, write_policy


FLOOR = {"name": "accuracy floor", "metric": "performance.accuracy", "op": ">=", "threshold": 0.8}
HIGH = {"name": "accuracy high", "metric": "performance.accuracy", "op": ">=", "threshold": 0.9}
REGRESSION = {"name": "no regression", "metric": "performance.accuracy", "op": ">=", "baseline_tolerance": 0.01}


def test_exit_0_when_every_error_check_passes(gate, files):
    tmp, write_policy = files
    r = gate("--policy", write_policy(FLOOR), "--assessment", tmp / "assessment.json")
    assert r.code == 0, r.err
    assert r.out.splitlines() == ["PASS  accuracy floor [performance.accuracy]: pass: 0.85 meets >= 0.8",
                                  "Release gate passed: 1 of 1 checks passed"]


def test_exit_1_and_every_output_when_a_check_fails(gate, files):
    tmp, write_policy = files
    out = tmp / "reports"
    r = gate("--policy", write_policy(FLOOR, HIGH, REGRESSION), "--assessment", tmp / "assessment.json",
             "--baseline", tmp / "champion.json", "--junit", out / "gate.xml", "--summary", out / "gate.md",
             "--json", out / "verdict.json")
    assert r.code == 1 and r.err == ""
    assert "FAIL  no regression [performance.accuracy]: fail: 0.85 fails >= 0.86 (baseline 0.87 - 0.01)" in r.out
    xmlschema.XMLSchema10(str(JUNIT_XSD)).validate(str(out / "gate.xml"))
    assert ET.parse(out / "gate.xml").getroot().find("testsuite").get("failures") == "2"
    md = (out / "gate.md").read_text(encoding="utf-8")
    assert md.startswith("## ❌ Release gate failed: 2 of 3 checks block the release") and "### Champion comparison" in md
    verdict = json.loads((out / "verdict.json").read_text(encoding="utf-8"))
    assert verdict["status"] == "failed" and verdict["exit_code"] == 1
    assert [c["outcome"] for c in verdict["checks"]] == ["pass", "fail", "fail"]
    assert verdict["baseline"]["path"].endswith("champion.json")


def test_warn_severity_does_not_fail_the_gate(gate, files):
    tmp, write_policy = files
    r = gate("--policy", write_policy({**HIGH, "severity": "warn"}), "--assessment", tmp / "assessment.json")
    assert r.code == 0 and r.out.startswith("WARN  accuracy high")


BAD_INPUT = [
    ("unknown path", [{"metric": "performance.acuracy", "op": ">=", "threshold": 0.8}],
     "error: check 1 ('performance.acuracy', performance.acuracy): performance metric 'acuracy' is not in the assessment; did you mean 'accuracy'?"),
    ("absent group", [{"name": "g", "metric": "performance.by_group.accuracy", "sensitive_feature": "SEX", "group": "9", "op": ">=", "threshold": 0.8}],
     "error: check 1 ('g', performance.by_group.accuracy): group of 'SEX' '9' is not in the assessment (it has ['1', '2'])"),
    ("absent feature", [{"name": "f", "metric": "explanations.rank_of", "feature": "ZIP", "op": ">", "threshold": 3}],
     "error: check 1 ('f', explanations.rank_of): feature 'ZIP' is not in the assessment"),
    ("bad grammar", [{"metric": "fairness.parity", "op": ">=", "threshold": 0.8}],
     "unknown metric path 'fairness.parity': expected fairness.<name>.<difference|ratio|by_group>"),
]


@pytest.mark.parametrize("case,checks,message", BAD_INPUT, ids=[b[0] for b in BAD_INPUT])
def test_exit_2_on_bad_input_naming_check_and_path(gate, files, case, checks, message):
    tmp, write_policy = files
    r = gate("--policy", write_policy(*checks), "--assessment", tmp / "assessment.json", "--junit", tmp / "gate.xml")
    assert r.code == 2
    assert message in r.err and "Traceback" not in r.err
    assert r.out == "" and not (tmp / "gate.xml").exists()  # no verdict on bad input


def test_exit_2_on_missing_and_malformed_files(gate, files):
    tmp, write_policy = files
    p = write_policy(FLOOR)
    r = gate("--policy", p, "--assessment", tmp / "missing.json")
    assert r.code == 2 and "error: assessment file" in r.err and "missing.json' does not exist" in r.err
    r = gate("--policy", tmp / "nope.yaml", "--assessment", tmp / "assessment.json")
    assert r.code == 2 and "error: policy file" in r.err and "nope.yaml' does not exist" in r.err
    bad = tmp / "bad.yaml"
    bad.write_text("version: 1\nchecks: [\n", encoding="utf-8")
    r = gate("--policy", bad, "--assessment", tmp / "assessment.json")
    assert r.code == 2 and "is not valid YAML at line 3" in r.err
    (tmp / "broken.json").write_text("{not json", encoding="utf-8")
    r = gate("--policy", p, "--assessment", tmp / "broken.json")
    assert r.code == 2 and "broken.json' is not valid JSON" in r.err
    r = gate("--policy", p, "--assessment", tmp / "assessment.json", "--baseline", tmp / "gone.json")
    assert r.code == 2 and "error: baseline file" in r.err
    off = make_assessment()
    off["results"]["performance"]["overall"]["accuracy"] = "high"
    r = gate("--policy", p, "--assessment", write_json(tmp / "off.json", off))
    assert r.code == 2 and "does not match the schema" in r.err and "at results/performance" in r.err
    r = gate("--policy", p)
    assert r.code == 2 and "--assessment is required" in r.err
    r = gate("--assessment", tmp / "assessment.json")  # no policy: the shipped default judges (SEX ratio 0.7 < 0.8)
    assert r.code == 1 and "judging with the default policy" in r.err and "FAIL  selection-rate ratio (four-fifths rule)" in r.out
    r = gate("--policy", p, "--assessment", tmp / "assessment.json", "--frobnicate")
    assert r.code == 2 and "No such option '--frobnicate'" in r.err


def test_github_actions_annotations_and_step_summary(gate, files, monkeypatch):
    tmp, write_policy = files
    summary = tmp / "step_summary.md"
    summary.write_text("# earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    r = gate("--policy", write_policy(FLOOR, HIGH), "--assessment", tmp / "assessment.json")
    assert r.code == 1
    errors = [line for line in r.out.splitlines() if line.startswith("::")]
    assert len(errors) == 1 and errors[0].startswith("::error file=") and ",title=rai gate%3A accuracy high::" in errors[0]
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# earlier step\n## ❌ Release gate failed: 1 of 2 checks block the release")
    monkeypatch.setenv("GITHUB_ACTIONS", "false")
    r = gate("--policy", write_policy(FLOOR, HIGH), "--assessment", tmp / "assessment.json")
    assert "::error" not in r.out


def test_init_writes_the_preset_and_refuses_to_overwrite(gate, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = gate("--init")
    assert r.code == 0 and (tmp_path / "rai-policy.yaml").read_text(encoding="utf-8") == preset_policy_text()
    r = gate("--init")
    assert r.code == 2 and "already exists; pass --force" in r.err
    r = gate("--init", "custom/policy.yaml")
    assert r.code == 0 and (tmp_path / "custom/policy.yaml").is_file()
    (tmp_path / "custom/policy.yaml").write_text("x", encoding="utf-8")
    assert gate("--init", "custom/policy.yaml", "--force").code == 0
    assert (tmp_path / "custom/policy.yaml").read_text(encoding="utf-8") == preset_policy_text()


def test_preset_on_the_test_assessment(gate, files):
    tmp, _ = files
    (tmp / "preset.yaml").write_text(preset_policy_text(), encoding="utf-8")
    r = gate("--policy", tmp / "preset.yaml", "--assessment", tmp / "assessment.json")
    # selection-rate ratio by SEX is 0.70 < 0.8: the four-fifths check blocks; the regression checks are skipped
    assert r.code == 1
    assert "FAIL  selection-rate ratio (four-fifths rule)" in r.out
    assert "SKIP  no accuracy regression" in r.out


def test_config_gate_section(gate, files):
    tmp, write_policy = files
    write_policy(HIGH)
    (tmp / "rai.yaml").write_text("version: 1\ngate:\n  policy: policy.yaml\n  baseline: champion.json\n", encoding="utf-8")
    r = gate("--config", tmp / "rai.yaml", "--assessment", tmp / "assessment.json", "--json", tmp / "v.json")
    assert r.code == 1
    assert json.loads((tmp / "v.json").read_text())["baseline"]["path"].endswith("champion.json")
    r = gate("--config", tmp / "rai.yaml", "--policy", tmp / "policy.yaml", "--assessment", tmp / "assessment.json")
    assert r.code == 2 and "not both" in r.err


def test_cold_start_imports_neither_pandas_nor_sklearn(files):
    """A gate run in a fresh interpreter: real exit code, and none of the heavy libraries imported."""
    tmp, write_policy = files
    p = write_policy(FLOOR, HIGH)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "rai.cli", "gate", "--policy", str(p), "--assessment",
         str(tmp / "assessment.json"), "--junit", str(tmp / "g.xml")],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    assert proc.returncode == 1, proc.stderr[-2000:]
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "rai.gate" in imported
    for heavy in ("pandas", "sklearn", "numpy", "scipy", "fairlearn"):
        assert heavy not in imported, f"{heavy} is imported by rai gate"


def test_default_policy_skips_the_checks_of_analyzers_that_did_not_run(gate, files):
    tmp, _ = files
    doc = make_assessment()
    doc["results"]["fairness"] = None
    doc["results"]["notes"] = [{"analyzer": "fairness", "level": "skipped", "message": "needs the target (--target)"}]
    r = gate("--assessment", write_json(tmp / "data_only.json", doc), "--json", tmp / "v.json")
    verdict = json.loads((tmp / "v.json").read_text())
    by_name = {c["name"]: c for c in verdict["checks"]}
    skipped = by_name["selection-rate ratio (four-fifths rule)"]
    assert skipped["outcome"] == "skipped" and "fairness analyzer did not run (skipped: needs the target" in skipped["reason"]
    assert by_name["dataset drift share"]["outcome"] == "pass"
    assert r.code == 0, r.out
