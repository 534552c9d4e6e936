"""The public names of rai.report, and the documented model-card keys."""

from __future__ import annotations

import rai.report
from rai.report import CARD_FIELDS, EXPECTED_FIELDS, normalise_card


def test_public_names_are_pinned():
    assert sorted(rai.report.__all__) == sorted([
        "render_reports", "build_context", "Limits", "model_card_json", "MCT_SCHEMA_VERSION", "compliance_mapping",
        "normalise_card", "CARD_FIELDS", "EXPECTED_FIELDS", "embed_json", "DASHBOARD_BUDGET", "OUTPUT_NAMES",
        "find_chromium", "html_to_pdf", "KEY_ENV", "KEY_ID_ENV", "sign_assessment", "signature_path",
        "signature_status", "signing_key", "verify_signature",
    ])
    for name in rai.report.__all__:
        assert hasattr(rai.report, name), name


def test_every_card_key_is_documented():
    doc = rai.report._card_fields.__doc__
    for key in CARD_FIELDS:
        assert f"\n{key} " in doc, key
    assert set(EXPECTED_FIELDS) <= set(CARD_FIELDS)


def test_normalise_card():
    out = normalise_card({
        "name": "  m  ", "owners": ["Ann <ann@example.org>", {"name": "Team"}, ""], "license": {"custom_text": "internal"},
        "intended_use": "one use", "limitations": ["a", "", None], "ethical_considerations": ["risk x", {"risk": "y", "mitigation": "z"}],
        "typo_key": "kept",
    })
    f = out["fields"]
    assert f["name"] == "m"
    assert f["owners"] == [{"name": "Ann", "contact": "ann@example.org"}, {"name": "Team"}]
    assert f["license"] == [{"custom_text": "internal"}]
    assert f["intended_use"] == ["one use"] and f["limitations"] == ["a"]
    assert f["ethical_considerations"] == [{"name": "risk x", "mitigation_strategy": ""}, {"name": "y", "mitigation_strategy": "z"}]
    assert [m["key"] for m in out["missing"]] == ["version", "out_of_scope_uses", "training_data", "evaluation_data"]
    assert out["extra"] == {"typo_key": "kept"} and "typo_key" in out["warnings"][0]
