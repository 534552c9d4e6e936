from __future__ import annotations

import hashlib
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from rai._exceptions import DataContractError
from rai._io import read_table


def test_reads_csv_and_parquet_with_file_hash(tmp_path, binary_frame):
    csv = tmp_path / "t.csv"
    binary_frame.to_csv(csv, index=False)
    pq = tmp_path / "t.parquet"
    binary_frame.to_parquet(pq)
    for path in (csv, pq):
        table = read_table(path)
        assert table.frame.shape == binary_frame.shape
        assert table.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.csv", b"", r"is empty"),
        ("dupes.csv", b"a,b,a\n1,2,3\n", r"duplicated column names \['a'\]"),
        ("corrupt.parquet", b"PAR1 this is not parquet at all", r"cannot read .* as Parquet"),
        ("data.xlsx", b"x", r"suffix '.xlsx'; expected .csv, .tsv or .parquet"),
        ("latin.csv", "a,b\n\xe9,1\n".encode("latin-1"), r"not UTF-8"),
    ],
)
def test_bad_files_are_refused_clearly(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataContractError, match=message):
        read_table(path)


def test_missing_file(tmp_path):
    with pytest.raises(DataContractError, match=r"does not exist"):
        read_table(tmp_path / "nope.csv")


_READ_CHILD = r"""
import sys
import pandas, pyarrow.parquet
from rai._io import read_table

def rss_mb():  # current resident set, from /proc (Linux)
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20

base = rss_mb()
frame = read_table(sys.argv[1]).frame
print(rss_mb() - base, frame.memory_usage(deep=True).sum() / 2**20)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_parquet_read_keeps_about_the_frame_resident(tmp_path):
    # the decoded file's pages go back to the system once converted: a second table read later
    # must not stack on pages the first one left behind (they were 1.75 times the frame)
    path = tmp_path / "t.parquet"
    rng = np.random.default_rng(0)
    pd.DataFrame({f"x{i}": rng.normal(size=1_000_000) for i in range(12)}).to_parquet(path, row_group_size=250_000)
    out = subprocess.run([sys.executable, "-c", _READ_CHILD, str(path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    grown, frame_mb = map(float, out.stdout.split())
    assert grown < 1.6 * frame_mb, (grown, frame_mb)  # 1.2x; 2.75x without handing the pages back
