"""`rai assess --only causal` and `analyzers.causal` in rai.yaml: results, notes, exit codes."""

from __future__ import annotations

import json

import pytest

from tests.conftest import make_binary

pytest.importorskip("econml")


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "test.csv"
    make_binary(600, seed=1).to_csv(path, index=False)
    return path


def test_causal_from_rai_yaml_writes_results_and_reports(rai, data, tmp_path):
    config = tmp_path / "rai.yaml"
    config.write_text(
        "version: 1\n"
        f"data: {{path: {data.name}, target: y, prediction: pred, score: score, sensitive: [group]}}\n"
        "analyzers:\n"
        "  run: [causal]\n"
        "  causal: {treatments: [x1, {column: color, control: blue}], refute: false, policy_depth: 1}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    run = rai("assess", "--config", config, "--out", out, "--report")
    assert run.code == 0, run.err
    doc = json.loads((out / "assessment.json").read_text())
    effects = doc["results"]["causal"]["effects"]
    assert [(e["treatment"], e["level"], e["control"]) for e in effects] == [
        ("x1", None, None), ("color", "green", "blue"), ("color", "red", "blue")]
    # make_binary draws y from a logit in 1.5 x1 (and + 0.5 when red): both effects are positive
    x1, _, red = effects
    assert x1["ci_low"] > 0 and red["effect"] > 0
    assert "### Causal analysis" in (out / "model_card.md").read_text(encoding="utf-8")

    # the gate reads the same numbers through the metric stream, qualified by treatment and level
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "version: 1\nchecks:\n"
        "  - {name: x1 raises y, metric: causal.effect, treatment: x1, op: '>', threshold: 0, decide_on: ci}\n"
        "  - {name: green raises y a lot, metric: causal.effect, treatment: color, level: green, op: '>', threshold: 0.5}\n",
        encoding="utf-8",
    )
    gate = rai("gate", "--policy", policy, "--assessment", out / "assessment.json")
    assert gate.code == 1, gate.err  # green has no planted effect on the logit: far from +0.5 in probability
    assert "PASS  x1 raises y" in gate.out and "FAIL  green raises y a lot" in gate.out


def test_only_causal_without_treatments_is_a_note_not_an_error(rai, data, tmp_path):
    run = rai("assess", "--data", data, "--target", "y", "--only", "causal", "--out", tmp_path / "out")
    assert run.code == 0, run.err
    assert "note: causal skipped: no treatment given: set analyzers.causal.treatments" in run.err


def test_a_bad_treatment_is_exit_2_with_the_column_named(rai, data, tmp_path):
    config = tmp_path / "rai.yaml"
    config.write_text(f"version: 1\ndata: {{path: {data.name}, target: y}}\nanalyzers: {{causal: {{treatments: [income]}}}}\n",
                      encoding="utf-8")
    run = rai("assess", "--config", config, "--only", "causal", "--out", tmp_path / "out")
    assert run.code == 2
    assert "'income' is not a feature of the data" in run.err and "Traceback" not in run.err
