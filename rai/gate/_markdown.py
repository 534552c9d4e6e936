"""Human-readable verdicts: the GitHub-flavoured Markdown summary, the console text, GitHub annotations.

User-controlled text (check names, groups, columns, file names) is escaped for Markdown tables
and HTML; annotation lines are escaped per GitHub's workflow-command rules.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from rai._console import one_line
from rai.gate._decide import (
    FAIL,
    INSUFFICIENT,
    CheckResult,
    ComparisonRow,
    Verdict,
    fmt,
    fmt_interval,
)

__all__ = [
    "render_markdown",
    "render_text",
    "github_annotations",
    "escape_data",
    "escape_property",
    "append_step_summary",
    "MAX_SUMMARY_BYTES",
]

#: GitHub rejects a job summary above 1 MiB; stay clearly below it.
MAX_SUMMARY_BYTES = 1_000_000

_ICON = {"fail": "❌", "warn": "⚠️", "pass": "✅", "skip": "⏭️"}
_OPS = {">=": "≥", "<=": "≤", "!=": "≠"}
_MD_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", **{c: "\\" + c for c in "\\`*_[]~|"}}
)


def md(text: Any) -> str:
    """Plain text safe in a Markdown table cell: HTML-escaped, Markdown specials and pipes escaped."""
    return " ".join(str(text).translate(_MD_ESCAPES).split())


def code(text: Any) -> str:
    """Inline code in a table cell; falls back to escaped text when the text holds a backtick."""
    s = " ".join(str(text).split())
    if "`" in s:
        return md(s)
    return "`" + s.replace("|", "\\|") + "`"


def _bound(result: CheckResult) -> str:
    bound = result.shown.bound
    if bound is None:
        if result.check.uses_baseline:
            return md(f"{_OPS.get(result.check.op, result.check.op)} baseline ± {fmt(result.check.baseline_tolerance)}")
        return "-"
    text = bound.text()
    for op, sym in _OPS.items():
        if text.startswith(op + " "):
            text = sym + text[len(op):]
            break
    return md(text)


def _sizes(result: CheckResult, limit: int = 6) -> str:
    # the groups too small to judge first: they explain an "insufficient evidence"
    sizes = sorted(result.shown.measurement.sizes, key=lambda s: not s.insufficient)
    parts = [f"{s.label}: {fmt(s.count)}{' (insufficient)' if s.insufficient else ''}" for s in sizes[:limit]]
    if len(sizes) > limit:
        parts.append(f"... {len(sizes) - limit} more")
    return md("; ".join(parts)) if parts else "-"


def _metric_cell(result: CheckResult, *, shown: bool = True) -> str:
    quals = ", ".join(f"{k}={v}" for k, v in result.check.qualifiers.items())
    cell = code(result.check.metric) + (f" ({md(quals)})" if quals else "")
    if shown and len(result.details) > 1:  # the number shown, out of several
        cell += f" → {md(result.shown.measurement.label)}"
    return cell


def _outcome_cell(result: CheckResult) -> str:
    if result.effect == "warn" and result.outcome == FAIL:
        label = "fail (warning only)"
    elif result.outcome == INSUFFICIENT:
        label = f"insufficient evidence ({'blocks' if result.effect == 'fail' else result.effect})"
    else:
        label = result.outcome
    return f"**{md(label)}**: {md(result.reason)}"


def _icon(result: CheckResult) -> str:
    if result.outcome == INSUFFICIENT and result.effect != "fail":
        return "❔"
    return _ICON[result.effect]


def _check_table(verdict: Verdict) -> list[str]:
    lines = [
        "| | Check | Metric | Value | Interval | Bound | Groups (n) | Outcome |",
        "|:-:|---|---|--:|---|---|---|---|",
    ]
    for r in verdict.results:
        m = r.shown.measurement
        lines.append(
            f"| {_icon(r)} | {md(r.check.name)} | {_metric_cell(r)} | {md(fmt(m.value))} | {md(fmt_interval(m.low, m.high))} "
            f"| {_bound(r)} | {_sizes(r)} | {_outcome_cell(r)} |"
        )
    return lines


def _details(verdict: Verdict) -> list[str]:
    lines = ["<details><summary>Every number the checks decided on</summary>", ""]
    for r in verdict.results:
        lines.append(f"**{md(r.check.name)}**: {_metric_cell(r, shown=False)}, severity {r.check.severity}, decide_on {r.check.decide_on}, "
                     f"on_insufficient {r.check.on_insufficient}" + (f". {md(r.check.description)}" if r.check.description else ""))
        lines.append("")
        lines.append("| Number | Value | Interval | Bound | Baseline | Sizes | Outcome |")
        lines.append("|---|--:|---|---|---|---|---|")
        for d in r.details:
            m = d.measurement
            base = "-" if d.baseline is None else md(f"{fmt(d.baseline.value)} {fmt_interval(d.baseline.low, d.baseline.high)}")
            sizes = md("; ".join(f"{s.label}: {fmt(s.count)}{' (insufficient)' if s.insufficient else ''}" for s in m.sizes)) or "-"
            bound = md(d.bound.text()) if d.bound is not None else "-"
            lines.append(
                f"| {md(m.label)} | {md(fmt(m.value))} | {md(fmt_interval(m.low, m.high))} | {bound} | {base} | {sizes} "
                f"| {md(d.outcome)}: {md(d.reason)} |"
            )
        lines.append("")
    lines.append("</details>")
    return lines


def _delta(row: ComparisonRow) -> str:
    d = row.delta
    if d is None:
        return "-"
    return ("+" if d > 0 else "") + fmt(d)


def _comparison_rows(rows: list[ComparisonRow]) -> list[str]:
    out = ["| Metric | Baseline (champion) | Interval | Candidate | Interval | Δ |", "|---|--:|---|--:|---|--:|"]
    for r in rows:
        quals = ", ".join(f"{k}={v}" for k, v in r.qualifiers)
        out.append(
            f"| {code(r.path)}{f' ({md(quals)})' if quals else ''} | {md(fmt(r.baseline))} | {md(fmt_interval(r.baseline_low, r.baseline_high))} "
            f"| {md(fmt(r.value))} | {md(fmt_interval(r.low, r.high))} | {md(_delta(r))} |"
        )
    return out


def _comparison(verdict: Verdict) -> list[str]:
    rows = list(verdict.comparison or [])
    lines = ["", "### Champion comparison", ""]
    if not rows:
        return [*lines, "The baseline and the candidate share no metric."]
    head = [r for r in rows if r.headline]
    lines.append("Candidate (this assessment) against the baseline (the approved model); Δ = candidate − baseline.")
    lines.append("")
    lines.extend(_comparison_rows(head) if head else ["No headline metric is shared."])
    return lines


def render_markdown(verdict: Verdict, *, max_bytes: int = MAX_SUMMARY_BYTES) -> str:
    """The GitHub-flavoured Markdown summary, kept under ``max_bytes`` (UTF-8)."""
    icon = "✅" if verdict.passed else "❌"
    info = []
    if verdict.policy.source:
        name = f"{md(verdict.policy.name)} " if verdict.policy.name else ""
        info.append(f"**Policy** {name}({code(verdict.policy.source)})")
    if verdict.assessment_source:
        extra = verdict.assessment_info.get("created_at")
        info.append(f"**Assessment** {code(verdict.assessment_source)}" + (f" of {md(extra)}" if extra else ""))
    if verdict.baseline_source:
        info.append(f"**Baseline** {code(verdict.baseline_source)}")
    header = [f"## {icon} {md(verdict.headline())}", ""]
    if info:
        header += [" · ".join(info), ""]
    footer = [
        "",
        (
            "<sub>Bounds are checked on the point estimate unless a check says <code>decide_on: ci</code> (fail only "
            "when the whole confidence interval is on the wrong side). <em>Insufficient evidence</em>: a group involved "
            "is below the minimum group size, or the value could not be computed.</sub>"
        ),
        "",
    ]
    table = _check_table(verdict)
    details = ["", *_details(verdict)]
    cmp_head: list[str] = []
    cmp_rest: list[str] = []
    cmp_note: list[str] = []
    if verdict.comparison is not None:
        cmp_head = _comparison(verdict)
        rest = [r for r in verdict.comparison if not r.headline]
        if rest:
            cmp_rest = ["", f"<details><summary>{len(rest)} more shared numbers (per group, per column, per feature)</summary>",
                        "", *_comparison_rows(rest), "", "</details>"]
            cmp_note = ["", f"_{len(rest)} more shared numbers are in the JSON verdict (left out to keep this summary under 1 MiB)._"]

    def size(lines: list[str]) -> int:
        return sum(len(line.encode("utf-8")) + 1 for line in lines)

    budget = max_bytes - size(header) - size(footer) - size(table) - size(cmp_head) - size(cmp_note)
    if budget >= 0:
        body = list(table)
        if size(details) <= budget:
            body += details
            budget -= size(details)
        body += cmp_head
        body += cmp_rest if cmp_rest and size(cmp_rest) - size(cmp_note) <= budget else cmp_note
        return "\n".join(header + body + footer)
    # still too long (thousands of checks): cut the table itself
    note = "\n\n_Summary truncated to stay under 1 MiB; the JSON verdict and JUnit XML hold every check._\n"
    budget = max_bytes - len(note.encode("utf-8"))
    out, used = [], 0
    for line in header + table:
        n = len(line.encode("utf-8")) + 1
        if used + n > budget:
            break
        out.append(line)
        used += n
    return "\n".join(out) + note


def render_text(verdict: Verdict) -> str:
    """Plain console text: one line per check, then the headline."""
    labels = {"fail": "FAIL", "warn": "WARN", "pass": "PASS", "skip": "SKIP"}
    lines = []
    for r in verdict.results:
        label = labels[r.effect]
        if r.outcome == INSUFFICIENT:
            label = {"fail": "FAIL", "warn": "WARN", "pass": "PASS"}[r.effect] + "?"
        quals = "".join(f" {k}={v}" for k, v in r.check.qualifiers.items())
        lines.append(one_line(f"{label:<5} {r.check.name} [{r.check.metric}{quals}]: {r.outcome}: {r.reason}"))
    lines.append(one_line(verdict.headline()))
    return "\n".join(lines)


def escape_data(text: Any) -> str:
    """Escape the message of a GitHub workflow command (``%``, CR, LF)."""
    return str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: Any) -> str:
    """Escape a property value of a GitHub workflow command (also ``:`` and ``,``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotations(verdict: Verdict) -> list[str]:
    """``::error`` lines for blocking checks, ``::warning`` for warnings (GitHub Actions shows them on the run)."""
    lines = []
    for r in verdict.results:
        if r.effect not in ("fail", "warn"):
            continue
        level = "error" if r.effect == "fail" else "warning"
        m = r.shown.measurement
        quals = ", ".join(f"{k}={v}" for k, v in r.check.qualifiers.items())
        metric = f"{r.check.metric} ({quals})" if quals else r.check.metric
        message = f"{metric} = {fmt(m.value)} {fmt_interval(m.low, m.high)}: {r.outcome}: {r.reason}"
        props = [f"title={escape_property('rai gate: ' + r.check.name)}"]
        if verdict.policy.source:
            props.insert(0, f"file={escape_property(verdict.policy.source)}")
        lines.append(f"::{level} {','.join(props)}::{escape_data(message)}")
    return lines


def append_step_summary(markdown: str, environ: dict[str, str] | None = None) -> Path | None:
    """Append ``markdown`` to ``$GITHUB_STEP_SUMMARY`` when it is set; return the file written."""
    env = os.environ if environ is None else environ
    target = env.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    path = Path(target)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(markdown if markdown.endswith("\n") else markdown + "\n")
    return path

