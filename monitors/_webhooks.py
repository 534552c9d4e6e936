"""The webhook sender: delivers the outbox, at least once, with the same ``webhook-id`` each time.

Outcomes of one attempt:

* 2xx: delivered.
* 410 Gone: the endpoint is disabled (recorded in the store) and its pending deliveries stop.
* 429, or any other status or network error: retried after ``Retry-After`` when the receiver
  sends one (seconds or an HTTP date), otherwise after an exponential backoff with full
  jitter; after ``max_attempts`` attempts the delivery is dead-lettered (visible in history).
* a URL that breaks the URL policy is dead-lettered at once with the reason.

The HTTP transport, clock, sleep and random source are injectable (``httpx.MockTransport``
in unit tests, a real loopback receiver in integration tests).
"""

from __future__ import annotations

import dataclasses
import email.utils
import logging
import os
import random
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from monitors._config import DeliveryPolicy, Endpoint
from monitors._events import load_secret, signed_headers
from monitors._security import NetworkPolicy, Resolver, UnresolvableHostError, UrlRefusedError, check_url, redact_url
from monitors._store import Store, process_owner

__all__ = ["WebhookSender", "DeliveryReport", "backoff_delay", "parse_retry_after"]

log = logging.getLogger(__name__)

# httpx logs every request's full URL at INFO; a webhook URL carries its secret (also for API users)
from rai._redact import install_log_redaction as _install_log_redaction  # noqa: E402

_install_log_redaction()


@dataclasses.dataclass
class DeliveryReport:
    """Counts of one delivery pass (or of a drain)."""

    delivered: int = 0
    retrying: int = 0
    dead: int = 0
    disabled: int = 0
    skipped: int = 0
    attempts: int = 0

    def add(self, other: DeliveryReport) -> None:
        for f in dataclasses.fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def backoff_delay(attempt: int, policy: DeliveryPolicy, rng: random.Random) -> float:
    """Full-jitter exponential backoff after the ``attempt``-th failure (1-based)."""
    cap = min(policy.backoff_max, policy.backoff_base * (2 ** max(0, attempt - 1)))
    return rng.uniform(0.0, cap)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - now)


