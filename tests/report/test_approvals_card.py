"""The model card lists the approvals from `rai approvals --json`; approver names are escaped."""

from __future__ import annotations

import json

import pytest

from rai._exceptions import ConfigError
from rai.report import render_reports
from rai.report._approvals import load_approvals

HISTORY = {
    "model": "credit/3",
    "aliases": {"staging": "3", "production": "3"},
    "approvals": [
        {"version": "3", "stage": "staging", "role": "engineering", "approver": "alice@example.org",
         "approved_at": "2026-11-29T10:00:00+00:00", "gate_status": "passed", "assessment_sha256": "ab" * 32,
         "signature_status": "valid", "note": "ticket | 12"},
        {"version": "3", "stage": "production", "role": "risk", "approver": "<script>alert(1)</script>",
         "approved_at": "2026-11-29T11:00:00+00:00", "gate_status": "passed", "assessment_sha256": "cd" * 32,
         "signature_status": "unsigned", "note": None},
    ],
}


def test_card_lists_approvals_escaped(tmp_path, assessment):
    paths = render_reports(assessment, tmp_path, approvals=HISTORY)
    md = paths["model_card_md"].read_text(encoding="utf-8")
    html = paths["model_card_html"].read_text(encoding="utf-8")
    assert "## Approvals" in md and 'id="approvals"' in html
    row = next(line for line in md.splitlines() if "alice@example.org" in line)
    assert "| staging | engineering |" in row and "ticket \\| 12" in row and "valid" in row
    assert "production → version 3" in md and "staging → version 3" in md
    assert "<script>alert(1)</script>" not in md and "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_card_without_approvals_has_no_section(tmp_path, assessment):
    paths = render_reports(assessment, tmp_path)
    assert "## Approvals" not in paths["model_card_md"].read_text(encoding="utf-8")
    assert 'id="approvals"' not in paths["model_card_html"].read_text(encoding="utf-8")


def test_bad_approvals_file(tmp_path, rai, assessment):
    with pytest.raises(ConfigError, match="does not exist"):
        load_approvals(tmp_path / "nope.json")
    (tmp_path / "bad.json").write_text(json.dumps([1, 2]), encoding="utf-8")
    with pytest.raises(ConfigError, match="'approvals' list"):
        load_approvals(tmp_path / "bad.json")
    path = assessment.save(tmp_path / "assessment.json")
    (tmp_path / "ok.json").write_text(json.dumps(HISTORY), encoding="utf-8")
    run = rai("report", "--assessment", path, "--out", tmp_path / "card", "--approvals", tmp_path / "ok.json")
    assert run.code == 0, run.err
    assert "alice@example.org" in (tmp_path / "card" / "model_card.md").read_text(encoding="utf-8")
    run = rai("report", "--assessment", path, "--out", tmp_path / "card", "--approvals", tmp_path / "bad.json")
    assert run.code == 2 and "--approvals" in run.err
