"""Mergeable column profiles: summarise a table once, chunk by chunk, compare many times.

A :class:`Profile` holds, per column, what the drift statistics need:

* categorical columns: the count of every category (exact);
* numeric columns: the count of every distinct finite value while there are at most
  ``max_exact_values`` of them (exact), otherwise a **sketch**: counts and sums of the values
  in logarithmic buckets of the distance to a centre (the relative-accuracy buckets of
  DDSketch, Masson et al., VLDB 2019), plus the exact count, mean, variance (Chan et al.'s
  parallel update), minimum and maximum;
* per column the number of missing (and, for numeric columns, infinite) entries; the rows.

Profiles of chunks merge into the profile of their union (:meth:`Profile.merge`); exact parts
stay exact. :func:`profile_file` streams a Parquet file by row groups or a CSV file by chunks
so memory stays bounded by one row group or chunk; ``rai._spark.profile_spark`` computes the
same profile as Spark aggregations, for tables beyond one machine. :meth:`Profile.to_dict` / :meth:`Profile.from_dict`
give plain JSON (floats round-trip exactly).

``DriftAnalyzer`` accepts a profile as the reference and as the current data. Statistics are
**equal** to the raw-data ones where the profile is exact (categorical columns, numeric columns
with at most ``max_exact_values`` distinct values), up to floating-point rounding. For sketched
columns every value is represented by the mean of its bucket; a bucket spans a relative width
of at most ``2a / (1 - a)`` of the distance to the centre (``a`` = ``relative_accuracy``,
default 0.001) plus ``1e-6`` of the reference spread around the centre, so:

* the Wasserstein-1 distance moves by at most ``2a/(1-a) * (E_ref|X - c| + E_cur|X - c|)`` plus
  twice the zero-bucket width (divide by the reference standard deviation for the normed
  distance; with the centre at the reference mean that is about ``0.004`` for a current batch
  with the reference's spread);
* the Kolmogorov-Smirnov statistic moves by at most the largest share of either table in one
  bucket (its p-value follows from the moved statistic);
* PSI and the chart histograms count values by bucket mean, so a value within one bucket width
  of a bin edge may land in the neighbouring bin.

The sketch grid (centre and scale) of a numeric column is taken from the first chunk that
sketches it (its mean and standard deviation) or from ``like=`` (a reference profile), so all
chunks of one file share a grid; profiles on different grids still merge, by moving the other
profile's buckets onto this one's grid at their means (exactness of counts, sums, moments and
extremes is kept; bucket placement is approximate).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rai._exceptions import ConfigError, DataContractError
from rai.analyzers._stattests import Summary, summarize_categorical, summarize_numeric

__all__ = ["PROFILE_FORMAT", "ColumnProfile", "Profile", "profile_file"]

logger = logging.getLogger(__name__)

PROFILE_FORMAT = "rai-profile/1"
ROLES = ("feature", "prediction", "score", "target")


@dataclasses.dataclass
class _Sketch:
    """Logarithmic buckets of ``x - center``; key 0 holds ``|x - center| <= min_width``."""

    center: float
    min_width: float
    alpha: float
    keys: np.ndarray  # int64, sorted by bucket position on the real line
    counts: np.ndarray  # int64
    sums: np.ndarray  # float64

    @property
    def log_gamma(self) -> float:
        return math.log((1 + self.alpha) / (1 - self.alpha))

    def bucket(self, x: np.ndarray) -> np.ndarray:
        d = x - self.center
        a = np.abs(d)
        with np.errstate(divide="ignore"):  # log(0) in the zero bucket, discarded below
            mag = np.ceil(np.log(a / self.min_width) / self.log_gamma)
        mag = np.where(a > self.min_width, np.maximum(mag, 1.0), 0.0)
        return (mag * np.sign(d)).astype(np.int64)

    def add(self, x: np.ndarray, weights: np.ndarray | None = None) -> _Sketch:
        if x.size == 0:
            return self
        keys = self.bucket(x)
        # keys span a few thousand integers (log buckets): count them with bincount, not a sort
        lo, hi = int(keys.min()), int(keys.max())
        if self.keys.size:
            lo, hi = min(lo, int(self.keys.min())), max(hi, int(self.keys.max()))
        offset = keys - lo
        counts = np.bincount(offset, weights=None if weights is None else weights.astype(np.float64), minlength=hi - lo + 1)
        sums = np.bincount(offset, weights=x if weights is None else x * weights, minlength=hi - lo + 1)
        if self.keys.size:
            counts[self.keys - lo] += self.counts
            sums[self.keys - lo] += self.sums
        nz = np.flatnonzero(counts)
        return dataclasses.replace(self, keys=nz.astype(np.int64) + lo, counts=np.rint(counts[nz]).astype(np.int64), sums=sums[nz])

    def representatives(self) -> tuple[np.ndarray, np.ndarray]:
        means = self.sums / self.counts
        order = np.argsort(means, kind="stable")
        return means[order], self.counts[order]

    def upper_bounds(self) -> np.ndarray:
        """Upper boundary of each bucket, in the order of :meth:`representatives`."""
        k = self.keys
        mag = np.where(k > 0, k, np.maximum(-k - 1, 0)).astype(np.float64)
        upper = self.center + np.sign(k) * self.min_width * np.exp(mag * self.log_gamma)
        upper = np.where(k == 0, self.center + self.min_width, upper)
        order = np.argsort(self.sums / self.counts, kind="stable")
        return upper[order]

    def grid(self) -> tuple[float, float, float]:
        return (self.center, self.min_width, self.alpha)


@dataclasses.dataclass
class ColumnProfile:
    """The profile of one column (see the module docstring)."""

    kind: str
    role: str
    n_missing: int
    # categorical labels, or exact numeric values (sorted)
    values: np.ndarray | None
    counts: np.ndarray | None
    # numeric moments and extremes (exact in both modes)
    n: int = 0
    mean: float = 0.0
    m2: float = 0.0
    minimum: float | None = None
    maximum: float | None = None
    grid: tuple[float, float, float] | None = None  # (center, min_width, alpha) of a sketch
    sketch: _Sketch | None = None

    @property
    def exact(self) -> bool:
        return self.sketch is None

    def summary(self) -> Summary:
        if self.kind == "categorical":
            return Summary("categorical", self.values, self.counts, self.n_missing)
        if self.sketch is None:
            return Summary("numeric", self.values, self.counts, self.n_missing)
        values, counts = self.sketch.representatives()
        return Summary(
            "numeric", values, counts, self.n_missing, exact=False,
            n_distinct=max(values.size, 10_000), exact_std=math.sqrt(self.m2 / self.n) if self.n else 0.0,
            exact_min=self.minimum, exact_max=self.maximum, upper=self.sketch.upper_bounds(),
        )


class Profile:
    """Per-column summaries of a table; mergeable, serialisable, comparable without the rows.

    Build one with :meth:`from_frame` (or :meth:`from_validated`, or :func:`profile_file` for a
    file of any size), combine chunk profiles with :meth:`merge`, store with :meth:`to_dict` /
    :meth:`save`, and compare with ``DriftAnalyzer().fit(reference_profile).compute(current)``
    where ``current`` is a ``ValidatedData`` or another profile (or :meth:`compare`).
    """

    def __init__(self, columns: dict[str, ColumnProfile], n_rows: int, *, max_exact_values: int = 1000,
                 relative_accuracy: float = 0.001, name: str = "profile") -> None:
        self.column_profiles = columns
        self.n_rows = int(n_rows)
        self.max_exact_values = max_exact_values
        self.relative_accuracy = relative_accuracy
        self.name = name

    # -- the interface DriftAnalyzer reads ------------------------------------------------
    @property
    def columns(self) -> list[str]:
        return list(self.column_profiles)

    @property
    def kinds(self) -> dict[str, str]:
        return {k: c.kind for k, c in self.column_profiles.items()}

    @property
    def roles(self) -> dict[str, str]:
        return {k: c.role for k, c in self.column_profiles.items()}

    def summary(self, column: str) -> Summary:
        return self.column_profiles[column].summary()

    def __repr__(self) -> str:
        sketched = [k for k, c in self.column_profiles.items() if not c.exact]
        return f"Profile(n_rows={self.n_rows}, columns={len(self.column_profiles)}, sketched={sketched})"

    # -- building ---------------------------------------------------------------------------
    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        feature_types: Mapping[str, str],
        *,
        roles: Mapping[str, str] | None = None,
        max_exact_values: int = 1000,
        relative_accuracy: float = 0.001,
        like: Profile | None = None,
        _sketched: frozenset[str] = frozenset(),
    ) -> Profile:
        """Profile the columns named in ``feature_types`` (``"numeric"`` / ``"categorical"``).

        ``roles`` marks output columns (``"prediction"``, ``"score"``, ``"target"``); others are
        features. ``like`` reuses another profile's settings and sketch grids (pass the first
        chunk's profile when profiling the others, so all chunks share grids). ``_sketched``
        (used by :func:`profile_file`) names numeric columns to sketch straight away, skipping the
        exact summary: those the chunks merged so far have already sketched, so the merge would
        sketch this chunk anyway (same result, no sort).
        """
        if like is not None:
            max_exact_values, relative_accuracy = like.max_exact_values, like.relative_accuracy
        _check_settings(max_exact_values, relative_accuracy)
        roles = dict(roles or {})
        columns: dict[str, ColumnProfile] = {}
        for column, kind in feature_types.items():
            if column not in frame.columns:
                raise DataContractError(
                    f"profile: column {column!r} is not in the table; columns present: {[str(c) for c in frame.columns][:20]}."
                )
            if kind not in ("numeric", "categorical"):
                raise ConfigError(f"profile: the type of column {column!r} must be 'numeric' or 'categorical'. Got {kind!r} instead.")
            role = roles.get(column, "feature")
            if role not in ROLES:
                raise ConfigError(f"profile: the role of column {column!r} must be one of {list(ROLES)}. Got {role!r} instead.")
            grid = None
            if like is not None and column in like.column_profiles:
                grid = like.column_profiles[column].grid
            if kind == "numeric" and column in _sketched:
                columns[column] = _sketch_column(frame[column], role, grid, relative_accuracy)
            else:
                columns[column] = _profile_column(frame[column], kind, role, max_exact_values, relative_accuracy, grid)
        return cls(columns, len(frame), max_exact_values=max_exact_values, relative_accuracy=relative_accuracy)

    @classmethod
    def from_validated(cls, data: Any, **kwargs: Any) -> Profile:
        """Profile the features and the prediction / score / target columns of a ``ValidatedData``."""
        from rai.analyzers._drift import _column_roles

        columns = _column_roles(data)
        return cls.from_frame(
            data.frame, {c: k for c, _, k in columns}, roles={c: r for c, r, _ in columns}, **kwargs
        )

    # -- merging ------------------------------------------------------------------------------
    def merge(self, other: Profile) -> Profile:
        """The profile of the union of both tables' rows (a new object; both stay unchanged)."""
        if set(self.column_profiles) != set(other.column_profiles):
            raise DataContractError(
                f"cannot merge profiles with different columns: only in the first {sorted(set(self.column_profiles) - set(other.column_profiles))}, "
                f"only in the second {sorted(set(other.column_profiles) - set(self.column_profiles))}."
            )
        merged = {}
        for name, a in self.column_profiles.items():
            b = other.column_profiles[name]
            if a.kind != b.kind:
                raise DataContractError(f"cannot merge profiles: column {name!r} is {a.kind} in one and {b.kind} in the other.")
            merged[name] = _merge_columns(a, b, self.max_exact_values, self.relative_accuracy)
        return Profile(merged, self.n_rows + other.n_rows, max_exact_values=self.max_exact_values,
                       relative_accuracy=self.relative_accuracy, name=self.name)

    # -- comparing ------------------------------------------------------------------------------
    def compare(self, current: pd.DataFrame | Profile, **drift_params: Any):
        """Drift of ``current`` (a table with this profile's columns, or a profile) against this profile."""
        from rai.analyzers._drift import DriftAnalyzer

        analyzer = DriftAnalyzer(**drift_params).fit(self)
        if isinstance(current, Profile):
            return analyzer.compute(current)
        return analyzer.compute(self._as_validated(current))

    def _as_validated(self, frame: pd.DataFrame) -> Any:
        from rai._spec import DatasetSpec, ValidatedData

        if not isinstance(frame, pd.DataFrame):
            raise DataContractError(f"expected a pandas DataFrame to compare with the profile, got {type(frame).__name__}.")
        roles = self.roles
        outputs = {r: c for c, r in roles.items() if r != "feature"}
        features = tuple(c for c, r in roles.items() if r == "feature")
        spec = DatasetSpec(target=outputs.get("target"), prediction=outputs.get("prediction"), score=outputs.get("score"))
        return ValidatedData(
            frame=frame, spec=spec, name="data", features=features,
            feature_types={c: self.kinds[c] for c in features}, task=None, classes=(), positive_label=None,
        )

    # -- JSON -----------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        cols = {}
        for name, c in self.column_profiles.items():
            d: dict[str, Any] = {"kind": c.kind, "role": c.role, "n_missing": c.n_missing}
            if c.kind == "categorical":
                d["values"] = [str(v) for v in c.values]
                d["counts"] = [int(v) for v in c.counts]
            else:
                d.update(n=c.n, mean=c.mean, m2=c.m2, minimum=c.minimum, maximum=c.maximum,
                         grid=list(c.grid) if c.grid else None)
                if c.sketch is None:
                    d["values"] = [float(v) for v in c.values]
                    d["counts"] = [int(v) for v in c.counts]
                else:
                    d["sketch"] = {
                        "keys": c.sketch.keys.tolist(),
                        "counts": c.sketch.counts.tolist(),
                        "sums": c.sketch.sums.tolist(),
                    }
            cols[name] = d
        return {
            "format": PROFILE_FORMAT,
            "n_rows": self.n_rows,
            "max_exact_values": self.max_exact_values,
            "relative_accuracy": self.relative_accuracy,
            "columns": cols,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Profile:
        if not isinstance(data, Mapping) or data.get("format") != PROFILE_FORMAT:
            got = data.get("format") if isinstance(data, Mapping) else type(data).__name__
            raise DataContractError(f"not a profile: expected format {PROFILE_FORMAT!r}, got {got!r}.")
        cols = {}
        for name, d in data["columns"].items():
            if d["kind"] == "categorical":
                cols[name] = ColumnProfile("categorical", d["role"], int(d["n_missing"]),
                                           np.asarray(d["values"], dtype=object), np.asarray(d["counts"], dtype=np.int64))
                continue
            grid = tuple(d["grid"]) if d.get("grid") else None
            sketch = None
            values = counts = None
            if "sketch" in d:
                s = d["sketch"]
                sketch = _Sketch(grid[0], grid[1], grid[2], np.asarray(s["keys"], dtype=np.int64),
                                 np.asarray(s["counts"], dtype=np.int64), np.asarray(s["sums"], dtype=np.float64))
            else:
                values = np.asarray(d["values"], dtype=np.float64)
                counts = np.asarray(d["counts"], dtype=np.int64)
            cols[name] = ColumnProfile("numeric", d["role"], int(d["n_missing"]), values, counts, n=int(d["n"]),
                                       mean=float(d["mean"]), m2=float(d["m2"]), minimum=d["minimum"], maximum=d["maximum"],
                                       grid=grid, sketch=sketch)
        return cls(cols, int(data["n_rows"]), max_exact_values=int(data["max_exact_values"]),
                   relative_accuracy=float(data["relative_accuracy"]))

    def save(self, path: str | Path) -> None:
        from rai._atomic import write_text

        write_text(path, json.dumps(self.to_dict()), what="profile")

    @classmethod
    def load(cls, path: str | Path) -> Profile:
        p = Path(path)
        from rai._safe_json import read_json

        if not p.is_file():
            raise DataContractError(f"profile file {str(p)!r} does not exist.")
        return cls.from_dict(read_json(p, "profile file"))


# ----------------------------------------------------------------------------------------------


def _check_settings(max_exact_values: Any, relative_accuracy: Any) -> None:
    if not isinstance(max_exact_values, int) or isinstance(max_exact_values, bool) or max_exact_values < 20:
        raise ConfigError(f"The 'max_exact_values' parameter of Profile must be an int >= 20. Got {max_exact_values!r} instead.")
    if not isinstance(relative_accuracy, float) or not 0 < relative_accuracy < 0.5:
        raise ConfigError(f"The 'relative_accuracy' parameter of Profile must be a float in (0, 0.5). Got {relative_accuracy!r} instead.")


def _new_grid(values: np.ndarray, counts: np.ndarray | None, alpha: float) -> tuple[float, float, float]:
    w = np.ones(values.size) if counts is None else counts.astype(np.float64)
    center = float(np.dot(values, w) / w.sum())
    spread = float(math.sqrt(np.dot((values - center) ** 2, w) / w.sum()))
    scale = spread if spread > 0 else max(abs(center), 1.0)
    return (center, scale * 1e-6, alpha)


def _empty_sketch(grid: tuple[float, float, float]) -> _Sketch:
    return _Sketch(grid[0], grid[1], grid[2], np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))


