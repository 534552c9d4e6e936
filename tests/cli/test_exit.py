"""The ``rai`` program's exit: the code, the output, threads and exit handlers as in a normal exit."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

PROGRAM = textwrap.dedent("""
    import atexit, sys, threading, time
    from pathlib import Path

    out = Path(sys.argv[1])
    atexit.register(lambda: out.with_suffix(".handler").write_text("ran"))

    def late():  # a thread that is not a daemon: the exit waits for it
        time.sleep(0.3)
        out.with_suffix(".thread").write_text("done")

    threading.Thread(target=late).start()
    sys.argv = ["rai", *sys.argv[2:]]
    from rai.cli import run
    run()
    raise AssertionError("run() returned")
""")


@pytest.mark.parametrize(("args", "code", "stream", "text"), [
    (["schema", "--help"], 0, "stdout", "Usage: rai schema"),
    (["no-such-command"], 2, "stderr", "No such command 'no-such-command'"),
    (["gate", "--assessment", "missing.json"], 2, "stderr", "missing.json"),
])
def test_run_exits_with_the_code_after_threads_and_handlers(tmp_path, args, code, stream, text):
    proc = subprocess.run([sys.executable, "-c", PROGRAM, str(tmp_path / "mark"), *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == code, proc.stderr
    assert text in getattr(proc, stream)
    assert "run() returned" not in proc.stderr
    assert (tmp_path / "mark.thread").read_text() == "done"
    assert (tmp_path / "mark.handler").read_text() == "ran"
