"""Counterfactuals: valid by re-prediction, constraints that hold (and matter), a flip test that sees the attribute.

Oracles: the model itself, called here on the returned rows (validity) and on the data with the
sensitive column set by pandas (flip rates); the generating process of the data (which columns can
flip a decision); the constraints as declared (checked value by value, here).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from rai import Assessment, DatasetSpec, assess
from rai._exceptions import ConfigError, UnsupportedError
from rai.analyzers import get_analyzer_class
from rai.analyzers._counterfactuals import CounterfactualAnalyzer
from rai.results import CounterfactualResult, metric_stream

FEATURES = ["age", "income", "edu", "colour", "group"]
CATEGORICAL = ["edu", "colour", "group"]
EDU = {"none": -1.5, "school": -0.3, "college": 0.5, "phd": 1.5}


def make_frame(n: int = 2000, *, seed: int = 0, group_effect: float = 1.2) -> pd.DataFrame:
    """``age``, ``income`` and ``edu`` drive the label; ``group`` too when ``group_effect`` is not 0."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 70, n).astype(float)
    income = rng.normal(50, 15, n).round(1)
    edu = rng.choice(list(EDU), n)
    colour = rng.choice(["red", "green", "blue"], n)
    group = rng.choice(["a", "b"], n, p=[0.6, 0.4])
    logit = 0.08 * (age - 44) + 0.06 * (income - 50) + pd.Series(edu).map(EDU).to_numpy() + group_effect * (group == "b") - 0.5 * group_effect
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame({"age": age, "income": income, "edu": edu, "colour": colour, "group": group, "y": y})


