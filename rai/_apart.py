"""Costly work computed in a child process, beside this one's, when a core is free for it.

The causal analysis fits eight cross-fitted EconML models: about ten seconds of one core on the
demo, which threads barely shorten (scikit-learn's boosting holds the GIL between its OpenMP
regions). With a core free, a child process computes it while this one runs the other
analyzers; on a busy machine, or when the inputs cannot be pickled, it runs here as before. A
child is started early and imports its libraries while this process still reads and validates
the inputs; the work is sent when it is known.

The child is a fresh interpreter (``python -c``), not a fork: a fork after OpenMP has run can
hang the child (GNU libgomp is not fork-safe), and multiprocessing's spawn would re-import the
caller's ``__main__``, re-running a user's unguarded script. The call and its result travel as
pickles over the child's stdin and stdout, between two processes of this same program.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

__all__ = ["Child", "start_apart", "result_of", "compute"]

_CHILD = "import sys; from rai._apart import _child_main; _child_main(sys.argv[1:])"


class Child:
    """A fresh interpreter that imports ``preload`` at once, then makes the one call it is sent."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self._proc = proc

    @classmethod
    def start(cls, preload: Sequence[str] = ()) -> Child | None:
        """A child with the cores this process leaves it; ``None`` when no core is free for one."""
        from rai._threads import free_cores

        free = free_cores()
        if free < 2:
            return None
        # its thread pools sized before it starts: threadpoolctl cannot limit an OpenMP runtime
        # that is not loaded yet
        threads = str(max(1, free - 1))
        env = {**os.environ, "OMP_NUM_THREADS": threads, "OPENBLAS_NUM_THREADS": threads, "MKL_NUM_THREADS": threads,
               "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}  # the same rai and libraries as here
        # stderr is inherited: the child's warnings and log lines show as if it ran here. A session
        # of its own: Ctrl-C reaches this process only, which then stops the child (close)
        proc = subprocess.Popen([sys.executable, "-c", _CHILD, *preload], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, env=env, start_new_session=True)
        return cls(proc)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future | None:
        """``fn(*args)`` computed in the child; ``None`` (and the child closed) if they cannot be pickled."""
        try:
            payload = pickle.dumps((fn, args), protocol=5)
        except Exception:  # something unpicklable (a user's object, a lambda): the caller computes it
            self.close()
            return None
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rai-apart")
        future = pool.submit(self._exchange, payload)
        pool.shutdown(wait=False)  # the thread ends with the child
        return future

    def close(self) -> None:
        """Stop the child if it still runs: it was sent nothing, or this process gave up waiting for it."""
        if self._proc.poll() is None:
            self._proc.kill()
            if self._proc.stdin is not None and not self._proc.stdin.closed:
                self._exchange(b"")  # reaps it and closes the pipes

    def _exchange(self, payload: bytes) -> tuple[str, Any] | None:
        try:
            out, _ = self._proc.communicate(payload)
        except (OSError, ValueError):  # the child is gone
            return None
        if self._proc.returncode != 0 or not out:
            return None
        return pickle.loads(out)


def compute(analyzer: Any, data: Any) -> Any:
    """``analyzer.compute(data)``: what a child is sent for an analyzer."""
    return analyzer.compute(data)


def start_apart(analyzer: Any, data: Any, child: Child | None = None) -> Future | None:
    """Start ``analyzer.compute(data)`` in ``child`` (or a new one); ``None`` when it should run here."""
    child = child or Child.start()
    return None if child is None else child.submit(compute, analyzer, data)


def result_of(future: Future, fn: Callable[..., Any], *args: Any) -> Any:
    """The child's result; its exception re-raised here; ``fn(*args)`` here if the child died without one."""
    outcome = future.result()
    if outcome is None:
        return fn(*args)
    kind, value = outcome
    if kind == "error":
        raise value
    return value


def _child_main(preload: list[str]) -> None:
    # stdout carries the result alone: anything printed on the way (Python or native code) goes to stderr
    result_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    for module in preload:  # while the parent still prepares the work
        try:
            __import__(module)
        except Exception:  # the call itself will say what is missing
            pass
    message = sys.stdin.buffer.read()
    if not message:  # the parent ended without sending work
        return
    fn, args = pickle.loads(message)
    try:
        outcome: tuple[str, Any] = ("ok", fn(*args))
    except Exception as exc:  # re-raised in the parent, which decides what it means
        outcome = ("error", exc)
    try:
        out = pickle.dumps(outcome, protocol=5)
    except Exception:  # an unpicklable exception: its text still says what went wrong
        out = pickle.dumps(("error", RuntimeError(f"{type(outcome[1]).__name__}: {outcome[1]}")), protocol=5)
    with os.fdopen(result_fd, "wb") as fh:
        fh.write(out)
    # done: skip the interpreter's teardown (unloading scikit-learn, EconML, their thread pools),
    # which the parent would wait for; nothing here holds files or temporary folders to clean up
    sys.stderr.flush()
    os._exit(0)
