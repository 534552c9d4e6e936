"""Causal analysis: effects planted in synthetic data are recovered within their intervals.

Oracles: the effects the data were generated with (features drawn independently, the outcome a
known function of some of them), a hand-computed difference in means for a randomised binary
treatment, and the naive (unadjusted) difference that a confounded treatment biases.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from rai import Assessment, DatasetSpec, assess
from rai._exceptions import ConfigError, DataContractError
from rai.analyzers import default_analyzers
from rai.analyzers._causal import INSTALL_HINT, CausalAnalyzer
from rai.results import CausalResult, metric_stream

pytest.importorskip("econml")

SEEDS = (0, 1, 2, 3, 4)


def known_effects(n: int = 2000, *, seed: int) -> pd.DataFrame:
    """y = 2 x1 + 0 x2 + 1.5 [t = yes] + z + noise, every feature drawn independently."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "x1": rng.normal(size=n), "x2": rng.normal(size=n), "z": rng.normal(size=n),
        "t": rng.choice(["no", "yes"], n), "group": rng.choice(["a", "b"], n),
    })
    df["y"] = 2.0 * df.x1 + 1.5 * (df.t == "yes") + df.z + rng.normal(size=n)
    return df


def run(df: pd.DataFrame, *, target: str = "y", sensitive: tuple[str, ...] = ("group",), **params) -> CausalResult:
    spec = DatasetSpec(target=target, sensitive=sensitive)
    a = assess(df, spec=spec, analyzers=[CausalAnalyzer(**params)])
    assert a.results.causal is not None, a.results.notes
    return a.results.causal


def effect(result: CausalResult, treatment: str, level: str | None = None):
    return next(e for e in result.effects if e.treatment == treatment and e.level == level)


def test_known_effects_are_recovered_within_their_intervals_over_seeds():
    covered = {"x1": 0, "x2": 0, "t": 0}
    for seed in SEEDS:
        r = run(known_effects(seed=seed), treatments=["x1", "x2", {"column": "t", "control": "no"}], refute=False,
                policy_depth=0, seed=seed)
        x1, x2, t = effect(r, "x1"), effect(r, "x2"), effect(r, "t", "yes")
        # signs and sizes: within 15% of the truth on every seed
        assert x1.effect == pytest.approx(2.0, rel=0.15) and t.effect == pytest.approx(1.5, rel=0.15)
        assert abs(x2.effect) < 0.15
        covered["x1"] += x1.ci_low <= 2.0 <= x1.ci_high
        covered["t"] += t.ci_low <= 1.5 <= t.ci_high
        covered["x2"] += x2.ci_low <= 0.0 <= x2.ci_high  # no effect: the interval contains 0
        assert x1.p_value < 1e-6 and t.p_value < 1e-6
    # 95% intervals: at least 4 of 5 seeds cover the truth (P >= 0.977 for a correct interval)
    assert min(covered.values()) >= 4, covered


def test_placebo_refutation_passes_and_the_others_hold_over_seeds():
    """Each refutation is a test at the 95% level, so a correct estimator fails one 5% of the time."""
    passed = {"placebo_treatment": 0, "random_common_cause": 0, "data_subset": 0}
    for seed in SEEDS:
        r = run(known_effects(1000, seed=seed), treatments=["x1"], policy_depth=0, seed=seed)
        e = effect(r, "x1")
        refs = {x.name: x for x in e.refutations}
        assert set(refs) == set(passed) and refs["data_subset"].n == 800
        placebo = refs["placebo_treatment"]
        assert placebo.passed == (placebo.ci_low <= 0 <= placebo.ci_high)
        assert abs(placebo.value) < 0.1 * e.effect  # the shuffled treatment's effect all but vanishes
        for name, ref in refs.items():
            passed[name] += ref.passed
        assert e.refuted == (not all(x.passed for x in e.refutations))
    assert min(passed.values()) >= 4, passed


