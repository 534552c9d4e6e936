"""Build the plain template context of the reports from an assessment.

Compute never renders and templates never compute: this module turns the (dict form of
the) assessment into plain dictionaries, lists, strings and numbers, already sorted, capped
and annotated, so the templates only lay them out and the dashboard's script only draws them.
The same context feeds the Markdown card, the HTML card and the dashboard (embedded as JSON).

Large assessments are summarised to stay within the size budget (hundreds of columns,
thousands of cohorts or groups): the biggest findings are kept and every cut is recorded in
``summaries`` so the reports say what was left out.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from typing import Any

from rai._serialize import to_jsonable
from rai.report._card_fields import normalise_card
from rai.report._checks import check_for, judge, section_status
from rai.report._compliance import compliance_mapping

__all__ = ["DISPARITY_METRICS", "METRIC_LABELS", "Limits", "build_context"]

#: Human labels of the metric names used by the analyzers.
METRIC_LABELS: dict[str, str] = {
    "accuracy": "Accuracy",
    "balanced_accuracy": "Balanced accuracy",
    "precision": "Precision",
    "recall": "Recall (TPR)",
    "true_positive_rate": "True positive rate",
    "false_positive_rate": "False positive rate",
    "false_negative_rate": "False negative rate",
    "specificity": "Specificity",
    "f1": "F1",
    "selection_rate": "Selection rate",
    "base_rate": "Base rate",
    "roc_auc": "ROC AUC",
    "log_loss": "Log loss",
    "brier": "Brier score",
    "calibration_error": "Calibration error (ECE)",
    "precision_macro": "Precision (macro)",
    "recall_macro": "Recall (macro)",
    "f1_macro": "F1 (macro)",
    "mae": "MAE",
    "rmse": "RMSE",
    "r2": "R²",
    "mean_prediction": "Mean prediction",
    "mean_target": "Mean target",
    "demographic_parity": "Demographic parity",
    "equalized_odds": "Equalized odds",
    "equal_opportunity": "Equal opportunity",
}
#: Fairness metrics that are disparities (their by_group holds the underlying group rate).
DISPARITY_METRICS = ("demographic_parity", "equalized_odds", "equal_opportunity")
#: Headline metric per task, in order of preference.
HEADLINE = {
    "binary": ("roc_auc", "accuracy", "f1"),
    "multiclass": ("accuracy", "balanced_accuracy", "f1_macro"),
    "regression": ("r2", "rmse", "mae"),
}
#: Metrics where lower is better (everything else: higher is better, or neutral for rates).
LOWER_IS_BETTER = {"log_loss", "brier", "calibration_error", "mae", "rmse", "false_positive_rate", "false_negative_rate"}
#: Metrics that live in [0, 1] (drawn on one shared axis).
BOUNDED = {
    "accuracy", "balanced_accuracy", "precision", "recall", "true_positive_rate", "false_positive_rate",
    "false_negative_rate", "specificity", "f1", "selection_rate", "base_rate", "roc_auc", "brier",
    "calibration_error", "precision_macro", "recall_macro", "f1_macro",
}
#: Per-group metrics the printed card shows (the dashboard shows all), in order of preference.
CARD_GROUP_METRICS = (
    "accuracy", "selection_rate", "true_positive_rate", "recall", "false_positive_rate", "precision", "f1",
    "roc_auc", "balanced_accuracy", "f1_macro", "mae", "rmse", "r2",
)
SIGNIFICANCE = 0.05


@dataclasses.dataclass(frozen=True)
class Limits:
    """Caps that keep the reports within their size budget (the rest is summarised)."""

    cohorts: int = 200
    card_cohorts: int = 15
    groups_per_feature: int = 60
    drift_columns: int = 400
    distributions: int = 400
    card_drift_columns: int = 40
    quality_columns: int = 400
    card_quality_issues: int = 40
    local_rows: int = 40
    contributions_per_row: int = 25
    importance: int = 200
    card_importance: int = 15
    shapes: int = 30
    shape_points: int = 64
    heatmap_cells: int = 2500
    categories: int = 40
    text: int = 300

    def update(self, **changes: Any) -> Limits:
        return dataclasses.replace(self, **changes)


def _label(name: str) -> str:
    return METRIC_LABELS.get(name, name.replace("_", " ").capitalize())


def _num(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None if value is None else float(value)
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _clip(text: Any, limit: int) -> str:
    s = "" if text is None else str(text)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _ci(ci: Any) -> tuple[float | None, float | None]:
    if isinstance(ci, dict):
        return _num(ci.get("low")), _num(ci.get("high"))
    return None, None


def _plain(obj: Any) -> Any:
    """Dict form of a result, whether it came as a dataclass or as a dict."""
    if obj is None:
        return None
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    return to_jsonable(obj)


# ------------------------------------------------------------------------------------ sections


def _performance(perf: dict[str, Any] | None, limits: Limits, summaries: list[str]) -> dict[str, Any] | None:
    if not perf:
        return None
    task = perf.get("task")
    ci = perf.get("ci") or {}
    overall = []
    for name, value in (perf.get("overall") or {}).items():
        low, high = _ci(ci.get(name))
        overall.append({"name": name, "label": _label(name), "value": _num(value), "low": low, "high": high,
                        "lower_is_better": name in LOWER_IS_BETTER})
    headline = None
    for name in HEADLINE.get(task or "", ()):
        hit = next((m for m in overall if m["name"] == name and m["value"] is not None), None)
        if hit:
            headline = hit
            break
    groups = []
    keys: list[str] = []
    for g in perf.get("by_group") or []:
        metrics = []
        for name, value in (g.get("metrics") or {}).items():
            if name not in keys:
                keys.append(name)
            low, high = _ci((g.get("ci") or {}).get(name))
            metrics.append({"name": name, "value": _num(value), "low": low, "high": high})
        groups.append({
            "feature": _clip(g.get("sensitive_feature"), limits.text), "group": _clip(g.get("group"), limits.text),
            "count": g.get("count"), "insufficient": bool(g.get("insufficient")), "metrics": metrics,
        })
    # per feature, the largest groups (intersections can have thousands)
    by_feature: dict[str, list[dict[str, Any]]] = {}
    for g in groups:
        by_feature.setdefault(g["feature"], []).append(g)
    for f, gs in by_feature.items():
        if len(gs) > limits.groups_per_feature:
            gs.sort(key=lambda g: -(g["count"] or 0))
            del gs[limits.groups_per_feature:]
            summaries.append(f"Performance by group, {f}: only the {limits.groups_per_feature} largest groups are shown.")
    groups = [g for gs in by_feature.values() for g in gs]
    cm = perf.get("confusion_matrix")
    confusion = None
    if cm and cm.get("labels"):
        matrix = cm.get("matrix") or []
        total = sum(sum(row) for row in matrix) or 1
        confusion = {
            "labels": [_clip(lab, 60) for lab in cm["labels"][: limits.categories]],
            "matrix": [row[: limits.categories] for row in matrix[: limits.categories]],
            "shares": [[c / total for c in row[: limits.categories]] for row in matrix[: limits.categories]],
            "total": total,
            "truncated": len(cm["labels"]) > limits.categories,
        }
    calibration = [
        {"low": _num(b.get("low")), "high": _num(b.get("high")), "count": b.get("count"),
         "mean_score": _num(b.get("mean_score")), "positive_rate": _num(b.get("positive_rate"))}
        for b in perf.get("calibration") or []
    ]
    return {
        "task": task,
        "overall_chart": [m for m in overall if m["name"] in BOUNDED and m["value"] is not None],
        "n_rows": perf.get("n_rows"),
        "positive_label": perf.get("positive_label"),
        "confidence_level": perf.get("confidence_level"),
        "n_bootstrap": perf.get("n_bootstrap"),
        "overall": overall,
        "headline": headline,
        "group_metric_names": [{"name": k, "label": _label(k), "bounded": k in BOUNDED} for k in keys],
        "by_group": groups,
        "features": [{"feature": f, "groups": gs} for f, gs in by_feature.items()],
        "confusion": confusion,
        "calibration": calibration,
    }


def _fairness(fair: dict[str, Any] | None, limits: Limits, summaries: list[str],
              verdicts: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """Group values and gaps; every status is the policy's verdict on the judged gap (``_checks.py``)."""
    if not fair:
        return None
    level = fair.get("confidence_level") or 0.95
    groups_by_feature: dict[str, list[dict[str, Any]]] = {}
    for g in fair.get("groups") or []:
        groups_by_feature.setdefault(str(g.get("sensitive_feature")), []).append(
            {"group": str(g.get("group")), "count": g.get("count"), "insufficient": bool(g.get("insufficient"))}
        )
    features = []
    findings = []
    names = list(fair.get("sensitive_features") or [])
    for f in groups_by_feature:
        if f not in names:
            names.append(f)
    for m in fair.get("metrics") or []:
        f = str(m.get("sensitive_feature"))
        if f not in names:
            names.append(f)
    for feature in names:
        groups = sorted(groups_by_feature.get(feature, []), key=lambda g: -(g["count"] or 0))
        kept = groups[: limits.groups_per_feature]
        kept_names = {g["group"] for g in kept}
        if len(groups) > len(kept):
            summaries.append(
                f"Fairness, {feature}: {len(groups)} groups; the {len(kept)} largest are shown, "
                f"{len(groups) - len(kept)} smaller ones left out."
            )
        counts = {g["group"]: g for g in groups}
        metrics = []
        for m in fair.get("metrics") or []:
            if str(m.get("sensitive_feature")) != feature:
                continue
            name = str(m.get("name"))
            judged = m.get("judged") or {}
            excluded = {str(e.get("group")): e for e in judged.get("excluded") or []}
            cis = m.get("by_group_ci") or {}
            by_n = m.get("by_group_n") or {}
            values = []
            for group, value in (m.get("by_group") or {}).items():
                group = str(group)
                if kept_names and group not in kept_names:
                    continue
                low, high = _ci(cis.get(group))
                info = counts.get(group, {})
                values.append({
                    "group": _clip(group, limits.text), "label": _clip(group, limits.text),
                    "value": _num(value), "low": low, "high": high,
                    "count": info.get("count"), "n": by_n.get(group, info.get("count")),
                    "insufficient": group in excluded if judged else bool(info.get("insufficient")),
                })
            # the extremes among the judged groups (an assessment without judged gaps: the groups with enough rows)
            candidates = [v for v in values if not v["insufficient"] and v["value"] is not None]
            lo = min(candidates, key=lambda v: v["value"]) if candidates else None
            hi = max(candidates, key=lambda v: v["value"]) if candidates else None
            worst, best = ((hi, lo) if name in LOWER_IS_BETTER else (lo, hi)) if len(candidates) >= 2 else (None, None)
            verdict = check_for(verdicts, f"fairness.{name}.", feature)
            entry = {
                "name": name,
                "label": _label(name),
                "disparity": name in DISPARITY_METRICS,
                "denominator": m.get("denominator") or "rows",
                # the judged gap (groups with enough evidence for this rate) is the one verdicts use
                "difference": _num(judged.get("difference")) if judged else _num(m.get("difference")),
                "ci_low": _num(judged.get("ci_low")) if judged else _num(m.get("ci_low")),
                "ci_high": _num(judged.get("ci_high")) if judged else _num(m.get("ci_high")),
                "ratio": _num(judged.get("ratio")) if judged else _num(m.get("ratio")),
                "ratio_ci_low": _num(judged.get("ratio_ci_low")) if judged else _num(m.get("ratio_ci_low")),
                "ratio_ci_high": _num(judged.get("ratio_ci_high")) if judged else _num(m.get("ratio_ci_high")),
                "judged_insufficient": bool(judged.get("insufficient")),
                "judged_reason": judged.get("reason"),
                "excluded": [{"group": _clip(g, limits.text), "reason": _clip(e.get("reason"), limits.text)}
                             for g, e in list(excluded.items())[: limits.groups_per_feature]],
                "all_groups_difference": _num(m.get("difference")),
                "all_groups_ratio": _num(m.get("ratio")),
                "insufficient_groups": sorted(excluded)[: limits.groups_per_feature],
                "n_insufficient": len(excluded),
                "by_group": values,
                "lowest": lo,
                "highest": hi,
                "worst": worst,
                "best": best,
                "bounded": name in BOUNDED or name in DISPARITY_METRICS,
                "check": verdict["name"] if verdict else None,
                "status": verdict["status"] if verdict else "info",
            }
            metrics.append(entry)
            if verdict and verdict["status"] in ("attention", "watch"):
                findings.append({
                    "feature": _clip(feature, limits.text), "metric": entry["label"], "status": entry["status"],
                    "check": verdict["name"],
                    "worst_group": worst["group"] if worst else None, "worst_value": worst["value"] if worst else None,
                    "worst_low": worst["low"] if worst else None, "worst_high": worst["high"] if worst else None,
                    "best_group": best["group"] if best else None, "best_value": best["value"] if best else None,
                    "difference": entry["difference"], "ci_low": entry["ci_low"], "ci_high": entry["ci_high"],
                    "ratio": entry["ratio"], "ratio_ci_low": entry["ratio_ci_low"], "ratio_ci_high": entry["ratio_ci_high"],
                    "excluded": [e["group"] for e in entry["excluded"]],
                })
        metrics.sort(key=lambda e: (not e["disparity"], e["name"]))
        features.append({
            "feature": _clip(feature, limits.text),
            "groups": [dict(g, group=_clip(g["group"], limits.text)) for g in kept],
            "n_groups": len(groups),
            "n_insufficient": sum(1 for g in groups if g["insufficient"]),
            "metrics": metrics,
        })
    judged_any = any(m["status"] != "info" for f in features for m in f["metrics"])
    return {
        "sensitive_features": [_clip(n, limits.text) for n in names],
        "min_group_size": fair.get("min_group_size"),
        "confidence_level": level,
        "n_bootstrap": fair.get("n_bootstrap"),
        "features": features,
        "findings": findings,
        "status": section_status(verdicts, "fairness") or "info",
        "judged": judged_any,
    }


