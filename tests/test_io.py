from __future__ import annotations

import hashlib

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
