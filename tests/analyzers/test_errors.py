"""Error analysis: planted error cohorts are found, named and tested against independent oracles.

Oracles: scipy.stats.binomtest for each cohort's raw p-value, statsmodels' multipletests for the
Benjamini-Hochberg correction, pandas boolean filtering (written here, not the toolkit's) for
cohort membership, pandas qcut / crosstab for the heat map.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest
from statsmodels.stats.multitest import multipletests

from rai import Assessment, DatasetSpec, assess
from rai._exceptions import ConfigError
from rai.analyzers import get_analyzer_class
from rai.analyzers._errors import MIN_ROWS, ErrorAnalyzer
from rai.results import ErrorResult


def planted(n: int = 4000, *, seed: int = 0, planted_rate: float = 0.6, base_rate: float = 0.06) -> pd.DataFrame:
    """Errors at ``planted_rate`` where income > 60000 and region == "north", ``base_rate`` elsewhere."""
    rng = np.random.default_rng(seed)
    income = rng.uniform(10_000, 100_000, n).round()
    region = rng.choice(["north", "south", "east", "west"], n)
    color = rng.choice(["red", "green", "blue"], n)
    noise = rng.normal(size=n)
    group = rng.choice(["f", "m"], n)
    cohort = (income > 60_000) & (region == "north")
    err = rng.random(n) < np.where(cohort, planted_rate, base_rate)
    y = rng.integers(0, 2, n)
    pred = np.where(err, 1 - y, y)
    return pd.DataFrame({"income": income, "region": region, "color": color, "noise": noise,
                         "group": group, "y": y, "pred": pred})


SPEC = DatasetSpec(target="y", prediction="pred", sensitive=("group",))


def member(frame: pd.DataFrame, filters) -> np.ndarray:
    """Independent reading of a cohort's filters with plain pandas."""
    mask = pd.Series(True, index=frame.index)
    for f in filters:
        col = frame[f.column]
        if f.kind == "numeric":
            ok = pd.Series(True, index=frame.index)
            if f.low is not None:
                ok &= col > f.low
            if f.high is not None:
                ok &= col <= f.high
        else:
            ok = col.astype(str).isin(f.values)
            if f.negate:
                ok = ~ok
        ok = ok.where(col.notna(), f.include_missing)
        mask &= ok
    return mask.to_numpy()


@pytest.fixture(scope="module")
def frame():
    return planted()


@pytest.fixture(scope="module")
def result(frame):
    return ErrorAnalyzer(seed=0).compute(SPEC.validate(frame))


def test_registered_under_its_contract_name():
    assert get_analyzer_class("errors") is ErrorAnalyzer
    assert ErrorAnalyzer.name == "errors" and ErrorAnalyzer.needs_target and not ErrorAnalyzer.needs_model


def test_worst_cohort_is_the_planted_one(frame, result):
    assert result.status == "ok"
    worst = result.cohorts[0]
    assert "region" in worst.rule and "income" in worst.rule
    by_col = {f.column: f for f in worst.filters}
    assert by_col["region"].values == ["north"] and not by_col["region"].negate
    assert by_col["income"].low == pytest.approx(60_000, rel=0.05) and by_col["income"].high is None
    # nothing but the planted conditions (noise splits are pruned)
    assert set(worst.rule.split(" and ")) == {'region == "north"', f"income > {by_col['income'].low:g}"}
    truth = ((frame.income > 60_000) & (frame.region == "north")).to_numpy()
    mask = member(frame, worst.filters)
    # the cohort found is (almost exactly) the planted one
    assert (mask & truth).sum() / (mask | truth).sum() > 0.95
    assert worst.error_rate == pytest.approx(0.6, abs=0.06)
    assert worst.significant and worst.p_value < 1e-10


def test_cohorts_partition_the_rows_and_their_counts_are_right(frame, result):
    errors = (frame.y != frame.pred).to_numpy()
    assert sum(c.size for c in result.cohorts) == len(frame)
    assert sum(c.n_errors for c in result.cohorts) == errors.sum() == result.n_errors
    assert sum(c.error_coverage for c in result.cohorts) == pytest.approx(1.0)
    assert result.error_rate == pytest.approx(errors.mean())
    for c in result.cohorts:
        mask = member(frame, c.filters)
        assert mask.sum() == c.size, c.rule
        assert errors[mask].sum() == c.n_errors
        assert c.error_rate == pytest.approx(errors[mask].mean())
        assert c.error_coverage == pytest.approx(errors[mask].sum() / errors.sum())
        assert c.metrics["accuracy"] == pytest.approx(1 - c.error_rate)
        g = frame.group[mask].value_counts().to_dict()
        assert c.group_makeup["group"] == {k: int(v) for k, v in g.items()}
    rates = [c.error_rate for c in result.cohorts]
    assert rates == sorted(rates, reverse=True)


