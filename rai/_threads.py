"""Thread counts that follow the free cores of the machine, read at the start of each heavy step.

OpenMP and BLAS start one thread per core whatever else runs. On a busy machine those threads
wait (spinning) for cores other processes hold, so a step runs several times slower than on
the cores actually free: training the demo model took 62 s at a load of 4 on 2 cores, against
under 4 s idle. The one-minute load average minus this process's own share is the best cheap
estimate of the cores taken by others.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator

__all__ = ["free_cores", "limit_threads"]


def free_cores(*, load: float | None = None, cores: int | None = None) -> int:
    """Cores not busy with other work (at least 1): ``cpu_count - load average``, rounded."""
    cores = cores or os.cpu_count() or 1
    if load is None:
        try:
            load = os.getloadavg()[0]
        except OSError:  # no load average on this platform: assume the machine is ours
            return cores
    # half a core of the load is taken to be this process's own (the average lags a minute behind)
    return max(1, min(cores, math.floor(cores - load + 0.5)))


@contextlib.contextmanager
def limit_threads(n: int | None = None, *, user_api: str | None = None) -> Iterator[int]:
    """OpenMP / BLAS thread pools limited to ``n`` (default: the free cores) inside the block.

    ``user_api`` ("openmp" or "blas") limits only those pools (threadpoolctl's argument).
    """
    from threadpoolctl import threadpool_limits

    n = free_cores() if n is None else n
    with threadpool_limits(limits=n, user_api=user_api):
        yield n
