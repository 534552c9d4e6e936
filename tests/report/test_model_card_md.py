"""Golden files of the Markdown model card (timestamps and hashes normalised).

Regenerate after an intended change with ``RAI_UPDATE_GOLDEN=1 pytest tests/report/test_model_card_md.py``
and review the diff.
"""

from __future__ import annotations

import os
import re

import pytest

from rai.report import build_context
from rai.report._render import md_escape, render_markdown_card
from tests.report.conftest import GOLDEN, build_assessment

_NORMALISE = [
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)?"), "<TIMESTAMP>"),
    (re.compile(r"\b[0-9a-f]{64}\b"), "<SHA256>"),
    (re.compile(r"\b[0-9a-f]{40}(\+dirty)?\b"), "<COMMIT>"),
]


def normalise(text: str) -> str:
    for pattern, repl in _NORMALISE:
        text = pattern.sub(repl, text)
    return text


CASES = {
    "full": lambda: build_assessment(),
    "minimal": lambda: build_assessment(model_card={}, fairness=False, errors=False, explanations=False),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_markdown_card_matches_golden(name):
    text = normalise(render_markdown_card(build_context(CASES[name]())))
    path = GOLDEN / f"model_card_{name}.md"
    if os.environ.get("RAI_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} missing: run with RAI_UPDATE_GOLDEN=1 to create it"
    assert text == path.read_text(encoding="utf-8")


def test_normalisation_only_touches_volatile_values():
    text = render_markdown_card(build_context(build_assessment()))
    assert "2026-11-23T12:00:00+00:00" in text and "a" * 64 in text
    out = normalise(text)
    assert "<TIMESTAMP>" in out and "<SHA256>" in out and "<COMMIT>" in out
    assert "0.812" in out  # numbers stay


def test_missing_fields_are_listed_never_invented():
    text = render_markdown_card(build_context(build_assessment(model_card={}, fairness=False)))
    for key in ("intended_use", "out_of_scope_uses", "owners", "license", "limitations", "ethical_considerations"):
        assert f"`model_card.{key}`" in text, key
    assert "# Model card: Unnamed model" in text
    assert "No fairness analysis: needs at least one sensitive feature" in text
    # the compliance section lists the missing fairness evidence
    assert "no fairness analysis (potentially discriminatory impacts) (fairness analyzer: needs at least one sensitive feature" in text


def test_numbers_come_from_the_assessment():
    a = build_assessment()
    text = render_markdown_card(build_context(a))
    acc = a.results.performance.overall["accuracy"]
    ci = a.results.performance.ci["accuracy"]
    assert f"| Accuracy | {acc:.3f} | {ci.low:.3f} – {ci.high:.3f} |" in text
    dp = next(m for m in a.results.fairness.metrics if m.name == "demographic_parity" and m.sensitive_feature == "SEX")
    assert f"| Demographic parity | {dp.difference:.3f} ({dp.ci_low:.3f} – {dp.ci_high:.3f}) |" in text


@pytest.mark.parametrize("raw, expected", [
    ("plain", "plain"),
    ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ("a|b", "a\\|b"),
    ("[x](javascript:alert(1))", "\\[x\\](javascript:alert(1))"),
    ("*bold* _it_ `code`", "\\*bold\\* \\_it\\_ \\`code\\`"),
    ("line\nbreak", "line break"),
    ("AT&T", "AT&amp;T"),
    (None, ""),
])
def test_md_escape(raw, expected):
    assert md_escape(raw) == expected
