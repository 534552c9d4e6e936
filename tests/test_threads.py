"""Thread counts follow the free cores: the load average of other work leaves fewer threads."""

from __future__ import annotations

import pytest

from rai._threads import free_cores, limit_threads


@pytest.mark.parametrize(("load", "cores", "expected"), [
    (0.0, 2, 2),    # idle
    (0.4, 2, 2),    # this process's own share of the load
    (1.0, 2, 1),    # the other core busy
    (1.6, 2, 1),
    (9.0, 2, 1),    # overloaded: still one thread
    (3.0, 8, 5),
])
def test_free_cores_from_the_load_average(load, cores, expected):
    assert free_cores(load=load, cores=cores) == expected


def test_limit_threads_caps_the_openmp_and_blas_pools():
    from threadpoolctl import threadpool_info

    import numpy  # noqa: F401  (loads its BLAS, so there is a pool to cap)

    with limit_threads(1) as n:
        assert n == 1
        assert all(pool["num_threads"] == 1 for pool in threadpool_info())


def test_busy_cores_counts_other_processes_and_not_this_one(monkeypatch):
    import rai._threads as threads

    # (wall, machine CPU seconds, own CPU seconds): in 1 s the machine spent 1.8 s, 0.9 s of it ours
    samples = iter([(100.0, 50.0, 10.0), (101.0, 51.8, 10.9)])
    monkeypatch.setattr(threads, "_previous", None)
    monkeypatch.setattr(threads, "_last", None)
    monkeypatch.setattr(threads, "_sample", lambda: next(samples))
    monkeypatch.setattr(threads.time, "sleep", lambda _s: None)
    assert threads.busy_cores(2) == pytest.approx(0.9)
    assert threads.free_cores(load=0.9, cores=2) == 1


def test_busy_cores_sees_a_spinning_process():
    import subprocess
    import sys
    import time

    from rai._threads import busy_cores

    spin = "import time\nprint('spinning', flush=True)\nt = time.monotonic()\nwhile time.monotonic() - t < 60: pass"
    spinner = subprocess.Popen([sys.executable, "-c", spin], stdout=subprocess.PIPE, text=True)
    try:
        assert spinner.stdout.readline().strip() == "spinning"  # the event: it runs from here on
        busy_cores()
        time.sleep(0.5)  # the window measured, while this process sleeps
        # the spinner holds a whole core; whatever else the machine runs only adds to it
        assert busy_cores() >= 0.7
    finally:
        spinner.kill()
        spinner.wait()
        spinner.stdout.close()


def test_a_reading_moments_after_the_last_is_reused_without_a_pause(monkeypatch):
    import rai._threads as threads

    # the first reading at start (as the CLI takes it), then one after 2 s, then one 10 ms later
    samples = iter([(100.0, 50.0, 10.0), (102.0, 52.0, 11.0), (102.01, 52.02, 11.0)])
    monkeypatch.setattr(threads, "_previous", None)
    monkeypatch.setattr(threads, "_last", None)
    monkeypatch.setattr(threads, "_sample", lambda: next(samples))

    def no_pause(_s):
        raise AssertionError("busy_cores paused although it had a reading")

    monkeypatch.setattr(threads.time, "sleep", no_pause)
    threads.start_measuring()
    assert threads.busy_cores(2) == pytest.approx(0.5)  # (2.0 - 1.0) s of others' CPU over 2 s
    assert threads.busy_cores(2) == pytest.approx(0.5)  # 10 ms later: the same figure, no pause