def test_p_values_equal_scipy_binomtest_and_statsmodels_bh(result):
    raw = []
    for c in result.cohorts:
        expected = binomtest(c.test_errors, c.test_size, p=result.error_rate).pvalue
        assert c.p_value_raw == pytest.approx(expected, rel=1e-9, abs=1e-300)
        raw.append(c.p_value_raw)
    _, bh, _, _ = multipletests(raw, method="fdr_bh")
    assert [c.p_value for c in result.cohorts] == pytest.approx(bh.tolist(), rel=1e-9, abs=1e-300)
    assert [c.significant for c in result.cohorts] == [p < 0.05 for p in bh]
    # the honest split: tests use the held-out half only
    assert sum(c.test_size for c in result.cohorts) == result.n_test
    assert result.n_fit + result.n_test == result.n_rows


def test_noise_columns_stay_out_of_the_worst_rule():
    spurious = 0
    for seed in range(8):
        frame = planted(4000, seed=seed, planted_rate=0.35, base_rate=0.1)
        rng = np.random.default_rng(seed + 100)
        for k in range(4):
            frame[f"z{k}"] = rng.normal(size=len(frame))
        frame["city"] = [f"k{i}" for i in rng.integers(0, 30, len(frame))]
        worst = ErrorAnalyzer(seed=seed).compute(SPEC.validate(frame)).cohorts[0]
        columns = {f.column for f in worst.filters}
        assert columns >= {"region", "income"}, worst.rule
        spurious += bool(columns - {"region", "income"})
    assert spurious <= 1
    # without pruning the grown tree keeps cutting along noise
    frame = planted(4000, seed=1, planted_rate=0.35, base_rate=0.1)
    unpruned = ErrorAnalyzer(split_alpha=1.0, confirm_alpha=1.0).compute(SPEC.validate(frame))
    pruned = ErrorAnalyzer().compute(SPEC.validate(frame))
    assert len(unpruned.cohorts) > len(pruned.cohorts)


def test_no_planted_cohort_finds_nothing_significant():
    frame = planted(4000, seed=5, planted_rate=0.08, base_rate=0.08)
    result = ErrorAnalyzer(seed=0).compute(SPEC.validate(frame))
    assert result.status == "ok"
    assert not any(c.significant for c in result.cohorts), [(c.rule, c.p_value) for c in result.cohorts]


def test_min_leaf_size_absolute_and_fraction(frame):
    data = SPEC.validate(frame)
    big = ErrorAnalyzer(min_leaf_size=600).compute(data)
    assert big.min_leaf_size == 600
    assert all(c.test_size + (c.size - c.test_size) >= 600 for c in big.cohorts)
    frac = ErrorAnalyzer(min_leaf_size=0.2).compute(data)
    assert frac.min_leaf_size == int(np.ceil(0.2 * frac.n_fit))
    shallow = ErrorAnalyzer(max_depth=1).compute(data)
    assert len(shallow.cohorts) == 2 and all(c.depth == 1 for c in shallow.cohorts)


def test_heatmap_equals_pandas_crosstab(frame, result):
    hm = result.heatmap
    assert hm.features == ["income", "region"] or set(hm.features) == {"income", "region"}
    res = ErrorAnalyzer(heatmap_features=["income", "region"], heatmap_bins=4).compute(SPEC.validate(frame))
    hm = res.heatmap
    errors = (frame.y != frame.pred).astype(int)
    bins = pd.qcut(frame.income, 4)
    count = pd.crosstab(bins, frame.region)
    errs = pd.crosstab(bins, frame.region, values=errors, aggfunc="sum")
    assert hm.axes[1].labels == sorted(frame.region.unique())
    assert hm.count == count[hm.axes[1].labels].to_numpy().tolist()
    assert hm.errors == errs[hm.axes[1].labels].to_numpy().tolist()
    assert hm.axes[0].edges == pytest.approx(np.quantile(frame.income, [0, 0.25, 0.5, 0.75, 1]).tolist())
    one = ErrorAnalyzer(heatmap_features=["region"]).compute(SPEC.validate(frame)).heatmap
    assert [row[0] for row in one.count] == frame.region.value_counts().sort_index().tolist()


def test_regression_errors_are_the_upper_tail_of_absolute_error():
    rng = np.random.default_rng(2)
    n = 3000
    x = rng.uniform(0, 10, n)
    site = rng.choice(["a", "b", "c"], n)
    y = 3 * x + rng.normal(scale=np.where((site == "c") & (x < 4), 8.0, 0.5), size=n)
    frame = pd.DataFrame({"x": x, "site": site, "y": y, "yhat": 3 * x})
    data = DatasetSpec(target="y", prediction="yhat").validate(frame)
    result = ErrorAnalyzer(regression_error_quantile=0.9).compute(data)
    abs_err = np.abs(frame.y - frame.yhat)
    assert result.error_threshold == pytest.approx(np.quantile(abs_err, 0.9))
    assert result.n_errors == int((abs_err > np.quantile(abs_err, 0.9)).sum())
    worst = result.cohorts[0]
    by_col = {f.column: f for f in worst.filters}
    assert by_col["site"].values == ["c"] and not by_col["site"].negate
    assert by_col["x"].high == pytest.approx(4, abs=0.3)
    assert worst.error_rate > 0.6
    assert {"mae", "rmse", "mean_error"} == set(worst.metrics)


