"""Results as pandas tables and as one-line summaries, for notebooks and the Python prompt.

``Result.to_pandas()`` and the short ``repr`` of the large results look their shape up here, so
the result dataclasses stay plain declarations. A table has one row per thing a reader scans:
a group, a column, a cohort, a feature; intervals as ``ci_low`` / ``ci_high`` columns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["rows_of", "summary_of", "assessment_lines"]


def _performance_rows(r: Any) -> list[dict[str, Any]]:
    rows = [{"sensitive_feature": None, "group": None, "count": r.n_rows, "insufficient": False, "metric": name,
             "value": value, "ci_low": _low(r.ci.get(name)), "ci_high": _high(r.ci.get(name))}
            for name, value in r.overall.items()]
    for g in r.by_group:
        rows.extend({"sensitive_feature": g.sensitive_feature, "group": g.group, "count": g.count,
                     "insufficient": g.insufficient, "metric": name, "value": value,
                     "ci_low": _low(g.ci.get(name)), "ci_high": _high(g.ci.get(name))}
                    for name, value in g.metrics.items())
    return rows


def _fairness_rows(r: Any) -> list[dict[str, Any]]:
    sizes = {(g.sensitive_feature, g.group): g for g in r.groups}
    rows = []
    for m in r.metrics:
        for group, value in m.by_group.items():
            info = sizes.get((m.sensitive_feature, group))
            ci = m.by_group_ci.get(group)
            rows.append({
                "metric": m.name, "sensitive_feature": m.sensitive_feature, "group": group, "value": value,
                "ci_low": _low(ci), "ci_high": _high(ci),
                "count": None if info is None else info.count,
                "insufficient": group in m.insufficient_groups,
                "difference": m.difference, "ratio": m.ratio,
            })
    return rows


def _drift_rows(r: Any) -> list[dict[str, Any]]:
    keep = ("column", "role", "column_type", "method", "statistic", "threshold", "p_value", "p_value_adjusted",
            "drifted", "psi", "n_reference", "n_current")
    return [{k: getattr(c, k) for k in keep} for c in [*r.columns, *r.prediction]]


def _quality_rows(r: Any) -> list[dict[str, Any]]:
    keep = ("column", "dtype", "column_type", "n_missing", "missing_share", "n_unique", "constant",
            "type_mismatch_count", "out_of_range_count", "unseen_count")
    return [{k: getattr(c, k) for k in keep} for c in r.columns]


def _error_rows(r: Any) -> list[dict[str, Any]]:
    keep = ("rule", "size", "n_errors", "error_rate", "error_coverage", "p_value", "significant", "depth")
    return [{k: getattr(c, k) for k in keep} for c in r.cohorts]


def _explanation_rows(r: Any) -> list[dict[str, Any]]:
    return [{"feature": f.feature, "importance": f.importance, "share": f.share, "rank": f.rank, "method": f.method}
            for f in r.global_importance]


def _low(interval: Any) -> float | None:
    return None if interval is None else interval.low


def _high(interval: Any) -> float | None:
    return None if interval is None else interval.high


def _performance_summary(r: Any) -> str:
    shown = ", ".join(f"{k} {v:.3f}" for k, v in r.overall.items()
                      if v is not None and k in ("accuracy", "roc_auc", "f1", "mae", "r2"))
    return f"{r.task}, {r.n_rows} rows: {shown}; {len(r.by_group)} group rows"


def _fairness_summary(r: Any) -> str:
    small = sum(g.insufficient for g in r.groups)
    return (f"{len(r.metrics)} metrics over {', '.join(r.sensitive_features)}; {len(r.groups)} groups "
            f"({small} below {r.min_group_size} rows)")


def _drift_summary(r: Any) -> str:
    drifted = [c.column for c in r.columns if c.drifted]
    names = f": {', '.join(drifted[:5])}{', ...' if len(drifted) > 5 else ''}" if drifted else ""
    return (f"{r.n_drifted} of {r.n_columns} columns drifted (share {r.share_drifted:.2f}){names}; "
            f"dataset drift: {'yes' if r.dataset_drift else 'no'}")


def _quality_summary(r: Any) -> str:
    return f"{r.n_rows} rows, {r.n_columns} columns: {len(r.issues)} issue(s), {r.duplicate_rows} duplicate row(s)"


def _error_summary(r: Any) -> str:
    significant = sum(c.significant for c in r.cohorts)
    return f"error rate {r.error_rate:.3f} on {r.n_rows} rows; {len(r.cohorts)} cohorts ({significant} significant)"


def _explanation_summary(r: Any) -> str:
    top = ", ".join(f.feature for f in sorted(r.global_importance, key=lambda f: f.rank)[:5])
    return f"{r.explainer} on {r.sample_size} rows; top features: {top or '-'}"


_ROWS: dict[str, Callable[[Any], list[dict[str, Any]]]] = {
    "PerformanceResult": _performance_rows,
    "FairnessResult": _fairness_rows,
    "DriftResult": _drift_rows,
    "QualityResult": _quality_rows,
    "ErrorResult": _error_rows,
    "ExplanationResult": _explanation_rows,
}

_SUMMARIES: dict[str, Callable[[Any], str]] = {
    "PerformanceResult": _performance_summary,
    "FairnessResult": _fairness_summary,
    "DriftResult": _drift_summary,
    "QualityResult": _quality_summary,
    "ErrorResult": _error_summary,
    "ExplanationResult": _explanation_summary,
}


def rows_of(result: Any) -> list[dict[str, Any]] | None:
    """The rows of a result's table, or ``None`` when its shape has no rows."""
    rows = _ROWS.get(type(result).__name__)
    return None if rows is None else rows(result)


