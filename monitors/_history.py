"""Plain-text rendering of the history (the ``rai monitor history --format table`` view)."""

from __future__ import annotations

import datetime as dt
from typing import Any

__all__ = ["format_history", "window_headline"]


def window_headline(n_drifted: int | None, n_columns: int | None, share: float | None, needs: float | None,
                    alerts: list[tuple[str, str]]) -> str:
    """What happened in a window, in words: "3 of 12 features drifted (share 0.25; dataset drift needs
    0.5); alert feature-drift fired". ``alerts`` holds ``(rule, status)`` pairs."""
    if share is None:
        text = "no drift result"
    else:
        of = f" of {n_columns}" if n_columns is not None else ""
        text = f"{n_drifted}{of} features drifted (share {share:.2f}"
        if needs is not None:
            text += f"; dataset drift needs {needs:g}" if share < needs else f"; dataset drift: share reaches {needs:g}"
        text += ")"
    if alerts:
        text += "; " + ", ".join(f"alert {rule} {status}" for rule, status in alerts)
    else:
        text += "; no alert"
    return text


def _time(t: float | None) -> str:
    if t is None:
        return "-"
    return dt.datetime.fromtimestamp(t, tz=dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


def _num(v: Any, fmt: str = ".3g") -> str:
    return "-" if v is None else format(v, fmt)


def format_history(runs: list[dict[str, Any]], *, columns: bool = True) -> str:
    """One block per run: the verdict, the drifted columns, alerts and their deliveries."""
    if not runs:
        return "no runs yet."
    lines: list[str] = []
    for r in runs:
        summary = r.get("summary") or {}
        headline = window_headline(r["n_drifted"], summary.get("n_columns"), r["share_drifted"],
                                   summary.get("drift_share_threshold"), [(a["rule"], a["status"]) for a in r["alerts"]])
        lines.append(
            f"run {r['id']}  monitor {r['monitor']}  window {r['window']}  {r['status']}  {_time(r['started_at'])}  "
            f"rows {r['n_current'] if r['n_current'] is not None else '-'} vs {r['n_reference'] if r['n_reference'] is not None else '-'}  "
            f"{headline}"
        )
        for d in summary.get("rules") or []:
            if d.get("outcome") == "insufficient evidence":
                lines.append(f"    rule     {d['rule']}: insufficient evidence ({d.get('reason')})")
        if r.get("error"):
            lines.append(f"    error: {r['error']}")
        if columns:
            shown = [c for c in r["columns"] if c["drifted"]] or sorted(
                r["columns"], key=lambda c: -(c["statistic"] or 0.0)
            )[:3]
            label = "drifted" if any(c["drifted"] for c in r["columns"]) else "largest"
            for c in shown:
                p = "" if c["p_value"] is None else f"  p {_num(c['p_value'])}"
                lines.append(
                    f"    {label:8s} {c['column']:<24} {c['role']:<10} {c['method']:<14} "
                    f"stat {_num(c['statistic'], '.4f')} (threshold {_num(c['threshold'])}){p}  psi {_num(c['psi'], '.3f')}"
                )
        est = (r.get("performance_estimated") or {}).get("metrics") or {}
        shown_est = [f"{name} {m['value']:.3f} [{_num(m['ci_low'], '.3f')}, {_num(m['ci_high'], '.3f')}]"
                     + (f" realized {m['realized']:.3f}" if m.get("realized") is not None else "")
                     for name, m in est.items() if name in ("accuracy", "roc_auc") and m.get("value") is not None]
        if shown_est:
            lines.append(f"    estimated {'; '.join(shown_est)}")
        for method, m in (r.get("multivariate") or {}).items():
            lines.append(f"    multivariate {method} {_num(m['statistic'], '.4f')} (threshold {_num(m['threshold'], '.4f')})"
                         f"{' DRIFT' if m['drifted'] else ''}")
        for a in r["alerts"]:
            lines.append(
                f"    alert    {a['rule']} [{a['severity']}] {a['signal']} = {_num(a['value'])} {a['op']} {_num(a['threshold'])}: "
                f"{a['status']}" + (f" ({a['reason']})" if a["reason"] else "") + (f" event {a['event_id']}" if a["event_id"] else "")
            )
            for d in a["deliveries"]:
                extra = f", last {d['last_status'] or d['last_error']}" if d["state"] != "delivered" else ""
                nxt = f", next try {_time(d['next_attempt_at'])}" if d["next_attempt_at"] else ""
                lines.append(
                    f"      webhook {d['webhook_id']} -> {d['endpoint']} {d['url']}: {d['state']} after "
                    f"{d['attempts']} attempt(s){extra}{nxt}"
                )
    return "\n".join(lines)
