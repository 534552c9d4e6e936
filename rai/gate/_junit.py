"""JUnit XML of a verdict: one test case per check, valid against the junit-10.xsd that CI systems read.

- a check whose effect fails the gate is a ``<failure>`` (type ``threshold`` or
  ``insufficient evidence``) whose message holds the value, the bound and the reason;
- a check that could not be judged and does not fail the gate (insufficient evidence with
  ``on_insufficient: warn | pass``, or a baseline check without ``--baseline``) is ``<skipped>``;
- a failing ``severity: warn`` check passes, with the warning in ``<system-out>``.

Every test case's ``<system-out>`` lists the value, interval, bound and group sizes.
"""

from __future__ import annotations

import re
import socket
import xml.etree.ElementTree as ET
from typing import Any

from rai.gate._decide import (
    FAIL,
    INSUFFICIENT,
    SKIPPED,
    CheckResult,
    Verdict,
    fmt,
    fmt_interval,
)

__all__ = ["render_junit"]

# characters XML 1.0 does not allow, even escaped
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: Any) -> str:
    return _INVALID_XML.sub("\ufffd", str(text))


def _classname(result: CheckResult) -> str:
    root = result.check.metric.split(".", 1)[0]
    return f"rai.gate.{root}"


def check_details(result: CheckResult) -> str:
    """Plain-text details of a check result: the decided numbers, their bounds and group sizes."""
    c = result.check
    lines = [
        f"check: {c.name}",
        f"metric: {c.metric}" + "".join(f", {k}={v}" for k, v in c.qualifiers.items()),
        (
            f"outcome: {result.outcome} (effect on the gate: {result.effect}; severity {c.severity}, "
            f"decide_on {c.decide_on}, on_insufficient {c.on_insufficient})"
        ),
        f"reason: {result.reason}",
    ]
    if c.description:
        lines.append(f"about: {c.description}")
    for d in result.details:
        m = d.measurement
        bound = d.bound.text() if d.bound is not None else "-"
        sizes = "; ".join(f"{s.label}: n={fmt(s.count)}{' (insufficient)' if s.insufficient else ''}" for s in m.sizes)
        line = f"- {m.label}: value {fmt(m.value)}, interval {fmt_interval(m.low, m.high)}, bound {bound}, {d.outcome}"
        if d.baseline is not None:
            line += f", baseline {fmt(d.baseline.value)} {fmt_interval(d.baseline.low, d.baseline.high)}"
        if sizes:
            line += f"; sizes: {sizes}"
        lines.append(line)
    return "\n".join(lines)


def render_junit(verdict: Verdict) -> str:
    """The verdict as JUnit XML text (UTF-8 declaration included)."""
    counts = verdict.counts
    failures = counts["blocking"]
    skipped = sum(1 for r in verdict.results if r.effect != "fail" and r.outcome in (INSUFFICIENT, SKIPPED))
    time = f"{verdict.duration_s:.3f}"
    suite_name = f"rai gate: {verdict.policy.name}" if verdict.policy.name else "rai gate"
    suites = ET.Element(
        "testsuites",
        {"name": "rai gate", "tests": str(len(verdict.results)), "failures": str(failures), "errors": "0", "time": time},
    )
    attrs = {
        "name": _clean(suite_name),
        "tests": str(len(verdict.results)),
        "failures": str(failures),
        "errors": "0",
        "skipped": str(skipped),
        "time": time,
        "timestamp": verdict.created_at,
        "hostname": _clean(socket.gethostname()),
    }
    if verdict.policy.source:
        attrs["file"] = _clean(verdict.policy.source)
    suite = ET.SubElement(suites, "testsuite", attrs)
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("verdict", verdict.status),
        ("policy", verdict.policy.source),
        ("assessment", verdict.assessment_source),
        ("baseline", verdict.baseline_source),
        ("assessment.data_sha256", verdict.assessment_info.get("data_sha256")),
    ):
        if value is not None:
            ET.SubElement(props, "property", {"name": name, "value": _clean(value)})
    for result in verdict.results:
        case = ET.SubElement(
            suite, "testcase", {"name": _clean(result.check.name), "classname": _classname(result), "time": "0.000"}
        )
        details = check_details(result)
        shown = result.shown
        m = shown.measurement
        bound = shown.bound.text() if shown.bound is not None else "-"
        message = _clean(f"{result.outcome}: {c_metric(result)} = {fmt(m.value)} {fmt_interval(m.low, m.high)}, bound {bound}; {result.reason}")
        if result.effect == "fail":
            kind = "threshold" if result.outcome == FAIL else result.outcome
            el = ET.SubElement(case, "failure", {"type": kind, "message": message})
            el.text = _clean(details)
        elif result.outcome in (INSUFFICIENT, SKIPPED):
            ET.SubElement(case, "skipped", {"type": result.outcome, "message": message})
        out = ET.SubElement(case, "system-out")
        prefix = "WARNING (severity warn, does not block): " if result.effect == "warn" and result.outcome == FAIL else ""
        out.text = _clean(prefix + details)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def c_metric(result: CheckResult) -> str:
    quals = ", ".join(f"{k}={v}" for k, v in result.check.qualifiers.items())
    return f"{result.check.metric}[{quals}]" if quals else result.check.metric
