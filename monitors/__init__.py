"""The drift monitor: scheduled checks, history, alert rules and signed retraining webhooks.

    Monitor            claim a window, check a batch, record, alert, deliver
    MonitorConfig      the validated ``monitor:`` section of rai.yaml (rules, webhooks, policies)
    Store              SQLAlchemy history store with a versioned schema and the outbox
    WebhookSender      delivers the outbox: Standard Webhooks signatures, retries, dead letters
    run_check          drift / quality (/ performance, fairness) of one batch via rai.analyzers
"""

from __future__ import annotations

import monitors._cbpe  # noqa: F401  (registers the performance_estimated walker of the metric stream)
import monitors._multivariate  # noqa: F401  (registers the multivariate walker)
from monitors._checks import SIGNALS, CheckResult, run_check, signals_from
from monitors._config import (
    DEFAULT_RULES,
    RETRAINING_EVENT,
    DeliveryPolicy,
    Endpoint,
    MonitorConfig,
    Rule,
    parse_duration,
)
from monitors._events import SECRET_ENV, build_event, load_secret, render_body, sign, signed_headers
from monitors._monitor import Monitor, RunOutcome
from monitors._rules import AlertOutcome, record_run
from monitors._schedule import next_tick, validate_cron, window_label
from monitors._security import NetworkPolicy, UrlRefusedError, check_url, redact_url
from monitors._store import SCHEMA_VERSION, Store
from monitors._webhooks import DeliveryReport, WebhookSender, backoff_delay, parse_retry_after

__all__ = [
    "AlertOutcome",
    "CheckResult",
    "DEFAULT_RULES",
    "DeliveryPolicy",
    "DeliveryReport",
    "Endpoint",
    "Monitor",
    "MonitorConfig",
    "NetworkPolicy",
    "RETRAINING_EVENT",
    "Rule",
    "RunOutcome",
    "SCHEMA_VERSION",
    "SECRET_ENV",
    "SIGNALS",
    "Store",
    "UrlRefusedError",
    "WebhookSender",
    "backoff_delay",
    "build_event",
    "check_url",
    "load_secret",
    "next_tick",
    "parse_duration",
    "parse_retry_after",
    "record_run",
    "redact_url",
    "render_body",
    "run_check",
    "sign",
    "signals_from",
    "signed_headers",
    "validate_cron",
    "window_label",
]
