"""Map the evidence of an assessment to the EU AI Act Annex IV and the NIST AI RMF MEASURE function.

This is a reviewer's aid, not legal advice: it says which item of the technical
documentation (Regulation (EU) 2024/1689, Annex IV) and which MEASURE subcategory of the NIST
AI Risk Management Framework 1.0 (NIST AI 100-1) the report holds evidence for, which it
holds only part of, and which it does not cover. Items the toolkit cannot evidence (hardware,
declaration of conformity, ...) are marked ``outside`` rather than pretended.

Status of an item:

``covered``   the report holds the evidence (the sections are named)
``partial``   some of it is there; ``gaps`` says what is not
``missing``   the toolkit could have shown it but the input did not allow (no sensitive feature,
              no reference data, no intended use stated, ...); listed as missing evidence
``outside``   not something an assessment of data and predictions can show; the provider's
              own documentation must cover it
"""

from __future__ import annotations

from typing import Any

__all__ = ["STATUSES", "compliance_mapping"]

STATUSES = ("covered", "partial", "missing", "outside")


def _item(ref: str, title: str, status: str, evidence: list[str], gaps: list[str]) -> dict[str, Any]:
    return {"ref": ref, "title": title, "status": status, "evidence": evidence, "gaps": gaps}


def _status(evidence: list[str], gaps: list[str]) -> str:
    if evidence and not gaps:
        return "covered"
    if evidence:
        return "partial"
    return "missing"


