"""Streaming profiles use bounded memory: the peak does not grow with the number of rows.

A multi-row-group Parquet file of N and of 2N rows is profiled by ``rai._profile.profile_file``
in a fresh subprocess each, which reports its peak resident memory (``ru_maxrss``) and its
resident memory after the imports. The growth over the imports must be about the same for N
and 2N rows; the profile's row and missing counts are checked against the generator's. A second
test caps the process's data segment (``RLIMIT_DATA``) below the size of the table: streaming
succeeds, reading the table whole (the control) fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROW_GROUP = 200_000
N = 1_200_000
N_FLOAT = 6
CHUNK = 100_000

_CHILD = r"""
import json, resource, sys
import numpy, pandas, pyarrow.parquet, scipy.stats
from rai._profile import profile_file
import rai._spec, rai.analyzers._drift  # imported by profile_file on first use: not working memory

def rss_mb():  # current resident set, from /proc (Linux)
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20

base = rss_mb()
types = json.loads(sys.argv[2])
profile = profile_file(sys.argv[1], types, chunk_rows=int(sys.argv[3]))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
print(json.dumps({"base": base, "peak": peak, "n_rows": profile.n_rows,
                  "missing": {c: p.n_missing for c, p in profile.column_profiles.items()},
                  "sketched": sorted(c for c, p in profile.column_profiles.items() if not p.exact)}))
"""


def _write(path, n_rows: int) -> None:
    """N_FLOAT continuous columns (sketched), an integer column and a categorical one; every 10th x0 missing."""
    rng = np.random.default_rng(0)
    schema = None
    with pq.ParquetWriter(path, pa.schema(
        [(f"x{i}", pa.float64()) for i in range(N_FLOAT)] + [("k", pa.int64()), ("c", pa.dictionary(pa.int8(), pa.string()))]
    )) as writer:
        for start in range(0, n_rows, ROW_GROUP):
            m = min(ROW_GROUP, n_rows - start)
            cols = {f"x{i}": rng.normal(i, 1.0, m) for i in range(N_FLOAT)}
            cols["x0"][(np.arange(start, start + m) % 10) == 0] = np.nan
            cols["k"] = rng.integers(0, 50, m)
            cols["c"] = pa.DictionaryArray.from_arrays(pa.array(rng.integers(0, 5, m).astype(np.int8)),
                                                       pa.array(["a", "b", "c", "d", "e"]))
            table = pa.table(cols) if schema is None else pa.table(cols, schema=schema)
            schema = table.schema
            writer.write_table(table, row_group_size=ROW_GROUP)


def _profile_in_child(path) -> dict:
    types = {f"x{i}": "numeric" for i in range(N_FLOAT)} | {"k": "numeric", "c": "categorical"}
    out = subprocess.run([sys.executable, "-c", _CHILD, str(path), json.dumps(types), str(CHUNK)],
                         check=False, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_peak_memory_does_not_grow_with_rows(tmp_path):
    small, large = tmp_path / "n.parquet", tmp_path / "2n.parquet"
    _write(small, N)
    _write(large, 2 * N)
    a = _profile_in_child(small)
    b = _profile_in_child(large)
    for res, n in ((a, N), (b, 2 * N)):
        assert res["n_rows"] == n
        assert res["missing"]["x0"] == n // 10
        assert res["sketched"] == [f"x{i}" for i in range(N_FLOAT)]
    grow_small = a["peak"] - a["base"]
    grow_large = b["peak"] - b["base"]
    # doubling the rows adds allocator noise (a few MB), not the ~65 MB that N more rows take in memory
    assert grow_large - grow_small < 25, (a, b)


_LIMITED = r"""
import json, resource, sys

def vm_data_mb():  # private writable memory, what RLIMIT_DATA counts (Linux >= 4.7)
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmData:")) / 2**10

import numpy, pandas, pyarrow.parquet, scipy.stats
from rai._profile import profile_file
import rai._spec, rai.analyzers._drift

path, types, mode, limit_mb = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], float(sys.argv[4])
resource.setrlimit(resource.RLIMIT_DATA, (int((vm_data_mb() + limit_mb) * 2**20), resource.RLIM_INFINITY))
try:
    if mode == "stream":
        n = profile_file(path, types, chunk_rows=CHUNK).n_rows
    else:  # the control: an array the size of the table's numeric columns (pyarrow may hang, not raise)
        n = numpy.ones(int(sys.argv[5]) * 2**20 // 8).size
except MemoryError:
    print(json.dumps({"n_rows": None}))
    sys.exit(0)
print(json.dumps({"n_rows": n}))
""".replace("CHUNK", str(CHUNK))


def test_a_file_larger_than_the_memory_allowed(tmp_path):
    """Streaming profiles a file whose table exceeds the process's memory limit; holding the table fails."""
    path = tmp_path / "big.parquet"
    rows = 3 * N
    _write(path, rows)
    limit_mb = 160
    table_mb = rows * (N_FLOAT + 1) * 8 / 2**20  # 192 MB, more than the process may add
    assert table_mb > limit_mb
    types = {f"x{i}": "numeric" for i in range(N_FLOAT)} | {"k": "numeric", "c": "categorical"}

    def run(mode: str) -> int | None:
        # pyarrow's default mimalloc pool reserves ~1 GB of address space up front, which RLIMIT_DATA
        # counts although it is never touched; the system allocator reserves what it uses
        env = dict(os.environ, ARROW_DEFAULT_MEMORY_POOL="system")
        out = subprocess.run([sys.executable, "-c", _LIMITED, str(path), json.dumps(types), mode, str(limit_mb),
                              str(int(table_mb))], check=False, capture_output=True, text=True, timeout=120, env=env)
        assert out.returncode == 0, out.stderr[-2000:]
        return json.loads(out.stdout.strip().splitlines()[-1])["n_rows"]

    assert run("whole") is None  # the control: the limit is real
    assert run("stream") == rows