def _distribution(dist: dict[str, Any] | None, limits: Limits) -> dict[str, Any] | None:
    if not dist:
        return None
    ref = [int(c or 0) for c in dist.get("reference_counts") or []]
    cur = [int(c or 0) for c in dist.get("current_counts") or []]
    if dist.get("kind") == "numeric" or (dist.get("edges") and not dist.get("categories")):
        edges = [_num(e) for e in dist.get("edges") or []]
        labels = [f"{_short(a)} – {_short(b)}" for a, b in itertools.pairwise(edges)]
        kind = "numeric"
    else:
        labels = [_clip(c, 60) for c in dist.get("categories") or []]
        kind = "categorical"
        edges = []
        if len(labels) > limits.categories:  # fold the tail into one bar
            keep = limits.categories - 1
            labels = labels[:keep] + ["(other, folded)"]
            ref = ref[:keep] + [sum(ref[keep:])]
            cur = cur[:keep] + [sum(cur[keep:])]
    n = min(len(labels), len(ref), len(cur))
    rt, ct = sum(ref[:n]) or 1, sum(cur[:n]) or 1
    return {
        "kind": kind,
        "labels": labels[:n],
        "edges": edges,
        "reference": [round(c / rt, 5) for c in ref[:n]],
        "current": [round(c / ct, 5) for c in cur[:n]],
        "reference_counts": ref[:n],
        "current_counts": cur[:n],
    }


