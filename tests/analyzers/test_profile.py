"""Profiles: merge, JSON, streaming files, and drift from profiles against drift from raw data.

Where a profile is exact (categorical columns, numeric columns with few distinct values) the
statistics must equal the raw-data ones; where it is a sketch they must stay within the
bounds documented in ``rai._profile``.
"""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scipy import stats

from rai._exceptions import ConfigError, DataContractError
from rai._profile import PROFILE_FORMAT, Profile, profile_file
from rai._spec import DatasetSpec
from rai.analyzers._drift import DriftAnalyzer
from rai.datasets import load_acs_employment

ACS_SPEC = DatasetSpec(
    target="employed", prediction="prediction", score="predicted_probability", id="id", exclude=("year",)
)
ALPHA = 0.001


@pytest.fixture(scope="module")
def acs():
    ref, cur = ACS_SPEC.validate_pair(load_acs_employment(2015), load_acs_employment(2018))
    return ref, cur


def chunked(data, size: int, **kwargs) -> Profile:
    frame = data.frame
    first = Profile.from_validated(ACS_SPEC.validate(frame.iloc[:size], name="reference"), **kwargs)
    out = first
    for start in range(size, len(frame), size):
        part = ACS_SPEC.validate(frame.iloc[start : start + size], name="reference")
        out = out.merge(Profile.from_validated(part, like=first))
    return out


def rows(result):
    return {c.column: c for c in result.columns + result.prediction}


def assert_same(raw, prof, exact_columns, rel=1e-9):
    a, b = rows(raw), rows(prof)
    assert a.keys() == b.keys()
    for name in exact_columns:
        x, y = a[name], b[name]
        assert (x.method, x.drifted) == (y.method, y.drifted), name
        assert y.statistic == pytest.approx(x.statistic, rel=rel, abs=1e-12), name
        assert y.psi == pytest.approx(x.psi, rel=rel, abs=1e-12), name
        assert y.distribution == x.distribution, name


def test_profiles_of_acs_give_the_raw_statistics_where_exact(acs):
    ref, cur = acs
    raw = DriftAnalyzer(correction="none").fit(ref).compute(cur)
    exact = [c for c in ref.features] + ["employed", "prediction"]
    whole_ref, whole_cur = Profile.from_validated(ref), Profile.from_validated(cur)
    assert not whole_ref.column_profiles["AGEP"].sketch and whole_ref.column_profiles["predicted_probability"].sketch
    merged = chunked(ref, 7000)
    stored = Profile.from_dict(json.loads(json.dumps(merged.to_dict())))
    for reference in (whole_ref, merged, stored):
        for current in (whole_cur, cur):  # a profile or the raw current data
            assert_same(raw, DriftAnalyzer(correction="none").fit(reference).compute(current), exact)
    # the sketched score column stays close
    prof = rows(DriftAnalyzer(correction="none").fit(merged).compute(whole_cur))
    x = rows(raw)["predicted_probability"]
    assert prof["predicted_probability"].statistic == pytest.approx(x.statistic, abs=5e-4)


def test_merge_is_exact_for_counts_moments_and_extremes(acs):
    ref, _ = acs
    whole = Profile.from_validated(ref)
    merged = chunked(ref, 5000)
    assert merged.n_rows == whole.n_rows == ref.n_rows
    for name, a in whole.column_profiles.items():
        b = merged.column_profiles[name]
        assert a.n_missing == b.n_missing
        if a.kind == "categorical" or a.sketch is None:
            np.testing.assert_array_equal(a.values, b.values)
            np.testing.assert_array_equal(a.counts, b.counts)
        if a.kind == "numeric":
            x = ref.frame[name].to_numpy(dtype=float)
            assert (b.n, b.minimum, b.maximum) == (x.size, x.min(), x.max())
            assert b.mean == pytest.approx(x.mean(), rel=1e-12)
            assert b.m2 / b.n == pytest.approx(x.var(), rel=1e-10)
        if a.sketch is not None:
            assert b.sketch.counts.sum() == ref.n_rows
            assert b.sketch.sums.sum() == pytest.approx(ref.frame[name].sum(), rel=1e-12)


def _continuous(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "normal": rng.normal(shift, 1, n),
            "lognormal": rng.lognormal(shift / 2, 1, n),
            "offset": 1000 + rng.normal(shift / 10, 0.5, n),  # far from zero, small spread
            "uniform": rng.uniform(-5, 5 + shift, n),
        }
    )


@pytest.mark.parametrize("shift", [0.0, 0.05, 0.3, 1.0])
def test_sketched_wasserstein_within_the_documented_bound(shift):
    ref = _continuous(60_000, 0)
    cur = _continuous(40_000, 1, shift)
    types = dict.fromkeys(ref.columns, "numeric")
    pr, pc = Profile.from_frame(ref, types), Profile.from_frame(cur, types)
    assert all(not c.exact for c in pr.column_profiles.values())
    r, c = DatasetSpec().validate_pair(ref, cur)
    raw = rows(DriftAnalyzer().fit(r).compute(c))
    for current in (pc, c):
        prof = rows(DriftAnalyzer().fit(pr).compute(current))
        for name in ref.columns:
            center = pr.column_profiles[name].grid[0]
            spread = ref[name].std(ddof=0)
            sketched_sides = [ref[name]] + ([cur[name]] if current is pc else [])
            bound = 2 * ALPHA / (1 - ALPHA) * sum(np.mean(np.abs(s - center)) for s in sketched_sides) / spread + 1e-5
            assert abs(prof[name].statistic - raw[name].statistic) <= bound, (name, bound)
            assert bound < 0.01
            if abs(raw[name].statistic - 0.1) > bound:
                assert prof[name].drifted == raw[name].drifted


