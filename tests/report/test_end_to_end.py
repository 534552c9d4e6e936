"""Reports of a real assessment (predictions-only, generated data), checked against sklearn and fairlearn."""

from __future__ import annotations

import json

import jsonschema
import pytest

from rai import DatasetSpec, assess
from rai._assessment import Assessment
from rai.report import build_context, render_reports
from rai.report._render import render_markdown_card
from tests.conftest import make_binary


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    data = make_binary(1500, seed=11, bias=1.2)
    reference = make_binary(1500, seed=12)
    spec = DatasetSpec(target="y", prediction="pred", score="score", sensitive=("group",))
    a = assess(data, spec=spec, reference=reference, seed=0,
               options={"performance": {"n_bootstrap": 50}, "fairness": {"n_bootstrap": 50}},
               model_card={"name": "generated", "license": "MIT", "intended_use": "tests"})
    out = tmp_path_factory.mktemp("real")
    path = a.save(out / "assessment.json")
    return data, a, path, out


def test_card_numbers_equal_independent_oracles(real, mct_schema):
    from fairlearn.metrics import demographic_parity_difference
    from sklearn.metrics import accuracy_score, roc_auc_score

    data, a, path, out = real
    paths = render_reports(path, out / "r")
    doc = json.loads(paths["model_card_json"].read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(mct_schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER).validate(doc)
    metrics = {(m["type"], m.get("slice")): m for m in doc["quantitative_analysis"]["performance_metrics"]}
    assert float(metrics[("accuracy", None)]["value"]) == pytest.approx(accuracy_score(data["y"], data["pred"]), abs=1e-12)
    assert float(metrics[("roc_auc", None)]["value"]) == pytest.approx(roc_auc_score(data["y"], data["score"]), abs=1e-12)
    dpd = demographic_parity_difference(data["y"], data["pred"], sensitive_features=data["group"])
    assert float(metrics[("demographic_parity_difference", "group")]["value"]) == pytest.approx(dpd, abs=1e-12)
    # and the Markdown card prints the same figures
    md = paths["model_card_md"].read_text(encoding="utf-8")
    assert f"| Accuracy | {accuracy_score(data['y'], data['pred']):.3f} |" in md
    assert f"| Demographic parity | {dpd:.3f} (" in md


def test_bias_is_found_and_named(real):
    data, a, _, _ = real
    ctx = build_context(a)
    # group b's predictions were pushed up: its selection rate is the highest, a's the lowest
    sel = next(m for m in ctx["fairness"]["features"][0]["metrics"] if m["name"] == "selection_rate")
    rates = data.groupby("group")["pred"].mean()
    assert sel["highest"]["group"] == "b" and sel["lowest"]["group"] == "a"
    assert sel["highest"]["value"] == pytest.approx(rates["b"]) and sel["lowest"]["value"] == pytest.approx(rates["a"])
    assert ctx["fairness"]["status"] in ("attention", "watch")


def test_render_from_file_equals_render_from_object(real):
    _, a, path, _ = real
    assert render_markdown_card(build_context(Assessment.load(path))) == render_markdown_card(build_context(a))


def test_assess_without_sensitive_feature_lists_missing_fairness(tmp_path):
    data = make_binary(400, seed=3)
    a = assess(data, spec=DatasetSpec(target="y", prediction="pred", score="score"),
               options={"performance": {"n_bootstrap": 20}})
    ctx = build_context(a)
    assert ctx["fairness"] is None
    missing = " ".join(m["evidence"] for m in ctx["compliance"]["missing_evidence"])
    assert "no fairness analysis" in missing and "sensitive feature" in missing
    assert "no intended use stated" in missing
    assert "no reference (training) data given" in missing
    paths = render_reports(a, tmp_path)
    assert "Not run" in paths["model_card_html"].read_text(encoding="utf-8")
