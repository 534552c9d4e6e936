"""The Spark engine: the same :class:`rai._profile.Profile` computed as Spark aggregations.

:func:`profile_spark` profiles a Spark DataFrame, a table name or a file / folder that Spark can
read (Parquet, CSV, Delta or anything ``spark.read`` knows), on whatever cluster the active
``SparkSession`` is attached to (Databricks, Synapse, EMR, ``spark-submit``, or ``local[*]``).
There is no cluster code here: the work is two Spark jobs, whose results (a few thousand rows
per column at most) are collected on the driver and assembled into a ``Profile``:

1. one aggregation over all columns: rows, missing entries (nulls, and for numeric columns NaN
   and infinities, as the pandas engine), finite count, mean, population variance, minimum,
   maximum, and an approximate distinct count (HyperLogLog++, relative standard error 5 %);
2. one ``GROUP BY GROUPING SETS`` job that counts every category of the categorical columns,
   every distinct value of the numeric columns with few distinct values, and, for numeric
   columns with many distinct values, the count and the sum of the values in each sketch bucket
   (the bucket key is computed in Spark with the pandas engine's formula); one such job per 40
   columns. Its result comes to the driver through Arrow, so integer category labels beyond
   ``2**53`` would lose precision (they travel as float64 next to the other columns' nulls).

Agreement with the pandas engine (``rai._profile.profile_file`` on the same rows), tested:

* row counts, missing counts, category counts and the counts of exact numeric columns are
  **identical**, and so are the drift statistics computed from them;
* count, minimum and maximum of every numeric column are identical; mean and variance agree to
  floating-point rounding (relative ``1e-9``), since the summation order differs;
* a sketched column (more than ``max_exact_values`` distinct values) is bucketed on a grid
  centred on the column's mean over all rows (the pandas engine centres on the first chunk's
  mean), so bucket placement differs; each engine is within the sketch error bound of the raw
  data (see ``rai._profile``), so their normed Wasserstein distances differ by at most twice
  that bound (about ``0.008`` for a batch with the reference's spread) and the drift decisions
  agree except for statistics that close to the threshold. Pass ``like=`` a reference profile
  to bucket a batch on the reference's grid, as the pandas engine does.

The column is exact when its finite values take at most ``max_exact_values`` distinct values;
the choice uses the approximate distinct count (columns estimated at more than
``1.5 * max_exact_values`` are sketched directly; the others are counted exactly and sketched on
the driver if they turn out to hold more), so a column is misclassified only if HyperLogLog++
errs by a third (about seven standard errors), which does not happen in practice.
"""

from __future__ import annotations

import logging
import math
import os
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from rai._exceptions import ConfigError, DataContractError
from rai._profile import (
    ROLES,
    ColumnProfile,
    Profile,
    _check_settings,
    _empty_sketch,
    _moments,
    _new_grid,
    _to_sketch,
)
from rai.analyzers._stattests import label_values

__all__ = ["ENGINES", "get_spark", "profile_spark", "read_spark", "spark_layout"]

logger = logging.getLogger(__name__)

ENGINES = ("pandas", "spark")
#: Relative standard deviation asked of Spark's approximate distinct count.
_APPROX_RSD = 0.05
_EXACT_MARGIN = 1.5
#: Columns per GROUPING SETS query (Spark's GROUPING_ID is a 64-bit mask).
_GROUPING_BATCH = 40


def _import_pyspark() -> Any:
    try:
        import pyspark  # noqa: F401
        from pyspark.sql import SparkSession
    except ImportError:
        raise ConfigError(
            "the Spark engine needs PySpark: pip install 'rai[spark]' (and a Java 17 runtime); "
            "or use the pandas engine (--engine pandas)."
        ) from None
    return SparkSession


def get_spark() -> Any:
    """The active SparkSession, or a new one (``local[*]`` when run outside ``spark-submit``)."""
    SparkSession = _import_pyspark()
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = SparkSession.builder.appName("rai")
    if "SPARK_MASTER" in os.environ:
        builder = builder.master(os.environ["SPARK_MASTER"])
    from pyspark.errors import PySparkException

    try:
        return builder.getOrCreate()
    except PySparkException as exc:  # no Java, bad master URL: say so without a JVM traceback
        reason = str(exc).splitlines()[0].rstrip(".") if str(exc) else ""
        raise ConfigError(f"cannot start Spark: {type(exc).__name__}: {reason}. "
                          "The Spark engine needs a Java 17 runtime (JAVA_HOME) or a cluster.") from None