def _short(x: float | None) -> str:
    if x is None:
        return "?"
    if x == 0:
        return "0"
    if abs(x) >= 1e5 or abs(x) < 1e-3:
        return f"{x:.2e}"
    return f"{x:.4g}"


def _drift_column(c: dict[str, Any], limits: Limits, with_dist: bool) -> dict[str, Any]:
    stat, thr = _num(c.get("statistic")), _num(c.get("threshold"))
    p = _num(c.get("p_value"))
    # severity: how far past its threshold (tests: small p is severe; distances: large statistic)
    if p is not None and thr:
        padj = _num(c.get("p_value_adjusted"))
        score = -math.log10(max(padj if padj is not None else p, 1e-300)) / -math.log10(thr) if 0 < thr < 1 else 0.0
    elif stat is not None and thr:
        score = stat / thr
    else:
        score = 0.0
    return {
        "column": _clip(c.get("column"), limits.text),
        "role": c.get("role"),
        "type": c.get("column_type"),
        "method": c.get("method"),
        "statistic": stat,
        "threshold": thr,
        "p_value": p,
        "p_value_adjusted": _num(c.get("p_value_adjusted")),
        "drifted": bool(c.get("drifted")),
        "psi": _num(c.get("psi")),
        "n_reference": c.get("n_reference"),
        "n_current": c.get("n_current"),
        "severity": round(score, 4),
        "distribution": _distribution(c.get("distribution"), limits) if with_dist else None,
    }


