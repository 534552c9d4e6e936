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