def _moments(values: np.ndarray, counts: np.ndarray) -> tuple[int, float, float]:
    n = int(counts.sum())
    if n == 0:
        return 0, 0.0, 0.0
    w = counts.astype(np.float64)
    mean = float(np.dot(values, w) / n)
    return n, mean, float(np.dot((values - mean) ** 2, w))


def _profile_column(series: pd.Series, kind: str, role: str, max_exact: int, alpha: float,
                    grid: tuple[float, float, float] | None) -> ColumnProfile:
    if kind == "categorical":
        s = summarize_categorical(series)
        return ColumnProfile("categorical", role, s.n_missing, s.values, s.counts)
    s = summarize_numeric(series)
    values, counts = s.as_counts()
    n, mean, m2 = _moments(values, counts)
    if grid is None and n:  # the first chunk fixes the sketch grid of the column
        grid = _new_grid(values, counts, alpha)
    col = ColumnProfile(
        "numeric", role, s.n_missing, values, counts, n=n, mean=mean, m2=m2,
        minimum=float(values[0]) if n else None, maximum=float(values[-1]) if n else None, grid=grid,
    )
    if values.size > max_exact:
        _to_sketch(col, alpha)
    return col


def _sketch_column(series: pd.Series, role: str, grid: tuple[float, float, float] | None, alpha: float) -> ColumnProfile:
    """A numeric column straight into a sketch (no sort): moments, extremes and bucket counts."""
    from rai.analyzers._stattests import _as_numeric_array

    x = _as_numeric_array(series).astype(np.float64, copy=False)
    mask = np.isfinite(x)
    finite = x if mask.all() else x[mask]
    n = int(finite.size)
    n_missing = int(x.size - n)
    if n == 0:
        return ColumnProfile("numeric", role, n_missing, np.zeros(0), np.zeros(0, np.int64), grid=grid)
    mean = float(finite.mean())
    m2 = float(np.dot(finite - mean, finite - mean))
    if grid is None:
        grid = _new_grid(finite, None, alpha)
    col = ColumnProfile("numeric", role, n_missing, None, None, n=n, mean=mean, m2=m2,
                        minimum=float(finite.min()), maximum=float(finite.max()), grid=grid)
    col.sketch = _empty_sketch(grid).add(finite)
    return col


