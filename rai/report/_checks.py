"""The report's verdicts: the policy's checks, judged by the gate on the metric stream.

The card and the dashboard never decide a status themselves: every "pass", "fail",
"insufficient evidence" or "skipped" they show is the gate's outcome for a check of the policy
(the one given, or the default that ships with the package), so the report and ``rai gate
--json`` on the same inputs list the same checks with the same outcomes.
"""

from __future__ import annotations

from typing import Any

__all__ = ["judge", "section_status", "check_for"]

#: A section's status from the checks on its paths: the worst effect wins.
_STATUS_BY_EFFECT = {"fail": "attention", "warn": "watch", "pass": "ok"}


def judge(doc: dict[str, Any], policy: Any = None) -> dict[str, Any]:
    """Evaluate ``policy`` (default: the shipped policy) on the assessment dict; plain data for templates."""
    from rai.gate import default_policy, evaluate
    from rai.gate._decide import fmt, fmt_interval

    policy = policy if policy is not None else default_policy()
    verdict = evaluate(policy, doc)
    checks = []
    for r in verdict.results:
        shown = r.shown
        m = shown.measurement
        checks.append({
            "name": r.check.name,
            "metric": r.check.metric,
            "section": r.check.metric.split(".")[0],
            "qualifiers": dict(r.check.qualifiers),
            "where": ", ".join(f"{k}={v}" for k, v in r.check.qualifiers.items()),
            "severity": r.check.severity,
            "outcome": r.outcome,
            "effect": r.effect,
            "value": fmt(m.value) if m.value is not None else None,
            "interval": fmt_interval(m.low, m.high) if m.has_interval else None,
            "bound": None if shown.bound is None else shown.bound.text(),
            "reason": r.reason,
            "excluded": sorted({e for d in r.details for e in d.measurement.excluded}),
            "measurements": [{"label": d.measurement.label, "outcome": d.outcome} for d in r.details],
        })
    return {
        "policy": policy.name or policy.source,
        "policy_source": policy.source,
        "status": verdict.status,
        "headline": verdict.headline(),
        "counts": verdict.counts,
        "checks": checks,
    }


def section_status(verdicts: dict[str, Any] | None, section: str) -> str | None:
    """``attention`` / ``watch`` / ``ok`` from the checks on one section's paths; ``None`` when none judges it."""
    effects = [c["effect"] for c in (verdicts or {}).get("checks", []) if c["section"] == section and c["outcome"] != "skipped"]
    for effect in ("fail", "warn", "pass"):
        if effect in effects:
            return _STATUS_BY_EFFECT[effect]
    return None


def check_for(verdicts: dict[str, Any] | None, metric_prefix: str, label: str) -> dict[str, Any] | None:
    """How the first check on ``metric_prefix`` (e.g. ``fairness.demographic_parity.``) judged the number ``label``.

    Returns ``{"name", "outcome", "status"}``, the outcome of that one number (``SEX``), with
    status ``attention`` (it fails an error check), ``watch`` (it fails a warning check),
    ``insufficient`` or ``ok``; ``None`` when no check judges it.
    """
    for c in (verdicts or {}).get("checks", []):
        if not c["metric"].startswith(metric_prefix):
            continue
        for m in c["measurements"]:
            if m["label"] != label or m["outcome"] == "skipped":
                continue
            if m["outcome"] == "fail":
                status = "attention" if c["severity"] == "error" else "watch"
            else:
                status = "insufficient" if m["outcome"] == "insufficient evidence" else "ok"
            return {"name": c["name"], "outcome": m["outcome"], "status": status}
    return None
