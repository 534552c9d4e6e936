"""Time whole commands, as a user runs them: fresh processes, min / median / max, peak RSS.

    python benchmarks/bench_commands.py [--rows 1000000] [--runs 3] [--keep DIR] [--skip-evidently] [--skip-model]

Generates a reference and a current Parquet file of N rows x 25 columns (20 numeric, 5
categorical; drift planted in 4 columns of the current one) into a temporary folder (or
``--keep DIR``, reused when present), then times, in one run and each in a fresh process:

* the floor: read both Parquet files with pyarrow and sha256 their bytes;
* ``rai assess --data cur --reference ref`` (data only: drift and quality) and ``--only drift``;
* ``rai monitor run --reference ref --current cur`` (a new SQLite store each run), and the same as a
  later scheduled check: a store that already holds one check against this reference (untimed),
  a new window each run;
* evidently 0.7's ``DataDriftPreset``, a small script reading both files with pandas;
* ``rai assess`` with the demo model on the full bundled ACS data (2016-2018 against 2015), the
  model trained once beforehand and saved as .skops (``--skip-model`` leaves this out).

Peak RSS is the child's ``ru_maxrss`` and CPU its user + system time, from ``os.wait4`` (the
process itself, its imports included; CPU time moves less than wall time with the load). The load average is printed before and after: compare ratios from one run, not
absolute times across runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOOR = """
import hashlib, sys
import pyarrow.parquet as pq
for path in sys.argv[1:]:
    pq.read_table(path)
    h = hashlib.sha256()
    with open(path, 'rb') as fh:
        for block in iter(lambda: fh.read(1 << 20), b''):
            h.update(block)
"""

EVIDENTLY = """
import sys, warnings
warnings.simplefilter('ignore')
import pandas as pd
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset
ref, cur = pd.read_parquet(sys.argv[1]), pd.read_parquet(sys.argv[2])
numeric = [c for c in ref.columns if c.startswith(('num', 'int'))]
categorical = [c for c in ref.columns if c.startswith('cat')]
definition = DataDefinition(numerical_columns=numeric, categorical_columns=categorical)
snapshot = Report([DataDriftPreset()]).run(Dataset.from_pandas(cur, data_definition=definition),
                                          Dataset.from_pandas(ref, data_definition=definition))