def read_spark(source: Any, spark: Any = None) -> Any:
    """A Spark DataFrame from a DataFrame (returned as is), a table name or a path / URI.

    Paths ending in ``.csv`` are read with a header and inferred types; other paths by their
    suffix (``.parquet``, ``.json``, ``.orc``) or, without one, as Parquet (a folder of part files)
    unless a table of that name exists.
    """
    if hasattr(source, "sparkSession") and hasattr(source, "schema"):
        return source
    spark = spark or get_spark()
    from pyspark.errors import PySparkException

    text = str(source)
    lower = text.lower().rstrip("/")
    try:
        if lower.endswith((".csv", ".csv.gz", ".tsv")):
            return spark.read.csv(text, header=True, inferSchema=True, sep="\t" if lower.endswith(".tsv") else ",")
        if lower.endswith((".json", ".jsonl")):
            return spark.read.json(text)
        if lower.endswith(".orc"):
            return spark.read.orc(text)
        if lower.endswith((".parquet", ".pq")) or "/" in text or os.sep in text:
            return spark.read.parquet(text)
        return spark.table(text)
    except PySparkException as exc:  # AnalysisException: path or table not found
        raise DataContractError(f"Spark cannot read {text!r} as a table or a file: {str(exc).splitlines()[0]}") from None


def _to_pandas(df: Any) -> pd.DataFrame:
    """``df.toPandas()`` through Arrow (much faster than collecting rows); the session's setting is restored."""
    conf = df.sparkSession.conf
    key = "spark.sql.execution.arrow.pyspark.enabled"
    before = conf.get(key, "false")
    conf.set(key, "true")
    try:
        return df.toPandas()
    finally:
        conf.set(key, before)


def spark_layout(df: Any, spec: Any, *, head_rows: int = 50_000) -> tuple[dict[str, str], dict[str, str]]:
    """Column types and roles for profiling ``df``: the data contract checked on its first rows.

    The same rule as the pandas engine's ``monitors._checks.profile_layout`` (which reads the
    head of a file): the first ``head_rows`` rows decide the types.
    """
    from rai.analyzers._drift import _column_roles

    head = df.limit(head_rows).toPandas()
    valid = spec.validate(head, name="reference")
    layout = _column_roles(valid)
    return {c: k for c, _, k in layout}, {c: r for c, r, _ in layout}


