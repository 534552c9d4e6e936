"""Thread counts that follow the free cores of the machine, read at the start of each heavy step.

OpenMP and BLAS start one thread per core whatever else runs. On a busy machine those threads
wait (spinning) for cores other processes hold, so a step runs several times slower than on
the cores actually free: training the demo model took 62 s at a load of 4 on 2 cores, against
under 4 s idle.

The cores busy with other work are measured, not guessed: on Linux, the CPU time spent on the
CPUs this process may use (``/proc/stat``) minus this process's own, over the time since the
previous reading (the CLI takes the first as it starts; without one, over a short pause). In a
container with a CPU quota the cores are the quota's (``rai._cpu``), and the CPU time its other
processes spent counts against it. The one-minute load average, the fallback elsewhere, lags a
minute behind and counts this process's own work of the last minute.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

__all__ = ["free_cores", "busy_cores", "start_measuring", "limit_threads", "single_threaded", "map_on_free_cores"]

T = TypeVar("T")

#: (wall clock, CPU seconds spent on the CPUs this process may use, this process's CPU seconds,
#: CPU seconds of the cgroup holding its quota or None)
_Sample = tuple[float, float, float, "float | None"]

#: Shortest window a reading is taken over: /proc/stat counts in ticks of 10 ms.
MIN_WINDOW = 0.1

_lock = threading.Lock()
_previous: _Sample | None = None
_last: float | None = None  # the cores busy at the previous reading


def free_cores(*, load: float | None = None, cores: int | None = None) -> int:
    """Cores not busy with other work (at least 1).

    ``load``, the cores busy with other work, is measured when not given (``busy_cores``).
    """
    if cores is None:
        from rai._cpu import usable_cores

        cores = usable_cores()
    if load is None:
        load = busy_cores(cores)
        if load is None:
            return cores
    # a core counts as free when less than half of it is taken
    return max(1, min(cores, math.floor(cores - load + 0.5)))


def busy_cores(cores: int | None = None) -> float | None:
    """Cores' worth of CPU used by other processes lately, out of the usable ones; ``None`` when it
    cannot be told.

    With a CPU quota, the quota's cores less the other processes of its cgroup, or the CPUs less
    the other processes on them, whichever leaves fewer cores free.
    """
    global _previous, _last
    from rai._cpu import allowed_cpus, cpu_quota, usable_cores

    sample = _sample()
    if sample is None:
        return _load_average(cores or usable_cores())
    with _lock:
        before = _previous
        if before is None or sample[0] - before[0] < MIN_WINDOW:
            if before is not None and _last is not None:  # measured moments ago: nothing new to see
                return _last
            before = before or sample
            time.sleep(MIN_WINDOW - (sample[0] - before[0]))  # a first window, over a short pause
            sample = _sample() or sample
        _previous = sample
        wall = sample[0] - before[0]
        if wall <= 0:
            _last = 0.0
            return _last
        own = sample[2] - before[2]
        free = len(allowed_cpus()) - max(0.0, (sample[1] - before[1]) - own) / wall
        quota = cpu_quota()
        if quota is not None:
            in_cgroup = None if sample[3] is None or before[3] is None else sample[3] - before[3]
            others = 0.0 if in_cgroup is None else max(0.0, in_cgroup - own) / wall
            free = min(free, quota[0] - others)
        _last = max(0.0, usable_cores() - free)
        return _last


def start_measuring() -> None:
    """Take the first reading now, so the first ``busy_cores`` measures the time since, without a pause."""
    global _previous
    with _lock:
        if _previous is None:
            _previous = _sample()


def _sample() -> _Sample | None:
    """(wall clock, CPU seconds spent on the CPUs this process may use, its own, its quota cgroup's) now."""
    from rai._cpu import allowed_cpus, cgroup_usage, cpu_quota

    allowed = {f"cpu{i}".encode() for i in allowed_cpus()}
    try:
        with open("/proc/stat", "rb") as fh:
            lines = [line.split() for line in fh if line.startswith(b"cpu") and not line.startswith(b"cpu ")]
        hz = os.sysconf("SC_CLK_TCK")
        # user nice system [idle iowait] irq softirq steal: the time not spent idle
        busy = sum(int(f[i]) for f in lines if f[0] in allowed for i in (1, 2, 3, 6, 7, 8) if i < len(f)) / hz
    except (OSError, ValueError, IndexError):
        return None
    if not lines:
        return None
    quota = cpu_quota()
    own = time.process_time()
    return time.monotonic(), busy, own, None if quota is None else cgroup_usage(quota[1])


def _load_average(cores: int) -> float | None:
    """The one-minute load average (it includes this process's own recent work)."""
    try:
        load = os.getloadavg()[0]
    except OSError:  # no load average on this platform: assume the machine is ours
        return None
    return min(float(cores), load)


@contextlib.contextmanager
def limit_threads(n: int | None = None, *, user_api: str | None = None) -> Iterator[int]:
    """OpenMP / BLAS thread pools limited to ``n`` (default: the free cores) inside the block.

    ``user_api`` ("openmp" or "blas") limits only those pools (threadpoolctl's argument).
    """
    from threadpoolctl import threadpool_limits

    n = free_cores() if n is None else n
    with threadpool_limits(limits=n, user_api=user_api):
        yield n


@contextlib.contextmanager
def single_threaded() -> Iterator[None]:
    """Run OpenMP / BLAS code on one thread.

    Explainers call the model on many small batches; with the default thread count each call
    pays OpenMP start-up and, on a busy machine, spin-waiting (a 2,000-row HistGradientBoosting
    predict measured 0.58 s on 2 threads against 0.013 s on one, under load).
    """
    with limit_threads(1):
        yield


def map_on_free_cores(fn: Callable[..., T], jobs: Sequence[tuple[Any, ...]]) -> list[T]:
    """``[fn(*job) for job in jobs]``, the jobs run side by side on the free cores, each on one thread.

    For independent model fits whose inner loops release the GIL (scikit-learn's boosted trees,
    NumPy): one Python thread per free core, each with one OpenMP thread, scales better than
    one fit at a time on all cores, whose OpenMP regions are short. The results are in job order
    and do not depend on the number of threads.
    """
    from concurrent.futures import ThreadPoolExecutor

    workers = min(len(jobs), free_cores())
    # BLAS thread counts are process-wide: set once here, not from the workers (their restores would race)
    with single_threaded():
        if workers <= 1:
            return [fn(*job) for job in jobs]

        def run(job: tuple[Any, ...]) -> T:
            # OpenMP's thread count is per calling thread: a new thread starts at the default (all cores)
            with limit_threads(1, user_api="openmp"):
                return fn(*job)

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rai-fit") as pool:
            return list(pool.map(run, jobs))
