"""Drift analyzer against its oracles: evidently 0.7 itself, scipy and statsmodels.

Every evidently comparison runs ``DataDriftPreset`` (with tests) on the same frames with the
same column types and checks, per column, the method, the score (p-value for tests, the
statistic for distances) and the drift decision, with ``correction="none"``.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from rai._exceptions import ConfigError, DataContractError
from rai._spec import DatasetSpec
from rai.analyzers import get_analyzer_class
from rai.analyzers._drift import OTHER_CATEGORY, DriftAnalyzer
from rai.analyzers._stattests import STATTESTS, summarize_categorical, summarize_numeric
from rai.datasets import load_acs_employment
from rai.results import DriftResult

ADULT = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "adult" / "adult.csv"
DISPLAY_TO_NAME = {t.display_name: name for name, t in STATTESTS.items()}
ACS_SPEC = DatasetSpec(
    target="employed", prediction="prediction", score="predicted_probability", id="id", exclude=("year",)
)


def evidently_drift(reference: pd.DataFrame, current: pd.DataFrame, numeric: list[str], categorical: list[str]):
    """Per column (method, score, drifted) and the share of drifted columns, from evidently 0.7."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from evidently import DataDefinition, Dataset, Report
        from evidently.presets import DataDriftPreset

        columns = numeric + categorical
        definition = DataDefinition(numerical_columns=numeric, categorical_columns=categorical)
        snapshot = Report([DataDriftPreset(columns=columns)], include_tests=True).run(
            Dataset.from_pandas(current[columns], data_definition=definition),
            Dataset.from_pandas(reference[columns], data_definition=definition),
        )
        out = snapshot.dict()
    per_column = {}
    for metric in out["metrics"][1:]:
        per_column[metric["config"]["column"]] = [DISPLAY_TO_NAME[metric["config"]["method"]], float(metric["value"])]
    for test in out["tests"][1:]:
        per_column[test["metric_config"]["params"]["column"]].append(test["status"] == "FAIL")
    return per_column, out["metrics"][0]["value"]["share"]


def _evidently_stattests():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from evidently.legacy.calculations.stattests import get_stattest, psi_stat_test
        from evidently.legacy.core import ColumnType
    return get_stattest, psi_stat_test, ColumnType


def assert_matches_evidently(result: DriftResult, reference, current, rtol: float = 1e-6) -> None:
    numeric = [c.column for c in result.columns if c.column_type == "numeric"]
    categorical = [c.column for c in result.columns if c.column_type == "categorical"]
    expected, share = evidently_drift(reference, current, numeric, categorical)
    assert set(expected) == {c.column for c in result.columns}
    for col in result.columns:
        method, score, drifted = expected[col.column]
        ours = col.p_value if STATTESTS[col.method].kind == "p_value" else col.statistic
        assert col.method == method, col.column
        if math.isinf(score) or score == 0:
            assert ours == score, (col.column, ours, score)
        else:
            assert ours == pytest.approx(score, rel=rtol, abs=1e-12), (col.column, ours, score)
        assert col.drifted == drifted, (col.column, ours, score)
    assert result.share_drifted == pytest.approx(share)


def drift(reference, current, spec=None, **params) -> DriftResult:
    spec = spec or DatasetSpec()
    ref, cur = spec.validate_pair(reference, current)
    return DriftAnalyzer(**params).fit(ref).compute(cur)


# ---------------------------------------------------------------------------------------------
# evidently as the oracle


def test_small_reference_acs_matches_evidently():
    ref = load_acs_employment(2015).sample(800, random_state=1)
    cur = load_acs_employment(2018).sample(700, random_state=2)
    result = drift(ref, cur, ACS_SPEC, correction="none")
    assert {c.method for c in result.columns} == {"ks", "chisquare", "z"}
    assert_matches_evidently(result, ref, cur)