def _to_sketch(col: ColumnProfile, alpha: float) -> None:
    if col.grid is None:
        col.grid = _new_grid(col.values, col.counts, alpha)
    col.sketch = _empty_sketch(col.grid).add(col.values, col.counts)
    col.values = col.counts = None


def _merge_columns(a: ColumnProfile, b: ColumnProfile, max_exact: int, alpha: float) -> ColumnProfile:
    if a.kind == "categorical":
        keys = pd.Index(a.values).union(pd.Index(b.values))
        counts = np.zeros(keys.size, dtype=np.int64)
        counts[keys.get_indexer(a.values)] += a.counts
        counts[keys.get_indexer(b.values)] += b.counts
        labels = keys.to_numpy(dtype=object)
        order = np.argsort(labels.astype(str), kind="stable")
        return ColumnProfile("categorical", a.role, a.n_missing + b.n_missing, labels[order], counts[order])
    # moments: Chan, Golub and LeVeque's parallel update
    n = a.n + b.n
    if n:
        delta = b.mean - a.mean
        mean = a.mean + delta * b.n / n
        m2 = a.m2 + b.m2 + delta * delta * a.n * b.n / n
    else:
        mean, m2 = 0.0, 0.0
    mins = [v for v in (a.minimum, b.minimum) if v is not None]
    maxs = [v for v in (a.maximum, b.maximum) if v is not None]
    out = ColumnProfile(
        "numeric", a.role, a.n_missing + b.n_missing, None, None, n=n, mean=mean, m2=m2,
        minimum=min(mins) if mins else None, maximum=max(maxs) if maxs else None, grid=a.grid or b.grid,
    )
    if a.sketch is None and b.sketch is None:
        keys = np.union1d(a.values, b.values)
        counts = np.zeros(keys.size, dtype=np.int64)
        counts[np.searchsorted(keys, a.values)] += a.counts
        counts[np.searchsorted(keys, b.values)] += b.counts
        out.values, out.counts = keys, counts
        if keys.size > max_exact:
            _to_sketch(out, alpha)
        return out
    if out.grid is None:
        out.grid = _new_grid(*(a.values, a.counts) if a.sketch is None else a.sketch.representatives(), alpha)
    sketch = _empty_sketch(out.grid)
    for part in (a, b):
        if part.sketch is None:
            sketch = sketch.add(part.values, part.counts)
        elif part.sketch.grid() == out.grid:
            sketch = _add_buckets(sketch, part.sketch)
        else:  # another grid: move its buckets at their means (counts and sums stay exact)
            means = part.sketch.sums / part.sketch.counts
            keys = sketch.bucket(means)
            sketch = _add_buckets(sketch, dataclasses.replace(part.sketch, keys=keys))
    out.sketch = sketch
    return out


