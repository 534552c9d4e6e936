"""A costly analyzer computed in a child process, beside the others, when a core is free for it.

The causal analysis fits eight cross-fitted EconML models: about ten seconds of one core on the
demo, which threads barely shorten (scikit-learn's boosting holds the GIL between its OpenMP
regions). With a core free, a child process computes it while this one runs the other
analyzers; on a busy machine, or when its inputs cannot be pickled, it runs here as before.

The child is a fresh interpreter (``python -c``), not a fork: a fork after OpenMP has run can
hang the child (GNU libgomp is not fork-safe), and multiprocessing's spawn would re-import the
caller's ``__main__``, re-running a user's unguarded script. Inputs and result travel as
pickles over the child's stdin and stdout, between two processes of this same program.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

__all__ = ["start_apart", "result_of"]

_CHILD = "from rai._apart import _child_main; _child_main()"


def start_apart(analyzer: Any, data: Any) -> Future | None:
    """Start ``analyzer.compute(data)`` in a child process; ``None`` when it should run here instead."""
    from rai._threads import free_cores

    free = free_cores()
    if free < 2:
        return None
    try:
        payload = pickle.dumps((list(sys.path), pickle.dumps((analyzer, data), protocol=5)), protocol=5)
    except Exception:  # something unpicklable (a user's model object, a lambda): compute it here
        return None
    # the child's thread pools: the cores this process leaves it. Set before it starts, because
    # threadpoolctl cannot limit an OpenMP runtime that is not loaded yet
    threads = str(max(1, free - 1))
    env = {**os.environ, "OMP_NUM_THREADS": threads, "OPENBLAS_NUM_THREADS": threads, "MKL_NUM_THREADS": threads}
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rai-apart")
    future = pool.submit(_run_child, payload, env)
    pool.shutdown(wait=False)  # the thread ends with the child
    return future


def result_of(future: Future, analyzer: Any, data: Any) -> Any:
    """The child's result; its exception re-raised here; computed here if the child died without one."""
    outcome = future.result()
    if outcome is None:
        return analyzer.compute(data)
    kind, value = outcome
    if kind == "error":
        raise value
    return value


def _run_child(payload: bytes, env: dict[str, str]) -> tuple[str, Any] | None:
    # stderr is inherited: the child's warnings and log lines show as if it ran here
    proc = subprocess.run([sys.executable, "-c", _CHILD], input=payload, stdout=subprocess.PIPE, env=env, check=False)
    if proc.returncode != 0 or not proc.stdout:
        return None
    return pickle.loads(proc.stdout)


def _child_main() -> None:
    # stdout carries the result alone: anything printed on the way (Python or native code) goes to stderr
    result_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    path, inner = pickle.loads(sys.stdin.buffer.read())
    sys.path[:] = path  # the parent's, so the same rai and libraries are imported
    analyzer, data = pickle.loads(inner)
    try:
        outcome: tuple[str, Any] = ("ok", analyzer.compute(data))
    except Exception as exc:  # re-raised in the parent, which decides what it means
        outcome = ("error", exc)
    try:
        out = pickle.dumps(outcome, protocol=5)
    except Exception:  # an unpicklable exception: its text still says what went wrong
        out = pickle.dumps(("error", RuntimeError(f"{type(outcome[1]).__name__}: {outcome[1]}")), protocol=5)
    with os.fdopen(result_fd, "wb") as fh:
        fh.write(out)