def _drift(drift: dict[str, Any] | None, limits: Limits, summaries: list[str]) -> dict[str, Any] | None:
    if not drift:
        return None
    cols = list(drift.get("columns") or [])
    # drifted first, then by how far past the threshold
    prepared = [_drift_column(c, limits, with_dist=False) for c in cols]
    order = sorted(range(len(cols)), key=lambda i: (not prepared[i]["drifted"], -prepared[i]["severity"], prepared[i]["column"]))
    shown = order[: limits.drift_columns]
    out = []
    for rank, i in enumerate(shown):
        out.append(_drift_column(cols[i], limits, with_dist=rank < limits.distributions))
    if len(cols) > len(shown):
        summaries.append(
            f"Drift: {len(cols)} columns; the {len(shown)} most drifted are listed, {len(cols) - len(shown)} others "
            "(none of them past its threshold)" if not any(prepared[i]["drifted"] for i in order[len(shown):])
            else f"Drift: {len(cols)} columns; the {len(shown)} most drifted are listed, {len(cols) - len(shown)} others left out."
        )
    if len(shown) > limits.distributions:
        summaries.append(f"Drift: distributions are drawn for the {limits.distributions} most drifted columns only.")
    prediction = [_drift_column(c, limits, with_dist=True) for c in drift.get("prediction") or []]
    n_drifted = drift.get("n_drifted", sum(1 for p in prepared if p["drifted"]))
    status = "attention" if drift.get("dataset_drift") else ("watch" if n_drifted or any(p["drifted"] for p in prediction) else "ok")
    return {
        "n_columns": drift.get("n_columns", len(cols)),
        "n_drifted": n_drifted,
        "share_drifted": _num(drift.get("share_drifted")),
        "dataset_drift": bool(drift.get("dataset_drift")),
        "drift_share_threshold": _num(drift.get("drift_share_threshold")),
        "correction": drift.get("correction"),
        "n_reference": drift.get("n_reference"),
        "n_current": drift.get("n_current"),
        "columns": out,
        "n_shown": len(out),
        "prediction": prediction,
        "status": status,
        "methods": sorted({c["method"] for c in prepared if c["method"]}),
    }


def _quality(q: dict[str, Any] | None, limits: Limits, summaries: list[str]) -> dict[str, Any] | None:
    if not q:
        return None
    sev_rank = {"error": 0, "warning": 1, "info": 2}
    issues = sorted(
        ({"column": None if i.get("column") is None else _clip(i.get("column"), limits.text), "kind": i.get("kind"),
          "severity": i.get("severity") or "info", "message": _clip(i.get("message"), 2 * limits.text)}
         for i in q.get("issues") or []),
        key=lambda i: (sev_rank.get(i["severity"], 3), str(i["kind"]), str(i["column"])),
    )
    cols = list(q.get("columns") or [])

    def badness(c: dict[str, Any]) -> float:
        return (float(c.get("missing_share") or 0) + float(c.get("out_of_range_share") or 0)
                + (1.0 if c.get("constant") else 0) + (1.0 if c.get("type_mismatch_count") else 0)
                + (0.5 if c.get("unseen_count") else 0))

    cols.sort(key=lambda c: (-badness(c), str(c.get("column"))))
    shown = cols[: limits.quality_columns]
    if len(cols) > len(shown):
        summaries.append(
            f"Data quality: {len(cols)} columns; the {len(shown)} with the most findings are listed, "
            f"{len(cols) - len(shown)} others left out."
        )
    columns = [{
        "column": _clip(c.get("column"), limits.text), "dtype": c.get("dtype"), "type": c.get("column_type"),
        "n_missing": c.get("n_missing"), "missing_share": _num(c.get("missing_share")), "n_unique": c.get("n_unique"),
        "constant": bool(c.get("constant")), "type_mismatch_count": c.get("type_mismatch_count"),
        "out_of_range_count": c.get("out_of_range_count"), "out_of_range_share": _num(c.get("out_of_range_share")),
        "unseen_categories": [_clip(u, 60) for u in (c.get("unseen_categories") or [])[:10]],
        "unseen_count": c.get("unseen_count"),
    } for c in shown]
    n_err = sum(1 for i in issues if i["severity"] == "error")
    n_warn = sum(1 for i in issues if i["severity"] == "warning")
    return {
        "n_rows": q.get("n_rows"),
        "n_columns": q.get("n_columns"),
        "duplicate_rows": q.get("duplicate_rows"),
        "duplicate_row_share": _num(q.get("duplicate_row_share")),
        "duplicated_columns": [[_clip(c, limits.text) for c in grp] for grp in q.get("duplicated_columns") or []],
        "issues": issues,
        "n_errors": n_err,
        "n_warnings": n_warn,
        "columns": columns,
        "status": "attention" if n_err else ("watch" if n_warn else "ok"),
    }


def _filter_text(f: Any) -> str:
    """A machine filter ({column, kind, low, high, values, negate, include_missing}) as text."""
    if not isinstance(f, dict):
        return str(f)
    col = f.get("column")
    kind = f.get("kind") or ("categorical" if f.get("values") else "numeric")
    if kind == "numeric":
        parts = []
        if f.get("low") is not None:
            parts.append(f"{col} > {_short(_num(f['low']))}")
        if f.get("high") is not None:
            parts.append(f"{col} <= {_short(_num(f['high']))}")
        text = " and ".join(parts) or f"{col} (any)"
    elif kind == "categorical":
        vals = ", ".join(repr(str(v)) for v in (f.get("values") or [])[:20])
        text = f"{col} {'not in' if f.get('negate') else 'in'} {{{vals}}}"
    else:
        text = ", ".join(f"{k}: {v}" for k, v in f.items())
    if f.get("include_missing"):
        text += " (or missing)"
    return text


