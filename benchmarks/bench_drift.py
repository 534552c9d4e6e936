"""Time rai's drift analyzer against evidently 0.7's DataDriftPreset on the same data.

Reference and current tables of N rows x 25 columns (10 continuous, 5 integer, 10
categorical), the current one with drift planted in 5 columns. Prints the wall time of each,
the ratio (best of three runs of ours, one of evidently's), the peak memory allocated by ours
beyond the input tables (tracemalloc, numpy allocations included), and whether the
per-column decisions agree (``correction="none"``).

    python benchmarks/bench_drift.py                  # 100k, 1M and 10M rows (evidently up to 1M)
    python benchmarks/bench_drift.py --rows 100000 --skip-evidently
    python benchmarks/bench_drift.py --rows 10000000 --evidently-max-rows 10000000   # ~20 GB for evidently

evidently needs about 2 GB and 110 s per million rows here, so by default it only runs up to
``--evidently-max-rows`` (1M); above that ours is printed alone.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd


def make_table(n: int, seed: int, drift: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cols: dict[str, np.ndarray] = {}
    for i in range(10):
        shift = 0.3 if drift and i < 2 else 0.0
        cols[f"num{i}"] = rng.normal(i + shift, 1 + i / 10, n)
    for i in range(5):
        high = 20 + 15 * i
        cols[f"int{i}"] = rng.integers(0, high, n) + (5 if drift and i == 0 else 0)
    for i in range(10):
        k = 2 + 3 * i
        p = np.arange(1, k + 1, dtype=float)[::-1]
        if drift and i < 2:
            p = p[::-1]
        cols[f"cat{i}"] = pd.Categorical.from_codes(rng.choice(k, n, p=p / p.sum()), [f"v{j}" for j in range(k)])
    return pd.DataFrame(cols)


def run_ours(ref: pd.DataFrame, cur: pd.DataFrame):
    from rai._spec import DatasetSpec
    from rai.analyzers._drift import DriftAnalyzer

    spec = DatasetSpec()
    times = []
    for _ in range(3):  # best of three: the machine is shared
        gc.collect()
        t = time.perf_counter()
        r, c = spec.validate_pair(ref, cur)
        result = DriftAnalyzer(correction="none").fit(r).compute(c)
        times.append(time.perf_counter() - t)
    # peak memory allocated by the run (numpy and Python), in a separate traced run
    gc.collect()
    tracemalloc.start()
    r, c = spec.validate_pair(ref, cur)
    DriftAnalyzer(correction="none").fit(r).compute(c)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return min(times), peak, {col.column: col.drifted for col in result.columns}, result


def run_evidently(ref: pd.DataFrame, cur: pd.DataFrame, numeric: list[str], categorical: list[str]):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from evidently import DataDefinition, Dataset, Report
        from evidently.presets import DataDriftPreset

        definition = DataDefinition(numerical_columns=numeric, categorical_columns=categorical)
        gc.collect()
        t = time.perf_counter()
        snapshot = Report([DataDriftPreset()], include_tests=True).run(
            Dataset.from_pandas(cur, data_definition=definition),
            Dataset.from_pandas(ref, data_definition=definition),
        )
        out = snapshot.dict()
        elapsed = time.perf_counter() - t
    decisions = {t["metric_config"]["params"]["column"]: t["status"] == "FAIL" for t in out["tests"][1:]}
    return elapsed, decisions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--skip-evidently", action="store_true")
    parser.add_argument("--evidently-max-rows", type=int, default=1_000_000,
                        help="Largest table evidently is run on (it needs ~2 GB per million rows).")
    args = parser.parse_args(argv)
    import os
    import platform

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"{'rows':>10} {'rai s':>8} {'rai peak MB':>12} {'evidently s':>12} {'ratio':>7}  decisions")
    for n in args.rows:
        ref = make_table(n, 0, drift=False)
        cur = make_table(n, 1, drift=True)
        ours, peak, our_decisions, result = run_ours(ref, cur)
        numeric = [c.column for c in result.columns if c.column_type == "numeric"]
        categorical = [c.column for c in result.columns if c.column_type == "categorical"]
        if args.skip_evidently or n > args.evidently_max_rows:
            print(f"{n:>10} {ours:>8.2f} {peak / 2**20:>12.0f} {'-':>12} {'-':>7}  drifted: {sorted(k for k, v in our_decisions.items() if v)}")
            continue
        theirs, their_decisions = run_evidently(ref, cur, numeric, categorical)
        same = "identical" if their_decisions == our_decisions else f"DIFFER {our_decisions} vs {their_decisions}"
        print(f"{n:>10} {ours:>8.2f} {peak / 2**20:>12.0f} {theirs:>12.2f} {theirs / ours:>6.1f}x  {same}")
        sys.stdout.flush()
        del ref, cur
    import resource

    print(f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10:.0f} MB (inputs included), "
          f"load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
