"""The CLI's progress display: golden output on a terminal, one line per step off one, none with --quiet."""

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
    with Progress(mode="terminal", clock=_clock([0.0, 1.5, 1.6, 1.75, 2.0, 4.5])) as progress:
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


def test_one_plain_line_per_finished_step_when_not_a_terminal(capsys):
    progress = Progress(clock=_clock([0.0, 2.0, 2.5, 9.5]))  # pytest's stderr is not a tty
    assert progress.mode == "lines"
    progress.step("reading current.parquet")
    update = progress.advance("profiling")
    update(10)  # no running count off a terminal: it would flood a CI log
    update(5)
    progress.step("drift")
    progress.close()
    assert capsys.readouterr().err == (
        "reading current.parquet: 2.0 s\n"
        "profiling: 15 rows, 0.5 s\n"
        "drift: 7.0 s\n"
    )
    assert progress.counts == {"profiling": 15}


def test_quiet_prints_nothing_but_still_times(capsys):
    progress = Progress(quiet=True, clock=_ticks())
    assert progress.mode == "off"
    update = progress.advance("profiling")
    update(10)
    progress.close()
    assert capsys.readouterr().err == ""
    assert progress.counts == {"profiling": 10}
    assert progress.timings == {"profiling": 1.0}


def test_a_step_that_raised_gets_no_line(capsys):
    try:
        with Progress(clock=_ticks()) as progress:
            progress.step("reading")
            progress.step("drift")
            raise ValueError("boom")
    except ValueError:
        pass
    assert capsys.readouterr().err == "reading: 1.0 s\n"


def test_an_update_after_its_step_ended_is_ignored():
    progress = Progress(mode="off", clock=_ticks())
    update = progress.advance("profiling")
    progress.step("writing")
    update(5)
    progress.close()
    assert progress.counts == {"profiling": 0}