def _errors(err: dict[str, Any] | None, limits: Limits, summaries: list[str]) -> dict[str, Any] | None:
    if not err:
        return None
    cohorts_raw = list(err.get("cohorts") or [])
    overall = _num(err.get("overall_error_rate") if "overall_error_rate" in err else err.get("error_rate"))
    alpha = _num(err.get("alpha")) or SIGNIFICANCE
    cohorts = []
    for c in cohorts_raw:
        if "p_value_raw" in c:  # the analyzer's contract: p_value is BH-adjusted, p_value_raw the test's
            padj, p = _num(c.get("p_value")), _num(c.get("p_value_raw"))
        else:
            padj, p = _num(c.get("p_value_adjusted")), _num(c.get("p_value"))
        rate = _num(c.get("error_rate"))
        sig_p = padj if padj is not None else p
        significant = c.get("significant")
        if significant is None:
            significant = sig_p is not None and sig_p < alpha
        size = c.get("size") or 0
        makeup = c.get("group_makeup") or c.get("group_composition") or c.get("composition") or {}
        metrics = c.get("metrics") if isinstance(c.get("metrics"), dict) else {}
        cohorts.append({
            "rule": _clip(c.get("rule"), 2 * limits.text),
            "filters": [_clip(_filter_text(f), limits.text) for f in (c.get("filters") or [])[:20]],
            "size": c.get("size"),
            "n_errors": c.get("n_errors"),
            "error_rate": rate,
            "error_coverage": _num(c.get("error_coverage")),
            "p_value": p,
            "p_value_adjusted": padj,
            "significant": bool(significant),
            "worse": bool(rate is not None and overall is not None and rate > overall),
            "metrics": [{"name": str(k), "label": _label(str(k)), "value": _num(v)} for k, v in metrics.items() if _num(v) is not None],
            "groups": _composition(makeup, size, limits),
        })
    # the worst first: significant and worse than overall, then by error rate and coverage
    cohorts.sort(key=lambda c: (not (c["significant"] and c["worse"]), -(c["error_rate"] or 0), -(c["error_coverage"] or 0)))
    for i, c in enumerate(cohorts):
        c["rank"] = i + 1
    kept = cohorts[: limits.cohorts]
    if len(cohorts) > len(kept):
        summaries.append(
            f"Error analysis: {len(cohorts)} cohorts; the {len(kept)} worst are listed "
            f"(significant and above the overall error rate first), {len(cohorts) - len(kept)} others left out."
        )
    heatmap = _heatmap(err.get("heatmap"), limits, summaries)
    flagged = [c for c in cohorts if c["significant"] and c["worse"]]
    status = err.get("status") or "ok"
    return {
        "overall_error_rate": overall,
        "n_errors": err.get("n_errors"),
        "n_rows": err.get("n_rows"),
        "error_definition": err.get("error_definition") or err.get("definition"),
        "max_depth": err.get("max_depth"),
        "min_leaf_size": err.get("min_leaf_size"),
        "honest": err.get("honest"),
        "n_test": err.get("n_test"),
        "alpha": alpha,
        "correction": err.get("correction") or "benjamini-hochberg",
        "n_cohorts": len(cohorts),
        "n_significant": len(flagged),
        "cohorts": kept,
        "worst": flagged[0] if flagged else None,
        "heatmap": heatmap,
        "analysis_status": status,
        "status": "attention" if flagged else ("insufficient" if status == "insufficient_data" else "ok"),
        "note": _clip(err.get("message") or err.get("note") or "", 2 * limits.text) or None,
    }


def _composition(raw: Any, size: int, limits: Limits) -> list[dict[str, Any]]:
    """Group make-up of a cohort, [{feature, group, count, share}], from {feature: {group: count}} or a list."""
    out: list[dict[str, Any]] = []
    if isinstance(raw, dict):
        for feature, groups in raw.items():
            if isinstance(groups, dict):
                total = sum(v for v in groups.values() if isinstance(v, (int, float))) or size or 1
                for group, value in sorted(groups.items(), key=lambda kv: -(kv[1] or 0) if isinstance(kv[1], (int, float)) else 0):
                    count = value if isinstance(value, int) else None
                    share = (value / total) if isinstance(value, int) else _num(value)
                    out.append({"feature": _clip(feature, 80), "group": _clip(group, 80), "count": count, "share": share})
    elif isinstance(raw, list):
        for item in raw:
            if isinstance(item, dict):
                out.append({"feature": _clip(item.get("sensitive_feature") or item.get("feature"), 80),
                            "group": _clip(item.get("group"), 80), "count": item.get("count"),
                            "share": _num(item.get("share"))})
    return out[:40]


def _heatmap(raw: Any, limits: Limits, summaries: list[str]) -> dict[str, Any] | None:
    """The error heat map as x (columns) / y (rows) labels and cells of error rate and count.

    The analyzer's cell ``[i][j]`` is bin ``i`` of the first axis and ``j`` of the second: the
    first axis becomes the rows. With one axis, the bins become one row of columns.
    """
    if not raw:
        return None
    if isinstance(raw, list):
        raw = raw[0] if raw else None
        if not raw:
            return None
    axes = raw.get("axes") or []
    features = list(raw.get("features") or [a.get("feature") for a in axes])
    rates = [list(r) for r in (raw.get("error_rate") or [])]
    counts = [list(r) for r in (raw.get("count") or [])]
    if axes:
        if len(axes) == 1:  # one axis: a single row
            x = [_clip(v, 60) for v in axes[0].get("labels") or []]
            y = [""]
            rates = [[r[0] if r else None for r in rates]]
            counts = [[r[0] if r else None for r in counts]] if counts else []
        else:
            y = [_clip(v, 60) for v in axes[0].get("labels") or []]
            x = [_clip(v, 60) for v in axes[1].get("labels") or []]
            features = [features[1], features[0]] if len(features) >= 2 else features  # [columns, rows]
    else:
        x = [_clip(v, 60) for v in raw.get("x_labels") or []]
        y = [_clip(v, 60) for v in raw.get("y_labels") or []] or [""] * len(rates)
    if len(x) * max(len(y), 1) > limits.heatmap_cells:
        summaries.append(f"Error heat map: {len(y)} x {len(x)} cells, cut to fit the size budget.")
        side = max(1, int(math.sqrt(limits.heatmap_cells)))
        x, y = x[:side], y[:side]
        rates = [row[:side] for row in rates[:side]]
        counts = [row[:side] for row in counts[:side]]
    return {
        "features": [_clip(f, limits.text) for f in features if f is not None],
        "x_labels": x,
        "y_labels": y,
        "error_rate": [[_num(v) for v in row] for row in rates],
        "count": [[int(v) if isinstance(v, (int, float)) else None for v in row] for row in counts],
    }


