"""Cron schedules (parsed by ``croniter``) and the window a tick stands for.

Five fields are standard cron (minute hour day month weekday); a sixth, trailing field is
seconds (croniter's extension), handy for tests and demos: ``"* * * * * */5"`` ticks every
five seconds. Times are UTC.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from rai._exceptions import ConfigError

__all__ = ["validate_cron", "next_tick", "previous_tick", "window_label", "serve"]

log = logging.getLogger(__name__)


def validate_cron(expr: str, where: str = "schedule") -> str:
    from croniter import croniter

    if not croniter.is_valid(expr):
        raise ConfigError(
            f"{where} must be a cron expression such as '0 * * * *' (hourly) or '30 2 * * *' (02:30 daily); "
            f"got {expr!r}."
        )
    return expr


def next_tick(expr: str, after: float) -> float:
    """Epoch seconds of the first tick strictly after ``after``."""
    from croniter import croniter

    start = dt.datetime.fromtimestamp(after, tz=dt.timezone.utc)
    return float(croniter(expr, start).get_next(float))


def previous_tick(expr: str, at: float) -> float:
    """Epoch seconds of the latest tick at or before ``at``."""
    from croniter import croniter

    start = dt.datetime.fromtimestamp(at, tz=dt.timezone.utc)
    it = croniter(expr, start + dt.timedelta(microseconds=1))
    return float(it.get_prev(float))


def window_label(tick: float) -> str:
    """The window a scheduled tick checks, as an ISO-8601 UTC time (``2026-11-23T17:00:00Z``)."""
    return dt.datetime.fromtimestamp(tick, tz=dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def serve(
    monitor: Any,
    *,
    schedule: str,
    load_current: Callable[[float], Any],
    reference: Any = None,
    profile: Any = None,
    stop: threading.Event,
    clock: Callable[[], float] = time.time,
    max_ticks: int | None = None,
) -> int:
    """Run ``monitor`` on the cron ``schedule`` until ``stop`` is set; return the ticks run.

    Pending deliveries are sent at start-up and after every tick. A stop request during a
    check lets it finish (and commit); retries waiting for their backoff are left in the
    outbox for the next start.
    """
    from rai._exceptions import UserInputError

    ticks = 0
    monitor.deliver(max_wait=0, stop=stop.is_set)
    while not stop.is_set() and (max_ticks is None or ticks < max_ticks):
        tick = next_tick(schedule, clock())
        log.info("next check at %s", window_label(tick))
        if stop.wait(timeout=max(0.0, tick - clock())):
            break
        window = window_label(tick)
        ticks += 1
        try:
            current = load_current(tick)
            out = monitor.check(current, window=window, reference=reference, profile=profile, stop=stop.is_set)
            log.warning("window %s: %s", window, "skipped (already checked)" if out.skipped else
                        f"dataset drift {'yes' if out.drift else 'no'}, {len(out.fired)} alert(s) fired")
        except UserInputError as exc:
            log.error("window %s: check failed: %s", window, exc)
        monitor.deliver(max_wait=0, stop=stop.is_set)
    return ticks