def test_confounding_is_adjusted_for():
    """t is more likely when w is high, and w raises y: the naive difference is biased, DML is not."""
    rng = np.random.default_rng(7)
    n = 3000
    w = rng.normal(size=n)
    t = (rng.random(n) < 1 / (1 + np.exp(-1.5 * w))).astype(int)
    df = pd.DataFrame({"w": w, "t": t.astype(str), "group": rng.choice(["a", "b"], n)})
    df["y"] = 1.0 * t + 3.0 * w + rng.normal(size=n)
    naive = df.y[t == 1].mean() - df.y[t == 0].mean()
    assert naive > 2.5  # the confounded contrast, far from the true 1.0
    r = run(df, treatments=[{"column": "t", "control": 0}], refute=False, policy_depth=0)
    e = effect(r, "t", "1")
    assert e.control == "0" and e.ci_low <= 1.0 <= e.ci_high and not (e.ci_low <= naive <= e.ci_high)
    # overlap diagnostic: the cross-fitted propensity follows w, within (0, 1)
    assert e.overlap.kind == "propensity" and 0 < e.overlap.propensity_min < 0.2 and 0.8 < e.overlap.propensity_max < 1


def test_binary_outcome_effect_is_a_difference_in_probability():
    """A randomised binary treatment: the effect equals the difference in means (hand-computed)."""
    rng = np.random.default_rng(3)
    n = 4000
    x = rng.normal(size=n)
    t = rng.integers(0, 2, n)
    p = np.clip(0.3 + 0.2 * t + 0.1 * x, 0.01, 0.99)
    df = pd.DataFrame({"x": x, "t": t.astype(str), "group": rng.choice(["a", "b"], n),
                       "y": (rng.random(n) < p).astype(int)})
    r = run(df, treatments=[{"column": "t", "control": "0"}], refute=False, policy_depth=0)
    assert r.outcome_kind == "binary" and r.positive_label == "1" and "probability" in r.effect_scale
    e = effect(r, "t", "1")
    diff = df.y[t == 1].mean() - df.y[t == 0].mean()
    assert e.ci_low <= 0.2 <= e.ci_high
    assert e.effect == pytest.approx(diff, abs=0.02)


def test_effect_by_group_and_policy_tree():
    """The treatment hurts group a (-1) and helps group b (+2): the policy treats b only."""
    rng = np.random.default_rng(5)
    n = 3000
    df = pd.DataFrame({"x": rng.normal(size=n), "t": rng.normal(size=n), "group": rng.choice(["a", "b"], n)})
    slope = np.where(df.group == "a", -1.0, 2.0)
    df["y"] = slope * df.t + df.x + rng.normal(size=n)
    r = run(df, treatments=["t"], refute=False, min_group_size=30)
    e = effect(r, "t")
    groups = {g.group: g for g in e.by_group}
    assert groups["a"].ci_low <= -1.0 <= groups["a"].ci_high and groups["b"].ci_low <= 2.0 <= groups["b"].ci_high
    assert groups["a"].count + groups["b"].count == n
    pol = e.policy
    actions = {rule.rule: rule.action for rule in pol.rules}
    assert actions == {"group != b": "do not treat", "group = b": "treat"} or \
        actions == {"group != a": "treat", "group = a": "do not treat"}
    assert pol.treated_share == pytest.approx(0.5, abs=0.05)
    # gains: treating b only gains ~0.5 * 1 over treating everyone and ~0.5 * 2 over treating no one
    assert pol.gain_over_all == pytest.approx(0.5, abs=0.15) and pol.gain_over_none == pytest.approx(1.0, abs=0.2)
    assert pol.n_fit + pol.n_eval == n


def test_categorical_treatment_levels_against_control_and_rare_levels():
    rng = np.random.default_rng(11)
    n = 3000
    level = rng.choice(["ctl", "lo", "hi", "rare"], n, p=[0.5, 0.25, 0.245, 0.005])
    df = pd.DataFrame({"x": rng.normal(size=n), "arm": level, "group": rng.choice(["a", "b"], n)})
    df["y"] = df.x + np.select([level == "lo", level == "hi"], [0.5, 2.0], 0.0) + rng.normal(size=n)
    r = run(df, treatments=[{"column": "arm", "control": "ctl"}], refute=False, policy_depth=0)
    lo, hi, rare = effect(r, "arm", "lo"), effect(r, "arm", "hi"), effect(r, "arm", "rare")
    assert lo.ci_low <= 0.5 <= lo.ci_high and hi.ci_low <= 2.0 <= hi.ci_high
    assert lo.n_control == (level == "ctl").sum() and hi.n_treated == (level == "hi").sum()
    assert rare.insufficient and rare.effect is None and "rows at this level" in rare.reason
    assert lo.n_dropped == (level == "rare").sum()


