"""The public names of rai.gate are pinned: changing them is a decision, not an accident."""

from __future__ import annotations

import rai.gate

EXPECTED = {
    "Check", "Policy", "load_policy", "parse_policy", "policy_from_config",
    "MetricPath", "Measurement", "Size", "parse_metric_path", "resolve", "iter_metrics", "PATH_PATTERNS",
    "Bound", "MeasuredOutcome", "CheckResult", "ComparisonRow", "Verdict", "evaluate", "compare",
    "PASS", "FAIL", "INSUFFICIENT", "SKIPPED",
    "render_junit", "render_markdown", "render_text", "github_annotations", "escape_data", "escape_property",
    "append_step_summary", "MAX_SUMMARY_BYTES", "preset_policy_text", "load_assessment_dict",
    "default_policy", "AbsentSection",
}


def test_public_names():
    assert set(rai.gate.__all__) == EXPECTED
    assert all(hasattr(rai.gate, name) for name in rai.gate.__all__)


def test_outcome_names_are_the_documented_ones():
    assert (rai.gate.PASS, rai.gate.FAIL, rai.gate.INSUFFICIENT, rai.gate.SKIPPED) == (
        "pass", "fail", "insufficient evidence", "skipped")
