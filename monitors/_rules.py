"""Alert rules: threshold per signal, N consecutive windows, cooldown and de-duplication.

``record_run`` writes a finished check and evaluates the rules in ONE transaction: the
column results, the signals, the alerts, the CloudEvent and one outbox row per matching
endpoint are committed together, before any network call. A rule fires only when it is
breached in ``consecutive`` windows in a row (the current one included) and its cooldown
slot is free; the slot is taken by an atomic conditional update in the store, so the same
drift inside the cooldown never emits a second event, even from two processes at once.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from typing import Any

from monitors._config import RETRAINING_EVENT, MonitorConfig, Rule
from monitors._store import Store, alerts, column_results, events, outbox, runs, signals

__all__ = ["AlertOutcome", "RuleDecision", "decide_rules", "record_run"]

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class AlertOutcome:
    """What a rule did in one window."""

    rule: str
    signal: str
    value: float | None
    severity: str
    status: str  # fired, suppressed
    reason: str | None
    event_id: str | None
    webhook_ids: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class RuleDecision:
    """How the policy judged one rule in one window (before streaks and cooldowns).

    ``outcome`` is the gate's outcome of the check the rule is judged as (``pass``: the alert's
    condition does not hold; ``fail``: it holds; ``insufficient evidence``); ``breached`` says
    whether it counts toward firing (insufficient evidence only with ``on_insufficient: fail``).
    """

    rule: str
    metric: str
    qualifiers: dict[str, str]
    outcome: str
    breached: bool
    value: float | bool | None
    low: float | None
    high: float | None
    reason: str
    excluded: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "excluded": list(self.excluded),
                "interval": [self.low, self.high] if self.low is not None and self.high is not None else None}


def decide_rules(config: MonitorConfig, check: Any) -> list[RuleDecision]:
    """Judge every rule of ``config`` on one window's results, with the gate's resolver and comparator.

    Pure: reads the check's metric stream, writes nothing. A rule naming a number this window
    does not have (a column absent from the batch) is insufficient evidence, with the reason.
    """
    from rai._exceptions import ConfigError
    from rai.gate import FAIL, INSUFFICIENT
    from rai.gate._decide import _evaluate_check
    from rai.results import metric_stream

    doc = check.assessment_dict()
    stream = metric_stream(doc)
    out = []
    for rule in config.rules:
        try:
            result = _evaluate_check(rule.as_check(), doc, None, (stream, None))
        except ConfigError as exc:
            why = str(exc).split(": ", 1)[-1]
            out.append(RuleDecision(rule.name, rule.metric, dict(rule.qualifiers), INSUFFICIENT,
                                    rule.on_insufficient == "fail", None, None, None, why))
            continue
        m = result.shown.measurement
        breached = result.outcome == FAIL or (result.outcome == INSUFFICIENT and rule.on_insufficient == "fail")
        # the reason of the check speaks of the opposite requirement; say what the alert saw
        reason = result.reason if result.outcome == INSUFFICIENT else (
            f"{m.label}: {m.value} {rule.op} {rule.threshold}" + (" holds" if breached else " does not hold"))
        out.append(RuleDecision(rule.name, rule.metric, dict(rule.qualifiers), result.outcome, breached, m.value,
                                m.low, m.high, reason, tuple(e for d in result.details for e in d.measurement.excluded)))
    return out


def _jsonable(value: Any) -> Any:
    from rai._serialize import to_jsonable

    return to_jsonable(value)


def record_run(
    store: Store,
    config: MonitorConfig,
    *,
    run_id: int,
    window: str,
    check: Any,
    started_at: float,
) -> list[AlertOutcome]:
    """Store a finished check (a ``monitors.CheckResult``) and evaluate the alert rules."""
    from monitors._depth import depth_summary
    from monitors._events import build_event, new_event_id, new_webhook_id, render_body

    now = store.clock()
    outcomes: list[AlertOutcome] = []
    drift = check.drift
    with store.begin() as conn:
        col_rows = []
        for col in check.column_results():
            col_rows.append({"run_id": run_id, **col})
        if col_rows:
            conn.execute(column_results.insert(), col_rows)
        sig_rows = [{"run_id": run_id, "monitor": config.name, "name": k, "value": v} for k, v in check.signals.items()]
        if sig_rows:
            conn.execute(signals.insert(), sig_rows)

        decisions = decide_rules(config, check)
        # each rule's outcome is kept per window: the streak of consecutive windows reads it back
        if decisions:
            conn.execute(signals.insert(), [
                {"run_id": run_id, "monitor": config.name, "name": f"rule:{d.rule}",
                 "value": 1.0 if d.breached else (None if d.outcome == "insufficient evidence" else 0.0)}
                for d in decisions
            ])
        disabled = store.disabled_endpoints(conn)
        for rule, decision in zip(config.rules, decisions):
            if not decision.breached:
                continue
            value = None if decision.value is None else float(decision.value)
            streak_ok = True
            reason = None
            if rule.consecutive > 1:
                previous = store.previous_signal_values(conn, config.name, f"rule:{rule.name}", run_id, rule.consecutive - 1)
                breached_before = [v == 1.0 for v in previous]
                streak_ok = len(previous) == rule.consecutive - 1 and all(breached_before)
                if not streak_ok:
                    run_of = 1
                    for b in breached_before:
                        if not b:
                            break
                        run_of += 1
                    reason = f"breached in {run_of} consecutive window(s); the rule needs {rule.consecutive}"
            event_id = new_event_id()
            fired = streak_ok and store.try_fire(conn, config.name, rule.name, rule.cooldown, now, event_id)
            if streak_ok and not fired:
                reason = f"within the cooldown of {rule.cooldown:g} s after the last alert of this rule (de-duplicated)"
            res = conn.execute(
                alerts.insert().values(
                    run_id=run_id, monitor=config.name, window=window, rule=rule.name, signal=rule.signal,
                    value=value, op=rule.op, threshold=float(rule.threshold), severity=rule.severity,
                    status="fired" if fired else "suppressed", reason=reason,
                    event_id=event_id if fired else None, created_at=now,
                )
            )
            alert_id = int(res.inserted_primary_key[0])
            if not fired:
                log.info("rule %s breached in window %s but suppressed: %s", rule.name, window, reason)
                outcomes.append(AlertOutcome(rule.name, rule.signal, value, rule.severity, "suppressed", reason, None, ()))
                continue
            data = _event_data(config, rule, window, run_id, value, check, decision)
            body = build_event(
                event_id=event_id, event_type=RETRAINING_EVENT, source=config.event_source,
                subject=f"{config.name}/{window}", time=now, data=data,
            )
            conn.execute(
                events.insert().values(
                    id=event_id, monitor=config.name, type=RETRAINING_EVENT, alert_id=alert_id, created_at=now,
                    body=body.decode("utf-8"),
                )
            )
            hook_ids = []
            for endpoint in config.webhooks:
                if not endpoint.accepts(rule):
                    continue
                payload, content_type = render_body(body, endpoint.format)
                webhook_id = new_webhook_id()
                state = "disabled" if endpoint.name in disabled else "pending"
                conn.execute(
                    outbox.insert().values(
                        id=webhook_id, event_id=event_id, endpoint=endpoint.name, url=endpoint.url,
                        format=endpoint.format, content_type=content_type, body=payload.decode("utf-8"),
                        state=state, attempts=0, next_attempt_at=now, created_at=now,
                        last_error=f"endpoint disabled: {disabled[endpoint.name]}" if state == "disabled" else None,
                        finished_at=now if state == "disabled" else None,
                    )
                )
                hook_ids.append(webhook_id)
            log.info(
                "rule %s fired in window %s (%s %s %s %g): event %s queued for %d endpoint(s)",
                rule.name, window, rule.signal, value, rule.op, rule.threshold, event_id, len(hook_ids),
            )
            outcomes.append(
                AlertOutcome(rule.name, rule.signal, value, rule.severity, "fired", None, event_id, tuple(hook_ids))
            )

        attribution = getattr(check, "attribution", None)
        summary = {
            "attribution": None if attribution is None else {
                "ndcg": attribution.ndcg, "method": attribution.method, **attribution.top(5),
            },
            "signals": check.signals,
            "notes": check.notes,
            "quality_issues": check.quality_issues(),
            "alerts": [dataclasses.asdict(o) for o in outcomes],
            "rules": [d.to_dict() for d in decisions],
            "n_columns": None if drift is None else drift.n_columns,
            "drift_share_threshold": None if drift is None else drift.drift_share_threshold,
            **depth_summary(check),
        }
        conn.execute(
            runs.update()
            .where(runs.c.id == run_id)
            .values(
                status="done", finished_at=now, duration=max(0.0, now - started_at), lease_until=None,
                n_reference=check.n_reference, n_current=check.n_current,
                dataset_drift=None if drift is None else bool(drift.dataset_drift),
                share_drifted=None if drift is None else float(drift.share_drifted),
                n_drifted=None if drift is None else int(drift.n_drifted),
                current_sha256=check.current_sha256,
                summary=json.dumps(_jsonable(summary), allow_nan=False),
            )
        )
    return outcomes


def _event_data(config: MonitorConfig, rule: Rule, window: str, run_id: int, value: float | None, check: Any,
                decision: RuleDecision) -> dict[str, Any]:
    drift = check.drift
    drifted = []
    if drift is not None:
        for c in list(drift.columns) + list(drift.prediction):
            if c.drifted:
                drifted.append(
                    {
                        "column": c.column, "role": c.role, "method": c.method, "statistic": c.statistic,
                        "threshold": c.threshold, "p_value": c.p_value, "p_value_adjusted": c.p_value_adjusted,
                        "psi": c.psi,
                    }
                )
    return _jsonable(
        {
            "action": "retrain",
            "monitor": config.name,
            "window": window,
            "run_id": run_id,
            "rule": rule.name,
            "signal": rule.signal,
            "metric": rule.metric,
            "qualifiers": dict(rule.qualifiers),
            "value": value,
            "interval": None if decision.low is None or decision.high is None else [decision.low, decision.high],
            "decide_on": rule.decide_on,
            "excluded": list(decision.excluded),
            "op": rule.op,
            "threshold": rule.threshold,
            "consecutive": rule.consecutive,
            "severity": rule.severity,
            "dataset_drift": None if drift is None else drift.dataset_drift,
            "share_drifted": None if drift is None else drift.share_drifted,
            "n_drifted": None if drift is None else drift.n_drifted,
            "n_columns": None if drift is None else drift.n_columns,
            "n_reference": check.n_reference,
            "n_current": check.n_current,
            "drifted_columns": drifted,
            "signals": {k: v for k, v in check.signals.items() if not k.startswith(("column_drift.", "drift_statistic."))},
        }
    )
