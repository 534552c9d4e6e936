"""Peak memory of profiling a 20-million-row Parquet file: streamed vs read whole.

Writes a Parquet file of ``--rows`` rows (default 20M) in row groups of 1M: 10 continuous
columns, 5 integer columns, 5 categorical ones (about 2.3 GB as in-memory float64 / int64
columns). Each measurement runs in a fresh process that reports its wall time and peak resident
memory (``ru_maxrss``):

* ``stream``: ``rai._profile.profile_file`` (one row group at a time, merged profiles);
* ``whole`` (the peer): ``pandas.read_parquet`` of the whole file, then ``Profile.from_frame``,
  which is what a tool that needs the table in memory (evidently, pandas-based checks) does;
* ``spark`` (with ``--spark``): ``rai._spark.profile_spark`` in ``local[2]`` mode (driver memory
  only; the JVM is a separate process and is not counted).

    python benchmarks/bench_stream.py                  # 20M rows
    python benchmarks/bench_stream.py --rows 2000000 --spark
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROW_GROUP = 1_000_000
N_FLOAT, N_INT, N_CAT = 10, 5, 5

_CHILD = r"""
import json, resource, sys, time
import numpy, pandas, pyarrow.parquet, scipy.stats
import rai._spec, rai.analyzers._drift
from rai._profile import Profile, profile_file

path, mode, types = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
start = time.perf_counter()
if mode == "stream":
    profile = profile_file(path, types, chunk_rows=250_000)
elif mode == "whole":
    profile = Profile.from_frame(pandas.read_parquet(path), types)
else:
    from pyspark.sql import SparkSession
    from rai._spark import profile_spark
    spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false").config("spark.sql.shuffle.partitions", "2")
             .config("spark.driver.memory", "2g").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    start = time.perf_counter()  # the profile, not the JVM start
    profile = profile_spark(path, types, spark=spark)
print(json.dumps({"seconds": time.perf_counter() - start, "n_rows": profile.n_rows,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10}))
"""


def write(path: Path, n_rows: int) -> dict[str, str]:
    rng = np.random.default_rng(0)
    names = [f"num{i}" for i in range(N_FLOAT)] + [f"int{i}" for i in range(N_INT)] + [f"cat{i}" for i in range(N_CAT)]
    labels = [pa.array([f"v{j}" for j in range(3 + 4 * i)]) for i in range(N_CAT)]
    with pq.ParquetWriter(path, pa.schema(
        [(n, pa.float64()) for n in names[:N_FLOAT]] + [(n, pa.int64()) for n in names[N_FLOAT:N_FLOAT + N_INT]]
        + [(n, pa.dictionary(pa.int8(), pa.string())) for n in names[N_FLOAT + N_INT:]]
    )) as writer:
        for start in range(0, n_rows, ROW_GROUP):
            m = min(ROW_GROUP, n_rows - start)
            cols = [rng.normal(i, 1 + i / 10, m) for i in range(N_FLOAT)]
            cols += [rng.integers(0, 20 + 15 * i, m) for i in range(N_INT)]
            cols += [pa.DictionaryArray.from_arrays(pa.array(rng.integers(0, len(labels[i]), m).astype(np.int8)), labels[i])
                     for i in range(N_CAT)]
            writer.write_table(pa.table(dict(zip(names, cols))), row_group_size=ROW_GROUP)
    return {n: "numeric" for n in names[:N_FLOAT + N_INT]} | {n: "categorical" for n in names[N_FLOAT + N_INT:]}


def measure(path: Path, mode: str, types: dict[str, str]) -> dict | None:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(path), mode, json.dumps(types)],
                         check=False, capture_output=True, text=True)
    if out.returncode != 0:
        print(f"{mode}: failed: {out.stderr.strip().splitlines()[-1] if out.stderr.strip() else out.returncode}")
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--spark", action="store_true", help="Also profile with the Spark engine (local[2]).")
    parser.add_argument("--keep", type=Path, help="Write the file here and keep it.")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "big.parquet"
        t = time.perf_counter()
        types = write(path, args.rows)
        in_memory = args.rows * (8 * (N_FLOAT + N_INT) + N_CAT) / 2**20
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; wrote {args.rows:,} rows x "
              f"{len(types)} columns in {time.perf_counter() - t:.0f} s: {path.stat().st_size / 2**20:,.0f} MB on disk, "
              f"{in_memory:,.0f} MB as columns in memory")
        results = {}
        for mode in ["stream", "whole"] + (["spark"] if args.spark else []):
            res = measure(path, mode, types)
            if res is None:
                continue
            assert res["n_rows"] == args.rows, res
            results[mode] = res
            print(f"{mode:>7}: {res['seconds']:7.1f} s, peak RSS {res['peak_mb']:7,.0f} MB "
                  f"({res['peak_mb'] / in_memory:.2f}x the table), load average {os.getloadavg()[0]:.1f}")
            sys.stdout.flush()
        if "stream" in results and "whole" in results:
            s, w = results["stream"], results["whole"]
            print(f"streaming uses {w['peak_mb'] / s['peak_mb']:.1f}x less peak memory than reading the file whole "
                  f"({w['seconds'] / s['seconds']:.2f}x the speed)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
