"""End to end on real data: `rai assess` on the bundled ACS demo data, then `rai gate`.

- The demo assessment (ACS 2018 with the bundled model's predictions, 2015 as reference) fails
  the example fairness policy and passes the lenient one; the numbers the gate decides on equal
  fairlearn's, computed here independently from the same table.
- The CI examples run: the `run:` / `script:` commands of examples/ci/*.yml are executed as they
  are written, in a folder laid out as they expect.
"""

from __future__ import annotations

import json
import re
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import xmlschema
import yaml

from .conftest import JUNIT_XSD

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "ci"

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def rai_shim(folder: Path) -> dict[str, str]:
    """An environment whose `rai` is this interpreter's (the CI examples call the bare command)."""
    bin_dir = folder / "bin"
    bin_dir.mkdir(exist_ok=True)
    shim = bin_dir / "rai"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m rai.cli "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "TF_BUILD"))}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return env


def write_tables(folder: Path, *, test_year: int, n: int | None, reference: bool = True) -> None:
    from rai.datasets import load_acs_employment

    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    frames = {"test": load_acs_employment(test_year)}
    if reference:
        frames["reference"] = load_acs_employment(2015)
    for name, frame in frames.items():
        if n is not None:
            frame = frame.sample(n=n, random_state=0)
        frame.drop(columns=["year"]).to_parquet(data / f"{name}.parquet", index=False)