def profile_spark(
    source: Any,
    feature_types: Mapping[str, str] | None = None,
    *,
    roles: Mapping[str, str] | None = None,
    spark: Any = None,
    max_exact_values: int = 1000,
    relative_accuracy: float = 0.001,
    like: Profile | None = None,
    on_step: Callable[[str], None] | None = None,
) -> Profile:
    """Profile a Spark DataFrame, table or path with Spark; the result is a ``rai._profile.Profile``.

    Same parameters and same result as :func:`rai._profile.profile_file` (see the module
    docstring for the agreement). Without ``feature_types`` the types are inferred from the
    first 50,000 rows, as the pandas engine infers them from its first chunk. ``on_step`` is
    called with the name of each Spark job as it starts (the CLI's progress display).
    """
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    step = on_step or (lambda name: None)
    if like is not None:
        max_exact_values, relative_accuracy = like.max_exact_values, like.relative_accuracy
    _check_settings(max_exact_values, relative_accuracy)
    step("reading")
    df = read_spark(source, spark)
    if feature_types is None:
        from rai._spec import _infer_feature_type

        head = df.limit(50_000).toPandas()
        feature_types = {str(c): _infer_feature_type(head[c]) for c in head.columns}
    roles = dict(roles or {})
    fields = {f.name: f.dataType for f in df.schema.fields}
    for column, kind in feature_types.items():
        if column not in fields:
            raise DataContractError(f"profile: column {column!r} is not in the table; columns present: {list(fields)[:20]}.")
        if kind not in ("numeric", "categorical"):
            raise ConfigError(f"profile: the type of column {column!r} must be 'numeric' or 'categorical'. Got {kind!r} instead.")
        if roles.get(column, "feature") not in ROLES:
            raise ConfigError(f"profile: the role of column {column!r} must be one of {list(ROLES)}. Got {roles[column]!r} instead.")
        if kind == "numeric" and not isinstance(fields[column], (T.NumericType, T.BooleanType)):
            raise DataContractError(
                f"profile: column {column!r} is numeric in the data contract but Spark reads it as {fields[column].simpleString()}; "
                "expected a numeric column."
            )

    columns = list(feature_types)
    alias = {c: f"c{i}" for i, c in enumerate(columns)}  # safe names for any column label
    floating = (T.FloatType, T.DoubleType, T.DecimalType)

    def finite(c: str) -> Any:
        """The column as a double, with NaN and infinities as null (numeric columns)."""
        x = F.col(f"`{c}`").cast("double")
        return F.when(F.isnan(x) | (F.abs(x) == float("inf")), F.lit(None)).otherwise(x)

    def cat_value(c: str) -> Any:
        x = F.col(f"`{c}`")
        if isinstance(fields[c], floating):  # pandas counts NaN as missing in a float column
            return F.when(F.isnan(x.cast("double")), F.lit(None)).otherwise(x)
        return x

    base = df.select(*[
        (finite(c) if feature_types[c] == "numeric" else cat_value(c)).alias(alias[c]) for c in columns
    ])

    # job 1: moments, extremes, missing counts, approximate distinct counts
    step("summarising columns")
    aggs = [F.count(F.lit(1)).alias("__rows")]
    for c in columns:
        a = alias[c]
        aggs.append(F.sum(F.when(F.col(a).isNull(), 1).otherwise(0)).alias(f"{a}_missing"))
        if feature_types[c] == "numeric":
            aggs += [
                F.count(a).alias(f"{a}_n"), F.avg(a).alias(f"{a}_mean"), F.var_pop(a).alias(f"{a}_var"),
                F.min(a).alias(f"{a}_min"), F.max(a).alias(f"{a}_max"),
                F.approx_count_distinct(a, _APPROX_RSD).alias(f"{a}_distinct"),
            ]
    first = base.agg(*aggs).collect()[0].asDict()
    n_rows = int(first["__rows"])

    grids: dict[str, tuple[float, float, float] | None] = {}
    sketched: list[str] = []
    for c in columns:
        if feature_types[c] != "numeric":
            continue
        a = alias[c]
        grids[c] = like.column_profiles[c].grid if like is not None and c in like.column_profiles else None
        n = int(first[f"{a}_n"] or 0)
        if n and int(first[f"{a}_distinct"]) > _EXACT_MARGIN * max_exact_values:
            sketched.append(c)
            if grids[c] is None:  # the grid of the whole column (pandas: of its first chunk)
                mean, var = float(first[f"{a}_mean"]), float(first[f"{a}_var"] or 0.0)
                scale = math.sqrt(var) if var > 0 else max(abs(mean), 1.0)
                grids[c] = (mean, scale * 1e-6, relative_accuracy)

    # job 2: counts per category / distinct value / sketch bucket, in one pass
    step("counting values")
    keyed = []
    sums = []
    for c in columns:
        a = alias[c]
        if c in sketched:
            center, min_width, alpha = grids[c]
            log_gamma = math.log((1 + alpha) / (1 - alpha))
            d = F.col(a) - F.lit(center)
            mag = F.greatest(F.ceil(F.log(F.abs(d) / F.lit(min_width)) / F.lit(log_gamma)), F.lit(1))
            key = F.when(F.abs(d) <= F.lit(min_width), F.lit(0)).otherwise(mag * F.signum(d)).cast("long")
            keyed.append(key.alias(f"{a}_k"))
            sums.append(F.col(a))
        else:
            keyed.append(F.col(a).alias(f"{a}_k"))
    value_cols = [f"{alias[c]}_k" for c in columns]
    counted = base.select(*keyed, *[F.col(alias[c]).alias(f"{alias[c]}_x") for c in sketched])
    view = f"rai_profile_{uuid.uuid4().hex}"
    counted.createOrReplaceTempView(view)
    spark_session = counted.sparkSession
    groups: dict[int, tuple[pd.Series, np.ndarray, np.ndarray | None]] = {}
    try:
        for start in range(0, len(columns), _GROUPING_BATCH):  # GROUPING_ID is a 64-bit mask
            batch = list(range(start, min(start + _GROUPING_BATCH, len(columns))))
            keys = [value_cols[i] for i in batch]
            sum_sql = "".join(f", SUM({alias[columns[i]]}_x) AS {alias[columns[i]]}_s" for i in batch if columns[i] in sketched)
            result = _to_pandas(spark_session.sql(
                f"SELECT {', '.join(keys)}, GROUPING_ID() AS gid, COUNT(1) AS cnt{sum_sql} "
                f"FROM {view} GROUP BY GROUPING SETS ({', '.join(f'({k})' for k in keys)})"
            ))
            gid = result["gid"].to_numpy().astype(np.int64)
            full = (1 << len(batch)) - 1
            for j, i in enumerate(batch):
                # GROUPING_ID sets the bit of every column not grouped: column j alone is grouped here
                part = result.loc[gid == full ^ (1 << (len(batch) - 1 - j))]
                values = part[value_cols[i]]
                keep = values.notna().to_numpy()  # the null group: missing entries, counted in job 1
                total = part[f"{alias[columns[i]]}_s"].to_numpy(dtype=np.float64)[keep] if columns[i] in sketched else None
                groups[i] = (values[keep], part["cnt"].to_numpy().astype(np.int64)[keep], total)
    finally:
        spark_session.catalog.dropTempView(view)

    # assemble on the driver
    step("assembling the profile")
    profiles: dict[str, ColumnProfile] = {}
    for i, c in enumerate(columns):
        a = alias[c]
        role = roles.get(c, "feature")
        n_missing = int(first[f"{a}_missing"])
        found, counts, totals = groups[i]
        if feature_types[c] == "categorical":
            labels = label_values(found.tolist())
            if len(set(labels)) != labels.size:  # 1 and "1": one label, as summarize_categorical
                merged = pd.Series(counts).groupby(labels).sum()
                labels, counts = merged.index.to_numpy(dtype=object), merged.to_numpy().astype(np.int64)
            order = np.argsort(labels.astype(str), kind="stable")
            profiles[c] = ColumnProfile("categorical", role, n_missing, labels[order], counts[order])
            continue
        n = int(first[f"{a}_n"] or 0)
        col = ColumnProfile("numeric", role, n_missing, None, None, n=n,
                            minimum=float(first[f"{a}_min"]) if n else None,
                            maximum=float(first[f"{a}_max"]) if n else None, grid=grids[c])
        if c in sketched:
            keys = found.to_numpy().astype(np.int64)
            order = np.argsort(keys)
            sketch = _empty_sketch(grids[c])
            sketch.keys, sketch.counts, sketch.sums = keys[order], counts[order], totals[order]
            col.sketch = sketch
            col.mean = float(first[f"{a}_mean"])
            col.m2 = float(first[f"{a}_var"]) * n
        else:
            values = found.to_numpy(dtype=np.float64)
            order = np.argsort(values)
            col.values, col.counts = values[order], counts[order]
            col.n, col.mean, col.m2 = _moments(col.values, col.counts)
            if col.grid is None and col.n:  # as the pandas engine: the grid of the (first) chunk
                col.grid = _new_grid(col.values, col.counts, relative_accuracy)
            if col.values.size > max_exact_values:
                _to_sketch(col, relative_accuracy)
        profiles[c] = col
    profile = Profile(profiles, n_rows, max_exact_values=max_exact_values, relative_accuracy=relative_accuracy)
    if isinstance(source, (str, os.PathLike)):
        profile.name = os.path.basename(str(source).rstrip("/")) or str(source)
    logger.info("spark profile: %d rows, %d columns, sketched %s", n_rows, len(columns), sketched)
    return profile
