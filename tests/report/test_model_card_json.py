"""model_card.json validates against the Model Card Toolkit schema v0.0.2 and holds exactly the assessment's numbers."""

from __future__ import annotations

import json

import jsonschema
import pytest

from rai.report import build_context, model_card_json, render_reports
from tests.report.conftest import build_assessment


def _validator(schema):
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def test_full_card_validates(assessment, mct_schema, tmp_path):
    paths = render_reports(assessment, tmp_path)
    doc = json.loads(paths["model_card_json"].read_text(encoding="utf-8"))
    _validator(mct_schema).validate(doc)
    assert doc["schema_version"] == "0.0.2"
    assert doc["model_details"]["name"] == "ACS employment classifier"
    assert doc["model_details"]["licenses"] == [{"identifier": "Apache-2.0"}]
    assert doc["model_details"]["version"] == {"name": "1.2.0", "date": "2026-11-01"}
    assert {"name": "Model Risk", "contact": "mrm@example.org"} in doc["model_details"]["owners"]


def test_metric_values_are_strings_and_lossless(assessment, mct_schema):
    doc = model_card_json(build_context(assessment))
    metrics = doc["quantitative_analysis"]["performance_metrics"]
    assert all(isinstance(m["value"], str) for m in metrics)
    overall = {m["type"]: m for m in metrics if "slice" not in m}
    for name, value in assessment.results.performance.overall.items():
        assert float(overall[name]["value"]) == value  # repr-exact, not rounded
        ci = assessment.results.performance.ci[name]
        assert float(overall[name]["confidence_interval"]["lower_bound"]) == ci.low
        assert float(overall[name]["confidence_interval"]["upper_bound"]) == ci.high
    # a fairness disparity per sensitive feature, and per-group values with insufficient groups marked
    dp = [m for m in metrics if m["type"] == "demographic_parity_difference"]
    assert {m["slice"] for m in dp} == set(assessment.results.fairness.sensitive_features)
    insufficient = [m for m in metrics if m.get("slice", "").endswith("(insufficient)")]
    assert insufficient and all("RAC1P=6" in m["slice"] for m in insufficient)


def test_missing_fields_are_left_out_not_invented(mct_schema):
    a = build_assessment(model_card={})
    doc = model_card_json(build_context(a))
    _validator(mct_schema).validate(doc)
    assert "name" not in doc["model_details"]
    assert "licenses" not in doc["model_details"]
    assert "considerations" not in doc  # no intended use, limitations ... given: nothing written
    # what the assessment itself knows is still there
    assert doc["model_details"]["path"] == "model.skops"
    assert doc["quantitative_analysis"]["performance_metrics"]


def test_bad_date_and_relative_reference_are_dropped_with_a_warning(mct_schema):
    a = build_assessment(model_card={"name": "m", "version_date": "last spring", "references": ["docs/model.md"],
                                     "license": "Custom licence text for internal use"})
    ctx = build_context(a)
    doc = model_card_json(ctx)
    _validator(mct_schema).validate(doc)
    assert "version" not in doc["model_details"]
    assert "references" not in doc["model_details"]
    assert doc["model_details"]["licenses"] == [{"custom_text": "Custom licence text for internal use"}]
    warnings = " ".join(ctx["card"]["warnings"])
    assert "version_date" in warnings and "last spring" in warnings and "docs/model.md" in warnings


def test_schema_really_rejects_unknown_top_level_keys(assessment, mct_schema):
    """The oracle is strict: our document would fail if we added a key of our own."""
    doc = model_card_json(build_context(assessment))
    doc["rai_extra"] = {}
    with pytest.raises(jsonschema.ValidationError):
        _validator(mct_schema).validate(doc)
    doc = model_card_json(build_context(assessment))
    doc["quantitative_analysis"]["performance_metrics"][0]["value"] = 0.5
    with pytest.raises(jsonschema.ValidationError):
        _validator(mct_schema).validate(doc)


def test_vendored_schema_is_the_shared_copy(mct_schema):
    from tests.conftest import SHARED

    shared = SHARED / "conformance" / "model_card.schema.v0.0.2.json"
    if not shared.exists():
        pytest.skip("../shared is not available")
    assert json.loads(shared.read_text(encoding="utf-8")) == mct_schema
