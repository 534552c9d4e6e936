"""Cron schedules (parsed by ``croniter``) and the window a tick stands for.

Five fields are standard cron (minute hour day month weekday); a sixth, trailing field is
seconds (croniter's extension), handy for tests and demos: ``"* * * * * */5"`` ticks every
five seconds. Times are UTC.
"""

from __future__ import annotations

import datetime as dt

from rai._exceptions import ConfigError

__all__ = ["validate_cron", "next_tick", "previous_tick", "window_label"]


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