def fit(frame: pd.DataFrame, features: list[str] = FEATURES, estimator=None) -> Pipeline:
    cat = [c for c in CATEGORICAL if c in features]
    pre = ColumnTransformer([("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), cat)],
                            remainder="passthrough")
    model = Pipeline([("pre", pre), ("m", estimator or HistGradientBoostingClassifier(max_iter=60, random_state=0))])
    return model.fit(frame[features], frame["y"])


SPEC = DatasetSpec(target="y", prediction="pred", sensitive=("group",))


def validated(frame: pd.DataFrame, model, spec: DatasetSpec = SPEC):
    out = frame.copy()
    out["pred"] = model.predict(frame[list(model.feature_names_in_)])
    return spec.validate(out)


def as_frame(values: list[dict[str, str]], like: pd.DataFrame) -> pd.DataFrame:
    """Counterfactual values (display strings) back to the model's column types."""
    out = pd.DataFrame(values)
    for c in out.columns:
        if pd.api.types.is_numeric_dtype(like[c]):
            out[c] = out[c].astype(float)
    return out


@pytest.fixture(scope="module")
def frame():
    return make_frame()


@pytest.fixture(scope="module")
def reference():
    return make_frame(3000, seed=1)


@pytest.fixture(scope="module")
def model(reference):
    return fit(reference)


def run(model, frame, reference, **params) -> CounterfactualResult:
    ref = DatasetSpec(sensitive=("group",)).validate(reference[FEATURES], name="reference")
    params.setdefault("flip_test", False)
    return CounterfactualAnalyzer(model=model, **params).fit(ref).compute(validated(frame, model))


@pytest.fixture(scope="module")
def result(model, frame, reference):
    return run(model, frame, reference, rows=20, per_row=3)


def changes(result: CounterfactualResult, column: str) -> list[tuple[str, str]]:
    """(before, after) of ``column`` in every counterfactual that changes it."""
    return [(e.values[column], cf.values[column]) for e in result.examples for cf in e.counterfactuals if column in cf.changed]


# -- validity --------------------------------------------------------------------------------------


def test_registered_under_its_contract_name():
    assert get_analyzer_class("counterfactuals") is CounterfactualAnalyzer
    assert CounterfactualAnalyzer.needs_model


def test_every_counterfactual_reaches_the_other_class_when_predicted_again(model, frame, result):
    assert result.n_rows == 20 and result.coverage == 1.0 and result.validity == 1.0
    assert all(1 <= len(e.counterfactuals) <= 3 for e in result.examples)
    for e in result.examples:
        original = model.predict(frame.iloc[[e.row]][FEATURES])[0]
        assert e.prediction == str(original) and e.desired == str(1 - original)
        again = model.predict(as_frame([cf.values for cf in e.counterfactuals], frame)[FEATURES])
        assert (again == 1 - original).all()
        for cf in e.counterfactuals:
            # ``changed`` names exactly the columns whose value differs from the row's
            assert cf.changed == [c for c in FEATURES if cf.values[c] != e.values[c]] and cf.changed
            assert cf.prediction == str(1 - original)
            proba = model.predict_proba(as_frame([cf.values], frame)[FEATURES])[0, 1 - original]
            assert cf.score == pytest.approx(proba) and proba > 0.5


def test_quality_figures_match_the_returned_counterfactuals(frame, reference, result):
    cfs = [(e, cf) for e in result.examples for cf in e.counterfactuals]
    assert result.n_counterfactuals == len(cfs)
    assert result.mean_changed == pytest.approx(np.mean([len(cf.changed) for _, cf in cfs]))
    span = {c: reference[c].max() - reference[c].min() for c in ("age", "income")}
    for e, cf in cfs:  # hand-computed range-normalised L1
        d = sum(abs(float(cf.values[c]) - float(e.values[c])) / span[c] if c in span else 1.0 for c in cf.changed)
        assert cf.distance == pytest.approx(d)
    assert result.mean_distance == pytest.approx(np.mean([cf.distance for _, cf in cfs]))
    assert result.seconds > 0 and result.model_calls >= 3


class BatchDependent:
    """A model whose decisions invert on small batches: what the search saw is not what a re-prediction gives."""

    def __init__(self, model):
        self.model = model
        self.classes_ = model.classes_
        self.feature_names_in_ = model.feature_names_in_

    def predict(self, X):
        pred = self.model.predict(X)
        return pred if len(X) > 500 else 1 - pred

    def predict_proba(self, X):
        return self.model.predict_proba(X)


def test_a_counterfactual_that_fails_its_check_is_dropped_not_returned(model, frame, reference):
    flaky = BatchDependent(model)
    r = run(flaky, frame, reference, rows=list(range(20)))
    (note,) = [n for n in r.notes if "did not reach the desired outcome when re-predicted and were dropped" in n]
    dropped = int(note.split()[0])
    assert dropped > 0 and r.validity == pytest.approx(r.n_counterfactuals / (r.n_counterfactuals + dropped))
    for e in r.examples:  # what is returned is what the model, asked again the same way, decides
        for cf in e.counterfactuals:
            assert str(flaky.predict(as_frame([cf.values], frame)[FEATURES])[0]) == e.desired


def test_counterfactuals_are_sparse_no_change_can_be_undone(model, frame, result):
    """Greedy reduction: reverting any one change of a returned counterfactual loses the outcome."""
    for e in result.examples:
        original = model.predict(frame.iloc[[e.row]][FEATURES])[0]
        for cf in e.counterfactuals:
            if len(cf.changed) < 2:
                continue
            reverted = [{**cf.values, c: e.values[c]} for c in cf.changed]
            assert (model.predict(as_frame(reverted, frame)[FEATURES]) == original).all()


def test_default_rows_come_from_error_cohorts_and_the_boundary(result):
    reasons = [e.reason for e in result.examples]
    assert sum(r.startswith("worst error cohort") for r in reasons) == 10
    assert reasons.count("near the decision boundary") == 10
    assert len({e.row for e in result.examples}) == 20


# -- constraints ---------------------------------------------------------------------------------


def test_sensitive_and_immutable_columns_never_change_and_would_otherwise(model, frame, reference):
    free = run(model, frame, reference, rows=30, immutable=["income", "colour"], immutable_sensitive=False)
    assert changes(free, "group") and changes(free, "age"), "the constraints below must matter on these rows"
    held = run(model, frame, reference, rows=30, immutable=["age"])
    assert held.immutable == ["age", "group"]
    assert not changes(held, "group") and not changes(held, "age")
    assert held.validity == 1.0 and held.coverage > 0.8


def test_monotone_column_moves_one_way_only(model, frame, reference):
    free = run(model, frame, reference, rows=30)
    assert any(float(b) < float(a) for a, b in changes(free, "age")), "some rows would get younger without the constraint"
    held = run(model, frame, reference, rows=30, monotone={"age": "increase"})
    moved = changes(held, "age")
    assert moved and all(float(b) > float(a) for a, b in moved)


def test_permitted_ranges_and_plausible_values(model, frame, reference):
    r = run(model, frame, reference, rows=30, ranges={"income": [40, 60], "edu": ["school", "college"]})
    assert all(40 <= float(b) <= 60 for _, b in changes(r, "income"))
    assert {b for _, b in changes(r, "edu")} <= {"school", "college"}
    lo, hi = reference["income"].min(), reference["income"].max()
    plain = run(model, frame, reference, rows=30)
    assert all(lo <= float(b) <= hi for _, b in changes(plain, "income"))
    assert {b for _, b in changes(plain, "colour")} <= set(reference["colour"])


def test_rows_without_a_counterfactual_are_reported_with_the_reason(model, frame, reference):
    r = run(model, frame, reference, rows=[0, 1], immutable=["age", "income", "edu", "colour"])
    assert r.coverage == 0.0 and r.validity is None and r.n_counterfactuals == 0
    assert all(e.message == "every input column is immutable: nothing may change." for e in r.examples)
    r = run(model, frame, reference, rows=[0, 1, 2, 3], immutable=["age", "income", "edu"], max_changes=1)
    for e in r.examples:
        assert e.counterfactuals or e.message.startswith("no candidate reached the desired outcome")


# -- other tasks ---------------------------------------------------------------------------------


def test_regression_reaches_the_target_range(frame, reference):
    ref = reference.assign(y=reference.income * 2 + reference.age)
    model = fit(ref, estimator=HistGradientBoostingRegressor(max_iter=60, random_state=0))
    data = frame.assign(y=frame.income * 2 + frame.age)
    r = run(model, data, ref, rows=6, desired_range=[150, 170])
    assert r.task == "regression" and r.validity == 1.0
    for e in r.examples:
        values = model.predict(as_frame([cf.values for cf in e.counterfactuals], frame)[FEATURES])
        assert ((values >= 150) & (values <= 170)).all() and e.desired == "[150, 170]"
    with pytest.raises(UnsupportedError, match=r"desired_range: \[low, high\]"):
        run(model, data, ref, rows=3)


def test_multiclass_reaches_the_desired_class(frame, reference):
    ref = reference.assign(y=pd.cut(reference.income, [-np.inf, 40, 60, np.inf], labels=["low", "mid", "high"]).astype(str))
    model = fit(ref)
    data = frame.assign(y=pd.cut(frame.income, [-np.inf, 40, 60, np.inf], labels=["low", "mid", "high"]).astype(str))
    r = run(model, data, ref, rows=6, desired_class="high")
    assert r.coverage > 0.5
    for e in r.examples:
        if e.counterfactuals:
            assert (model.predict(as_frame([cf.values for cf in e.counterfactuals], frame)[FEATURES]) == "high").all()


def test_a_classifier_without_predict_proba_is_searched_through_predict_alone(frame, reference):
    from sklearn.svm import LinearSVC

    model = fit(reference, estimator=LinearSVC(C=0.01))
    r = run(model, frame, reference, rows=4)
    assert r.validity == 1.0 and r.coverage == 1.0
    assert all(e.score is None and all(c.score is None for c in e.counterfactuals) for e in r.examples)
    assert {e.reason for e in r.examples} - {"random (the model has no predict_proba to find the boundary)"} <= {
        e.reason for e in r.examples if e.reason.startswith("worst error cohort")}
    for e in r.examples:
        again = model.predict(as_frame([c.values for c in e.counterfactuals], frame)[FEATURES])
        assert (again.astype(str) == e.desired).all()


# -- flip test -----------------------------------------------------------------------------------


def test_flip_rate_is_the_share_of_changed_predictions_and_zero_without_the_attribute(frame, reference):
    uses = fit(reference)
    r = run(uses, frame, reference, rows=2, flip_test=True, flip_sample=5000)
    by_pair = {(f.from_group, f.to_group): f for f in r.flip_test}
    assert set(by_pair) == {("a", "b"), ("b", "a")}
    for (a, b), f in by_pair.items():  # oracle: pandas sets the column, the model predicts
        rows = frame[frame.group == a][FEATURES]
        expected = (uses.predict(rows.assign(group=b)) != uses.predict(rows)).mean()
        assert f.flip_rate == pytest.approx(expected) and f.n == len(rows) and f.flip_rate > 0.1
        assert f.ci_low < f.flip_rate < f.ci_high and not f.insufficient
    blind = fit(reference, features=["age", "income", "edu", "colour"])
    r0 = run(blind, frame, reference, rows=2, flip_test=True)
    assert [f.flip_rate for f in r0.flip_test] == [0.0, 0.0] and [f.ci_high for f in r0.flip_test] == [0.0, 0.0]
    assert any("group is not a model input" in n for n in r0.notes)


def test_small_groups_are_insufficient_with_the_reason(frame, reference, model):
    r = run(model, frame, reference, rows=2, flip_test=True, min_group_size=900)
    small = {(f.from_group, f.insufficient) for f in r.flip_test}
    assert small == {("a", False), ("b", True)}
    (b,) = [f for f in r.flip_test if f.from_group == "b"]
    assert b.reason == f"{b.n} rows in group 'b' of group, under min_group_size 900"


# -- parameters, assessment, stream ---------------------------------------------------------------


@pytest.mark.parametrize(
    "params, message",
    [
        ({"per_row": 0}, "The 'per_row' parameter of CounterfactualAnalyzer must be an int >= 1. Got 0 instead."),
        ({"rows": [10**6]}, "The 'rows' parameter of CounterfactualAnalyzer must be an int >= 1 or a list of row positions in [0, 1999]. Got [1000000] instead."),
        ({"monotone": {"age": "up"}}, "The 'monotone' parameter of CounterfactualAnalyzer must be a mapping of column to 'increase' or 'decrease'. Got {'age': 'up'} instead."),
        ({"monotone": {"edu": "increase"}}, "The 'monotone' parameter of CounterfactualAnalyzer must be a mapping over numeric columns. Got {'edu': 'increase'} instead."),
        ({"immutable": ["salary"]}, "The 'immutable' parameter of CounterfactualAnalyzer must name model input columns (['age', 'income', 'edu', 'colour', 'group']). Got ['salary'] instead."),
        ({"ranges": {"age": [70, 20]}}, "The 'ranges.age' parameter of CounterfactualAnalyzer must be [low, high] (a numeric column). Got [70, 20] instead."),
        ({"desired_class": 7}, "The 'desired_class' parameter of CounterfactualAnalyzer must be one of the model's classes ['0', '1']. Got 7 instead."),
    ],
)
def test_bad_parameters_name_what_was_expected(model, frame, reference, params, message):
    with pytest.raises(ConfigError) as info:
        run(model, frame, reference, **params)
    assert str(info.value) == message


def test_assessment_round_trips_and_publishes_its_numbers(tmp_path, model, frame, reference):
    a = assess(frame, spec=DatasetSpec(target="y", sensitive=("group",)), reference=reference, model=model,
               analyzers=[CounterfactualAnalyzer(model=model, rows=4, n_bootstrap=50)])
    cf = a.results.counterfactuals
    assert isinstance(cf, CounterfactualResult)
    d = a.to_dict()["results"]["counterfactuals"]
    assert {"method", "examples", "validity", "flip_test"} <= set(d)
    assert {"row", "prediction", "counterfactuals"} <= set(d["examples"][0])
    assert {"values", "changed", "prediction", "distance"} <= set(d["examples"][0]["counterfactuals"][0])
    assert set(d["flip_test"][0]) >= {"sensitive_feature", "from_group", "to_group", "n", "flip_rate", "ci_low", "ci_high"}
    loaded = Assessment.load(a.save(tmp_path))
    assert loaded.results.counterfactuals == cf
    stream = [m for m in metric_stream(json.loads((tmp_path / "assessment.json").read_text())) if m.path.startswith("counterfactuals.")]
    flips = [m for m in stream if m.path == "counterfactuals.flip_rate"]
    assert {m.qualifier("from_group") for m in flips} == {"a", "b"}
    (ab,) = [m for m in flips if m.qualifier("from_group") == "a"]
    f = [x for x in cf.flip_test if x.from_group == "a"][0]
    assert (ab.value, ab.ci_low, ab.ci_high, ab.n, ab.qualifier("sensitive_feature"), ab.qualifier("to_group")) == (
        f.flip_rate, f.ci_low, f.ci_high, f.n, "group", "b")
    (validity,) = [m for m in stream if m.path == "counterfactuals.validity"]
    assert validity.value == 1.0 and validity.n == cf.n_counterfactuals and validity.headline


def test_nothing_found_is_not_a_headline():
    from rai.results._counterfactuals import _walk

    (validity,) = [m for m in _walk({"n_rows": 3, "n_counterfactuals": 0, "validity": None, "coverage": 0.0}) if m.path == "counterfactuals.validity"]
    assert validity.insufficient and not validity.headline and validity.reason == "no counterfactual was found"


def test_a_policy_bounds_the_flip_rate_through_the_gate(frame, reference):
    from rai.gate import FAIL, PASS, evaluate, parse_policy

    policy = parse_policy({"version": 1, "checks": [
        {"name": "group alone flips no decision", "metric": "counterfactuals.flip_rate", "sensitive_feature": "group",
         "op": "<=", "threshold": 0.01}]})
    spec = DatasetSpec(target="y", sensitive=("group",))
    outcomes = []
    for model in (fit(reference), fit(reference, features=["age", "income", "edu", "colour"])):
        a = assess(frame, spec=spec, reference=reference, model=model,
                   analyzers=[CounterfactualAnalyzer(model=model, rows=2, n_bootstrap=50)])
        (check,) = evaluate(policy, a.to_dict()).results
        outcomes.append(check.outcome)
    assert outcomes == [FAIL, PASS]


def test_every_streamed_path_is_documented(result):
    import re

    from rai.results import path_docs

    docs = path_docs()["counterfactuals"]
    section = {**result.to_dict(), "flip_test": [{"sensitive_feature": "group", "from_group": "a", "to_group": "b", "n": 3,
                                                  "flip_rate": 0.0, "ci_low": 0.0, "ci_high": 0.0, "insufficient": True, "reason": "x"}]}
    stream = metric_stream({"results": {"counterfactuals": section}})
    assert {m.path for m in stream} == {d.path for d in docs}
    for m in stream:
        (doc,) = [d for d in docs if re.fullmatch(re.escape(d.path), m.path)]
        assert {k for k, _ in m.qualifiers} == set(doc.qualifiers)


@pytest.mark.slow
def test_demo_model_twenty_rows_valid_with_sensitive_fixed_and_age_only_rising():
    """The issue's acceptance case, on the demo model and ACS 2018 with 2015 as the reference."""
    from threadpoolctl import threadpool_limits

    from rai._demo import train_demo_model
    from rai.datasets import ACS_FEATURES, load_acs_employment

    features = list(ACS_FEATURES)
    reference = load_acs_employment(2015).drop(columns=["prediction", "predicted_probability"])
    current = load_acs_employment(2018).drop(columns=["prediction", "predicted_probability"])
    with threadpool_limits(1):
        model = train_demo_model(reference)
        a = assess(current, spec=DatasetSpec(target="employed", sensitive=("SEX", "RAC1P"), id="id", exclude=("year",)),
                   reference=reference, model=model,
                   analyzers=[CounterfactualAnalyzer(model=model, immutable=["DIS"], monotone={"AGEP": "increase"})])
    cf = a.results.counterfactuals
    assert cf.n_rows == 20 and cf.coverage == 1.0 and cf.validity == 1.0
    rows = pd.DataFrame([c.values for e in cf.examples for c in e.counterfactuals])[features]
    wanted = np.array([e.desired for e in cf.examples for c in e.counterfactuals])
    rows["AGEP"] = rows["AGEP"].astype(float)
    for c in features[1:]:
        rows[c] = rows[c].astype(current[c].dtype)
    assert (model.predict(rows).astype(str) == wanted).all()
    for e in cf.examples:
        for c in e.counterfactuals:
            assert not {"SEX", "RAC1P", "DIS"} & set(c.changed)
            assert float(c.values["AGEP"]) >= float(e.values["AGEP"])
    sex = [f for f in cf.flip_test if f.sensitive_feature == "SEX"]
    assert len(sex) == 2 and all(f.flip_rate > 0 for f in sex)


def test_cli_runs_only_the_counterfactuals_from_a_skops_model(rai, tmp_path, frame, reference):
    import skops.io as sio
    from sklearn.tree import DecisionTreeClassifier

    model = fit(reference, estimator=DecisionTreeClassifier(max_depth=5, random_state=0))
    sio.dump(model, tmp_path / "model.skops")  # written here, so trusted (--trust-model)
    frame.to_csv(tmp_path / "test.csv", index=False)
    reference.to_parquet(tmp_path / "train.parquet")
    run = rai("assess", "--data", tmp_path / "test.csv", "--reference", tmp_path / "train.parquet", "--target", "y",
              "--sensitive", "group", "--model", tmp_path / "model.skops", "--trust-model", "--only", "counterfactuals", "--out", tmp_path / "out")
    assert run.code == 0, run.err
    doc = json.loads((tmp_path / "out" / "assessment.json").read_text())
    assert [k for k, v in doc["results"].items() if v and k != "notes"] == ["counterfactuals"]
    cf = doc["results"]["counterfactuals"]
    assert cf["n_rows"] == 20 and cf["validity"] == 1.0 and {f["from_group"] for f in cf["flip_test"]} == {"a", "b"}


def test_rows_come_from_the_cohorts_the_error_analysis_reports_grown_once(model, frame, reference, monkeypatch):
    from rai.analyzers import _errors

    grown = []
    real = _errors.ErrorAnalyzer._compute
    monkeypatch.setattr(_errors.ErrorAnalyzer, "_compute", lambda self, data: grown.append(1) or real(self, data))
    data = validated(frame, model)
    ref = DatasetSpec(sensitive=("group",)).validate(reference[FEATURES], name="reference")
    errors = _errors.ErrorAnalyzer().fit(ref).compute(data)  # as the run does: fitted, then computed
    cf = CounterfactualAnalyzer(model=model, rows=20, per_row=1, flip_test=False).fit(ref).compute(data)
    assert len(grown) == 1  # the counterfactuals read the tree the errors analyzer grew
    from_cohorts = {e.reason.removeprefix("worst error cohort: ") for e in cf.examples
                    if e.reason.startswith("worst error cohort")}
    assert from_cohorts and from_cohorts <= {c.rule for c in errors.cohorts}
