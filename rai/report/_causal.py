"""Template context of the causal section: effects with intervals, refutations, groups, policy rules.

Plain dicts from the JSON form of ``results.causal`` (compute never renders). The words shown for an
effect come from the result's own evidence: ``refuted`` when one of its refutations failed (each
refutation carries its pass / fail), ``insufficient`` when too few rows backed it; no threshold is
applied here.
"""

from __future__ import annotations

from typing import Any

__all__ = ["REFUTATION_LABELS", "causal_context"]

REFUTATION_LABELS = {
    "placebo_treatment": "Placebo treatment (effect must vanish)",
    "random_common_cause": "Random common cause (effect must hold)",
    "data_subset": "Data subset (effect must be stable)",
}


def _contrast_label(e: dict[str, Any]) -> str:
    if e.get("level") is None:
        return f"{e['treatment']} (+1)"
    return f"{e['treatment']} = {e['level']} vs {e.get('control')}"


def _status(e: dict[str, Any]) -> str:
    if e.get("insufficient"):
        return "insufficient"
    return "refuted" if e.get("refuted") else "not refuted"


def _overlap_text(ov: dict[str, Any] | None) -> str:
    if not ov:
        return "–"
    if ov.get("kind") == "propensity":
        share = ov.get("share_extreme")
        return (f"propensity {ov.get('propensity_min', 0):.3f} – {ov.get('propensity_max', 0):.3f}; "
                f"{100 * (share or 0):.1f}% of rows outside [{ov.get('bound')}, {1 - (ov.get('bound') or 0):g}]")
    r2 = ov.get("treatment_r2")
    return "–" if r2 is None else f"confounders explain {100 * r2:.1f}% of the treatment's variance"


def causal_context(section: dict[str, Any] | None, *, text_limit: int = 300) -> dict[str, Any] | None:
    """The causal section of the report context, or ``None`` when the analysis did not run."""
    if not section:
        return None
    effects = []
    for e in section.get("effects") or []:
        pol = e.get("policy")
        effects.append({
            "label": _contrast_label(e)[:text_limit],
            "treatment": e.get("treatment"),
            "level": e.get("level"),
            "control": e.get("control"),
            "kind": e.get("kind"),
            "effect": e.get("effect"),
            "ci_low": e.get("ci_low"),
            "ci_high": e.get("ci_high"),
            "p_value": e.get("p_value"),
            "n": e.get("n"),
            "n_treated": e.get("n_treated"),
            "n_control": e.get("n_control"),
            "n_dropped": e.get("n_dropped"),
            "status": _status(e),
            "reason": e.get("reason"),
            "refutations": [
                {"name": r["name"], "label": REFUTATION_LABELS.get(r["name"], r["name"]), "passed": bool(r.get("passed")),
                 "value": r.get("value"), "ci_low": r.get("ci_low"), "ci_high": r.get("ci_high"),
                 "criterion": r.get("criterion"), "n": r.get("n")}
                for r in e.get("refutations") or []
            ],
            "overlap": _overlap_text(e.get("overlap")),
            "by_group": [
                {"feature": g["sensitive_feature"], "group": g["group"], "effect": g.get("effect"),
                 "ci_low": g.get("ci_low"), "ci_high": g.get("ci_high"), "p_value": g.get("p_value"),
                 "count": g.get("count"), "insufficient": bool(g.get("insufficient"))}
                for g in e.get("by_group") or []
            ],
            "policy": None if not pol else {
                "rules": [dict(r) for r in pol.get("rules") or []],
                "treated_share": pol.get("treated_share"),
                "gain_over_all": pol.get("gain_over_all"),
                "gain_over_none": pol.get("gain_over_none"),
                "value": pol.get("value"),
                "value_treat_all": pol.get("value_treat_all"),
                "n_fit": pol.get("n_fit"),
                "n_eval": pol.get("n_eval"),
                "features": list(pol.get("features") or []),
                "method": pol.get("method"),
            },
        })
    forests: dict[str, list[dict[str, Any]]] = {}  # one plot per treatment: its contrasts share a scale
    for e in effects:
        forests.setdefault(str(e["treatment"]), []).append(
            {"label": e["label"], "value": e["effect"], "low": e["ci_low"], "high": e["ci_high"],
             "insufficient": e["status"] == "insufficient", "refuted": e["status"] == "refuted"})
    n_refuted = sum(e["status"] == "refuted" for e in effects)
    return {
        "outcome": section.get("outcome"),
        "effect_scale": section.get("effect_scale"),
        "method": section.get("method"),
        "nuisance_model": section.get("nuisance_model"),
        "cv": section.get("cv"),
        "confidence_level": section.get("confidence_level"),
        "heterogeneity": list(section.get("heterogeneity") or []),
        "assumptions": list(section.get("assumptions") or []),
        "n_rows": section.get("n_rows"),
        "n_used": section.get("n_used"),
        "max_rows": section.get("max_rows"),
        "min_group_size": section.get("min_group_size"),
        "seed": section.get("seed"),
        "effects": effects,
        "forests": [{"treatment": t, "items": items} for t, items in forests.items()],
        "n_refuted": n_refuted,
        "treatments": list(forests),
    }


def causal_overview(ctx: dict[str, Any] | None) -> dict[str, Any] | None:
    """The overview tile: the clearest effect that is neither refuted nor insufficient (no verdict)."""
    if ctx is None:
        return None
    judged = [e for e in ctx["effects"] if e["status"] == "not refuted" and e["p_value"] is not None]
    detail = f"{len(ctx['effects'])} effect(s) of {', '.join(ctx['treatments'])} on {ctx['outcome']}"
    if ctx["n_refuted"]:
        detail += f"; {ctx['n_refuted']} refuted"
    if not judged:
        return {"area": "Causal effects", "tab": "causal", "status": "info", "headline": "No effect survives its refutations",
                "detail": detail}
    best = min(judged, key=lambda e: e["p_value"])
    low, high = best["ci_low"], best["ci_high"]
    interval = f" (CI {low:.3g} – {high:.3g})" if low is not None and high is not None else ""
    return {"area": "Causal effects", "tab": "causal", "status": "info",
            "headline": f"{best['label']}: {best['effect']:.3g}{interval}", "detail": detail}
