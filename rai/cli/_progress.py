"""Progress display for long CLI steps: one line per step on a terminal, silent otherwise."""

from __future__ import annotations

import sys
import time

import click

__all__ = ["Progress"]


class Progress:
    """Shows each step with its duration on stderr when it is a terminal (or when forced)."""

    def __init__(self, *, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._name: str | None = None
        self._start = 0.0
        self.timings: dict[str, float] = {}

    def step(self, name: str) -> None:
        self._finish()
        self._name = name
        self._start = time.perf_counter()
        if self.enabled:
            click.echo(f"  … {name}", err=True, nl=False)
            click.echo("\r", err=True, nl=False)

    def _finish(self) -> None:
        if self._name is None:
            return
        elapsed = time.perf_counter() - self._start
        self.timings[self._name] = elapsed
        if self.enabled:
            click.echo(f"  ✓ {self._name} ({elapsed:.1f} s)", err=True)
        self._name = None

    def close(self) -> None:
        self._finish()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