def test_missing_values_are_their_own_category_and_tracked_in_numeric_rules():
    frame = planted(3000, seed=4)
    frame.loc[frame.index[::7], "income"] = np.nan
    frame.loc[frame.index[::11], "region"] = None
    result = ErrorAnalyzer().compute(SPEC.validate(frame))
    assert sum(c.size for c in result.cohorts) == len(frame)
    for c in result.cohorts:
        assert member(frame, c.filters).sum() == c.size, c.rule


def test_infinite_values_do_not_break_the_tree():
    frame = planted(2000, seed=6)
    frame.loc[frame.index[::50], "noise"] = np.inf
    frame.loc[frame.index[1::50], "noise"] = -np.inf
    result = ErrorAnalyzer(heatmap_features=["noise"]).compute(SPEC.validate(frame))
    assert result.status == "ok" and sum(c.size for c in result.cohorts) == len(frame)
    for c in result.cohorts:
        assert member(frame, c.filters).sum() == c.size, c.rule
    assert sum(row[0] for row in result.heatmap.count) == len(frame)


def test_too_few_rows_is_an_explicit_insufficient_result():
    frame = planted(MIN_ROWS - 1)
    result = ErrorAnalyzer().compute(SPEC.validate(frame))
    assert result.status == "insufficient_data" and result.cohorts == [] and result.heatmap is None
    assert result.message == f"{MIN_ROWS - 1} rows is too few for error analysis; need at least {MIN_ROWS}."


def test_all_correct_predictions_give_an_explicit_empty_result():
    frame = planted(500)
    frame["pred"] = frame["y"]
    result = ErrorAnalyzer().compute(SPEC.validate(frame))
    assert result.status == "no_errors" and result.n_errors == 0 and result.cohorts == []
    assert "no errors" in result.message


@pytest.mark.parametrize(
    "params, message",
    [
        ({"max_depth": 0}, "The 'max_depth' parameter of ErrorAnalyzer must be an int in [1, 10]. Got 0 instead."),
        ({"min_leaf_size": 1.5}, "The 'min_leaf_size' parameter of ErrorAnalyzer must be an int >= 1 (rows) or a float in (0, 1) (share of rows). Got 1.5 instead."),
        ({"regression_error_quantile": 1}, "The 'regression_error_quantile' parameter of ErrorAnalyzer must be a float in (0, 1). Got 1 instead."),
        ({"alternative": "bigger"}, "The 'alternative' parameter of ErrorAnalyzer must be one of 'two-sided', 'greater', 'less'. Got 'bigger' instead."),
        ({"heatmap_features": ["a", "b", "c"]}, "The 'heatmap_features' parameter of ErrorAnalyzer must be a list of one or two feature names. Got ['a', 'b', 'c'] instead."),
    ],
)
def test_bad_parameters_name_what_was_expected(frame, params, message):
    with pytest.raises(ConfigError) as info:
        ErrorAnalyzer(**params).compute(SPEC.validate(frame))
    assert str(info.value) == message


def test_unknown_heatmap_column_is_named(frame):
    with pytest.raises(ConfigError, match=r"heatmap_features.*\['incme'\] are not"):
        ErrorAnalyzer(heatmap_features=["incme"]).compute(SPEC.validate(frame))


def test_same_seed_same_result_and_seed_recorded(frame):
    a = ErrorAnalyzer(seed=3).compute(SPEC.validate(frame))
    b = ErrorAnalyzer(seed=3).compute(SPEC.validate(frame))
    assert a.to_dict() == b.to_dict() and a.seed == 3


def test_result_round_trips_and_assessment_save_load(tmp_path, frame, result):
    assert ErrorResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result
    a = assess(frame, spec=SPEC, analyzers=[ErrorAnalyzer()])
    assert isinstance(a.results.errors, ErrorResult)
    d = a.to_dict()["results"]["errors"]
    assert {"rule", "filters", "size", "error_rate", "error_coverage", "p_value", "p_value_raw"} <= set(d["cohorts"][0])
    assert "heatmap" in d
    loaded = Assessment.load(a.save(tmp_path))
    assert loaded.results.errors == a.results.errors


def test_unicode_and_markup_in_names_and_values_stay_text():
    frame = planted(1500, seed=1).rename(columns={"region": "région <b>"})
    frame["région <b>"] = frame["région <b>"].map({"north": 'nörth "<script>"', "south": "s", "east": "e", "west": "w"})
    result = ErrorAnalyzer().compute(SPEC.validate(frame))
    worst = result.cohorts[0]
    assert 'région <b> == "nörth \\"<script>\\""' in worst.rule
    assert member(frame, worst.filters).sum() == worst.size