def _shape(s: dict[str, Any], limits: Limits, name_class: bool = False) -> dict[str, Any]:
    """A surrogate shape function as x / y points (numeric: bin midpoints; categorical: categories)."""
    scores = list(s.get("scores") if s.get("scores") is not None else s.get("y") or [])
    edges = [_num(e) for e in s.get("edges") or []]
    cats = list(s.get("categories") or [])
    if s.get("kind") == "numeric" and len(edges) == len(scores) + 1:
        xs: list[Any] = [(a + b) / 2 if a is not None and b is not None else (a if a is not None else b)
                         for a, b in itertools.pairwise(edges)]
        kind = "numeric"
    elif cats:
        xs = [_clip(c, 60) for c in cats]
        kind = "categorical"
    else:
        xs = list(s.get("x") or range(len(scores)))
        kind = s.get("kind") or "numeric"
    n = min(len(xs), len(scores))
    step = max(1, math.ceil(n / limits.shape_points))
    name = s.get("feature") or s.get("name")
    return {
        "feature": _clip(f"{name} (class {s['output']})" if name_class and s.get("output") else name, limits.text),
        "kind": kind,
        "x": [x if isinstance(x, (int, float)) or x is None else _clip(x, 60) for x in xs[:n:step]],
        "y": [_num(v) for v in scores[:n:step]],
        "importance": _num(s.get("importance")),
    }


def _explanations(ex: dict[str, Any] | None, limits: Limits, summaries: list[str]) -> dict[str, Any] | None:
    if not ex:
        return None
    imp = sorted(
        ({"feature": _clip(i.get("feature"), limits.text), "label": _clip(i.get("feature"), limits.text),
          "importance": _num(i.get("importance")), "value": _num(i.get("importance")),
          "share": _num(i.get("share")), "method": i.get("method")}
         for i in ex.get("global_importance") or []),
        key=lambda i: -(abs(i["importance"]) if i["importance"] is not None else -1),
    )
    if len(imp) > limits.importance:
        summaries.append(f"Explanations: {len(imp)} features; the {limits.importance} most important are listed.")
    agreement = {str(a.get("row")): a for a in ex.get("agreement") or []}
    rows: dict[str, dict[str, Any]] = {}
    for item in ex.get("local") or []:
        key = str(item.get("row"))
        values = item.get("feature_values") or {}
        entry = rows.setdefault(key, {
            "row": key, "row_id": item.get("row_id"), "prediction": _num(item.get("prediction")),
            "output": item.get("output"), "reason": item.get("reason"), "methods": {},
        })
        contrib = sorted(
            ({"feature": _clip(f, limits.text), "value": _num(v),
              "label": _clip(f"{f} = {values[f]}" if f in values else f, limits.text)}
             for f, v in (item.get("contributions") or {}).items()),
            key=lambda c: -abs(c["value"] or 0),
        )
        entry["methods"][str(item.get("method") or "?")] = {
            "contributions": contrib[: limits.contributions_per_row],
            "n_features": len(contrib),
            "base_value": _num(item.get("base_value")),
            "output_value": _num(item.get("output_value")),
            "output_space": item.get("output_space"),
        }
    local = list(rows.values())
    if len(local) > limits.local_rows:
        summaries.append(f"Explanations: {len(local)} explained rows; the first {limits.local_rows} are shown.")
    for entry in local:
        a = agreement.get(entry["row"])
        if a:
            entry["agreement"] = {"top_k": a.get("top_k"), "overlap": _num(a.get("overlap")),
                                  "top1_agree": bool(a.get("top1_agree")),
                                  "shap_top": [_clip(x, 80) for x in a.get("shap_top") or []],
                                  "lime_top": [_clip(x, 80) for x in a.get("lime_top") or []]}
        else:
            entry["agreement"] = None
    sur = ex.get("surrogate")
    surrogate = None
    if sur:
        raw_shapes = list(sur.get("shapes") or [])
        raw_shapes.sort(key=lambda s: -(_num(s.get("importance")) or 0))
        several = len({s.get("output") for s in raw_shapes}) > 1  # multiclass: one curve per class
        shapes = [_shape(s, limits, several) for s in raw_shapes[: limits.shapes]]
        if len(raw_shapes) > limits.shapes:
            summaries.append(f"Surrogate: {len(raw_shapes)} shape functions; the {limits.shapes} most important are shown.")
        surrogate = {
            "method": sur.get("method"),
            "fidelity": _num(sur.get("fidelity")),
            "fidelity_metric": sur.get("fidelity_metric"),
            "n_train": sur.get("n_train"),
            "n_test": sur.get("n_test"),
            "shapes": shapes,
        }
    notes = ex.get("notes") or []
    return {
        "method": ex.get("shap_method") or ex.get("method") or (imp[0]["method"] if imp else None),
        "explainer": ex.get("explainer"),
        "model_kind": ex.get("model_kind"),
        "output_space": ex.get("output_space"),
        "explained_output": ex.get("explained_output"),
        "sample_size": ex.get("sample_size"),
        "n_rows": ex.get("n_rows"),
        "background_size": ex.get("background_size"),
        "background_source": ex.get("background_source"),
        "lime_samples": ex.get("lime_samples"),
        "additivity_max_error": _num(ex.get("additivity_max_error")),
        "seed": ex.get("seed"),
        "global_importance": imp[: limits.importance],
        "local": local[: limits.local_rows],
        "surrogate": surrogate,
        "top_features": [i["feature"] for i in imp[:3]],
        "status": "info",
        "notes": [_clip(n, 2 * limits.text) for n in (notes if isinstance(notes, list) else [notes])][:20],
    }


