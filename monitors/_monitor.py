"""The monitor: claim a window, check the batch, record and alert, then deliver.

Order of work in ``Monitor.check`` (this order is what makes webhooks never lost):

1. claim ``(monitor, window)`` in the store (unique constraint: one process per window);
2. run the checks (analyzers) on the batch;
3. in one transaction: column results, signals, alerts, the event and its outbox rows;
4. only then, deliver the outbox over the network.

A crash before 3 leaves the window claimed by a dead owner (taken over by the next run);
a crash after 3 leaves pending deliveries that the next ``run``, ``deliver`` or ``serve``
sends.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import time
from collections.abc import Callable
from typing import Any

import httpx
import pandas as pd

from rai._spec import DatasetSpec

from monitors._checks import CheckResult, run_check
from monitors._config import MonitorConfig
from monitors._rules import AlertOutcome, record_run
from monitors._security import Resolver
from monitors._store import Store
from monitors._webhooks import DeliveryReport, WebhookSender

__all__ = ["Monitor", "RunOutcome"]

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class RunOutcome:
    """What one ``Monitor.check`` did."""

    window: str
    run_id: int | None
    skipped: bool
    check: CheckResult | None
    alerts: list[AlertOutcome]
    delivery: DeliveryReport | None

    @property
    def drift(self) -> bool:
        return bool(self.check is not None and self.check.drift is not None and self.check.drift.dataset_drift)

    @property
    def fired(self) -> list[AlertOutcome]:
        return [a for a in self.alerts if a.status == "fired"]


class Monitor:
    """Checks batches against a reference, keeps the history and sends retraining webhooks.

    Parameters
    ----------
    config:
        The validated ``monitor:`` section.
    store:
        A ``Store`` (default: opened from ``config.store``).
    spec:
        The data contract of the batches (target, prediction, score, sensitive columns).
    model:
        A fitted model (or ``ModelAdapter``): adds feature-attribution drift (``attribution.ndcg``).
    options:
        Per-analyzer parameters (``analyzers:`` of ``rai.yaml``), e.g. ``{"drift": {"drift_share": 0.3}}``.
    transport, clock, sleep, rng, resolver, secret, environ:
        Seams for tests, passed to the ``WebhookSender``.
    """

    def __init__(
        self,
        config: MonitorConfig,
        *,
        store: Store | None = None,
        spec: DatasetSpec = DatasetSpec(),
        options: dict[str, dict[str, Any]] | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
        rng: random.Random | None = None,
        resolver: Resolver | None = None,
        secret: str | None = None,
        environ: dict[str, str] | None = None,
        seed: int = 0,
        model: Any = None,
    ) -> None:
        self.config = config
        self.model = model
        self.clock = clock or time.time
        self.store = store if store is not None else Store(config.store, clock=self.clock)
        self.spec = spec
        self.options = options or {}
        self.seed = seed
        self.sender = WebhookSender(
            self.store,
            endpoints={e.name: e for e in config.webhooks},
            policy=config.delivery,
            network=config.network,
            secret=secret,
            transport=transport,
            clock=self.clock,
            sleep=sleep,
            rng=rng,
            resolver=resolver,
            environ=environ,
        )

    def close(self) -> None:
        self.sender.close()

    def preflight(self) -> None:
        """Fail fast on what would block delivery later (a missing secret, a refused URL)."""
        from monitors._security import check_url

        if self.config.webhooks:
            self.sender._get_secret()
        for e in self.config.webhooks:
            check_url(e.url, self.config.network, endpoint=e.name, allow_insecure_http=e.allow_insecure_http,
                      resolver=self.sender.resolver, resolve=False)

    def check(
        self,
        current: pd.DataFrame,
        *,
        window: str,
        reference: pd.DataFrame | None = None,
        profile: Any = None,
        deliver: bool = True,
        max_wait: float | None = None,
        compute: Callable[[], CheckResult] | None = None,
        stop: Callable[[], bool] | None = None,
        current_sha256: str | None = None,
        child: Any = None,
    ) -> RunOutcome:
        """Check one batch for ``window``; skipped when that window was already run.

        ``compute`` replaces the analyzers (for tests and for callers that already hold
        the results); by default ``run_check`` runs the toolkit's analyzers. ``current_sha256``
        (the batch file's hash) spares hashing the table again. ``child``: a process started early
        for the multivariate checks (``rai._apart.Child.start``, as ``rai monitor run`` does),
        closed by the caller.
        """
        run_id = self.store.claim_window(self.config.name, window)
        if run_id is None:
            log.warning("window %r of monitor %r was already checked (or is being checked); skipped", window, self.config.name)
            report = self.deliver(max_wait=max_wait, stop=stop) if deliver else None
            return RunOutcome(window=window, run_id=None, skipped=True, check=None, alerts=[], delivery=report)
        started = self.clock()
        try:
            if compute is not None:
                result = compute()
            else:
                result = run_check(current, reference=reference, profile=profile, spec=self.spec,
                                   options=self.options, seed=self.seed, model=self.model, current_sha256=current_sha256,
                                   child=child, calibrations=self.store)
            outcomes = record_run(self.store, self.config, run_id=run_id, window=window, check=result, started_at=started)
        except BaseException as exc:
            self.store.fail_run(run_id, f"{type(exc).__name__}: {exc}")
            raise
        report = self.deliver(max_wait=max_wait, stop=stop) if deliver else None
        return RunOutcome(window=window, run_id=run_id, skipped=False, check=result, alerts=outcomes, delivery=report)

    def deliver(self, *, max_wait: float | None = None, stop: Callable[[], bool] | None = None) -> DeliveryReport:
        """Send what is due in the outbox, retrying for up to ``max_wait`` seconds."""
        return self.sender.drain(max_wait=max_wait, stop=stop)
