"""Time `rai demo` as a new user runs it: a fresh process in an empty folder, idle and beside a busy core.

    python benchmarks/bench_demo.py [--runs 3] [--python PYTHON]

Each run starts ``python -m rai.cli demo`` in a new empty folder and times the whole process
(wall, CPU = user + system, peak RSS from ``os.wait4``), first with nothing else started, then
with one spinning process holding a core (the "other core busy" case: on a 2-core machine the
demo's thread pools should shrink to the free core, not fight the spinner). The demo's own
progress lines (one per step, with its time) of the last run of each kind are printed, so the
figures say where the time goes. The load average is printed with every row: compare runs from
one call, not absolute times across machines.

By default the demo runs from this checkout with this interpreter, whose environment holds the
test extras too (PySpark, IPython, MLflow: shap's import loads some of them). ``--python`` runs the
``rai`` installed with another interpreter instead, such as a fresh virtualenv with what the
README's first command installs::

    python -m venv /tmp/user && /tmp/user/bin/pip install . && \
        python benchmarks/bench_demo.py --python /tmp/user/bin/python
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_commands import checkout_env, timed  # the same whole-process timing (this folder is on the path of a script)

SPIN = "import time\nprint('spinning', flush=True)\nwhile True: pass"


def run_demo(env: dict[str, str], python: str) -> tuple[float, float, float, str]:
    """(wall s, CPU s, peak RSS MB, progress lines) of one `rai demo` in a fresh folder."""
    with tempfile.TemporaryDirectory() as folder:
        wall, cpu, peak, code, err = timed([python, "-m", "rai.cli", "demo"], env, Path(folder))
    if code != 0:
        sys.exit(f"rai demo failed:\n{err[-2000:]}")
    return wall, cpu, peak, err


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--python", help="an interpreter with rai installed (default: this one, on this checkout)")
    args = parser.parse_args()
    if args.python is None:
        env, python = checkout_env(), sys.executable
    else:  # its own installed rai, not this checkout
        env, python = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, args.python
        where = subprocess.run([python, "-c", "import rai; print(rai.__file__)"], env=env, cwd=tempfile.gettempdir(),
                               capture_output=True, text=True, check=True).stdout.strip()
        print(f"rai from {where}")

    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f} at the start")
    print("\n| case | wall min | wall median | wall max | CPU median | peak RSS | load |\n|---|---:|---:|---:|---:|---:|---:|")
    medians: dict[str, float] = {}
    logs: dict[str, str] = {}
    for case in ("idle", "other core busy"):
        spinner = None
        if case != "idle":
            spinner = subprocess.Popen([sys.executable, "-c", SPIN], stdout=subprocess.PIPE, text=True)
            spinner.stdout.readline()  # it spins from here on
        try:
            runs = [run_demo(env, python) for _ in range(args.runs)]
        finally:
            if spinner is not None:
                spinner.kill()
                spinner.wait()
                spinner.stdout.close()
        walls = [r[0] for r in runs]
        medians[case] = statistics.median(walls)
        logs[case] = runs[-1][3]
        print(f"| {case} | {min(walls):.1f} s | {medians[case]:.1f} s | {max(walls):.1f} s "
              f"| {statistics.median(r[1] for r in runs):.1f} s | {max(r[2] for r in runs):,.0f} MB "
              f"| {os.getloadavg()[0]:.2f} |", flush=True)
    print(f"\nother core busy / idle (medians): {medians['other core busy'] / medians['idle']:.2f}x")
    for case, log in logs.items():
        print(f"\nprogress of the last run, {case}:")
        print("\n".join(f"  {line}" for line in log.splitlines() if line.strip()))


if __name__ == "__main__":
    main()