def test_values_map_codes_to_numbers_and_null_drops_rows():
    rng = np.random.default_rng(2)
    n = 2000
    code = rng.choice(["0", "1", "2", "3"], n)
    years = pd.Series(code).map({"0": np.nan, "1": 8.0, "2": 12.0, "3": 16.0}).to_numpy()
    df = pd.DataFrame({"x": rng.normal(size=n), "edu": code, "group": rng.choice(["a", "b"], n)})
    df["y"] = 0.25 * np.nan_to_num(years) + df.x + rng.normal(size=n)
    r = run(df, treatments=[{"column": "edu", "values": {0: None, 1: 8, 2: 12, 3: 16}}], refute=False, policy_depth=0)
    e = effect(r, "edu")
    assert e.kind == "numeric" and e.n_dropped == (code == "0").sum() and e.n == n - e.n_dropped
    assert e.ci_low <= 0.25 <= e.ci_high
    assert "edu" not in e.confounders and "x" in e.confounders


def test_stream_walker_publishes_effects_refutations_and_groups(tmp_path):
    df = known_effects(1200, seed=0)
    a = assess(df, spec=DatasetSpec(target="y", sensitive=("group",)),
               analyzers=[CausalAnalyzer(treatments=["x1"], policy_depth=1)])
    path = a.save(tmp_path)
    loaded = Assessment.load(path)
    assert loaded.results.causal == a.results.causal
    stream = metric_stream(loaded.to_dict())
    e = a.results.causal.effects[0]
    [m] = [m for m in stream if m.path == "causal.effect"]
    assert m.qualifiers == (("treatment", "x1"),) and m.value == e.effect
    assert (m.ci_low, m.ci_high, m.n) == (e.ci_low, e.ci_high, e.n) and m.headline
    passed = {m.qualifier("refutation"): m.value for m in stream if m.path == "causal.refutation.passed"}
    assert passed == {r.name: r.passed for r in e.refutations}
    groups = [m for m in stream if m.path == "causal.effect_by_group"]
    assert {m.qualifier("group") for m in groups} == {"a", "b"} and all(m.qualifier("sensitive_feature") == "group" for m in groups)
    assert {m.path for m in stream} >= {"causal.p_value", "causal.policy.gain_over_all", "causal.overlap.treatment_r2"}
    # every causal path is documented (docs/metrics.md), with the qualifiers it carries
    import re

    from rai.results import path_docs

    docs = path_docs()["causal"]
    for m in (m for m in stream if m.path.startswith("causal.")):
        [doc] = [d for d in docs if re.fullmatch(d.path.replace(".", r"\.").replace("<field>", "[^.]+"), m.path)]
        assert {k for k, _ in m.qualifiers} <= set(doc.qualifiers), m


def test_refuted_or_insufficient_effect_is_never_a_headline():
    from rai.results._causal import _walk

    base = {"treatment": "t", "level": "1", "effect": 0.3, "ci_low": 0.1, "ci_high": 0.5, "p_value": 0.01, "n": 100,
            "n_treated": 50, "insufficient": False, "reason": None, "refutations": [], "by_group": []}
    heads = [m.headline for m in _walk({"effects": [dict(base, refuted=True)]}) if m.path == "causal.effect"]
    assert heads == [False]
    [m] = [m for m in _walk({"effects": [dict(base, refuted=False, insufficient=True, reason="few")]}) if m.path == "causal.effect"]
    assert m.insufficient and not m.headline and m.n_effective == 50


def test_without_treatments_the_analyzer_is_skipped_with_a_note():
    df = known_effects(300, seed=0)
    a = assess(df, spec=DatasetSpec(target="y"), analyzers=[CausalAnalyzer()])
    assert a.results.causal is None
    [note] = a.results.notes
    assert note.level == "skipped" and "analyzers.causal.treatments" in note.message


