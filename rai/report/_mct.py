"""``model_card.json`` in the Model Card Toolkit schema v0.0.2.

The schema (Google's model-card-toolkit 2.0.0, ``schema/v0.0.2/model_card.schema.json``)
rejects unknown top-level keys and stores every metric value as a string. Only what the
assessment and the ``model_card:`` fields actually hold is written: an empty field is left
out, never filled with a placeholder. Metrics are written with ``repr``-exact precision so
the JSON is lossless against ``assessment.json``.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

__all__ = ["MCT_SCHEMA_VERSION", "model_card_json"]

MCT_SCHEMA_VERSION = "0.0.2"
_URI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


def _s(x: Any) -> str:
    return repr(float(x)) if isinstance(x, float) else str(x)


def _metric(type_: str, value: Any, low: Any = None, high: Any = None, slice_: str | None = None) -> dict[str, Any] | None:
    if value is None:
        return None
    out: dict[str, Any] = {"type": type_, "value": _s(value)}
    if slice_ is not None:
        out["slice"] = slice_
    if low is not None and high is not None:
        out["confidence_interval"] = {"lower_bound": _s(low), "upper_bound": _s(high)}
    return out


def _prune(obj: Any) -> Any:
    """Drop empty strings, lists and mappings, recursively."""
    if isinstance(obj, dict):
        out = {k: _prune(v) for k, v in obj.items()}
        return {k: v for k, v in out.items() if v not in ("", [], {}, None)}
    if isinstance(obj, list):
        return [v for v in (_prune(v) for v in obj) if v not in ("", [], {}, None)]
    return obj


def model_card_json(ctx: dict[str, Any]) -> dict[str, Any]:
    """The Model Card Toolkit v0.0.2 document of a report context (see ``build_context``)."""
    f = ctx["card"]["fields"]
    version: dict[str, Any] = {}
    if f.get("version"):
        version["name"] = f["version"]
    if f.get("version_date"):
        try:
            _dt.date.fromisoformat(f["version_date"])
            version["date"] = f["version_date"]
        except ValueError:
            pass  # reported in the card's warnings; the schema wants a date
    if f.get("version_diff"):
        version["diff"] = f["version_diff"]

    details = {
        "name": f.get("name", ""),
        "overview": f.get("overview", ""),
        "documentation": f.get("documentation", ""),
        "owners": f.get("owners", []),
        "version": version,
        "licenses": f.get("license", []),
        "references": [{"reference": r} for r in f.get("references", []) if _URI_RE.match(r)],
        "citations": [{"citation": c} for c in f.get("citations", [])],
        "path": ctx["model"].get("source") or "",
    }

    prov = ctx["provenance"]
    sensitive = ctx["spec"]["sensitive"]
    data = []
    eval_desc = [f.get("evaluation_data", "")]
    eval_desc.append(f"{ctx['n_rows']} rows; sha256 {prov.get('data_sha256')}"
                     + (f"; source {prov['data_source']}" if prov.get("data_source") else ""))
    data.append({
        "name": "evaluation data",
        "description": "\n".join(d for d in eval_desc if d),
        "sensitive": {"sensitive_data": list(sensitive)},
    })
    if prov.get("reference_sha256") or f.get("training_data"):
        ref_desc = [f.get("training_data", "")]
        if prov.get("reference_sha256"):
            ref_desc.append(f"reference data for drift: {ctx['n_reference_rows']} rows; sha256 {prov['reference_sha256']}"
                            + (f"; source {prov['reference_source']}" if prov.get("reference_source") else ""))
        data.append({"name": "training / reference data", "description": "\n".join(d for d in ref_desc if d),
                     "sensitive": {"sensitive_data": list(sensitive)}})
    params = {
        "model_architecture": f.get("model_architecture", ""),
        "data": data,
        "input_format": f.get("input_format", ""),
        "output_format": f.get("output_format", ""),
        "input_format_map": [{"key": "target", "value": ctx["spec"]["target"] or ""},
                             {"key": "prediction", "value": ctx["spec"]["prediction"] or ""},
                             {"key": "score", "value": ctx["spec"]["score"] or ""},
                             {"key": "task", "value": ctx["task"] or ""}],
    }
    params["input_format_map"] = [kv for kv in params["input_format_map"] if kv["value"]]

    metrics: list[dict[str, Any] | None] = []
    perf = ctx["performance"]
    if perf:
        for m in perf["overall"]:
            metrics.append(_metric(m["name"], m["value"], m["low"], m["high"]))
        for g in perf["by_group"]:
            slice_ = f"{g['feature']}={g['group']}" + (" (insufficient)" if g["insufficient"] else "")
            for m in g["metrics"]:
                metrics.append(_metric(m["name"], m["value"], m["low"], m["high"], slice_))
    fair = ctx["fairness"]
    if fair:
        for feat in fair["features"]:
            for m in feat["metrics"]:
                metrics.append(_metric(f"{m['name']}_difference", m["difference"], m["ci_low"], m["ci_high"], feat["feature"]))
                metrics.append(_metric(f"{m['name']}_ratio", m["ratio"], m["ratio_ci_low"], m["ratio_ci_high"], feat["feature"]))
                if not m["disparity"]:
                    for v in m["by_group"]:
                        slice_ = f"{feat['feature']}={v['group']}" + (" (insufficient)" if v["insufficient"] else "")
                        metrics.append(_metric(m["name"], v["value"], v["low"], v["high"], slice_))

    considerations = {
        "users": [{"description": u} for u in f.get("intended_users", [])],
        "use_cases": [{"description": u} for u in f.get("intended_use", [])]
        + [{"description": f"Out of scope: {u}"} for u in f.get("out_of_scope_uses", [])],
        "limitations": [{"description": u} for u in f.get("limitations", [])],
        "tradeoffs": [{"description": u} for u in f.get("tradeoffs", [])],
        "ethical_considerations": [
            {k: v for k, v in r.items() if v} for r in f.get("ethical_considerations", [])
        ],
    }
    doc = {
        "schema_version": MCT_SCHEMA_VERSION,
        "model_details": details,
        "model_parameters": params,
        "quantitative_analysis": {"performance_metrics": [m for m in metrics if m]},
        "considerations": considerations,
    }
    return _prune(doc)
