"""Reading tables from CSV and Parquet, with the file's hash for provenance."""

from __future__ import annotations

import csv
import dataclasses
import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from rai._exceptions import DataContractError
from rai._model import file_sha256
from rai._spec import DatasetSpec

__all__ = ["Table", "read_table", "frame_sha256", "join_labels"]

log = logging.getLogger(__name__)

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
    # the file is hashed on a second thread while it is parsed (hashlib releases the GIL), so
    # provenance costs no extra wall time; the second read of the bytes comes from the page cache
    with ThreadPoolExecutor(max_workers=1) as pool:
        digest = pool.submit(file_sha256, path)
        frame = _parse(path, suffix)
        sha256 = digest.result()
    if frame.shape[1] == 0:
        raise DataContractError(f"file {str(path)!r} has no columns.")
    return Table(frame=frame, source=str(path), sha256=sha256)


def _read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    # self_destruct frees each Arrow column once converted, so the table is not held twice
    frame = pq.read_table(path).to_pandas(split_blocks=True, self_destruct=True)
    # Arrow's allocator keeps the pages of the decoded file and of the freed columns for reuse:
    # handing them back keeps a second table read later from stacking on top (1M x 25: 200 MB)
    pa.default_memory_pool().release_unused()
    return frame


def _parse(path: Path, suffix: str) -> pd.DataFrame:
    try:
        if suffix in _PARQUET:
            frame = _read_parquet(path)
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
    return frame


def join_labels(batch: pd.DataFrame, labels: pd.DataFrame, spec: DatasetSpec) -> pd.DataFrame:
    """The batch with late-arriving labels joined by the id column (left join; one label per id).

    Rows whose label has not arrived are dropped from the performance and fairness checks by
    the data contract (a target is needed on every row), so they are removed here, with a log line.
    """
    if spec.id is None or spec.target is None:
        raise DataContractError("joining labels needs --id COL (the join key) and --target COL (the label column).")
    for table, frame in (("batch", batch), ("labels", labels)):
        if spec.id not in frame.columns:
            raise DataContractError(f"{table}: the id column {spec.id!r} is not in the table; columns: {[str(c) for c in frame.columns][:20]}.")
    if spec.target not in labels.columns:
        raise DataContractError(f"labels: the target column {spec.target!r} is not in the table; columns: {[str(c) for c in labels.columns][:20]}.")
    dupes = labels[spec.id].duplicated()
    if dupes.any():
        raise DataContractError(
            f"labels: {int(dupes.sum())} id(s) appear more than once in {spec.id!r} (e.g. {labels[spec.id][dupes].iloc[0]!r}); "
            "expected one label per id."
        )
    left = batch.drop(columns=[spec.target]) if spec.target in batch.columns else batch
    joined = left.merge(labels[[spec.id, spec.target]], on=spec.id, how="left", validate="many_to_one")
    missing = joined[spec.target].isna()
    if missing.all():
        raise DataContractError(f"no id of the batch has a label: the {spec.id!r} values of batch and labels do not overlap.")
    if missing.any():
        log.warning("%d of %d rows have no label yet; checked without them", int(missing.sum()), len(joined))
        joined = joined[~missing].reset_index(drop=True)
    return joined