class WebhookSender:
    """Sends due outbox rows of a store.

    Parameters
    ----------
    store:
        The history store holding the outbox.
    endpoints:
        The configured endpoints by name (for timeout, token and insecure-http settings);
        rows of an endpoint no longer configured are sent with defaults to their stored URL.
    policy, network:
        Retry and URL policies.
    secret:
        The Standard Webhooks secret; default ``RAI_WEBHOOK_SECRET`` from the environment,
        read only when there is something to send.
    transport:
        An ``httpx.BaseTransport`` (default: a real HTTP transport).
    clock, sleep, rng, resolver:
        Time source, sleep function, random source (jitter) and DNS resolver, for tests.
    """

    def __init__(
        self,
        store: Store,
        *,
        endpoints: Mapping[str, Endpoint] | None = None,
        policy: DeliveryPolicy = DeliveryPolicy(),
        network: NetworkPolicy = NetworkPolicy(),
        secret: str | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
        rng: random.Random | None = None,
        resolver: Resolver | None = None,
        environ: Mapping[str, str] | None = None,
        owner: str | None = None,
    ) -> None:
        self.store = store
        self.endpoints = dict(endpoints or {})
        self.policy = policy
        self.network = network
        self._secret = secret
        self.transport = transport
        self.clock = clock or store.clock or time.time
        self.sleep = sleep or time.sleep
        self.rng = rng or random.Random()
        self.resolver = resolver
        self.environ = os.environ if environ is None else environ
        self.owner = owner or process_owner()
        self._client: httpx.Client | None = None

    # the secret is held in memory only; never logged, never stored
    def _get_secret(self) -> str:
        if self._secret is None:
            self._secret = load_secret(dict(self.environ))
        return self._secret

    def _http(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(transport=self.transport, follow_redirects=False, trust_env=False)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> WebhookSender:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def deliver_due(self, *, stop: Callable[[], bool] | None = None) -> DeliveryReport:
        """One pass over the deliveries due now."""
        report = DeliveryReport()
        rows = self.store.due_deliveries(self.clock())
        if rows:
            self._get_secret()
        for row in rows:
            if stop is not None and stop():
                break
            report.add(self._deliver_one(row))
        return report

    def drain(self, *, max_wait: float | None = None, stop: Callable[[], bool] | None = None) -> DeliveryReport:
        """Deliver until nothing is due within ``max_wait`` seconds (default ``policy.max_wait``)."""
        max_wait = self.policy.max_wait if max_wait is None else max_wait
        deadline = self.clock() + max_wait
        total = DeliveryReport()
        while True:
            total.add(self.deliver_due(stop=stop))
            if stop is not None and stop():
                break
            pending = self.store.pending_deliveries()
            if not pending:
                break
            now = self.clock()
            nxt = min(max(r.next_attempt_at, r.lease_until or 0.0) for r in pending)
            if nxt > deadline:
                log.info("%d deliver(ies) left pending for a later `rai monitor deliver`", len(pending))
                break
            self.sleep(max(0.0, nxt - now) + 0.001)
        return total

    def _deliver_one(self, row: Any) -> DeliveryReport:
        report = DeliveryReport()
        endpoint = self.endpoints.get(row.endpoint) or Endpoint(name=row.endpoint, url=row.url, format=row.format)
        lease = self.policy.lease if self.policy.lease is not None else endpoint.timeout + 30.0
        now = self.clock()
        if not self.store.lease_delivery(row, self.owner, now, lease):
            report.skipped += 1
            return report
        disabled = self.store.disabled_endpoints()
        shown = redact_url(row.url, hide_path=row.format == "slack")
        if row.endpoint in disabled:
            self.store.mark_undeliverable(row.id, "disabled", f"endpoint disabled: {disabled[row.endpoint]}", owner=self.owner)
            report.disabled += 1
            return report
        unresolved: str | None = None
        try:
            check_url(
                row.url, self.network, endpoint=row.endpoint, allow_insecure_http=endpoint.allow_insecure_http,
                resolver=self.resolver,
            )
        except UnresolvableHostError as exc:
            unresolved = str(exc)  # DNS may come back: retried like a network error
        except UrlRefusedError as exc:
            log.error("delivery %s to %s refused: %s", row.id, shown, exc)
            self.store.mark_undeliverable(row.id, "dead", f"refused by the URL policy: {exc}", owner=self.owner)
            report.dead += 1
            return report

        attempt = row.attempts + 1
        body = row.body.encode("utf-8")
        sent_at = int(time.time())  # the signature timestamp is wall-clock time: receivers check it
        headers = signed_headers(self._get_secret(), row.id, sent_at, body, row.content_type)
        if row.format == "github":
            headers["accept"] = "application/vnd.github+json"
        if endpoint.token_env:
            token = self.environ.get(endpoint.token_env)
            if token:
                headers["authorization"] = f"Bearer {token}"
            else:
                log.warning("endpoint %s: token_env %s is not set; sending without a token", row.endpoint, endpoint.token_env)
        started = self.clock()
        t0 = time.monotonic()
        status: int | None = None
        retry_after: float | None = None
        error: str | None = None
        try:
            if unresolved is not None:
                raise httpx.ConnectError(unresolved)
            response = self._http().post(row.url, content=body, headers=headers, timeout=endpoint.timeout)
            status = response.status_code
            retry_after = parse_retry_after(response.headers.get("retry-after"), self.clock())
            response.close()
        except httpx.HTTPError as exc:
            # the message of an httpx error can hold the URL; show the redacted one only
            error = f"{type(exc).__name__} sending to {shown}" + (f": {unresolved}" if unresolved else "")
        duration = time.monotonic() - t0
        report.attempts += 1

        if status is not None and 200 <= status < 300:
            self.store.record_attempt(row.id, owner=self.owner, attempt=attempt, started_at=started, duration=duration,
                                      status_code=status, outcome="delivered", error=None, state="delivered")
            log.info("delivered %s to %s (attempt %d, HTTP %d)", row.id, shown, attempt, status)
            report.delivered += 1
            return report
        if status == 410:
            self.store.record_attempt(row.id, owner=self.owner, attempt=attempt, started_at=started, duration=duration,
                                      status_code=status, outcome="gone", error="410 Gone: endpoint disabled",
                                      state="disabled", disable_endpoint=row.endpoint)
            log.error("endpoint %s answered 410 Gone: disabled; its pending deliveries stop", row.endpoint)
            report.disabled += 1
            return report
        if error is None:
            error = f"HTTP {status}"
        if attempt >= self.policy.max_attempts:
            self.store.record_attempt(row.id, owner=self.owner, attempt=attempt, started_at=started, duration=duration,
                                      status_code=status, outcome="failed", error=error, state="dead")
            log.error("delivery %s to %s dead-lettered after %d attempts (%s)", row.id, shown, attempt, error)
            report.dead += 1
            return report
        # a receiver's Retry-After (seconds or an HTTP date, maybe in 2099) never parks a delivery beyond backoff_max
        delay = min(retry_after, self.policy.backoff_max) if retry_after is not None else backoff_delay(attempt, self.policy, self.rng)
        self.store.record_attempt(row.id, owner=self.owner, attempt=attempt, started_at=started, duration=duration,
                                  status_code=status, outcome="retry", error=error, state="pending",
                                  next_attempt_at=self.clock() + delay)
        log.warning("delivery %s to %s failed (%s); attempt %d of %d, retry in %.3g s%s", row.id, shown, error,
                    attempt, self.policy.max_attempts, delay, " (Retry-After)" if retry_after is not None else "")
        report.retrying += 1
        return report
