"""``rai monitor report``: the history as one offline HTML file (or its data as JSON).

``report_data`` arranges the stored history into plain per-window series (it computes nothing
new: every number is one the checks stored); ``render_report`` feeds them to the jinja2
template ``report_templates/monitor_report.html.j2``, which draws them as inline SVG with
``rai.report._svg`` (autoescaped, no script, no external reference).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from rai._exceptions import ConfigError

__all__ = ["report_data", "render_report"]

_PERFORMANCE = ("accuracy", "precision", "recall", "f1", "roc_auc")


def _iso(t: float | None) -> str | None:
    return None if t is None else dt.datetime.fromtimestamp(t, tz=dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


def _monitor_of(names: list[str], monitor: str | None) -> str | None:
    if monitor is not None:
        if monitor not in names:
            raise ConfigError(f"--monitor {monitor!r}: the store holds no run of it; monitors in the store: {names}.")
        return monitor
    if len(names) > 1:
        raise ConfigError(f"the store holds several monitors {names}; pick one with --monitor NAME.")
    return names[0] if names else None


def report_data(store: Any, *, monitor: str | None = None, limit: int = 200) -> dict[str, Any]:
    """The report's data: per-window series of the stored checks, alerts and deliveries."""
    name = _monitor_of(store.monitors(), monitor)
    history = store.history(monitor=name, limit=limit) if name else []
    runs = sorted(history, key=lambda r: (r["started_at"], r["id"]))
    done = [r for r in runs if r["status"] == "done"]
    windows = [r["window"] for r in done]

    def signal(key: str) -> list[float | None]:
        return [r["signals"].get(key) for r in done]

    columns: dict[str, dict[str, Any]] = {}
    for i, r in enumerate(done):
        for c in r["columns"]:
            entry = columns.setdefault(c["column"], {"column": c["column"], "role": c["role"], "method": c["method"],
                                                     "statistic": [None] * len(done), "threshold": [None] * len(done),
                                                     "drifted": [None] * len(done)})
            entry["statistic"][i], entry["threshold"][i], entry["drifted"][i] = c["statistic"], c["threshold"], c["drifted"]

    estimated: dict[str, dict[str, Any]] = {}
    for metric in _PERFORMANCE:
        rows = [((r.get("performance_estimated") or {}).get("metrics") or {}).get(metric) or {} for r in done]
        realized = [row.get("realized") if row.get("realized") is not None else r["signals"].get(f"performance.{metric}")
                    for row, r in zip(rows, done)]
        if any(row.get("value") is not None for row in rows) or any(v is not None for v in realized):
            reference = next(((r.get("performance_estimated") or {}).get("reference", {}).get(metric)
                              for r in reversed(done) if r.get("performance_estimated")), None)
            estimated[metric] = {"value": [row.get("value") for row in rows], "low": [row.get("ci_low") for row in rows],
                                 "high": [row.get("ci_high") for row in rows], "realized": realized,
                                 "reference": reference}

    fairness = {k: signal(k) for k in sorted({k for r in done for k in r["signals"] if k.startswith("fairness.")})}
    methods = sorted({m for r in done for m in (r.get("multivariate") or {})})
    multivariate = {}
    for method in methods:
        rows = [(r.get("multivariate") or {}).get(method) or {} for r in done]
        last = next((row for row in reversed(rows) if row), {})
        multivariate[method] = {key: [row.get(key) for row in rows]
                                for key in ("statistic", "ci_low", "ci_high", "threshold", "lower_threshold", "drifted")}
        multivariate[method].update(description=last.get("description", ""), top_features=last.get("top_features", []))
    other = {k: signal(k) for k in ("attribution.ndcg", "quality.max_missing_share", "quality.max_out_of_range_share")
             if any(v is not None for v in signal(k))}

    alerts = []
    for r in runs:
        for a in r["alerts"]:
            alerts.append({**{k: a[k] for k in ("rule", "signal", "value", "op", "threshold", "severity", "status",
                                                "reason", "event_id")},
                           "window": r["window"],
                           "deliveries": [{**d, "next_attempt_at": _iso(d.get("next_attempt_at"))} for d in a["deliveries"]]})
    return {
        "monitor": name,
        "store": store.safe_url,
        "generated_at": _iso(store.clock()),
        "windows": windows,
        "runs": [{k: r[k] for k in ("id", "window", "status", "n_current", "n_reference", "dataset_drift",
                                    "share_drifted", "n_drifted", "error")} | {"started_at": _iso(r["started_at"])}
                 for r in runs],
        "share_drifted": signal("share_drifted"),
        "n_drifted": signal("n_drifted"),
        "columns": sorted(columns.values(), key=lambda c: (c["role"] != "feature", c["column"])),
        "estimated": estimated,
        "fairness": fairness,
        "multivariate": multivariate,
        "other_signals": other,
        "alerts": alerts,
    }


def render_report(data: dict[str, Any]) -> str:
    """The report as one self-contained HTML page."""
    from rai.report._render import html_environment

    return html_environment().get_template("monitor_report.html.j2").render(d=data)