def summary_of(result: Any) -> str | None:
    """A one-line summary of a large result, or ``None`` for a small one (its full repr is short)."""
    summary = _SUMMARIES.get(type(result).__name__)
    return None if summary is None else summary(result)


def _judged_line(m: Any) -> str:
    """The demographic-parity gap over the groups large enough to judge (the number verdicts use)."""
    j = m.judged
    if j.insufficient:
        return f"demographic parity by {m.sensitive_feature}: insufficient evidence ({j.reason})"
    ci = f" [{j.ci_low:.3f}, {j.ci_high:.3f}]" if j.ci_low is not None else ""
    line = (f"demographic parity difference by {m.sensitive_feature} {j.difference:.3f}{ci} "
            f"(group {j.low_group} vs {j.high_group})")
    if j.excluded:
        line += f"; {len(j.excluded)} group(s) too small to judge: {', '.join(e.group for e in j.excluded)}"
    return line


def assessment_lines(assessment: Any) -> list[str]:
    """The headline figures of an assessment, one line per analyzer (the CLI prints the same)."""
    r = assessment.results
    lines = []
    if r.performance is not None:
        o = r.performance.overall
        shown = ", ".join(f"{k} {v:.3f}" for k, v in o.items() if v is not None and k in ("accuracy", "roc_auc", "f1", "mae", "r2"))
        lines.append(f"performance: {shown}")
    if r.fairness is not None:
        for m in r.fairness.metrics:
            if m.name == "demographic_parity" and m.judged is not None:
                lines.append(f"fairness: {_judged_line(m)}")
    if r.drift is not None:
        lines.append(f"drift: {_drift_summary(r.drift)}")
    if r.quality is not None:
        lines.append(f"quality: {len(r.quality.issues)} issue(s), {r.quality.duplicate_rows} duplicate row(s)")
    if r.errors is not None:
        lines.append(f"errors: {_error_summary(r.errors)}")
    if r.explanations is not None:
        lines.append(f"explanations: {_explanation_summary(r.explanations)}")
    return lines
