"""Progress of long CLI steps on stderr: live on a terminal, one line per finished step elsewhere.

A step is either opaque (:meth:`Progress.step`: a name, then its duration when the next step
starts) or counted (:meth:`Progress.advance`: the returned callback adds to a running count,
e.g. rows profiled so far). Three modes:

``"terminal"``  (stderr is a terminal) the running step is redrawn in place, at most five times a
                second, and each finished step is left as a line ``  ✓ name (1.5 s)``;
``"lines"``     (stderr is a file or a pipe, e.g. a CI log) one plain line per finished step,
                ``name: 1.5 s``, and nothing else, so a log shows where the time went;
``"off"``       (``--quiet``) nothing; the timings are still recorded.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, Literal, Self

import click

__all__ = ["Progress", "quiet_option"]

Mode = Literal["terminal", "lines", "off"]
_REDRAW_SECONDS = 0.2


def quiet_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``-q/--quiet``: no progress lines on stderr (results and errors are still printed)."""
    return click.option("-q", "--quiet", is_flag=True, help="No progress lines on stderr.")(command)


class Progress:
    """Shows each step with its duration on stderr (see the module docstring for the modes)."""

    def __init__(self, *, mode: Mode | None = None, quiet: bool = False,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        if mode is None:
            mode = "off" if quiet else "terminal" if sys.stderr.isatty() else "lines"
        self.mode: Mode = mode
        self._clock = clock
        self._name: str | None = None
        self._start = 0.0
        self._count: int | None = None
        self._unit = ""
        self._drawn = 0.0
        self.timings: dict[str, float] = {}
        self.counts: dict[str, int] = {}

    @property
    def live(self) -> bool:
        return self.mode == "terminal"

    def step(self, name: str) -> None:
        now = self._clock()
        self._finish(now)
        self._name = name
        self._start = now
        if self.live:
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
            if not self.live:
                return
            now = self._clock()
            if now - self._drawn >= _REDRAW_SECONDS:
                self._drawn = now
                rate = self._count / max(now - self._start, 1e-9)
                click.echo(f"\r  … {name}: {self._count:,} {unit} ({rate:,.0f}/s)", err=True, nl=False)

        return update

    def _finish(self, now: float | None = None, *, failed: bool = False) -> None:
        if self._name is None:
            return
        elapsed = (self._clock() if now is None else now) - self._start
        self.timings[self._name] = elapsed
        detail = ""
        if self._count is not None:
            self.counts[self._name] = self._count
            detail = f"{self._count:,} {self._unit}, "
        if failed:  # the error message says what happened; no tick for a step that did not finish
            if self.live:
                click.echo("\r\x1b[K", err=True, nl=False)
        elif self.live:
            click.echo(f"\r  ✓ {self._name} ({detail}{elapsed:.1f} s)\x1b[K", err=True)
        elif self.mode == "lines":
            click.echo(f"{self._name}: {detail}{elapsed:.1f} s", err=True)
        self._name = None
        self._count = None

    def close(self) -> None:
        self._finish()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self._finish(failed=exc_type is not None)
