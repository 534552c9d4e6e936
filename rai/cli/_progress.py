"""Progress display for long CLI steps: one line per step on a terminal, silent otherwise.

A step is either opaque (:meth:`Progress.step`: a name, then its duration when the next step
starts) or counted (:meth:`Progress.advance`: the returned callback adds to a running count,
redrawn in place at most five times a second, e.g. rows profiled so far). Nothing is written
when stderr is not a terminal, so logs and pipes stay clean.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Self

import click

__all__ = ["Progress"]

_REDRAW_SECONDS = 0.2


class Progress:
    """Shows each step with its duration on stderr when it is a terminal (or when forced)."""

    def __init__(self, *, enabled: bool | None = None, clock: Callable[[], float] = time.perf_counter) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._clock = clock
        self._name: str | None = None
        self._start = 0.0
        self._count: int | None = None
        self._unit = ""
        self._drawn = 0.0
        self.timings: dict[str, float] = {}
        self.counts: dict[str, int] = {}

    def step(self, name: str) -> None:
        now = self._clock()
        self._finish(now)
        self._name = name
        self._start = now
        if self.enabled:
            click.echo(f"  … {name}", err=True, nl=False)
            click.echo("\r", err=True, nl=False)

    def advance(self, name: str, *, unit: str = "rows") -> Callable[[int], None]:
        """Start a counted step; call the returned function with each increment (e.g. a chunk's rows)."""
        self.step(name)
        self._count, self._unit, self._drawn = 0, unit, self._start

        def update(n: int) -> None:
            if self._name != name or self._count is None:
                return
            self._count += int(n)
            now = self._clock()
            if self.enabled and now - self._drawn >= _REDRAW_SECONDS:
                self._drawn = now
                rate = self._count / max(now - self._start, 1e-9)
                click.echo(f"\r  … {name}: {self._count:,} {unit} ({rate:,.0f}/s)", err=True, nl=False)

        return update

    def _finish(self, now: float | None = None) -> None:
        if self._name is None:
            return
        elapsed = (self._clock() if now is None else now) - self._start
        self.timings[self._name] = elapsed
        detail = ""
        if self._count is not None:
            self.counts[self._name] = self._count
            detail = f"{self._count:,} {self._unit}, "
        if self.enabled:
            click.echo(f"\r  ✓ {self._name} ({detail}{elapsed:.1f} s)\x1b[K", err=True)
        self._name = None
        self._count = None

    def close(self) -> None:
        self._finish()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
