"""The Spark engine against the pandas engine on the same rows (PySpark in local mode).

Oracles: the pandas engine (``rai._profile.profile_file``, itself tested against raw-data drift
and so against evidently) and the drift of the raw tables. Counts must be identical, exact
statistics equal, sketched ones within the tolerance documented in ``rai._spark``, and the
drift decisions identical. One SparkSession for the module; skipped with a reason when PySpark
or Java is missing.
"""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from rai._exceptions import DataContractError
from rai._profile import Profile, profile_file
from rai._spec import DatasetSpec
from rai.analyzers._drift import DriftAnalyzer
from rai.datasets import load_acs_employment

pyspark = pytest.importorskip("pyspark", reason="the Spark engine needs pyspark (pip install 'rai[spark]')")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("the Spark engine needs a Java runtime (java on PATH or JAVA_HOME)", allow_module_level=True)

pytestmark = [
    pytest.mark.spark,
    # py4j and pyspark warn about their own internals on newer Pythons
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
]

SPEC = DatasetSpec(target="employed", prediction="prediction", score="predicted_probability", id="id", exclude=("year",))
ROWS = 6000


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("rai-tests")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _table(year: int, seed: int) -> pd.DataFrame:
    """ACS rows plus columns that exercise the edge cases: NaN, inf, None, a sketched column."""
    frame = load_acs_employment(year).iloc[:ROWS].reset_index(drop=True)
    rng = np.random.default_rng(seed)
    noisy = rng.normal(0.3 * seed, 1.0, len(frame))  # > 1000 distinct values: sketched
    noisy[::7] = np.nan
    noisy[3] = np.inf
    frame["noisy"] = noisy
    label = frame["RAC1P"].astype(object)
    label[::11] = None
    frame["label"] = label
    return frame


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("spark")
    out = {}
    for name, year, seed in (("reference", 2015, 0), ("current", 2018, 1)):
        path = folder / f"{name}.parquet"
        _table(year, seed).to_parquet(path, row_group_size=2000)  # three row groups: the pandas engine merges chunks
        out[name] = path
    return out


@pytest.fixture(scope="module")
def layout(files):
    from monitors._checks import profile_layout

    return profile_layout(files["reference"], SPEC)


@pytest.fixture(scope="module")
def profiles(spark, files, layout):
    from rai._spark import profile_spark

    types, roles = layout
    pandas_ref = profile_file(files["reference"], types, roles=roles, chunk_rows=2000)
    pandas_cur = profile_file(files["current"], types, roles=roles, chunk_rows=2000)
    spark_ref = profile_spark(str(files["reference"]), types, roles=roles, spark=spark)
    spark_cur = profile_spark(spark.read.parquet(str(files["current"])), types, roles=roles, spark=spark, like=spark_ref)
    return pandas_ref, pandas_cur, spark_ref, spark_cur


def _assert_same_profile(a: Profile, b: Profile) -> None:
    assert a.n_rows == b.n_rows
    assert a.columns == b.columns
    assert a.kinds == b.kinds and a.roles == b.roles
    for name in a.columns:
        x, y = a.column_profiles[name], b.column_profiles[name]
        assert x.n_missing == y.n_missing, name
        assert x.exact == y.exact, name
        if x.kind == "categorical":
            assert list(x.values) == list(y.values), name
            assert x.counts.tolist() == y.counts.tolist(), name
            continue
        assert (x.n, x.minimum, x.maximum) == (y.n, y.minimum, y.maximum), name
        assert y.mean == pytest.approx(x.mean, rel=1e-9, abs=1e-12), name
        assert y.m2 == pytest.approx(x.m2, rel=1e-9, abs=1e-12), name
        if x.exact:
            assert x.values.tolist() == y.values.tolist(), name
            assert x.counts.tolist() == y.counts.tolist(), name
        else:
            assert int(y.sketch.counts.sum()) == y.n == x.n, name
            assert float(y.sketch.sums.sum()) == pytest.approx(x.mean * x.n, rel=1e-9, abs=1e-9), name


def test_counts_and_statistics_equal_the_pandas_engine(profiles):
    pandas_ref, pandas_cur, spark_ref, spark_cur = profiles
    assert spark_ref.n_rows == ROWS
    sketched = sorted(c for c, p in spark_ref.column_profiles.items() if not p.exact)
    assert sketched == ["noisy", "predicted_probability"]
    assert spark_ref.column_profiles["noisy"].n_missing == int(np.ceil(ROWS / 7)) + 1  # NaN every 7th row, one inf
    assert spark_ref.column_profiles["label"].n_missing == int(np.ceil(ROWS / 11))
    _assert_same_profile(pandas_ref, spark_ref)
    _assert_same_profile(pandas_cur, spark_cur)


def test_drift_from_spark_profiles_matches_pandas_and_raw(profiles, files):
    pandas_ref, pandas_cur, spark_ref, spark_cur = profiles
    by_spark = spark_ref.compare(spark_cur)
    by_pandas = pandas_ref.compare(pandas_cur)
    raw_ref, raw_cur = SPEC.validate_pair(pd.read_parquet(files["reference"]), pd.read_parquet(files["current"]))
    by_raw = DriftAnalyzer().fit(raw_ref).compute(raw_cur)

    def rows(result):
        return {c.column: c for c in result.columns + result.prediction}

    s, p, r = rows(by_spark), rows(by_pandas), rows(by_raw)
    assert s.keys() == p.keys() == r.keys()
    assert any(c.drifted for c in s.values()) and not all(c.drifted for c in s.values())
    for name in s:
        assert s[name].method == p[name].method == r[name].method, name
        assert s[name].drifted == p[name].drifted == r[name].drifted, name
        assert (s[name].n_reference, s[name].n_current) == (r[name].n_reference, r[name].n_current), name
        if spark_ref.column_profiles[name].exact and spark_cur.column_profiles[name].exact:
            assert s[name].statistic == pytest.approx(r[name].statistic, rel=1e-9, abs=1e-12), name
            assert s[name].psi == pytest.approx(r[name].psi, rel=1e-9, abs=1e-12), name
            assert s[name].distribution == r[name].distribution, name
        else:  # sketched: the documented bound (0.004 per engine for a normed Wasserstein distance)
            assert s[name].statistic == pytest.approx(r[name].statistic, abs=0.004), name
            assert s[name].statistic == pytest.approx(p[name].statistic, abs=0.008), name
    assert by_spark.dataset_drift == by_pandas.dataset_drift == by_raw.dataset_drift
    assert by_spark.share_drifted == by_raw.share_drifted