def test_without_econml_the_note_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "econml", None)  # import econml now raises ImportError
    a = assess(known_effects(300, seed=0), spec=DatasetSpec(target="y"), analyzers=[CausalAnalyzer(treatments=["x1"])])
    assert a.results.causal is None
    [note] = a.results.notes
    assert note.level == "unsupported" and note.message == INSTALL_HINT


@pytest.mark.parametrize(("params", "error", "message"), [
    ({"treatments": ["nope"]}, DataContractError, "'nope' is not a feature of the data"),
    ({"treatments": ["y"]}, DataContractError, "'y' is not a feature"),
    ({"treatments": [{"col": "x1"}]}, ConfigError, "treatments[0] must be a feature name or a mapping with a 'column' key"),
    ({"treatments": [{"column": "x1", "kind": "ordinal"}]}, ConfigError, "kind must be numeric or categorical; got 'ordinal'"),
    ({"treatments": [{"column": "t", "values": {"no": "zero"}}]}, ConfigError, "values must map each code to a number"),
    ({"treatments": [{"column": "t", "values": {"no": 0}}]}, DataContractError, "no number for code(s) ['yes']"),
    ({"treatments": [{"column": "t", "control": "maybe"}]}, DataContractError, "control level 'maybe' of 't'"),
    ({"treatments": ["x1", "x1"]}, ConfigError, "lists ['x1'] more than once"),
    ({"treatments": ["x1"], "cv": 1}, ConfigError, "The 'cv' parameter of CausalAnalyzer must be an integer >= 2. Got 1 instead."),
    ({"treatments": ["x1"], "outcome": "w"}, DataContractError, "names column 'w', which the data does not have"),
])
def test_bad_parameters_name_what_was_expected(params, error, message):
    with pytest.raises(error) as info:
        run(known_effects(300, seed=0), **params)
    assert message in str(info.value)


def test_rai_yaml_options_reach_the_analyzer():
    [a] = default_analyzers(options={"causal": {"treatments": ["SCHL"], "max_rows": 500}}, enabled=["causal"], seed=4)
    assert isinstance(a, CausalAnalyzer) and a.treatments == ["SCHL"] and a.max_rows == 500 and a.seed == 4


def test_demo_schooling_map_covers_every_acs_code_and_survives_yaml():
    import yaml

    from rai._demo import ACS_SCHL_YEARS, _flow
    from rai.datasets import load_acs_employment

    assert yaml.safe_load(_flow(ACS_SCHL_YEARS)) == ACS_SCHL_YEARS
    codes = set(load_acs_employment(2018)["SCHL"].astype(int).unique())
    assert codes <= set(ACS_SCHL_YEARS)
    # PUMS data dictionary: 16 regular high-school diploma, 21 bachelor's degree, 24 doctorate
    assert (ACS_SCHL_YEARS[16], ACS_SCHL_YEARS[21], ACS_SCHL_YEARS[24]) == (12, 16, 21)
    assert ACS_SCHL_YEARS[0] is None  # "not applicable (under 3 years old)": left out


def test_a_group_with_few_treated_rows_is_insufficient():
    rng = np.random.default_rng(8)
    n = 1500
    group = rng.choice(["a", "b"], n)
    arm = np.where(rng.random(n) < np.where(group == "a", 0.4, 0.01), "new", "old")
    df = pd.DataFrame({"x": rng.normal(size=n), "arm": arm, "group": group})
    df["y"] = df.x + 1.0 * (arm == "new") + rng.normal(size=n)
    r = run(df, treatments=[{"column": "arm", "control": "old"}], refute=False, policy_depth=0)
    groups = {g.group: g for g in effect(r, "arm", "new").by_group}
    assert groups["b"].n_treated == ((group == "b") & (arm == "new")).sum() < 30
    assert groups["b"].insufficient and groups["b"].effect is None
    assert not groups["a"].insufficient and groups["a"].ci_low <= 1.0 <= groups["a"].ci_high