def _add_buckets(a: _Sketch, b: _Sketch) -> _Sketch:
    uniq, inv = np.unique(np.concatenate([a.keys, b.keys]), return_inverse=True)
    counts = np.bincount(inv, weights=np.concatenate([a.counts, b.counts]).astype(np.float64), minlength=uniq.size)
    sums = np.bincount(inv, weights=np.concatenate([a.sums, b.sums]), minlength=uniq.size)
    return dataclasses.replace(a, keys=uniq, counts=np.rint(counts).astype(np.int64), sums=sums)


# ----------------------------------------------------------------------------------------------
# streaming files


def _chunks(path: Path, chunk_rows: int, columns: list[str] | None) -> Iterator[pd.DataFrame]:
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        try:
            pf = pq.ParquetFile(path)
        except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
            raise DataContractError(f"{str(path)!r} is not a readable Parquet file: {exc}") from None
        # one row group at a time: ParquetFile.iter_batches keeps the decoded pages of the whole
        # file alive until the file is closed (measured with pyarrow 26), so memory grew with the rows
        for group in range(pf.num_row_groups):
            table = pf.read_row_group(group, columns=columns)
            for batch in table.to_batches(max_chunksize=chunk_rows):
                yield batch.to_pandas()
            del table
    elif suffix in (".csv", ".txt", ".gz"):
        yield from pd.read_csv(path, chunksize=chunk_rows, usecols=columns)
    else:
        raise DataContractError(f"cannot profile {str(path)!r}: expected a .parquet or .csv file, got {suffix or 'no suffix'!r}.")


