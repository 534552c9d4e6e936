"""Column roles said out loud: the roles report, its warnings, and batches whose labels come later."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import rai
from rai._roles import PROBE_ROWS, describe_roles, is_id_like, more_distinct_than
from rai.datasets import load_acs_employment
from tests.conftest import make_binary

ACS_SPEC = dict(target="employed", prediction="prediction", score="predicted_probability", sensitive=("SEX",))


@pytest.fixture(scope="module")
def acs_pair():
    """ACS 2015 (labelled reference) and 2018 samples, each with an undeclared customer id."""
    ref = load_acs_employment(2015).sample(3000, random_state=0).reset_index(drop=True)
    cur = load_acs_employment(2018).sample(3000, random_state=1).reset_index(drop=True)
    ref["customer_id"] = [f"R{i:06d}" for i in range(len(ref))]
    cur["customer_id"] = [f"C{i:06d}" for i in range(len(cur))]
    return ref, cur


def test_undeclared_customer_id_is_named_and_not_drifted(acs_pair):
    ref, cur = acs_pair
    spec = rai.DatasetSpec(**ACS_SPEC, exclude=("year",))
    seen = []
    a = rai.assess(cur, spec=spec, reference=ref, analyzers=_data_analyzers(), on_roles=seen.append)
    # every value differs between the tables, so a drift test on it would always fire
    drift_columns = [c.column for c in a.results.drift.columns]
    assert "customer_id" not in drift_columns and "id" not in drift_columns
    assert "AGEP" in drift_columns
    assert [c for c in a.results.quality.issues if c.column == "customer_id"] == []
    (roles,) = seen
    assert roles == a.roles
    assert set(roles.id_like) == {"id", "customer_id"}
    assert any("'customer_id'" in w and "distinct value on every row" in w for w in roles.warnings)
    assert "customer_id" not in roles.numeric + roles.categorical


def test_declared_feature_stays_a_feature_even_when_unique(acs_pair):
    ref, cur = acs_pair
    spec = rai.DatasetSpec(**ACS_SPEC, exclude=("year", "id"), categorical=("customer_id",))
    a = rai.assess(cur, spec=spec, reference=ref, analyzers=_data_analyzers())
    assert "customer_id" in [c.column for c in a.results.drift.columns]
    assert a.roles.id_like == []


def test_warnings_for_year_integer_codes_and_an_undeclared_label():
    frame = make_binary(400, seed=3)
    frame["year"] = 2018
    frame["code"] = [i % 17 for i in range(len(frame))]  # 17 integer codes: numeric by the dtype rule
    frame["label"] = frame["y"]
    valid = rai.DatasetSpec(prediction="pred").validate(frame)
    roles = describe_roles(valid)
    text = "\n".join(roles.warnings)
    assert "'year' looks like a year or a date" in text
    assert "integer column 'code' has 17 distinct values" in text and "--categorical code" in text
    assert "'label' is named like a label but no --target was given" in text
    assert "'x1'" not in text  # a float measurement is neither an id nor a code
    assert roles.target is None and "code" in roles.numeric and "year" in roles.categorical


@pytest.mark.parametrize(
    "values, expected",
    [(list(range(100)), True), ([f"u{i}" for i in range(100)], True), ([i * 0.5 for i in range(100)], False),
     ([i % 50 for i in range(100)], False), (list(range(10)), False)],
)
def test_is_id_like(values, expected):
    assert is_id_like(pd.Series(values)) is expected


@pytest.fixture(scope="module")
def acs_files(tmp_path_factory):
    """ACS 2015 with labels; 2016-2018 without the label column (labels come later)."""
    folder = tmp_path_factory.mktemp("acs")
    load_acs_employment(2015).to_parquet(folder / "ref.parquet")
    batch = pd.concat([load_acs_employment(y) for y in (2016, 2017, 2018)], ignore_index=True)
    batch.drop(columns=["employed"]).to_parquet(folder / "batch.parquet")
    return folder


def test_distinct_counts_past_the_first_rows_are_still_seen():
    import numpy as np

    # the first rows settle the answer only when they already show it: a repeat, or enough values
    unique_then_repeat = pd.Series(np.r_[np.arange(PROBE_ROWS + 5), [3]])
    assert not is_id_like(unique_then_repeat)
    assert is_id_like(pd.Series(np.arange(PROBE_ROWS + 5)))
    few_then_many = pd.Series(np.r_[np.zeros(PROBE_ROWS, dtype=int), np.arange(1, 11)])  # 11 values
    assert more_distinct_than(few_then_many, 10)
    assert not more_distinct_than(few_then_many, 11)
    assert rai.DatasetSpec().validate(pd.DataFrame({"code": few_then_many})).feature_types["code"] == "numeric"
    assert rai.DatasetSpec().validate(pd.DataFrame({"code": few_then_many[:-1]})).feature_types["code"] == "categorical"


def test_assess_unlabelled_batch_runs_data_analyzers_and_says_who_waits(rai, acs_files, tmp_path):
    run = rai("assess", "--data", acs_files / "batch.parquet", "--reference", acs_files / "ref.parquet",
              "--target", "employed", "--prediction", "prediction", "--score", "predicted_probability",
              "--sensitive", "SEX", "--id", "id", "--only", "performance,fairness,drift,quality", "--out", tmp_path)
    assert run.code == 0, run.err
    doc = json.loads((tmp_path / "assessment.json").read_text())
    assert doc["results"]["drift"] is not None and doc["results"]["quality"] is not None
    assert doc["results"]["performance"] is None and doc["results"]["fairness"] is None
    waited = {n["analyzer"] for n in doc["results"]["notes"] if "waits for labels: 'employed'" in n["message"]}
    assert waited == {"performance", "fairness"}
    assert doc["roles"]["awaiting_labels"] == ["employed"]
    # the roles come before the notes on stderr, said once
    assert run.err.index("roles: target employed") < run.err.index("note: performance skipped: waits for labels")
    assert "awaiting labels: employed" in run.err
    drifted = {c["column"] for c in doc["results"]["drift"]["columns"] if c["drifted"]}
    assert "year" in drifted  # warned about, and it did drift: it is a different year in every batch
    assert "'year' looks like a year" in run.err


def test_excluded_label_absent_from_the_batch_is_not_an_error(rai, acs_files, tmp_path):
    run = rai("assess", "--data", acs_files / "batch.parquet", "--reference", acs_files / "ref.parquet",
              "--exclude", "employed,year", "--id", "id", "--only", "drift", "--out", tmp_path)
    assert run.code == 0, run.err
    doc = json.loads((tmp_path / "assessment.json").read_text())
    assert "employed" not in {c["column"] for c in doc["results"]["drift"]["columns"]}


def test_feature_missing_from_the_batch_suggests_target_or_exclude(rai, acs_files, tmp_path):
    run = rai("assess", "--data", acs_files / "batch.parquet", "--reference", acs_files / "ref.parquet",
              "--only", "drift", "--out", tmp_path)
    assert run.code == 2
    assert "missing from the data: ['employed']" in run.err
    assert "pass --target employed" in run.err and "--exclude employed" in run.err
    assert "Traceback" not in run.err


def _data_analyzers():
    from rai.analyzers import default_analyzers

    return default_analyzers(enabled=["drift", "quality"])


def test_roles_report_stays_one_screen_for_wide_tables():
    import numpy as np

    frame = pd.DataFrame(np.random.default_rng(0).normal(size=(50, 200)), columns=[f"f{i}" for i in range(200)])
    lines = describe_roles(rai.DatasetSpec().validate(frame)).lines()
    assert lines[1].startswith("features: 200 numeric (f0, f1,") and lines[1].endswith("(+188 more)); 0 categorical (-)")


def test_monitor_run_checks_an_unlabelled_batch(rai, acs_files, tmp_path):
    run = rai("monitor", "run", "--reference", acs_files / "ref.parquet", "--current", acs_files / "batch.parquet",
              "--target", "employed", "--prediction", "prediction", "--score", "predicted_probability",
              "--id", "id", "--exclude", "year", "--store", f"sqlite:///{tmp_path / 'monitor.db'}")
    assert run.code == 0, run.err
    assert "0 of 16 features drifted" in run.out
    assert "is not in the table" not in run.err