def test_profile_json_round_trip_and_merge(profiles):
    _, _, spark_ref, spark_cur = profiles
    back = Profile.from_dict(json.loads(json.dumps(spark_ref.to_dict())))
    _assert_same_profile(spark_ref, back)
    both = spark_ref.merge(spark_cur)
    assert both.n_rows == 2 * ROWS
    assert both.column_profiles["SEX"].counts.sum() == 2 * ROWS


def test_bad_input_names_the_column(spark, files):
    from rai._spark import profile_spark

    with pytest.raises(DataContractError, match="'nope' is not in the table"):
        profile_spark(str(files["reference"]), {"nope": "numeric"}, spark=spark)
    with pytest.raises(DataContractError, match="column 'label' is numeric in the data contract but Spark reads it as string"):
        profile_spark(str(files["reference"]), {"label": "numeric"}, spark=spark)
    with pytest.raises(DataContractError, match="Spark cannot read"):
        profile_spark(str(files["reference"]) + ".missing/", {"AGEP": "numeric"}, spark=spark)


def test_cli_monitor_profile_engine_spark_writes_the_same_profile(spark, files, tmp_path):
    from rai.cli import cli

    runner = CliRunner()
    outs = {}
    for engine in ("pandas", "spark"):
        out = tmp_path / f"{engine}.json"
        res = runner.invoke(cli, ["monitor", "profile", "--reference", str(files["reference"]), "--out", str(out),
                                  "--target", "employed", "--prediction", "prediction", "--score", "predicted_probability",
                                  "--id", "id", "--exclude", "year", "--engine", engine, "--chunk-rows", "2000"])
        assert res.exit_code == 0, res.output
        outs[engine] = Profile.load(out)
    _assert_same_profile(outs["pandas"], outs["spark"])


def test_cli_spark_job_compares_a_batch_with_a_stored_reference_profile(spark, files, tmp_path):
    """The check as a Spark job: profile the batch on Spark on the reference's grid, print the drift."""
    from rai.cli import cli

    flags = ["--target", "employed", "--prediction", "prediction", "--score", "predicted_probability", "--id", "id",
             "--exclude", "year"]
    runner = CliRunner()
    ref = tmp_path / "ref.json"
    assert runner.invoke(cli, ["monitor", "profile", "--reference", str(files["reference"]), "--out", str(ref), *flags]).exit_code == 0
    res = runner.invoke(cli, ["monitor", "profile", "--engine", "spark", "--reference", str(files["current"]),
                              "--out", str(tmp_path / "cur.json"), "--compare", str(ref), "--drift-json",
                              str(tmp_path / "drift.json"), "--fail-on-drift", *flags])
    raw_ref, raw_cur = SPEC.validate_pair(pd.read_parquet(files["reference"]), pd.read_parquet(files["current"]))
    expected = DriftAnalyzer().fit(raw_ref).compute(raw_cur)
    drift = json.loads((tmp_path / "drift.json").read_text())
    assert {c["column"]: c["drifted"] for c in drift["columns"]} == {c.column: c.drifted for c in expected.columns}
    assert drift["dataset_drift"] == expected.dataset_drift
    failed = expected.dataset_drift or any(c.drifted for c in expected.prediction)
    assert res.exit_code == (1 if failed else 0), res.output
    assert "drift against ref.json" in res.output


def test_a_table_name_and_the_config_engine(spark, files, profiles, tmp_path):
    from monitors import MonitorConfig
    from rai._exceptions import ConfigError
    from rai._spark import profile_spark
    from rai.cli import cli

    _, _, spark_ref, _ = profiles
    spark.read.parquet(str(files["reference"])).createOrReplaceTempView("rai_reference")
    by_name = profile_spark("rai_reference", {"SEX": "categorical", "AGEP": "numeric"}, spark=spark)
    assert by_name.n_rows == ROWS
    assert by_name.column_profiles["SEX"].counts.tolist() == spark_ref.column_profiles["SEX"].counts.tolist()
    assert by_name.column_profiles["AGEP"].values.tolist() == spark_ref.column_profiles["AGEP"].values.tolist()

    assert MonitorConfig.from_mapping({"engine": "spark"}).engine == "spark"
    with pytest.raises(ConfigError, match="monitor.engine must be 'pandas' or 'spark'; got 'dask'"):
        MonitorConfig.from_mapping({"engine": "dask"})
    config = tmp_path / "rai.yaml"
    config.write_text("data: {target: employed, prediction: prediction, score: predicted_probability, id: id, exclude: [year]}\n"
                      "monitor: {engine: spark}\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["monitor", "profile", "--config", str(config), "--reference", "rai_reference",
                                   "--out", str(tmp_path / "p.json")])  # a table name: only Spark can read it
    assert res.exit_code == 0, res.output
    _assert_same_profile(spark_ref, Profile.load(tmp_path / "p.json"))