def profile_file(
    path: str | Path,
    feature_types: Mapping[str, str] | None = None,
    *,
    roles: Mapping[str, str] | None = None,
    chunk_rows: int = 250_000,
    max_exact_values: int = 1000,
    relative_accuracy: float = 0.001,
    on_chunk: Callable[[int], None] | None = None,
    like: Profile | None = None,
) -> Profile:
    """Profile a Parquet or CSV file of any size, ``chunk_rows`` rows at a time.

    Memory is bounded by one chunk (for Parquet: one row group, cut into chunks) plus the
    profile (``tests/test_bounded_memory.py`` checks
    that the peak does not grow with the number of rows). Without ``feature_types`` the types
    are inferred from the first chunk (numeric dtypes are numeric, others categorical) and every
    column is profiled. ``on_chunk`` is called with the row count of each chunk profiled (the
    CLI's progress display). ``like`` (a reference profile) puts sketched columns on the
    reference's grids, so a batch compared with that reference is bucketed the same way.
    """
    path = Path(path)
    if not path.exists():
        raise DataContractError(f"cannot profile {str(path)!r}: the file does not exist.")
    if not isinstance(chunk_rows, int) or chunk_rows < 1:
        raise ConfigError(f"The 'chunk_rows' parameter of profile_file must be an int >= 1. Got {chunk_rows!r} instead.")
    columns = list(feature_types) if feature_types else None
    profile: Profile | None = None
    rows_before = 0
    for chunk in _chunks(path, chunk_rows, columns):
        if feature_types is None:
            from rai._spec import _infer_feature_type

            feature_types = {str(c): _infer_feature_type(chunk[c]) for c in chunk.columns}
        sketched = frozenset() if profile is None else frozenset(
            c for c, p in profile.column_profiles.items() if p.sketch is not None)
        part = Profile.from_frame(chunk, feature_types, roles=roles, max_exact_values=max_exact_values,
                                  relative_accuracy=relative_accuracy, like=profile or like, _sketched=sketched)
        profile = part if profile is None else profile.merge(part)
        del chunk, part  # the next chunk is read while these would still be alive
        if on_chunk is not None:
            on_chunk(profile.n_rows - rows_before)
        rows_before = profile.n_rows
    if profile is None:
        raise DataContractError(f"cannot profile {str(path)!r}: the file has no rows.")
    profile.name = path.name
    return profile
