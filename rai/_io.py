"""Reading tables from CSV and Parquet, with the file's hash for provenance."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import pandas as pd

from rai._exceptions import DataContractError
from rai._model import file_sha256

__all__ = ["Table", "read_table", "frame_sha256"]

_PARQUET = {".parquet", ".pq"}
_CSV = {".csv", ".txt", ".tsv"}


@dataclasses.dataclass(frozen=True)
class Table:
    """A table read from a file, with where it came from and the sha256 of the file's bytes."""

    frame: pd.DataFrame
    source: str
    sha256: str


def frame_sha256(frame: pd.DataFrame) -> str:
    """A content hash of an in-memory table (column names, dtypes and values)."""
    import hashlib

    h = hashlib.sha256()
    h.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
    h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


def _csv_header(path: Path, sep: str) -> list[str]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return next(csv.reader(fh, delimiter=sep), [])


def read_table(path: str | Path) -> Table:
    """Read a CSV or Parquet file, refusing what would silently go wrong.

    Raises
    ------
    DataContractError
        Missing, empty, corrupt or unknown-format files, and duplicated column names
        (which pandas would otherwise rename to ``x.1``).
    """
    path = Path(path)
    if not path.exists():
        raise DataContractError(f"file {str(path)!r} does not exist.")
    if not path.is_file():
        raise DataContractError(f"{str(path)!r} is not a file.")
    if path.stat().st_size == 0:
        raise DataContractError(f"file {str(path)!r} is empty; expected a CSV or Parquet table.")
    suffix = path.suffix.lower()
    try:
        if suffix in _PARQUET:
            frame = pd.read_parquet(path)
        elif suffix in _CSV:
            sep = "\t" if suffix == ".tsv" else ","
            header = _csv_header(path, sep)
            dupes = sorted({c for c in header if header.count(c) > 1})
            if dupes:
                raise DataContractError(
                    f"file {str(path)!r} has duplicated column names {dupes}; every column needs a unique name."
                )
            frame = pd.read_csv(path, sep=sep, skipinitialspace=True)
        else:
            raise DataContractError(
                f"file {str(path)!r} has suffix {suffix!r}; expected .csv, .tsv or .parquet."
            )
    except DataContractError:
        raise
    except pd.errors.EmptyDataError as exc:
        raise DataContractError(f"file {str(path)!r} has no columns: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise DataContractError(f"file {str(path)!r} is not UTF-8 text: {exc}") from exc
    except Exception as exc:  # pyarrow / parser errors: corrupt or not what the suffix says
        kind = "Parquet" if suffix in _PARQUET else "CSV"
        raise DataContractError(f"cannot read {str(path)!r} as {kind}: {type(exc).__name__}: {exc}") from exc
    if frame.shape[1] == 0:
        raise DataContractError(f"file {str(path)!r} has no columns.")
    return Table(frame=frame, source=str(path), sha256=file_sha256(path))
