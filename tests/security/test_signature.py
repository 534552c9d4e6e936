"""A signed assessment that was changed afterwards: ``rai report`` exits 1 and never calls it evidence."""

from __future__ import annotations

import json

import pytest

from tests.gate.conftest import make_assessment, write_json

KEY = "a-test-signing-key-0123456789"


@pytest.fixture
def tampered(rai, tmp_path, monkeypatch):
    monkeypatch.setenv("RAI_SIGNING_KEY", KEY)
    path = tmp_path / "assessment.json"
    write_json(path, make_assessment())
    assert rai("verify", "--assessment", path, "--sign").code == 0
    doc = json.loads(path.read_text())
    doc["results"]["performance"]["overall"]["accuracy"] = 0.99
    path.write_text(json.dumps(doc, indent=2) + "\n")
    return path


def test_report_on_a_tampered_assessment_is_exit_1_and_writes_nothing(rai, tampered, tmp_path):
    r = rai("report", "--assessment", tampered, "--out", tmp_path / "r")
    assert r.code == 1
    assert "signature INVALID: assessment.json was changed after it was signed" in r.err
    assert not (tmp_path / "r").exists()


def test_allow_unverified_renders_it_as_a_gap_not_as_evidence(rai, tampered, tmp_path):
    r = rai("report", "--assessment", tampered, "--out", tmp_path / "r", "--allow-unverified")
    assert r.code == 0, r.err
    md = (tmp_path / "r" / "model_card.md").read_text()
    assert "is signed and the signature verified" not in md and "Signed assessment" not in md
    assert "the signature of assessment.json does not verify: signature INVALID" in md


def test_a_good_signature_is_evidence_and_an_unchecked_one_is_not(rai, tmp_path, monkeypatch):
    monkeypatch.setenv("RAI_SIGNING_KEY", KEY)
    path = tmp_path / "assessment.json"
    write_json(path, make_assessment())
    rai("verify", "--assessment", path, "--sign")
    assert rai("report", "--assessment", path, "--out", tmp_path / "ok").code == 0
    assert "Signature: assessment.json is signed and the signature verified" in (tmp_path / "ok" / "model_card.md").read_text()
    monkeypatch.delenv("RAI_SIGNING_KEY")
    assert rai("report", "--assessment", path, "--out", tmp_path / "unchecked").code == 0
    md = (tmp_path / "unchecked" / "model_card.md").read_text()
    assert "signature verified" not in md and "the signature of assessment.json was not checked" in md