# ------------------------------------------------------------------------------------ overview


def _fmt(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def _overview(ctx: dict[str, Any], reasons: dict[str, str]) -> list[dict[str, Any]]:
    out = []

    def not_run(area: str, key: str) -> dict[str, Any]:
        return {"area": area, "tab": key, "status": "not run", "headline": "Not run",
                "detail": reasons.get(key, "the analyzer did not run")}

    perf = ctx["performance"]
    if perf:
        h = perf["headline"]
        level = round(100 * (perf["confidence_level"] or 0.95))
        head = f"{h['label']} {_fmt(h['value'])}" if h else "Computed"
        detail = f"{level}% CI {_fmt(h['low'])} – {_fmt(h['high'])}, {perf['n_rows']:,} rows" if h else ""
        n_insuff = sum(1 for g in perf["by_group"] if g["insufficient"])
        if n_insuff:
            detail += f"; {n_insuff} group(s) too small to judge"
        out.append({"area": "Performance", "tab": "performance", "status": perf.get("status", "info"), "headline": head, "detail": detail})
    else:
        out.append(not_run("Performance", "performance"))

    fair = ctx["fairness"]
    if fair:
        if fair["findings"]:
            f = max(fair["findings"], key=lambda f: (f["status"] == "attention", f["difference"] or 0))
            head = f"{f['metric']} gap {_fmt(f['difference'])} by {f['feature']} ({f['check']}: fails)"
            detail = (f"group {f['worst_group']!s} {_fmt(f['worst_value'])} vs {f['best_group']!s} {_fmt(f['best_value'])}; "
                      if f["worst_group"] is not None else "") + f"CI of the gap {_fmt(f['ci_low'])} – {_fmt(f['ci_high'])}"
            if f["ratio"] is not None:
                detail += f", ratio {_fmt(f['ratio'])}"
        elif not fair["judged"]:
            head = "Group differences shown, not judged"
            detail = "no check of the policy judges a fairness number: see the per-group values"
        else:
            outcomes = [c["outcome"] for c in ctx["verdicts"]["checks"] if c["section"] == "fairness" and c["outcome"] != "skipped"]
            head = "No fairness check fails"
            detail = ", ".join(f"{outcomes.count(o)} {o}" for o in ("pass", "insufficient evidence") if o in outcomes)
            detail += " (checks of the policy on " + ", ".join(fair["sensitive_features"]) + ")"
        if fair["findings"] and fair["findings"][0].get("excluded") is not None:
            f = max(fair["findings"], key=lambda f: (f["status"] == "attention", f["difference"] or 0))
            if f["excluded"]:
                detail += f"; {len(f['excluded'])} group(s) of {f['feature']} set aside as too small to judge ({', '.join(map(str, f['excluded'][:5]))})"
        out.append({"area": "Fairness", "tab": "fairness", "status": fair["status"], "headline": head, "detail": detail})
    else:
        out.append(not_run("Fairness", "fairness"))

    err = ctx["errors"]
    if err:
        if err["analysis_status"] != "ok" and not err["cohorts"]:
            head = "No errors to analyse" if err["analysis_status"] == "no_errors" else "Too few rows to analyse"
            detail = err["note"] or ""
        elif err["worst"]:
            w = err["worst"]
            head = f"{err['n_significant']} cohort(s) fail significantly more"
            detail = f"worst: {w['rule']} (error rate {_fmt(w['error_rate'])} vs {_fmt(err['overall_error_rate'])} overall)"
        else:
            head = "No cohort significantly worse"
            detail = f"overall error rate {_fmt(err['overall_error_rate'])}, {err['n_cohorts']} cohorts tested"
        out.append({"area": "Error analysis", "tab": "errors", "status": err["status"], "headline": head, "detail": detail})
    else:
        out.append(not_run("Error analysis", "errors"))

    ex = ctx["explanations"]
    if ex:
        head = "Top drivers: " + ", ".join(ex["top_features"]) if ex["top_features"] else "Computed"
        fid = ex["surrogate"]["fidelity"] if ex["surrogate"] else None
        detail = f"method {ex['method'] or 'n/a'}"
        if isinstance(fid, (int, float)):
            detail += f"; surrogate fidelity {_fmt(fid)}" + (f" ({ex['surrogate']['fidelity_metric']})" if ex["surrogate"]["fidelity_metric"] else "")
        out.append({"area": "Explanations", "tab": "explanations", "status": "info", "headline": head, "detail": detail})
    else:
        out.append(not_run("Explanations", "explanations"))

    drift = ctx["drift"]
    if drift:
        head = ("Dataset drift" if drift["dataset_drift"] else "No dataset drift") + \
            f": {drift['n_drifted']} of {drift['n_columns']} columns drifted"
        pred = [p for p in drift["prediction"] if p["drifted"]]
        detail = f"share {_fmt(drift['share_drifted'], 2)} (threshold {_fmt(drift['drift_share_threshold'], 2)})"
        if pred:
            detail += "; output drift in " + ", ".join(p["column"] for p in pred)
        out.append({"area": "Drift", "tab": "drift", "status": drift["status"], "headline": head, "detail": detail})
    else:
        out.append(not_run("Drift", "drift"))

    q = ctx["quality"]
    if q:
        head = f"{q['n_errors']} error(s), {q['n_warnings']} warning(s)"
        detail = f"{q['n_rows']:,} rows, {q['n_columns']:,} columns, {q['duplicate_rows']:,} duplicate rows"
        out.append({"area": "Data quality", "tab": "quality", "status": q["status"], "headline": head, "detail": detail})
    else:
        out.append(not_run("Data quality", "quality"))
    return out


# ------------------------------------------------------------------------------------ entry


def build_context(assessment: Any, *, signature: dict[str, Any] | None = None, limits: Limits | None = None,
                  policy: Any = None) -> dict[str, Any]:
    """The plain context of every report, from an ``Assessment`` or its dict form.

    Parameters
    ----------
    assessment:
        An ``rai.Assessment`` or the dict of ``assessment.json``.
    signature:
        What is known about the signature of ``assessment.json`` (see ``rai.report.signature_status``);
        shown in the provenance section. ``None``: not signed / unknown.
    limits:
        Caps that keep large assessments within the size budget.
    policy:
        The ``rai.gate.Policy`` whose checks give every status the report shows (default: the
        policy that ships with the package), judged by the gate on the metric stream.
    """
    limits = limits or Limits()
    a = _plain(assessment)
    results = a.get("results") or {}
    verdicts = judge(a, policy)
    summaries: list[str] = []
    notes = [{"analyzer": n.get("analyzer"), "level": n.get("level"), "message": _clip(n.get("message"), 2 * limits.text)}
             for n in results.get("notes") or []]
    reasons = {n["analyzer"]: n["message"] for n in notes if n["level"] in ("skipped", "unsupported")}
    card = normalise_card(a.get("model_card"))
    spec = a.get("spec") or {}
    model = a.get("model") or {}
    prov = a.get("provenance") or {}
    features = a.get("features") or {}
    ctx: dict[str, Any] = {
        "title": card["fields"].get("name") or "Unnamed model",
        "card": card,
        "task": a.get("task"),
        "n_rows": a.get("n_rows"),
        "n_reference_rows": a.get("n_reference_rows"),
        "schema_version": a.get("schema_version"),
        "spec": {
            "target": spec.get("target"), "prediction": spec.get("prediction"), "score": spec.get("score"),
            "sensitive": list(spec.get("sensitive") or []), "positive_label": to_jsonable(spec.get("positive_label")),
            "id": spec.get("id"), "timestamp": spec.get("timestamp"), "exclude": list(spec.get("exclude") or []),
        },
        "features": {
            "n": len(features),
            "numeric": sum(1 for t in features.values() if t == "numeric"),
            "categorical": sum(1 for t in features.values() if t == "categorical"),
            "names": [_clip(n, 80) for n in list(features)[:50]],
            "truncated": len(features) > 50,
        },
        "model": {
            "kind": model.get("kind"), "source": model.get("source"), "sha256": model.get("sha256"),
            "n_features": len(model.get("feature_names") or []) or None,
        },
        "present": [k for k in ("performance", "fairness", "errors", "explanations", "drift", "quality") if results.get(k)],
        "notes": notes,
        "reasons": reasons,
        "performance": _performance(results.get("performance"), limits, summaries),
        "fairness": _fairness(results.get("fairness"), limits, summaries, verdicts),
        "errors": _errors(results.get("errors"), limits, summaries),
        "explanations": _explanations(results.get("explanations"), limits, summaries),
        "drift": _drift(results.get("drift"), limits, summaries),
        "quality": _quality(results.get("quality"), limits, summaries),
        "provenance": {
            "created_at": prov.get("created_at"),
            "rai_version": prov.get("rai_version"),
            "data_sha256": prov.get("data_sha256"), "data_source": prov.get("data_source"),
            "reference_sha256": prov.get("reference_sha256"), "reference_source": prov.get("reference_source"),
            "model_sha256": prov.get("model_sha256"), "model_source": prov.get("model_source"),
            "config_sha256": prov.get("config_sha256"), "config_source": prov.get("config_source"),
            "seed": prov.get("seed"),
            "packages": dict(sorted((prov.get("packages") or {}).items())),
            "python": prov.get("python"), "platform": prov.get("platform"), "git_commit": prov.get("git_commit"),
        },
        "signature": {"present": False, "verified": None, "message": "not signed (no assessment.json.sig)", **(signature or {})},
        "summaries": summaries,
        "verdicts": verdicts,
    }
    # where the policy judges a section, its status is the policy's (never a threshold of the report's own)
    for key in ("performance", "errors", "drift", "quality"):
        judged = section_status(verdicts, key)
        if ctx[key] and judged:
            ctx[key]["status"] = judged
    ctx["overview"] = _overview(ctx, reasons)
    ctx["compliance"] = compliance_mapping(ctx)
    ctx["card_view"] = _card_view(ctx, limits)
    return ctx


def _card_view(ctx: dict[str, Any], limits: Limits) -> dict[str, Any]:
    """Shorter lists for the printed card (the dashboard has the full lists)."""
    drift = ctx["drift"]
    err = ctx["errors"]
    ex = ctx["explanations"]
    q = ctx["quality"]
    perf = ctx["performance"]
    names = [m["name"] for m in perf["group_metric_names"]] if perf else []
    chosen = [n for n in CARD_GROUP_METRICS if n in names][:6] or names[:6]
    rows = []
    for g in perf["by_group"] if perf else []:
        by_name = {m["name"]: m for m in g["metrics"]}
        rows.append({"feature": g["feature"], "group": g["group"], "count": g["count"], "insufficient": g["insufficient"],
                     "cells": [by_name.get(n) for n in chosen]})
    out: dict[str, Any] = {
        "group_metrics": [{"name": n, "label": _label(n)} for n in chosen],
        "group_rows": rows,
        "drift_columns": drift["columns"][: limits.card_drift_columns] if drift else [],
        "drift_more": max(0, drift["n_columns"] - limits.card_drift_columns) if drift else 0,
        "cohorts": err["cohorts"][: limits.card_cohorts] if err else [],
        "cohorts_more": max(0, err["n_cohorts"] - limits.card_cohorts) if err else 0,
        "importance": ex["global_importance"][: limits.card_importance] if ex else [],
        "importance_more": max(0, len(ex["global_importance"]) - limits.card_importance) if ex else 0,
        "quality_issues": q["issues"][: limits.card_quality_issues] if q else [],
        "quality_more": max(0, len(q["issues"]) - limits.card_quality_issues) if q else 0,
    }
    return out