def test_full_acs_2015_vs_2018_matches_evidently():
    ref = load_acs_employment(2015)
    cur = load_acs_employment(2018)
    result = drift(ref, cur, ACS_SPEC, correction="none")
    assert {c.method for c in result.columns} == {"wasserstein", "jensenshannon"}
    assert result.n_reference == len(ref) and result.n_current == len(cur)
    assert_matches_evidently(result, ref, cur)
    # real yearly change is small: nothing drifts
    assert result.n_drifted == 0 and not result.dataset_drift
    assert [c.role for c in result.prediction] == ["prediction", "score", "target"]


def _generated(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(shift, 1, n)
    x[rng.random(n) < 0.05] = np.nan
    x[:2] = [np.inf, -np.inf]  # dropped, as evidently does
    letters = rng.choice(list("abcdefg"), n, p=[0.3, 0.2, 0.15, 0.15, 0.1, 0.05, 0.05]).astype(object)
    letters[rng.random(n) < 0.03] = None  # missing categories are dropped, as evidently does
    return pd.DataFrame(
        {
            "normal": x,
            "lognormal": rng.lognormal(0, 1 + shift / 4, n),
            "few_values": rng.choice([1.0, 2.0, 3.0, 4.0], n, p=[0.4, 0.3, 0.2, 0.1]),  # numeric, 4 values
            "binary_num": rng.binomial(1, 0.3 + shift / 10, n),  # numeric, 2 values
            "integers": rng.integers(0, 60, n) + int(shift * 3),  # numeric, many values
            "letters": letters,
            "flag": rng.choice(["yes", "no"], n),
            "constant_num": np.full(n, 7.0),
        }
    )


@pytest.mark.parametrize(("n_ref", "n_cur", "shift"), [(600, 500, 0.0), (900, 1200, 0.4), (3000, 2000, 0.0), (2500, 1500, 0.5)])
def test_generated_columns_match_evidently(n_ref, n_cur, shift):
    ref = _generated(n_ref, 0)
    cur = _generated(n_cur, 1, shift)
    spec = DatasetSpec(categorical=("letters", "flag"))
    result = drift(ref, cur, spec, correction="none")
    assert_matches_evidently(result, ref, cur)
    methods = {c.column: c.method for c in result.columns}
    if n_ref <= 1000:
        assert methods["few_values"] == "chisquare" and methods["binary_num"] == "z" and methods["normal"] == "ks"
        assert methods["constant_num"] == "z"
    else:
        assert methods["few_values"] == "jensenshannon" and methods["normal"] == "wasserstein"
    if shift:
        assert result.n_drifted >= 2 and "normal" in {c.column for c in result.columns if c.drifted}


def test_category_unseen_in_reference_matches_evidently():
    rng = np.random.default_rng(3)
    ref = pd.DataFrame({"c": rng.choice(["a", "b", "c"], 400)})
    cur = pd.DataFrame({"c": rng.choice(["a", "b", "c", "d"], 300)})
    result = drift(ref, cur, correction="none")
    col = result.columns[0]
    assert col.method == "chisquare" and col.p_value == 0.0 and col.drifted
    assert_matches_evidently(result, ref, cur)


@pytest.mark.skipif(not ADULT.exists(), reason="UCI Adult not available under ../shared")
@pytest.mark.parametrize("n", [700, 6000])
def test_adult_with_planted_drift_matches_evidently(n):
    adult = pd.read_csv(ADULT, skipinitialspace=True).sample(2 * n, random_state=0).reset_index(drop=True)
    ref, cur = adult.iloc[:n].copy(), adult.iloc[n:].copy()
    cur["age"] = cur["age"] + 8
    cur["hours-per-week"] = (cur["hours-per-week"] * 1.3).round()
    cur.loc[cur.index[: n // 3], "workclass"] = "Self-emp-inc"
    spec = DatasetSpec(target="income-per-year")
    result = drift(ref, cur, spec, correction="none")
    assert_matches_evidently(result, ref, cur)
    drifted = {c.column for c in result.columns if c.drifted}
    assert {"age", "hours-per-week", "workclass"} <= drifted


# ---------------------------------------------------------------------------------------------
# planted drift, decisions, correction


def test_planted_drift_in_three_acs_columns_is_found_and_nothing_else():
    acs = load_acs_employment(2015).sample(frac=1.0, random_state=0).reset_index(drop=True)
    half = len(acs) // 2
    ref, cur = acs.iloc[:half].copy(), acs.iloc[half:].copy()
    cur["AGEP"] = cur["AGEP"] + 6  # everyone six years older
    flip = cur.index[: int(0.4 * len(cur))]  # a broken join: 40% of rows lose their marital status
    cur.loc[flip, "MAR"] = cur["MAR"].cat.categories[-1]
    cur["SCHL"] = cur["SCHL"].cat.rename_categories(np.roll(cur["SCHL"].cat.categories.to_numpy(), 1))  # codes shifted
    for correction in ("bh", "none"):
        result = drift(ref, cur, ACS_SPEC, correction=correction)
        assert {c.column for c in result.columns if c.drifted} == {"AGEP", "MAR", "SCHL"}
        assert result.n_drifted == 3 and not result.dataset_drift
        assert not any(c.drifted for c in result.prediction if c.role != "prediction")


def test_planted_drift_small_reference_with_bh():
    # KS and two-sample Z-tests (evidently's chi-squared compares the current counts with the
    # reference proportions taken as exact, so on a small reference it over-reports; see the
    # module docstring of rai.analyzers._stattests)
    columns = ["AGEP", "SEX", "DIS", "NATIVITY", "DEAR", "DEYE", "employed"]
    acs = load_acs_employment(2015).sample(1600, random_state=4).reset_index(drop=True)[columns]
    ref, cur = acs.iloc[:800].copy(), acs.iloc[800:].copy()
    cur["AGEP"] = cur["AGEP"] + 10
    cur.loc[cur.index[:300], "SEX"] = "1"
    cur.loc[cur.index[:150], "DIS"] = "1"
    result = drift(ref, cur, DatasetSpec(target="employed"))
    assert {c.method for c in result.columns} == {"ks", "z"}
    assert {c.column for c in result.columns if c.drifted} == {"AGEP", "SEX", "DIS"}


def test_bh_adjusted_p_values_equal_statsmodels_and_drive_the_decision():
    from statsmodels.stats.multitest import multipletests

    ref = load_acs_employment(2015).sample(800, random_state=1)
    cur = load_acs_employment(2018).sample(700, random_state=2)
    bh = drift(ref, cur, ACS_SPEC)
    none = drift(ref, cur, ACS_SPEC, correction="none")
    ps = np.array([c.p_value for c in bh.columns])
    _, expected, _, _ = multipletests(ps, method="fdr_bh")
    np.testing.assert_allclose([c.p_value_adjusted for c in bh.columns], expected, rtol=1e-12)
    for b, n in zip(bh.columns, none.columns):
        assert b.p_value == n.p_value and n.p_value_adjusted is None
        assert b.drifted == STATTESTS[b.method].drifted(b.p_value_adjusted, b.threshold)
    assert {c.column for c in bh.columns if c.drifted} <= {c.column for c in none.columns if c.drifted}
    # outputs are their own family
    ps_out = np.array([c.p_value for c in bh.prediction])
    np.testing.assert_allclose([c.p_value_adjusted for c in bh.prediction], multipletests(ps_out, method="fdr_bh")[1])


def test_bh_removes_a_lone_marginal_finding_among_many_columns():
    # ten categorical columns; one differs a little (chi-squared p about 0.02), nine not at all
    ref = pd.DataFrame({f"c{i}": ["a"] * 200 + ["b"] * 150 + ["c"] * 150 for i in range(10)})
    cur = ref.copy()
    cur["c0"] = ["a"] * 230 + ["b"] * 135 + ["c"] * 135
    p_expected = stats.chisquare([230, 135, 135], [200, 150, 150]).pvalue
    assert 0.02 < p_expected < 0.05
    none = drift(ref, cur, DatasetSpec(), correction="none")
    bh = drift(ref, cur, DatasetSpec())
    assert none.columns[0].method == "chisquare" and none.columns[0].drifted
    assert none.columns[0].p_value == pytest.approx(p_expected, rel=1e-12)
    assert not bh.columns[0].drifted
    assert bh.columns[0].p_value_adjusted == pytest.approx(min(1.0, bh.columns[0].p_value * 10))


def test_distance_columns_are_not_corrected():
    ref, cur = load_acs_employment(2015), load_acs_employment(2018)
    result = drift(ref, cur, ACS_SPEC)
    assert all(c.p_value is None and c.p_value_adjusted is None for c in result.columns)


def test_dataset_drift_uses_share_at_or_above_threshold():
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({k: rng.normal(0, 1, 3000) for k in "abcd"})
    cur = pd.DataFrame({k: rng.normal(1.0 if k in "ab" else 0, 1, 3000) for k in "abcd"})
    result = drift(ref, cur)
    assert result.n_drifted == 2 and result.share_drifted == 0.5 and result.dataset_drift
    assert not drift(ref, cur, drift_share=0.6).dataset_drift


def test_ks_drift_is_p_at_or_below_threshold():
    assert STATTESTS["ks"].drifted(0.05, 0.05) and not STATTESTS["chisquare"].drifted(0.05, 0.05)
    assert STATTESTS["wasserstein"].drifted(0.1, 0.1)


def test_methods_and_thresholds_overrides_match_evidently_stattests():
    get_stattest, _, ColumnType = _evidently_stattests()

    ref = _generated(2000, 0)
    cur = _generated(1500, 1, 0.3)
    spec = DatasetSpec(categorical=("letters", "flag"))
    methods = {"normal": "ks", "lognormal": "psi", "integers": "jensenshannon", "letters": "psi", "flag": "chisquare"}
    result = drift(ref, cur, spec, correction="none", methods=methods, thresholds={"normal": 0.01}, psi_bins="sturges")
    by = {c.column: c for c in result.columns}
    for column, method in methods.items():
        col = by[column]
        kind = ColumnType.Numerical if col.column_type == "numeric" else ColumnType.Categorical
        r = ref[column].replace([np.inf, -np.inf], np.nan).dropna()
        c = cur[column].replace([np.inf, -np.inf], np.nan).dropna()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = get_stattest(r, c, kind, method)(r, c, kind, col.threshold)
        ours = col.p_value if STATTESTS[method].kind == "p_value" else col.statistic
        assert col.method == method
        assert ours == pytest.approx(expected.drift_score, rel=1e-9), column
        assert col.drifted == expected.drifted
    assert by["normal"].threshold == 0.01 and by["lognormal"].threshold == 0.1


def test_psi_sturges_equals_evidently_and_quantile_bins_equal_hand_computation():
    _, psi_stat_test, ColumnType = _evidently_stattests()

    ref = _generated(3000, 0)
    cur = _generated(2000, 1, 0.3)
    spec = DatasetSpec(categorical=("letters", "flag"))
    sturges = {c.column: c.psi for c in drift(ref, cur, spec, psi_bins="sturges").columns}
    deciles = {c.column: c.psi for c in drift(ref, cur, spec).columns}
    for column in ("normal", "lognormal", "integers", "few_values", "letters"):
        kind = ColumnType.Categorical if column == "letters" else ColumnType.Numerical
        r = ref[column].replace([np.inf, -np.inf], np.nan).dropna()
        c = cur[column].replace([np.inf, -np.inf], np.nan).dropna()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = psi_stat_test(r, c, kind, None).drift_score
        assert sturges[column] == pytest.approx(expected, rel=1e-9), column
        if column in ("few_values", "letters"):  # binned by value either way
            assert deciles[column] == pytest.approx(expected, rel=1e-9)
    # 10 equal-frequency bins of the reference (inverted-CDF deciles), by hand
    r = ref["lognormal"].to_numpy()
    c = cur["lognormal"].to_numpy()
    edges = np.quantile(r, np.arange(1, 10) / 10, method="inverted_cdf")
    rp = np.bincount(np.searchsorted(edges, r, side="left"), minlength=10) / r.size
    cp = np.bincount(np.searchsorted(edges, c, side="left"), minlength=10) / c.size
    assert deciles["lognormal"] == pytest.approx(np.sum((rp - cp) * np.log(rp / cp)), rel=1e-9)


# ---------------------------------------------------------------------------------------------
# statistics against scipy directly, summaries


def test_wasserstein_and_ks_equal_scipy_on_raw_and_counted_summaries():
    rng = np.random.default_rng(5)
    a = rng.normal(0, 2, 5000)
    b = rng.normal(0.3, 2.5, 4000)
    for x, y in ((a, b), (np.round(a), np.round(b))):  # sorted raw values / exact value counts
        r, c = summarize_numeric(x), summarize_numeric(y)
        assert (r.counts is None) == (x is a)
        w = STATTESTS["wasserstein"].func(r, c)[0]
        assert w == pytest.approx(stats.wasserstein_distance(x, y) / np.std(x), rel=1e-10)
        d, p = STATTESTS["ks"].func(r, c)
        expected = stats.ks_2samp(x, y)
        assert (d, p) == pytest.approx((expected.statistic, expected.pvalue), rel=1e-10)


def test_chisquare_and_z_equal_scipy_and_hand_computation():
    ref = pd.Series(["a"] * 50 + ["b"] * 30 + ["c"] * 20)
    cur = pd.Series(["a"] * 30 + ["b"] * 30 + ["c"] * 40)
    stat, p = STATTESTS["chisquare"].func(summarize_categorical(ref), summarize_categorical(cur))
    expected = stats.chisquare([30, 30, 40], [50, 30, 20])
    assert (stat, p) == pytest.approx((expected.statistic, expected.pvalue))
    ref2, cur2 = pd.Series([0] * 60 + [1] * 40), pd.Series([0] * 45 + [1] * 55)
    zstat, zp = STATTESTS["z"].func(summarize_categorical(ref2), summarize_categorical(cur2))
    pooled = (40 + 55) / 200
    z_hand = (0.40 - 0.55) / math.sqrt(pooled * (1 - pooled) * (1 / 100 + 1 / 100))
    assert zstat == pytest.approx(z_hand) and zp == pytest.approx(2 * stats.norm.sf(abs(z_hand)))


def test_categorical_labels_treat_int_float_and_text_alike():
    a = summarize_categorical(pd.Series([1, 2, 2, None], dtype="Int64"))
    b = summarize_categorical(pd.Series([1.0, 2.0, 2.0, np.nan]))
    c = summarize_categorical(pd.Series(["1", "2", "2", None]))
    for s in (a, b, c):
        assert s.values.tolist() == ["1", "2"] and s.counts.tolist() == [1, 2] and s.n_missing == 1


# ---------------------------------------------------------------------------------------------
# result shape, charts, edge cases, bad input


def test_distributions_cover_every_value():
    ref = _generated(2000, 0)
    cur = _generated(1500, 1, 2.0)
    spec = DatasetSpec(categorical=("letters", "flag"))
    result = drift(ref, cur, spec, max_categories=3)
    for col in result.columns:
        d = col.distribution
        assert sum(d.reference_counts) == col.n_reference and sum(d.current_counts) == col.n_current
        if d.kind == "numeric":
            assert len(d.edges) == len(d.reference_counts) + 1
            assert np.all(np.diff(d.edges) > 0)
    letters = next(c for c in result.columns if c.column == "letters").distribution
    total = (ref["letters"].value_counts() + cur["letters"].value_counts()).sort_values(ascending=False, kind="stable")
    assert letters.categories == total.index[:3].tolist() + [OTHER_CATEGORY]
    assert letters.reference_counts[-1] == ref["letters"].isin(total.index[3:]).sum()


def test_result_round_trips_through_json():
    ref = _generated(900, 0)
    cur = _generated(800, 1, 0.5)
    result = drift(ref, cur, DatasetSpec(categorical=("letters", "flag")))
    data = result.to_dict()
    assert DriftResult.from_dict(data) == result or DriftResult.from_dict(data).to_dict() == data
    row = data["columns"][0]
    assert {"column", "method", "statistic", "threshold", "p_value", "drifted"} <= set(row)


def test_column_missing_in_current_is_drifted_without_statistic():
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"x": rng.normal(size=500), "y": rng.normal(size=500)})
    cur = pd.DataFrame({"x": np.full(400, np.nan), "y": rng.normal(size=400)})
    result = drift(ref, cur, DatasetSpec(numeric=("x", "y")))
    x = result.columns[0]
    assert x.drifted and x.statistic is None and x.p_value is None and x.n_current == 0


def test_column_empty_in_reference_cannot_be_judged():
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"x": np.full(500, np.nan), "c": [None] * 500, "y": rng.normal(size=500)})
    cur = pd.DataFrame({"x": rng.normal(size=400), "c": ["a"] * 400, "y": rng.normal(size=400)})
    result = drift(ref, cur, DatasetSpec(numeric=("x", "y"), categorical=("c",)))
    for col in result.columns[:2]:
        assert not col.drifted and col.statistic is None and col.n_reference == 0
        assert sum(col.distribution.current_counts) == 400