snapshot.dict()
"""

DEMO_MODEL = """
import sys
import skops.io as sio
from rai._demo import train_demo_model
from rai.datasets import load_acs_employment
sio.dump(train_demo_model(load_acs_employment(2015)), sys.argv[1])
"""

ACS_TABLES = """
import sys
from rai.datasets import load_acs_employment
drop = ["prediction", "predicted_probability"]
load_acs_employment(2015).drop(columns=drop).to_parquet(sys.argv[1], index=False)
load_acs_employment([2016, 2017, 2018]).drop(columns=drop).to_parquet(sys.argv[2], index=False)
"""


LATER = "rai monitor run, a later check (same reference and store)"


def make_tables(folder: Path, rows: int) -> tuple[Path, Path]:
    import numpy as np
    import pandas as pd

    ref_path, cur_path = folder / "reference.parquet", folder / "current.parquet"
    if ref_path.exists() and cur_path.exists():
        return ref_path, cur_path
    for path, seed, drift in ((ref_path, 1, False), (cur_path, 2, True)):
        rng = np.random.default_rng(seed)
        cols: dict[str, object] = {}
        for i in range(15):
            cols[f"num{i}"] = rng.normal(i + (0.3 if drift and i < 2 else 0.0), 1 + i / 10, rows)
        for i in range(5):
            cols[f"int{i}"] = rng.integers(0, 20 + 15 * i, rows) + (5 if drift and i == 0 else 0)
        for i in range(5):
            k = 2 + 4 * i
            p = np.arange(1, k + 1, dtype=float)[::-1]
            p = p[::-1] if drift and i == 1 else p
            cols[f"cat{i}"] = np.array([f"v{j}" for j in range(k)], dtype=object)[rng.choice(k, rows, p=p / p.sum())]
        pd.DataFrame(cols).to_parquet(path, index=False, row_group_size=250_000)
    return ref_path, cur_path


def checkout_env() -> dict[str, str]:
    """The environment a timed process runs in: this checkout first on the path, its bytecode compiled.

    ``pip install`` compiles a package's bytecode; a checkout run with PYTHONDONTWRITEBYTECODE set
    would otherwise compile every rai module again in every timed process (0.2 s for
    ``rai assess``, more for ``rai demo``), a cost no installed user pays.
    """
    import compileall

    root = Path(__file__).resolve().parents[1]
    for package in ("rai", "monitors"):
        compileall.compile_dir(root / package, quiet=1)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(root), env.get("PYTHONPATH", "")])
    return env


def timed(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, float, int, str]:
    """(wall seconds, CPU seconds, peak RSS in MB, exit code, standard error) of one fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read().decode(errors="replace")  # read while it runs: a full pipe would block it
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(argv)} failed with exit {proc.returncode}:\n{err[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode, err


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3, help="Fresh processes per command (evidently: one).")
    parser.add_argument("--keep", type=Path, help="Folder for the generated data (reused when present).")
    parser.add_argument("--skip-evidently", action="store_true")
    parser.add_argument("--skip-model", action="store_true", help="Leave out `rai assess` with the demo model on ACS.")
    parser.add_argument("--only-model", action="store_true", help="Only `rai assess` with the demo model (and the floor).")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    folder = args.keep or Path(tmp.name)
    folder.mkdir(parents=True, exist_ok=True)
    env = checkout_env()
    py = sys.executable
    rai = [py, "-m", "rai.cli"]

    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f} at the start; generating {args.rows:,} rows x 25 ...")
    ref, cur = make_tables(folder, args.rows)
    out = folder / "out"
    commands: list[tuple[str, list[str], int]] = [
        ("floor: pyarrow read + sha256 of both files", [py, "-c", FLOOR, str(ref), str(cur)], args.runs),
        ("rai assess (data only: drift + quality)", rai + ["assess", "--data", str(cur), "--reference", str(ref), "--out", str(out)], args.runs),
        ("rai assess --only drift", rai + ["assess", "--data", str(cur), "--reference", str(ref), "--only", "drift", "--out", str(out)], args.runs),
        ("rai monitor run", rai + ["monitor", "run", "--reference", str(ref), "--current", str(cur), "--store", "sqlite:///{db}"], args.runs),
        # a scheduled check: the store already holds a check against this reference (its calibration kept)
        (LATER, rai + ["monitor", "run", "--reference", str(ref), "--current", str(cur), "--store",
                       f"sqlite:///{folder / 'kept.db'}", "--window", "later-{ns}"], args.runs),
    ]
    if args.only_model:
        commands = commands[:1]
    if not args.skip_evidently and not args.only_model:
        commands.append(("peer: evidently 0.7 DataDriftPreset, whole script", [py, "-c", EVIDENTLY, str(ref), str(cur)], 1))
    if not args.skip_model:
        model, acs_ref, acs_cur = folder / "demo_model.skops", folder / "acs_2015.parquet", folder / "acs_2016_2018.parquet"
        if not model.exists():
            subprocess.run([py, "-c", DEMO_MODEL, str(model)], env=env, check=True)
        if not acs_cur.exists():
            subprocess.run([py, "-c", ACS_TABLES, str(acs_ref), str(acs_cur)], env=env, check=True)
        commands.append(("rai assess --model (demo model, ACS 208,892 rows)", rai + [
            "assess", "--data", str(acs_cur), "--reference", str(acs_ref), "--model", str(model),
            "--target", "employed", "--sensitive", "SEX,RAC1P", "--id", "id", "--exclude", "year",
            "--positive-label", "1", "--trust-model", "--out", str(out)], args.runs))  # our own file

    (folder / "kept.db").unlink(missing_ok=True)
    if not args.only_model:  # the earlier check of the later ones, untimed
        timed([a.replace("{ns}", "first") for a in commands[4][1]], env, folder)
    results: dict[str, tuple[list[float], list[float]]] = {}
    print(f"\n| command (whole process) | min | median | max | CPU (median) | peak RSS | load |\n"
          f"|---|---:|---:|---:|---:|---:|---:|")
    for label, argv, runs in commands:
        walls, cpus, peaks = [], [], []
        for i in range(runs):
            db = folder / f"monitor-{time.time_ns()}.db"
            wall, cpu, peak, _, _ = timed([a.replace("{db}", str(db)).replace("{ns}", str(time.time_ns())) for a in argv],
                                          env, folder)
            db.unlink(missing_ok=True)
            walls.append(wall)
            cpus.append(cpu)
            peaks.append(peak)
        results[label] = (walls, cpus)
        print(f"| {label} | {min(walls):.2f} s | {statistics.median(walls):.2f} s | {max(walls):.2f} s "
              f"| {statistics.median(cpus):.2f} s | {max(peaks):,.0f} MB | {os.getloadavg()[0]:.2f} |", flush=True)

    floor = statistics.median(results[commands[0][0]][0])
    floor_cpu = statistics.median(results[commands[0][0]][1])
    peer = results.get("peer: evidently 0.7 DataDriftPreset, whole script")
    print("\nratios (medians; wall, then CPU):")
    for label in ("rai assess (data only: drift + quality)", "rai assess --only drift", "rai monitor run", LATER):
        if label not in results:
            continue
        ours = statistics.median(results[label][0])
        line = f"  {label}: {ours / floor:.2f}x the floor ({statistics.median(results[label][1]) / floor_cpu:.2f}x in CPU)"
        if peer is not None:
            line += f", {peer[0][0] / ours:.1f}x faster than evidently's whole process"
        print(line)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
