"""The mitigation section of the reports: before / after figures and the trade-off of every candidate.

Built from three documents ``rai mitigate`` wrote: the after-assessment being reported, the
before-assessment given as ``--baseline``, and ``tradeoff.json``. Plain dictionaries only; the
numbers are read, never judged here (a bound and its verdict come from the gate's policy).
A disparity is shown over the judged groups only; when the evidence is insufficient the cell
says so instead of showing a number.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["mitigation_context", "find_tradeoff", "METHOD_LABELS"]

METHOD_LABELS = {
    "threshold": "post-processing: fairlearn ThresholdOptimizer (group thresholds on the model's scores)",
    "exponentiated-gradient": "reduction: fairlearn ExponentiatedGradient (a randomised mixture of refitted models)",
    "grid-search": "reduction: fairlearn GridSearch (refitted models over a grid of Lagrange multipliers)",
}


def find_tradeoff(assessment_path: Path | None, baseline_path: Path) -> Path | None:
    """``tradeoff.json`` of the ``rai mitigate`` folder holding ``after/`` and ``before/``, if any."""
    for p in (assessment_path, baseline_path):
        if p is not None and (Path(p).parent.parent / "tradeoff.json").is_file():
            return Path(p).parent.parent / "tradeoff.json"
    return None


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _accuracy(doc: dict[str, Any]) -> dict[str, Any]:
    perf = (doc.get("results") or {}).get("performance") or {}
    ci = (perf.get("ci") or {}).get("accuracy") or {}
    return {"value": (perf.get("overall") or {}).get("accuracy"), "low": ci.get("low"), "high": ci.get("high"),
            "insufficient": False}


def _gap(doc: dict[str, Any], metric: str, feature: str, which: str) -> dict[str, Any]:
    for m in ((doc.get("results") or {}).get("fairness") or {}).get("metrics") or []:
        if m.get("name") == metric and m.get("sensitive_feature") == feature:
            judged = m.get("judged") or {}
            if not judged or judged.get("insufficient"):
                return {"value": None, "low": None, "high": None, "insufficient": True,
                        "reason": judged.get("reason") or "no judged gap in the assessment"}
            lo, hi = ("ci_low", "ci_high") if which == "difference" else ("ratio_ci_low", "ratio_ci_high")
            return {"value": judged.get(which), "low": judged.get(lo), "high": judged.get(hi), "insufficient": False}
    return {"value": None, "low": None, "high": None, "insufficient": True, "reason": "not in the assessment"}


def _row(label: str, before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    both = before["value"] is not None and after["value"] is not None
    return {"label": label, "before": before, "after": after,
            "delta": after["value"] - before["value"] if both else None}


def mitigation_context(after: dict[str, Any], before: dict[str, Any], tradeoff: dict[str, Any] | None) -> dict[str, Any]:
    """The plain context of the mitigation section."""
    t = tradeoff or {}
    metric = t.get("metric") or "demographic_parity"
    features = list(t.get("sensitive_features") or ((after.get("spec") or {}).get("sensitive") or []))
    rows = [_row("Accuracy", _accuracy(before), _accuracy(after))]
    for f in features:
        for which in ("ratio", "difference"):
            rows.append(_row(f"{_label(metric)} {which} by {f} (judged groups)",
                             _gap(before, metric, f, which), _gap(after, metric, f, which)))
    points = [{"label": p.get("label"), "accuracy": p.get("accuracy"), "difference": p.get("difference"),
               "ratio": p.get("ratio"), "chosen": bool(p.get("chosen")), "original": bool(p.get("original")),
               "pareto": bool(p.get("pareto")), "weight": p.get("weight")} for p in t.get("points") or []]
    return {
        "method": t.get("method"),
        "method_label": METHOD_LABELS.get(t.get("method") or "", t.get("method") or "unknown (no tradeoff.json)"),
        "constraint": t.get("constraint"),
        "metric": metric,
        "metric_label": _label(metric),
        "sensitive_features": features,
        "requires_sensitive": list(t.get("requires_sensitive") or []),
        "rows": rows,
        "points": points,
        "has_tradeoff": bool(points),
        "x_label": f"{_label(metric)} difference (judged groups, test data)",
        "y_label": "Accuracy (test data)",
        "judged_groups": list(t.get("judged_groups") or []),
        "excluded_groups": list(t.get("excluded_groups") or []),
        "min_group_size": t.get("min_group_size"),
        "n_rows": t.get("n_rows"),
        "baseline_model": ((before.get("model") or {}).get("source")),
    }