def test_registered_in_analyzer_registry():
    assert get_analyzer_class("drift") is DriftAnalyzer
    assert DriftAnalyzer.name == "drift" and DriftAnalyzer.needs_reference


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"methods": {"AGEP": "kolmogorov"}}, "The 'methods' parameter of DriftAnalyzer must be made of method names"),
        ({"methods": {"SCHL": "ks"}}, "'ks' applies to numeric columns only"),
        ({"methods": {"nope": "psi"}}, "names column(s) ['nope'] that are not in the reference"),
        ({"correction": "bonferroni"}, "The 'correction' parameter of DriftAnalyzer must be one of ['bh', 'none']. Got 'bonferroni' instead."),
        ({"drift_share": 0}, "The 'drift_share' parameter of DriftAnalyzer must be a number in (0, 1]. Got 0 instead."),
        ({"psi_bins": 1}, "The 'psi_bins' parameter of DriftAnalyzer must be an int >= 2 or 'sturges'. Got 1 instead."),
        ({"thresholds": -1}, "The 'thresholds' parameter of DriftAnalyzer must be a positive number"),
    ],
)
def test_bad_parameters_raise_config_error_on_fit(params, message):
    ref = load_acs_employment(2015).head(300)
    analyzer = DriftAnalyzer(**params)  # no validation in __init__
    with pytest.raises(ConfigError) as err:
        analyzer.fit(ACS_SPEC.validate(ref, name="reference"))
    assert message in str(err.value)


def test_compute_needs_fit_and_the_reference_columns():
    ref = load_acs_employment(2015).head(300)
    with pytest.raises(ConfigError, match=r"call fit\(reference\) before compute"):
        DriftAnalyzer().compute(ACS_SPEC.validate(ref))
    analyzer = DriftAnalyzer().fit(ACS_SPEC.validate(ref, name="reference"))
    with pytest.raises(DataContractError, match=r"feature column\(s\) \['AGEP'\] of the reference are not in the data"):
        analyzer.compute(ACS_SPEC.validate(ref.drop(columns="AGEP")))


def test_threads_give_the_same_result():
    ref = _generated(60_000, 0)
    cur = _generated(55_000, 1, 0.2)
    spec = DatasetSpec(categorical=("letters", "flag"))
    assert drift(ref, cur, spec, n_jobs=2).to_dict() == drift(ref, cur, spec).to_dict()
