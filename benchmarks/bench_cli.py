"""Cold-start times of the CLI: `rai --help` and a real `rai gate` run (best of N fresh processes).

Targets: ``rai --help`` under 0.5 s, ``rai gate`` under 1.5 s. Peers measured in the same run:
the bare interpreter (``python -c pass``, the floor) and evidently's CLI (``evidently --help``).
The gate checks the example policy against an assessment written beforehand by ``rai assess``
on 5,000 rows of the bundled ACS data (not timed).

    python benchmarks/bench_cli.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def best_of(cmd: list[str], repeat: int, ok: tuple[int, ...] = (0,)) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        res = subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        times.append(time.perf_counter() - t)
        if res.returncode not in ok:
            raise SystemExit(f"{' '.join(cmd)} exited {res.returncode}: {res.stderr[-500:]}")
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    rai = shutil.which("rai") or "rai"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        from rai.datasets import load_acs_employment

        load_acs_employment(2015).iloc[:5000].to_parquet(tmp / "ref.parquet")
        load_acs_employment(2018).iloc[:5000].to_parquet(tmp / "cur.parquet")
        subprocess.run([rai, "assess", "--data", str(tmp / "cur.parquet"), "--reference", str(tmp / "ref.parquet"),
                        "--target", "employed", "--prediction", "prediction", "--score", "predicted_probability",
                        "--sensitive", "SEX,RAC1P", "--out", str(tmp / "out")], check=True, capture_output=True)
        subprocess.run([rai, "gate", "--init", str(tmp / "policy.yaml")], check=True, capture_output=True)
        gate = ["gate", "--policy", str(tmp / "policy.yaml"), "--assessment", str(tmp / "out" / "assessment.json")]
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; best of {args.repeat} fresh processes")
        floor = best_of([sys.executable, "-c", "pass"], args.repeat)
        rows = [
            ("python -c pass (floor)", floor, None),
            ("python -m rai.cli --help", best_of([sys.executable, "-m", "rai.cli", "--help"], args.repeat), 0.5),
            ("rai --help", best_of([rai, "--help"], args.repeat), 0.5),
            ("rai gate (example policy)", best_of([rai, *gate], args.repeat, ok=(0, 1)), 1.5),
            ("python -m rai.cli gate", best_of([sys.executable, "-m", "rai.cli", *gate], args.repeat, ok=(0, 1)), 1.5),
        ]
        evidently = shutil.which("evidently")
        peer = best_of([evidently, "--help"], args.repeat) if evidently else None
        if peer is not None:
            rows.append(("evidently --help (peer)", peer, None))
        for name, seconds, target in rows:
            verdict = "" if target is None else ("  meets" if seconds < target else "  MISSES") + f" target {target} s"
            ratio = f"  {peer / seconds:5.1f}x faster than evidently --help" if peer and target else ""
            print(f"{name:>28s} {seconds:6.3f} s{verdict}{ratio}")
        print(f"load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