def compliance_mapping(ctx: dict[str, Any]) -> dict[str, Any]:
    """Build the compliance section from an (almost complete) report context.

    ``ctx`` is the context of ``build_context``: the model-card fields, which results are
    present, the analyzer notes and the provenance.
    """
    card = ctx["card"]["fields"]
    present = set(ctx["present"])
    reasons = {n["analyzer"]: n["message"] for n in ctx["notes"] if n.get("level") in ("skipped", "unsupported")}
    prov = ctx["provenance"]
    signature = ctx.get("signature") or {}
    # only a signature checked here is evidence; one that fails (a tampered file) is a gap
    signed = bool(signature.get("present")) and signature.get("verified") is True
    if not signature.get("present"):
        unsigned_short = "assessment.json is not signed"
        unsigned = f"{unsigned_short} (set RAI_SIGNING_KEY and run: rai verify --sign)"
    elif signature.get("verified") is None:
        unsigned_short = "the signature of assessment.json was not checked"
        unsigned = f"{unsigned_short} (set RAI_SIGNING_KEY to verify it)"
    else:
        unsigned_short = "the signature of assessment.json does not verify"
        unsigned = f"{unsigned_short}: {signature.get('message')}"

    def has(key: str) -> bool:
        return key in card

    def result_gap(name: str, what: str) -> str:
        why = reasons.get(name)
        return f"no {what}" + (f" ({name} analyzer: {why})" if why else f" ({name} analyzer did not run)")

    missing: list[dict[str, str]] = []

    # ---- evidence pieces ------------------------------------------------------------------
    purpose_ev, purpose_gap = [], []
    for key, label in (("intended_use", "intended use"), ("owners", "provider / owners"), ("version", "model version")):
        (purpose_ev if has(key) else purpose_gap).append(
            f"Model card: {label}" if has(key) else f"no {label} stated in model_card"
        )

    data_ev, data_gap = [], []
    data_ev.append("Provenance: sha256 of the evaluation data")
    if prov.get("reference_sha256"):
        data_ev.append("Provenance: sha256 of the reference (training) data")
    else:
        data_gap.append("no reference (training) data given: its hash, drift and range checks are absent")
    if "quality" in present:
        data_ev.append("Data quality: missing values, type mismatches, out-of-range values, duplicates")
    else:
        data_gap.append(result_gap("quality", "data-quality analysis"))
    if has("training_data"):
        data_ev.append("Model card: training data description")
    else:
        data_gap.append("no description of the training data (model_card.training_data)")

    test_ev, test_gap = [], []
    if "performance" in present:
        test_ev.append("Performance: metrics with bootstrap confidence intervals, overall and per group")
    else:
        test_gap.append(result_gap("performance", "performance evaluation"))
    if "fairness" in present:
        test_ev.append("Fairness: group metrics, disparities with confidence intervals, insufficient groups marked")
    else:
        test_gap.append(result_gap("fairness", "fairness analysis (potentially discriminatory impacts)"))
    test_ev.append("Provenance: dated assessment with input hashes and package versions")
    if signed:
        test_ev.append("Signature: assessment.json is signed and the signature verified (HMAC-SHA256)")
    else:
        test_gap.append(unsigned)
    if has("evaluation_data"):
        test_ev.append("Model card: evaluation data description")
    else:
        test_gap.append("no description of the evaluation data (model_card.evaluation_data)")

    limits_ev, limits_gap = [], []
    if "performance" in present:
        limits_ev.append("Performance per group (accuracy for specific groups of persons)")
    if "errors" in present:
        limits_ev.append("Error analysis: cohorts where the model fails more often, with significance")
    else:
        limits_gap.append(result_gap("errors", "error analysis"))
    if "fairness" in present:
        limits_ev.append("Fairness: which groups are treated worse")
    else:
        limits_gap.append(result_gap("fairness", "fairness analysis"))
    if has("limitations"):
        limits_ev.append("Model card: limitations")
    else:
        limits_gap.append("no limitations stated (model_card.limitations)")
    if has("out_of_scope_uses"):
        limits_ev.append("Model card: out-of-scope uses")
    else:
        limits_gap.append("no out-of-scope uses stated (model_card.out_of_scope_uses)")

    risk_ev, risk_gap = [], []
    if has("ethical_considerations"):
        risk_ev.append("Model card: ethical considerations and mitigations")
    else:
        risk_gap.append("no ethical considerations stated (model_card.ethical_considerations)")
    if has("risk_management"):
        risk_ev.append("Model card: risk management")
    else:
        risk_gap.append("no risk management summary (model_card.risk_management)")

    explain_ev, explain_gap = [], []
    if "explanations" in present:
        explain_ev.append("Explanations: global importance, local explanations, glass-box surrogate")
    else:
        explain_gap.append(result_gap("explanations", "explanations"))

    drift_ev, drift_gap = [], []
    if "drift" in present:
        drift_ev.append("Drift: per-column reference vs current, effect sizes, corrected p-values")
    else:
        drift_gap.append(result_gap("drift", "drift analysis"))
    if has("monitoring_plan"):
        drift_ev.append("Model card: monitoring plan")
    else:
        drift_gap.append("no post-market monitoring plan (model_card.monitoring_plan)")

    input_ev = ["Data contract: target, prediction, score and sensitive columns, feature types"]
    input_gap = [] if has("input_format") else ["no input format described (model_card.input_format)"]
    if has("input_format"):
        input_ev.append("Model card: input format")

    metrics_ev, metrics_gap = [], []
    if "performance" in present or "fairness" in present:
        metrics_ev.append("Metrics reported with confidence intervals and group sizes")
    if has("metrics_rationale"):
        metrics_ev.append("Model card: why these metrics")
    else:
        metrics_gap.append("no rationale for the choice of metrics (model_card.metrics_rationale)")

    software_ev = ["Provenance: toolkit, Python and key package versions"]
    if prov.get("git_commit"):
        software_ev.append("Provenance: git commit")
    software_gap = [] if prov.get("model_sha256") else ["no model file hash (predictions-only assessment)"]
    if prov.get("model_sha256"):
        software_ev.append("Provenance: sha256 of the model")

    oversight_ev = ["Model card: human oversight"] if has("human_oversight") else []
    oversight_gap = [] if oversight_ev else ["no human oversight measures described (model_card.human_oversight)"]

    design_ev, design_gap = [], []
    if has("model_architecture"):
        design_ev.append("Model card: model architecture")
    else:
        design_gap.append("no model architecture described (model_card.model_architecture)")
    if ctx["model"].get("kind"):
        design_ev.append(f"Model: {ctx['model']['kind']}")

    # ---- EU AI Act, Annex IV ----------------------------------------------------------------
    annex = [
        _item("1(a)", "Intended purpose, provider, version", _status(purpose_ev, purpose_gap), purpose_ev, purpose_gap),
        _item("1(c)", "Versions of relevant software", _status(software_ev, software_gap), software_ev, software_gap),
        _item("1(b), 1(d)-(h)", "Interaction with other systems, market forms, hardware, user interface, instructions for use",
              "outside", [], ["provider documentation"]),
        _item("2(a)-(c)", "Development methods, design specifications, system architecture",
              _status(design_ev, design_gap), design_ev, design_gap),
        _item("2(d)", "Data requirements: provenance, scope, characteristics, cleaning of the data sets",
              _status(data_ev, data_gap), data_ev, data_gap),
        _item("2(e)", "Human oversight measures", _status(oversight_ev, oversight_gap), oversight_ev, oversight_gap),
        _item("2(g)", "Validation and testing: data used, metrics for accuracy and discriminatory impacts, dated test logs",
              _status(test_ev, test_gap), test_ev, test_gap),
        _item("2(f), 2(h)", "Pre-determined changes; cybersecurity measures", "outside", [], ["provider documentation"]),
        _item("3", "Capabilities and limitations in performance, accuracy for specific groups, foreseeable unintended outcomes, input data specifications",
              _status(limits_ev + input_ev, limits_gap + input_gap), limits_ev + input_ev, limits_gap + input_gap),
        _item("4", "Appropriateness of the performance metrics", _status(metrics_ev, metrics_gap), metrics_ev, metrics_gap),
        _item("5", "Risk management system (Article 9)", _status(risk_ev, risk_gap), risk_ev, risk_gap),
        _item("6", "Changes through the lifecycle",
              "partial" if has("version_diff") else "missing",
              ["Model card: changes from the previous version"] if has("version_diff") else [],
              ["full change log: provider documentation"] if has("version_diff") else ["no change description (model_card.version_diff)"]),
        _item("7, 8", "Harmonised standards applied; EU declaration of conformity", "outside", [], ["provider documentation"]),
        _item("9", "Post-market monitoring (Article 72)", _status(drift_ev, drift_gap), drift_ev, drift_gap),
    ]

    # ---- NIST AI RMF 1.0, MEASURE -----------------------------------------------------------
    tevv_ev = ["Provenance: input hashes, seed, package versions (test sets and tools documented)"]
    if "performance" in present:
        tevv_ev.append("Performance metrics and their confidence intervals")
    tevv_gap = [] if ("performance" in present or "fairness" in present) else ["no model evaluation metrics"]
    perf_ev = ["Performance with bootstrap confidence intervals"] if "performance" in present else []
    perf_gap = [] if perf_ev else [result_gap("performance", "performance evaluation")]
    valid_ev = list(perf_ev) + (["Model card: limitations"] if has("limitations") else [])
    valid_gap = list(perf_gap) + ([] if has("limitations") else ["no limitations of generalisability stated (model_card.limitations)"])
    if "drift" in present:
        valid_ev.append("Drift of the evaluation data from the reference (conditions vs development)")
    fair_ev = ["Fairness metrics per group with confidence intervals"] if "fairness" in present else []
    fair_gap = [] if fair_ev else [result_gap("fairness", "fairness evaluation")]
    transp_ev = ["Model card", "Provenance with hashes"] + (["Signed assessment"] if signed else [])
    transp_gap = [] if signed else [unsigned_short]
    transp_gap += [f"no {m['label'].lower()} stated" for m in ctx["card"]["missing"] if m["key"] in ("owners", "license")]
    track_ev = list(drift_ev)
    track_gap = list(drift_gap)
    nist = [
        _item("MEASURE 1.1", "Approaches and metrics for the most significant risks are selected and applied",
              _status(metrics_ev, metrics_gap), metrics_ev, metrics_gap),
        _item("MEASURE 1.2, 1.3", "Metrics regularly reassessed; independent assessors involved", "outside", [],
              ["organisational process"]),
        _item("MEASURE 2.1", "Test sets, metrics and TEVV tools are documented", _status(tevv_ev, tevv_gap), tevv_ev, tevv_gap),
        _item("MEASURE 2.2", "Evaluations involving human subjects", "outside", [], ["organisational process"]),
        _item("MEASURE 2.3", "Performance measured and documented for deployment-like conditions",
              _status(perf_ev, perf_gap), perf_ev, perf_gap),
        _item("MEASURE 2.4", "Functionality and behaviour monitored in production", _status(drift_ev, drift_gap), drift_ev, drift_gap),
        _item("MEASURE 2.5", "Valid and reliable; limits of generalisability documented", _status(valid_ev, valid_gap), valid_ev, valid_gap),
        _item("MEASURE 2.6, 2.7", "Safety risks; security and resilience", "outside", [], ["not assessed by this toolkit"]),
        _item("MEASURE 2.8", "Transparency and accountability risks examined and documented",
              _status(transp_ev, transp_gap), transp_ev, transp_gap),
        _item("MEASURE 2.9", "Model explained, validated, documented; output interpreted in context",
              _status(explain_ev, explain_gap), explain_ev, explain_gap),
        _item("MEASURE 2.10", "Privacy risk examined", "outside", [], ["not assessed by this toolkit"]),
        _item("MEASURE 2.11", "Fairness and bias evaluated and documented", _status(fair_ev, fair_gap), fair_ev, fair_gap),
        _item("MEASURE 2.12", "Environmental impact", "outside", [], ["not assessed by this toolkit"]),
        _item("MEASURE 2.13", "Effectiveness of TEVV metrics and processes evaluated", "outside", [], ["organisational process"]),
        _item("MEASURE 3.1", "Existing and emergent risks tracked over time", _status(track_ev, track_gap), track_ev, track_gap),
        _item("MEASURE 3.2, 3.3, 4.1-4.3", "Hard-to-measure risks; feedback from users, affected communities and domain experts",
              "outside", [], ["organisational process"]),
    ]

    seen: set[str] = set()
    for section, items in (("EU AI Act Annex IV", annex), ("NIST AI RMF", nist)):
        for it in items:
            if it["status"] in ("missing", "partial"):
                for gap in it["gaps"]:
                    if gap not in seen:
                        seen.add(gap)
                        missing.append({"item": f"{section} {it['ref']}", "evidence": gap})
    counts = {s: sum(1 for it in annex + nist if it["status"] == s) for s in STATUSES}
    return {
        "disclaimer": (
            "A mapping of the evidence in this report to documentation items, to help a reviewer; "
            "not legal advice and not a conformity assessment."
        ),
        "eu_ai_act": {"title": "EU AI Act (Regulation (EU) 2024/1689), Annex IV technical documentation", "items": annex},
        "nist_ai_rmf": {"title": "NIST AI RMF 1.0 (NIST AI 100-1), MEASURE function", "items": nist},
        "missing_evidence": missing,
        "counts": counts,
    }
