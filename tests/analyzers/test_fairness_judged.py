"""Judged gaps: sufficiency per rate, groups set aside with the reason, intervals that reach parity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fairlearn import metrics as flm

from rai._spec import DatasetSpec
from rai.analyzers._fairness import FairnessAnalyzer

SPEC = DatasetSpec(target="y", prediction="pred", sensitive=("g",))


def _by(result, name, feature="g"):
    (m,) = [m for m in result.metrics if m.name == name and m.sensitive_feature == feature]
    return m


def _frame(groups: dict[str, tuple[int, float, float]], seed: int) -> pd.DataFrame:
    """groups: name -> (rows, share of actual positives, selection rate)."""
    rng = np.random.default_rng(seed)
    parts = []
    for name, (n, pos, sel) in groups.items():
        parts.append(pd.DataFrame({"g": name, "y": (rng.random(n) < pos).astype(int), "pred": (rng.random(n) < sel).astype(int)}))
    return pd.concat(parts, ignore_index=True)


def test_a_group_with_enough_rows_but_few_positives_is_judged_for_parity_not_for_opportunity():
    frame = _frame({"a": (2000, 0.5, 0.5), "b": (2000, 0.5, 0.3), "c": (400, 0.04, 0.5)}, seed=1)
    positives_c = int(frame.loc[frame.g == "c", "y"].sum())
    assert 0 < positives_c < 30 <= 400
    result = FairnessAnalyzer(n_bootstrap=100).compute(SPEC.validate(frame))

    dp = _by(result, "demographic_parity").judged
    assert dp.groups == ["a", "b", "c"] and dp.excluded == [] and not dp.insufficient

    eo = _by(result, "equal_opportunity").judged
    assert eo.groups == ["a", "b"]
    (excluded,) = eo.excluded
    assert excluded.group == "c" and excluded.n == positives_c
    assert excluded.reason == f"{positives_c} actual positives < 30 (true positive rate)"
    # the judged gap equals fairlearn's over the judged groups only; the all-group figure stays fairlearn's over all
    kept = frame[frame.g.isin(["a", "b"])]
    assert eo.difference == pytest.approx(flm.equal_opportunity_difference(kept.y, kept.pred, sensitive_features=kept.g), abs=1e-12)
    assert eo.ratio == pytest.approx(flm.equal_opportunity_ratio(kept.y, kept.pred, sensitive_features=kept.g), abs=1e-12)
    m = _by(result, "equal_opportunity")
    assert m.difference == pytest.approx(flm.equal_opportunity_difference(frame.y, frame.pred, sensitive_features=frame.g), abs=1e-12)
    assert m.denominator == "actual positives" and m.by_group_n["c"] == positives_c

    # equalized odds needs both: c has enough negatives but too few positives
    eq = _by(result, "equalized_odds").judged
    assert eq.groups == ["a", "b"] and [e.group for e in eq.excluded] == ["c"]


def test_fewer_than_two_judged_groups_is_insufficient_with_the_reason():
    frame = _frame({"a": (500, 0.5, 0.5), "b": (20, 0.5, 0.5)}, seed=3)
    dp = _by(FairnessAnalyzer(n_bootstrap=50).compute(SPEC.validate(frame)), "demographic_parity").judged
    assert dp.insufficient and dp.difference is None and dp.ratio is None
    assert "fewer than two groups have at least 30 rows (1 of 2)" == dp.reason
    assert [(e.group, e.n) for e in dp.excluded] == [("b", 20)]


def test_a_tiny_group_no_longer_sets_the_judged_gap():
    # the demo's case: a one-person group with selection rate 1.0 beside large groups near 0.5
    frame = _frame({"a": (3000, 0.5, 0.45), "b": (3000, 0.5, 0.50), "tiny": (1, 1.0, 1.0)}, seed=4)
    frame.loc[frame.g == "tiny", "pred"] = 1
    m = _by(FairnessAnalyzer(n_bootstrap=100).compute(SPEC.validate(frame)), "demographic_parity")
    assert m.difference > 0.45  # fairlearn's all-group gap is driven by the one-person group
    assert m.judged.difference < 0.1 and {m.judged.low_group, m.judged.high_group} == {"a", "b"}
    assert m.judged.ci_low <= m.judged.difference <= m.judged.ci_high


def _coverage(rates: tuple[float, ...], n: int, datasets: int, seed: int) -> tuple[float, float, float, float]:
    """Share of datasets whose interval contains the true gap, for the difference and the ratio, all-group and judged."""
    true_diff = max(rates) - min(rates)
    true_ratio = min(rates) / max(rates)
    hits = np.zeros(4)
    analyzer = FairnessAnalyzer(n_bootstrap=200)
    rng = np.random.default_rng(seed)
    for k in range(datasets):
        frame = _frame({f"g{i}": (n, 0.5, r) for i, r in enumerate(rates)}, seed=int(rng.integers(1 << 31)))
        analyzer.seed = k
        m = _by(analyzer.compute(SPEC.validate(frame)), "demographic_parity")
        j = m.judged
        hits += [m.ci_low <= true_diff <= m.ci_high, m.ratio_ci_low <= true_ratio <= m.ratio_ci_high,
                 j.ci_low <= true_diff <= j.ci_high, j.ratio_ci_low <= true_ratio <= j.ratio_ci_high]
    return tuple(hits / datasets)


@pytest.mark.slow
@pytest.mark.parametrize("rates, n", [
    ((0.3, 0.3), 500),          # parity, two groups: the old max - min bootstrap covered 0 in 0 % of datasets
    ((0.3, 0.3, 0.3), 500),     # parity, three groups
    ((0.3, 0.4), 500),          # away from parity
    ((0.3, 0.3), 5000),
])
def test_intervals_of_a_gap_cover_the_truth_at_parity_and_away_from_it(rates, n):
    coverage = _coverage(rates, n, datasets=300, seed=11)
    assert min(coverage) >= 0.93, coverage