def test_sketched_ks_within_the_largest_bucket_share():
    ref = _continuous(800, 0)
    cur = _continuous(900, 1, 0.2)
    types = dict.fromkeys(ref.columns, "numeric")
    pr = Profile.from_frame(ref, types, max_exact_values=20)
    pc = Profile.from_frame(cur, types, like=pr)
    r, c = DatasetSpec().validate_pair(ref, cur)
    raw = rows(DriftAnalyzer(correction="none").fit(r).compute(c))
    prof = rows(DriftAnalyzer(correction="none").fit(pr).compute(pc))
    for name in ref.columns:
        assert raw[name].method == prof[name].method == "ks"
        largest = max(
            (p.column_profiles[name].sketch.counts / p.n_rows).max() for p in (pr, pc)
        )
        assert abs(prof[name].statistic - raw[name].statistic) <= largest + 1e-12
        # the p-value is the KS distribution at the moved statistic
        assert prof[name].p_value == pytest.approx(
            stats.ks_2samp(pr.summary(name).to_array(), pc.summary(name).to_array()).pvalue
        )


def test_profile_compare_on_a_frame_equals_the_analyzer(acs):
    ref, cur = acs
    profile = Profile.from_validated(ref)
    via_compare = profile.compare(cur.frame, correction="none")
    direct = DriftAnalyzer(correction="none").fit(profile).compute(cur)
    assert via_compare.to_dict() == direct.to_dict()
    assert {c.role for c in via_compare.prediction} == {"prediction", "score", "target"}


def test_profile_file_streams_parquet_row_groups_and_csv_chunks(tmp_path):
    acs = load_acs_employment(2015)
    types = {"AGEP": "numeric", "SCHL": "categorical", "SEX": "categorical", "predicted_probability": "numeric"}
    roles = {"predicted_probability": "score"}
    parquet = tmp_path / "acs.parquet"
    pq.write_table(pa.Table.from_pandas(acs), parquet, row_group_size=8000)
    csv = tmp_path / "acs.csv"
    acs.to_csv(csv, index=False)
    whole = Profile.from_frame(acs, types, roles=roles)
    for path in (parquet, csv):
        streamed = profile_file(path, types, roles=roles, chunk_rows=9000)
        assert streamed.n_rows == len(acs)
        for name in ("AGEP", "SCHL", "SEX"):
            a, b = whole.column_profiles[name], streamed.column_profiles[name]
            np.testing.assert_array_equal(a.counts, b.counts)
            assert [str(v) for v in a.values] == [str(v) for v in b.values]
        assert streamed.roles["predicted_probability"] == "score"
    inferred = profile_file(parquet, chunk_rows=20000)
    assert inferred.kinds["AGEP"] == "numeric" and inferred.kinds["SCHL"] == "categorical"


def test_profile_file_memory_is_bounded_by_the_chunk(tmp_path):
    n = 400_000
    frame = _continuous(n, 0)
    path = tmp_path / "big.parquet"
    pq.write_table(pa.Table.from_pandas(frame), path, row_group_size=20_000)
    del frame
    tracemalloc.start()
    profile = profile_file(path, dict.fromkeys(["normal", "lognormal", "offset", "uniform"], "numeric"), chunk_rows=20_000)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert profile.n_rows == n
    full_table = n * 4 * 8
    assert peak < full_table / 2, f"peak {peak / 2**20:.1f} MiB for a {full_table / 2**20:.1f} MiB table"


def test_errors_name_what_is_wrong(tmp_path, acs):
    ref, _ = acs
    a = Profile.from_validated(ref)
    b = Profile.from_frame(ref.frame, {"AGEP": "numeric"})
    with pytest.raises(DataContractError, match="cannot merge profiles with different columns"):
        a.merge(b)
    with pytest.raises(DataContractError, match=f"expected format {PROFILE_FORMAT!r}, got 'x'"):
        Profile.from_dict({"format": "x"})
    with pytest.raises(ConfigError, match="'max_exact_values' parameter of Profile must be an int >= 20. Got 5 instead."):
        Profile.from_frame(ref.frame, {"AGEP": "numeric"}, max_exact_values=5)
    with pytest.raises(DataContractError, match="column 'nope' is not in the table"):
        Profile.from_frame(ref.frame, {"nope": "numeric"})
    with pytest.raises(DataContractError, match="expected a .parquet or .csv file"):
        (tmp_path / "x.xlsx").write_text("x")
        profile_file(tmp_path / "x.xlsx")
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 not really")
    with pytest.raises(DataContractError, match="is not a readable Parquet file"):
        profile_file(bad)
    saved = tmp_path / "p.json"
    a.save(saved)
    assert Profile.load(saved).to_dict() == a.to_dict()
