"""`rai mitigate` on UCI Adult (70/30 split, seed 0), checked against fairlearn called directly.

The original model, a logistic regression over one-hot / scaled columns, selects men about three
times as often as women (demographic-parity ratio by sex 0.31). The judged figures are computed
here over the groups with at least ``min_group_size`` test rows (both sexes on Adult).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

TARGET = "income-per-year"
POSITIVE = ">50K"
MIN_GROUP_SIZE = 30


def _pipeline(columns: list[str], categorical: list[str]):
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = [c for c in columns if c not in categorical]
    pre = ColumnTransformer([("categorical", OneHotEncoder(handle_unknown="ignore"), categorical),
                             ("numeric", StandardScaler(), numeric)])
    return Pipeline([("preprocess", pre), ("classifier", LogisticRegression(max_iter=1000))])


@pytest.fixture(scope="module")
def adult(tmp_path_factory, adult_csv):
    """Train / test files, the fitted original model and its .skops file."""
    import skops.io as sio
    from sklearn.model_selection import train_test_split

    frame = pd.read_csv(adult_csv, skipinitialspace=True)
    features = [c for c in frame.columns if c != TARGET]
    categorical = [c for c in features if frame[c].dtype == object]
    train, test = train_test_split(frame, test_size=0.3, random_state=0)
    model = _pipeline(features, categorical).fit(train[features], train[TARGET])
    root = tmp_path_factory.mktemp("adult")
    train.to_csv(root / "train.csv", index=False)
    test.to_csv(root / "test.csv", index=False)
    sio.dump(model, root / "model.skops")
    return {"root": root, "train": train, "test": test, "model": model, "features": features}


def _judged(by_group: dict[str, float], counts: dict[str, int]) -> float:
    """min / max of a per-group rate over the groups with at least MIN_GROUP_SIZE rows."""
    values = [v for g, v in by_group.items() if counts[g] >= MIN_GROUP_SIZE]
    assert len(values) >= 2
    return min(values) / max(values)


def _run(rai, adult, out, *extra):
    root = adult["root"]
    return rai("mitigate", "--train", root / "train.csv", "--test", root / "test.csv", "--target", TARGET,
               "--sensitive", "sex", "--positive-label", POSITIVE, "--model", root / "model.skops",
               "--out", out, *extra)


def _fairlearn_threshold(adult, constraint: str):
    from fairlearn.postprocessing import ThresholdOptimizer

    train, test, features = adult["train"], adult["test"], adult["features"]
    to = ThresholdOptimizer(estimator=adult["model"], constraints=constraint, prefit=True,
                            predict_method="predict_proba")
    to.fit(train[features], (train[TARGET] == POSITIVE).astype(int), sensitive_features=train["sex"])
    return to.predict(test[features], sensitive_features=test["sex"], random_state=0)


def _doc(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _metric(doc, name, feature="sex"):
    return next(m for m in doc["results"]["fairness"]["metrics"]
                if m["name"] == name and m["sensitive_feature"] == feature)


def _counts(doc, feature="sex"):
    return {g["group"]: g["count"] for g in doc["results"]["fairness"]["groups"] if g["sensitive_feature"] == feature}


@pytest.mark.slow
def test_demographic_parity_reaches_080_within_3_points_and_equals_fairlearn(rai, adult, tmp_path):
    from fairlearn.metrics import demographic_parity_ratio
    from sklearn.metrics import accuracy_score

    run = _run(rai, adult, tmp_path / "out", "--constraint", "demographic_parity")
    assert run.code == 0, run.err
    before, after = _doc(tmp_path / "out/before/assessment.json"), _doc(tmp_path / "out/after/assessment.json")

    judged_before = _judged(_metric(before, "selection_rate")["by_group"], _counts(before))
    judged_after = _judged(_metric(after, "selection_rate")["by_group"], _counts(after))
    assert judged_before < 0.5                                  # well under the four-fifths bound
    assert judged_after >= 0.8
    loss = before["results"]["performance"]["overall"]["accuracy"] - after["results"]["performance"]["overall"]["accuracy"]
    assert 0 < loss <= 0.03

    # the same numbers from fairlearn's ThresholdOptimizer, fitted and scored by hand on the same split
    test = adult["test"]
    y = (test[TARGET] == POSITIVE).astype(int)
    predicted = _fairlearn_threshold(adult, "demographic_parity")
    assert after["results"]["performance"]["overall"]["accuracy"] == pytest.approx(accuracy_score(y, predicted), abs=1e-12)
    assert judged_after == pytest.approx(demographic_parity_ratio(y, predicted, sensitive_features=test["sex"]), abs=1e-12)
    assert _metric(after, "demographic_parity")["judged"]["ratio"] == pytest.approx(judged_after, abs=1e-12)
    assert _metric(before, "demographic_parity")["judged"]["ratio"] == pytest.approx(judged_before, abs=1e-12)
    original = adult["model"].predict(test[adult["features"]]) == POSITIVE
    assert judged_before == pytest.approx(demographic_parity_ratio(y, original, sensitive_features=test["sex"]), abs=1e-12)

    # the printed before / after lines carry the intervals
    assert "demographic_parity ratio by sex (judged groups): 0.310 [" in run.out
    assert "accuracy: 0.852 [" in run.out and "points)" in run.out

    tradeoff = _doc(tmp_path / "out/tradeoff.json")
    chosen = next(p for p in tradeoff["points"] if p["chosen"])
    assert chosen["ratio"] == pytest.approx(judged_after, abs=1e-12)
    assert tradeoff["judged_groups"] == ["Female", "Male"] and tradeoff["excluded_groups"] == []


@pytest.mark.slow
def test_equalized_odds_reaches_its_bound_and_equals_fairlearn(rai, adult, tmp_path):
    from fairlearn.metrics import equalized_odds_difference, equalized_odds_ratio

    run = _run(rai, adult, tmp_path / "out", "--constraint", "equalized_odds")
    assert run.code == 0, run.err
    before, after = _doc(tmp_path / "out/before/assessment.json"), _doc(tmp_path / "out/after/assessment.json")
    test = adult["test"]
    y = (test[TARGET] == POSITIVE).astype(int)
    predicted = _fairlearn_threshold(adult, "equalized_odds")
    eo_after = _metric(after, "equalized_odds")
    assert eo_after["ratio"] == pytest.approx(equalized_odds_ratio(y, predicted, sensitive_features=test["sex"]), abs=1e-12)
    assert eo_after["difference"] == pytest.approx(
        equalized_odds_difference(y, predicted, sensitive_features=test["sex"]), abs=1e-12)
    # the bound: error rates within 0.8 of each other (the gate's ratio bound), from well below it
    judged = min(_judged(_metric(after, "true_positive_rate")["by_group"], _counts(after)),
                 _judged(_metric(after, "false_positive_rate")["by_group"], _counts(after)))
    assert _metric(before, "equalized_odds")["ratio"] < 0.5
    assert judged == pytest.approx(eo_after["ratio"], abs=1e-12)
    assert eo_after["judged"]["ratio"] == pytest.approx(judged, abs=1e-12)
    assert judged >= 0.8


@pytest.mark.slow
def test_mitigated_model_loads_like_any_other_and_its_card_says_it_needs_sex(rai, adult, tmp_path):
    assert _run(rai, adult, tmp_path / "out").code == 0
    root = adult["root"]
    run = rai("assess", "--data", root / "test.csv", "--target", TARGET, "--sensitive", "sex",
              "--positive-label", POSITIVE, "--model", tmp_path / "out/mitigated.skops", "--only", "performance,fairness",
              "--out", tmp_path / "assessed", "--report")
    assert run.code == 0, run.err
    # the same predictions as the after-assessment of rai mitigate (same seed, same rows)
    again, after = _doc(tmp_path / "assessed/assessment.json"), _doc(tmp_path / "out/after/assessment.json")
    assert again["results"]["performance"]["overall"] == after["results"]["performance"]["overall"]
    card = (tmp_path / "assessed/model_card.md").read_text(encoding="utf-8")
    assert "**Deployment:** Needs the sensitive feature(s) sex at prediction time" in card
    meta = _doc(tmp_path / "out/mitigated.rai.json")
    assert meta["requires_at_prediction"] == ["sex"]
    assert "fairlearn.postprocessing._threshold_optimizer.ThresholdOptimizer" in meta["trusted_types"]


@pytest.mark.slow
def test_gate_accepts_the_mitigated_model_against_the_before_assessment(rai, adult, tmp_path):
    assert _run(rai, adult, tmp_path / "out").code == 0
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "version: 1\n"
        "checks:\n"
        "  - {name: four-fifths by sex, metric: fairness.demographic_parity.ratio, sensitive_feature: sex,\n"
        "     op: '>=', threshold: 0.8}\n"
        "  - {name: accuracy loss at most 3 points, metric: performance.accuracy, op: '>=', baseline_tolerance: 0.03}\n",
        encoding="utf-8")
    out = tmp_path / "out"
    accepted = rai("gate", "--policy", policy, "--assessment", out / "after/assessment.json",
                   "--baseline", out / "before/assessment.json")
    assert accepted.code == 0, accepted.out
    # the original model fails the same policy on the fairness bound
    refused = rai("gate", "--policy", policy, "--assessment", out / "before/assessment.json",
                  "--baseline", out / "before/assessment.json")
    assert refused.code == 1
    assert "four-fifths by sex" in refused.out