def assess(folder: Path, env: dict[str, str], out: str = "out") -> Path:
    proc = subprocess.run(
        ["rai", "assess", "--data", "data/test.parquet", "--reference", "data/reference.parquet", "--target", "employed",
         "--prediction", "prediction", "--score", "predicted_probability", "--sensitive", "SEX,RAC1P", "--exclude", "id",
         "--out", out],
        cwd=folder, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (folder / out / "assess.stdout").write_text(proc.stdout, encoding="utf-8")
    return folder / out / "assessment.json"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo assessment: all of ACS 2018 with the bundled predictions, ACS 2015 as reference."""
    folder = tmp_path_factory.mktemp("demo")
    env = rai_shim(folder)
    write_tables(folder, test_year=2018, n=None)
    return folder, env, assess(folder, env)


def gate(folder: Path, env: dict[str, str], policy: Path, assessment: Path) -> tuple[int, dict, str]:
    verdict = folder / f"verdict-{policy.stem}.json"
    proc = subprocess.run(
        ["rai", "gate", "--policy", str(policy), "--assessment", str(assessment), "--json", str(verdict)],
        cwd=folder, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(verdict.read_text(encoding="utf-8")), proc.stdout


def test_demo_fails_the_fairness_policy_and_passes_the_lenient_one(demo):
    import pandas as pd
    from fairlearn.metrics import demographic_parity_ratio, equalized_odds_ratio

    folder, env, assessment = demo
    table = pd.read_parquet(folder / "data" / "test.parquet")
    sex = table["SEX"].astype(str)
    eo_ratio = equalized_odds_ratio(table["employed"], table["prediction"], sensitive_features=sex)
    dp_ratio = demographic_parity_ratio(table["employed"], table["prediction"], sensitive_features=sex)

    code, verdict, out = gate(folder, env, EXAMPLES / "policy.yaml", assessment)
    assert code == 1 and verdict["status"] == "failed"
    checks = {c["name"]: c for c in verdict["checks"]}
    eo = checks["error-rate balance by sex (equalized-odds ratio)"]
    assert eo["outcome"] == "fail" and eo["value"] == pytest.approx(eo_ratio, abs=1e-9)
    assert eo_ratio < 0.8  # the oracle agrees that the bound is broken
    low, high = eo["interval"]
    assert low < eo_ratio < high
    assert {s["label"]: s["count"] for s in eo["sizes"]} == {f"SEX={g}": n for g, n in sex.value_counts().items()}
    dp = checks["selection-rate ratio by sex (four-fifths rule)"]
    assert dp["outcome"] == "pass" and dp["value"] == pytest.approx(dp_ratio, abs=1e-9)
    # race groups of 1 and 27 people are set aside (listed, with why), and the groups large enough
    # to judge are compared: among them RAC1P=5 fails the four-fifths bound (fairlearn over those groups)
    race = checks["selection-rate ratio by race"]
    races = table["RAC1P"].astype(str)
    big = races.map(races.value_counts()) >= 30
    judged_ratio = demographic_parity_ratio(table["employed"][big], table["prediction"][big], sensitive_features=races[big])
    assert race["outcome"] == "fail" and race["value"] == pytest.approx(judged_ratio, abs=1e-9) and judged_ratio < 0.8
    small = {f"RAC1P={g}" for g, n in races.value_counts().items() if n < 30}
    assert small and {s["label"] for s in race["sizes"] if s["insufficient"]} == small
    assert {e.split(":")[0] for e in race["measurements"][0]["excluded"]} == small
    assert "FAIL  error-rate balance by sex (equalized-odds ratio)" in out
    assert [c["name"] for c in verdict["checks"] if c["effect"] == "fail"] == [
        "error-rate balance by sex (equalized-odds ratio)", "selection-rate ratio by race"]

    code, verdict, out = gate(folder, env, EXAMPLES / "lenient-policy.yaml", assessment)
    assert code == 0 and verdict["status"] == "passed", out
    accuracy = (table["employed"] == table["prediction"]).mean()
    assert verdict["checks"][0]["value"] == pytest.approx(accuracy, abs=1e-12)


def test_demo_fails_the_starting_policy_only_through_what_the_data_supports(demo):
    """The preset (`rai gate --init`) on the demo: every number it names exists; small groups are not judged."""
    folder, env, assessment = demo
    subprocess.run(["rai", "gate", "--init", "preset.yaml"], cwd=folder, env=env, check=True, capture_output=True)
    code, verdict, _ = gate(folder, env, folder / "preset.yaml", assessment)
    checks = {c["name"]: c for c in verdict["checks"]}
    four_fifths = checks["selection-rate ratio (four-fifths rule)"]
    assert [m["label"] for m in four_fifths["measurements"]] == ["SEX", "RAC1P", "SEX & RAC1P"]
    # small groups are set aside, not a reason to judge nothing: race and sex & race are judged on the rest
    assert [m["outcome"] for m in four_fifths["measurements"]] == ["pass", "fail", "fail"]
    assert all(m["excluded"] for m in four_fifths["measurements"][1:])
    assert checks["no accuracy regression"]["outcome"] == "skipped"
    assert code == verdict["exit_code"]


def ci_commands(path: Path) -> list[tuple[str, str, bool]]:
    """(name, command, runs after a failure) of every shell step; install steps are left out."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    if "jobs" in doc:  # GitHub Actions
        steps = [s for job in doc["jobs"].values() for s in job["steps"]]
        shell = [(s.get("name", s["run"]), s["run"], "always()" in str(s.get("if", "")) or "cancelled" in str(s.get("if", "")))
                 for s in steps if "run" in s]
    else:  # Azure Pipelines
        shell = [(s.get("displayName", s["script"]), s["script"], "succeededOrFailed" in str(s.get("condition", "")))
                 for s in doc["steps"] if "script" in s]
    return [(name, cmd, always) for name, cmd, always in shell if not cmd.strip().startswith(("pip install", "python -m pip"))]


@pytest.fixture(scope="module")
def champion(tmp_path_factory):
    """The approved model's assessment: the same model on a sample of ACS 2017."""
    folder = tmp_path_factory.mktemp("champion")
    env = rai_shim(folder)
    write_tables(folder, test_year=2017, n=3000)
    return assess(folder, env)


@pytest.mark.parametrize(
    "workflow,policy",
    [("github-actions.yml", "lenient-policy.yaml"), ("azure-pipelines.yml", "policy.yaml")],
)
def test_ci_examples_run_as_written(tmp_path, champion, workflow, policy):
    commands = ci_commands(EXAMPLES / workflow)
    joined = "\n".join(cmd for _, cmd, _ in commands)
    assert "rai assess" in joined and "rai gate" in joined
    env = rai_shim(tmp_path)
    write_tables(tmp_path, test_year=2018, n=3000)
    shutil.copy(EXAMPLES / policy, tmp_path / "rai-policy.yaml")
    (tmp_path / "champion").mkdir()
    shutil.copy(champion, tmp_path / "champion" / "assessment.json")
    summary = tmp_path / "step-summary.md"
    if workflow.startswith("github"):
        env.update(GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(summary))

    codes: dict[str, int] = {}
    outputs: dict[str, str] = {}
    failed = False
    for name, cmd, always in commands:
        if failed and not always:
            continue
        proc = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", cmd], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=600, check=False)
        codes[name], outputs[name] = proc.returncode, proc.stdout + proc.stderr
        assert proc.returncode in (0, 1), f"{name}: {proc.stderr[-3000:]}"
        failed = failed or proc.returncode != 0

    assess_step = next(n for n, c, _ in commands if c.startswith("rai assess"))
    gate_step = next(n for n, c, _ in commands if c.startswith("rai gate"))
    assert codes[assess_step] == 0, outputs[assess_step]
    verdict = json.loads((tmp_path / "out" / "verdict.json").read_text(encoding="utf-8"))
    assert codes[gate_step] == verdict["exit_code"]
    assert verdict["baseline"]["path"] == "champion/assessment.json" and verdict["comparison"]
    xmlschema.XMLSchema10(str(JUNIT_XSD)).validate(str(tmp_path / "out" / "gate.xml"))
    markdown = (tmp_path / "out" / "gate.md").read_text(encoding="utf-8")
    assert "### Champion comparison" in markdown
    if workflow.startswith("github"):
        assert verdict["status"] == "passed", outputs[gate_step]  # the lenient policy
        assert summary.read_text(encoding="utf-8").strip() == markdown.strip()
    else:
        # the summary is attached even when the gate fails (condition: succeededOrFailed())
        attach = next(n for n, c, _ in commands if "task.uploadsummary" in c)
        assert outputs[attach].strip() == f"##vso[task.uploadsummary]{tmp_path}/out/gate.md"
        assert any(c["name"] == "no accuracy regression" and c["outcome"] in ("pass", "fail") for c in verdict["checks"])


@pytest.mark.slow
def test_rai_demo_assessment_fails_the_fairness_policy_and_passes_the_lenient_one(tmp_path):
    """The README's claim, on the real `rai demo` output (its own model, trained on 2015)."""
    import pandas as pd
    from fairlearn.metrics import equalized_odds_ratio

    env = rai_shim(tmp_path)
    proc = subprocess.run(["rai", "demo", "--out", "demo"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=1200, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assessment = tmp_path / "demo" / "assessment.json"
    code, verdict, out = gate(tmp_path, env, EXAMPLES / "policy.yaml", assessment)
    assert code == 1, out
    eo = next(c for c in verdict["checks"] if c["name"] == "error-rate balance by sex (equalized-odds ratio)")
    assert eo["outcome"] == "fail"
    # oracle: fairlearn on the demo's own predictions of its test table
    import skops.io as sio

    from rai.datasets import ACS_FEATURES

    test = pd.read_parquet(tmp_path / "demo" / "test_2018.parquet")
    model_path = tmp_path / "demo" / "model.skops"
    model = sio.load(model_path, trusted=sio.get_untrusted_types(file=model_path))
    predicted = model.predict(test[list(ACS_FEATURES)])
    oracle = equalized_odds_ratio(test["employed"], predicted, sensitive_features=test["SEX"].astype(str))
    assert eo["value"] == pytest.approx(oracle, abs=1e-9) and oracle < 0.8
    code, verdict, out = gate(tmp_path, env, EXAMPLES / "lenient-policy.yaml", assessment)
    assert code == 0, out


# -------------------------------------------------------------------------------------------------
# one verdict: the CLI summary, the cards, the dashboard and the gate agree


def _report(folder: Path, env: dict[str, str], assessment: Path, policy: Path) -> Path:
    out = folder / f"report-{policy.stem}"
    proc = subprocess.run(["rai", "report", "--assessment", str(assessment), "--out", str(out), "--policy", str(policy)],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    return out


def _card_checks(md: str) -> list[str]:
    section = md.split("## Release checks", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith(("| Check", "|---"))]
    return [row.split(" | ")[2] for row in rows]


@pytest.mark.browser
@pytest.mark.parametrize("policy_file", ["policy.yaml", "lenient-policy.yaml"])
def test_cards_and_dashboard_state_the_gates_outcome_for_every_check(demo, policy_file):
    from tests.report._browser import assert_clean, browser_page

    folder, env, assessment = demo
    policy = EXAMPLES / policy_file
    _, verdict, _ = gate(folder, env, policy, assessment)
    outcomes = [c["outcome"] for c in verdict["checks"]]
    out = _report(folder, env, assessment, policy)
    assert _card_checks((out / "model_card.md").read_text(encoding="utf-8")) == outcomes
    html = (out / "model_card.html").read_text(encoding="utf-8")
    assert re.findall(r'<tr data-check="[^"]*" data-outcome="([^"]*)">', html) == outcomes
    with browser_page() as (page, events):
        page.goto((out / "dashboard.html").as_uri())
        rows = page.eval_on_selector_all("tr.check", "rs => rs.map(r => [r.cells[0].textContent, r.cells[2].textContent])")
        assert_clean(events)
    assert rows == [[c["name"], c["outcome"]] for c in verdict["checks"]]


def test_summary_card_dashboard_and_gate_agree_on_the_race_gap(demo):
    """The RAC1P gap is judged over the groups large enough to judge; fairlearn's all-group value stays in the assessment."""
    import pandas as pd
    from fairlearn.metrics import demographic_parity_difference

    folder, env, assessment = demo
    table = pd.read_parquet(folder / "data" / "test.parquet")
    races = table["RAC1P"].astype(str)
    big = races.map(races.value_counts()) >= 30
    judged = demographic_parity_difference(table["employed"][big], table["prediction"][big], sensitive_features=races[big])
    everyone = demographic_parity_difference(table["employed"], table["prediction"], sensitive_features=races)

    doc = json.loads(assessment.read_text(encoding="utf-8"))
    (m,) = [m for m in doc["results"]["fairness"]["metrics"] if m["name"] == "demographic_parity" and m["sensitive_feature"] == "RAC1P"]
    assert m["difference"] == pytest.approx(everyone, abs=1e-12) and m["judged"]["difference"] == pytest.approx(judged, abs=1e-12)
    assert judged < everyone  # the all-group gap comes from groups too small to judge

    policy = folder / "race-gap.yaml"
    policy.write_text("version: 1\nchecks:\n  - {name: race gap, metric: fairness.demographic_parity.difference, "
                      "sensitive_feature: RAC1P, op: '<=', threshold: 0.1}\n", encoding="utf-8")
    code, verdict, _ = gate(folder, env, policy, assessment)
    (check,) = verdict["checks"]
    assert code == 1 and check["outcome"] == "fail" and check["value"] == pytest.approx(judged, abs=1e-12)

    summary = (assessment.parent / "assess.stdout").read_text(encoding="utf-8")
    assert f"demographic parity difference by RAC1P {judged:.3f}" in summary and "too small to judge" in summary
    out = _report(folder, env, assessment, policy)
    md = (out / "model_card.md").read_text(encoding="utf-8")
    assert f"Demographic parity gap {judged:.3f} by RAC1P (race gap: fails)" in md
    assert f"{everyone:.3f}" not in md.split("## Model details")[0]  # the headline never rests on an insufficient group
    dashboard = (out / "dashboard.html").read_text(encoding="utf-8")
    assert f"Demographic parity gap {judged:.3f} by RAC1P" in dashboard
