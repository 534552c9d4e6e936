"""The CLI's progress display: golden output on a terminal, nothing when stderr is not one."""

from __future__ import annotations

import itertools

from rai.cli._progress import Progress


def _ticks():
    count = itertools.count()
    return lambda: float(next(count))


def _clock(times):
    it = iter(times)
    return lambda: next(it)


def test_steps_and_counted_steps_render_on_a_terminal(capsys):
    # clock reads: first step, second step (ends the first), three updates, close
    with Progress(enabled=True, clock=_clock([0.0, 1.5, 1.6, 1.75, 2.0, 4.5])) as progress:
        progress.step("checking the data contract")
        update = progress.advance("profiling", unit="rows")
        update(250_000)  # 0.1 s after the start: not redrawn yet (at most five times a second)
        update(250_000)  # 0.25 s: redrawn
        update(100_000)  # 0.5 s: redrawn
    err = capsys.readouterr().err  # click drops the clear-to-end-of-line code off a terminal
    assert err == (
        "  … checking the data contract\r"
        "\r  ✓ checking the data contract (1.5 s)\n"
        "  … profiling\r"
        "\r  … profiling: 500,000 rows (2,000,000/s)"
        "\r  … profiling: 600,000 rows (1,200,000/s)"
        "\r  ✓ profiling (600,000 rows, 3.0 s)\n"
    )
    assert progress.counts == {"profiling": 600_000}
    assert progress.timings == {"checking the data contract": 1.5, "profiling": 3.0}


def test_silent_when_not_a_terminal_but_still_timed(capsys):
    progress = Progress(clock=_ticks())  # pytest's stderr is not a tty
    assert progress.enabled is False
    update = progress.advance("profiling")
    update(10)
    progress.close()
    assert capsys.readouterr().err == ""
    assert progress.counts == {"profiling": 10}


def test_an_update_after_its_step_ended_is_ignored():
    progress = Progress(enabled=False, clock=_ticks())
    update = progress.advance("profiling")
    progress.step("writing")
    update(5)
    progress.close()
    assert progress.counts == {"profiling": 0}
