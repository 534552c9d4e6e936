"""Explanations: known signal features come first, SHAP adds up, LIME agrees on clear-cut rows.

Oracles: the model itself (``decision_function`` / ``predict_proba`` / ``predict``) for additivity,
shap's own ``TreeExplainer`` run here on the final estimator for the base value and the one-hot
sums, and the generating process of the data for which features matter.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
)
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import LinearSVC

from rai import Assessment, DatasetSpec, assess
from rai._exceptions import ConfigError, DataContractError, UnsupportedError
from rai.analyzers import get_analyzer_class
from rai.analyzers._errors import ErrorAnalyzer
from rai.analyzers._explanations import MIN_ROWS, ExplanationAnalyzer
from rai.results import ExplanationResult

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

EDU_EFFECT = {"none": -1.5, "school": -0.2, "college": 0.2, "phd": 1.5}
CATEGORICAL = ["edu", "colour"]
FEATURES = ["age", "edu", "colour", "noise1", "noise2"]


def signal_frame(n: int = 3000, *, seed: int = 0, regression: bool = False) -> pd.DataFrame:
    """``age`` (strong) and ``edu`` (clear) drive the target; ``colour`` and the noises do not."""
    rng = np.random.default_rng(seed)
    age = rng.uniform(18, 80, n).round()
    edu = rng.choice(list(EDU_EFFECT), n)
    colour = rng.choice(["red", "green", "blue"], n)
    noise1, noise2 = rng.normal(size=n), rng.uniform(size=n)
    signal = 0.12 * (age - 49) + pd.Series(edu).map(EDU_EFFECT).to_numpy()
    if regression:
        y = 10 * signal + rng.normal(scale=1.0, size=n)
    else:
        y = (rng.random(n) < 1 / (1 + np.exp(-signal))).astype(int)
    return pd.DataFrame({"age": age, "edu": edu, "colour": colour, "noise1": noise1, "noise2": noise2,
                         "group": rng.choice(["a", "b"], n), "y": y})


def pipeline(estimator) -> Pipeline:
    pre = ColumnTransformer([("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), CATEGORICAL)],
                            remainder="passthrough")
    return Pipeline([("pre", pre), ("model", estimator)])


def fitted(estimator, frame: pd.DataFrame) -> Pipeline:
    return pipeline(estimator).fit(frame[FEATURES], frame["y"])


SPEC = DatasetSpec(target="y", sensitive=("group",))
FAST = dict(lime_samples=1000, sample_size=500, surrogate_sample_size=2000)


def validated(frame: pd.DataFrame, model) -> object:
    out = frame.copy()
    out["pred"] = model.predict(frame[FEATURES])
    return SPEC.replace(prediction="pred").validate(out)


@pytest.fixture(scope="module")
def frame():
    return signal_frame()


@pytest.fixture(scope="module")
def hgb(frame):
    return fitted(HistGradientBoostingClassifier(max_iter=60, random_state=0), frame)


@pytest.fixture(scope="module")
def result(frame, hgb):
    return ExplanationAnalyzer(model=hgb, **FAST).compute(validated(frame, hgb))


def test_registered_under_its_contract_name():
    assert get_analyzer_class("explanations") is ExplanationAnalyzer
    assert ExplanationAnalyzer.needs_model and ExplanationAnalyzer.needs_target


def test_shap_ranks_the_signal_features_first(result):
    assert [g.feature for g in result.global_importance[:2]] == ["age", "edu"]
    assert {g.method for g in result.global_importance} == {"shap_tree"}
    assert result.shap_method == "tree" and "TreeExplainer" in result.explainer and result.notes == []
    assert sum(g.share for g in result.global_importance) == pytest.approx(1.0)
    assert result.sample_size == 500 and result.background_size is None and result.seed == 0
    assert result.lime_training_rows == 1000 and result.background_source == "data"


def test_shap_adds_up_to_the_model_output_and_matches_shap_itself(frame, hgb, result):
    import shap

    assert result.output_space == "log-odds" and result.additivity_max_error < 1e-8
    explainer = shap.TreeExplainer(hgb[-1])
    names = list(hgb[:-1].get_feature_names_out())
    shap_rows = [e for e in result.local if e.method == "shap"]
    assert len(shap_rows) == 6
    for e in shap_rows:
        x = frame[FEATURES].iloc[[e.row]]
        margin = float(hgb.decision_function(x)[0])
        assert e.base_value == pytest.approx(float(np.ravel(explainer.expected_value)[0]), abs=1e-9)
        assert e.base_value + sum(e.contributions.values()) == pytest.approx(margin, abs=1e-6)
        assert e.output_value == pytest.approx(margin, abs=1e-6)
        assert e.prediction == pytest.approx(hgb.predict_proba(x)[0, 1], abs=1e-12)
        # one-hot columns summed back onto their input column
        raw = explainer.shap_values(hgb[:-1].transform(x))[0]
        for column in FEATURES:
            expected = sum(v for n, v in zip(names, raw) if n.startswith(f"cat__{column}_") or n == f"remainder__{column}")
            assert e.contributions[column] == pytest.approx(expected, abs=1e-9)


def test_default_local_rows_are_worst_errors_and_typical_rows(frame, hgb, result):
    shap_rows = [e for e in result.local if e.method == "shap"]
    assert [e.reason for e in shap_rows] == ["worst error"] * 3 + ["typical"] * 3
    proba = hgb.predict_proba(frame[FEATURES])
    pred = hgb.predict(frame[FEATURES])
    wrong = np.flatnonzero(pred != frame.y.to_numpy())
    p_true = proba[wrong, frame.y.to_numpy()[wrong]]
    expected_worst = wrong[np.argsort(p_true, kind="stable")[:3]]
    assert sorted(e.row for e in shap_rows[:3]) == sorted(expected_worst.tolist())
    assert {e.method for e in result.local} == {"shap", "lime"}
    assert len(result.agreement) == 6 and all(a.top_k == 5 for a in result.agreement)


def test_lime_and_shap_agree_on_the_top_feature_for_clear_cut_rows(frame, hgb):
    # rows where age is extreme and education is middling: age clearly decides
    clear = frame.index[((frame.age <= 21) | (frame.age >= 77)) & frame.edu.isin(["school", "college"])][:6]
    res = ExplanationAnalyzer(model=hgb, rows=clear.tolist(), surrogate=False, **FAST).compute(validated(frame, hgb))
    assert [a.row for a in res.agreement] == clear.tolist()
    assert all(a.top1_agree and a.shap_top[0] == "age" for a in res.agreement), res.agreement
    assert all(e.reason == "requested" for e in res.local)
    lime = [e for e in res.local if e.method == "lime"]
    assert len(lime) == 6 and all(e.output_space == "probability" for e in lime)


def test_surrogate_is_faithful_and_its_shapes_follow_the_signal(result):
    s = result.surrogate
    assert s.method == "ebm" and s.fidelity_metric == "accuracy" and s.fidelity >= 0.85
    assert s.n_train + s.n_test == 2000
    shapes = {f.feature: f for f in s.shapes}
    assert set(shapes) == set(FEATURES)
    age = shapes["age"]
    assert len(age.edges) == len(age.scores) + 1 and age.scores[-1] - age.scores[0] > 2
    edu = dict(zip(shapes["edu"].categories, shapes["edu"].scores))
    assert edu["phd"] > edu["college"] > edu["school"] > edu["none"]
    assert max(shapes, key=lambda f: shapes[f].importance) == "age"


def test_same_seed_gives_the_same_numbers(frame, hgb):
    data = validated(frame, hgb)
    small = dict(lime_samples=500, sample_size=100, surrogate_sample_size=500, n_local=2)
    a = ExplanationAnalyzer(model=hgb, seed=7, **small).compute(data)
    b = ExplanationAnalyzer(model=hgb, seed=7, **small).compute(data)
    assert a.to_dict() == b.to_dict() and a.seed == 7


def test_random_forest_is_explained_in_probability_space(frame):
    rf = fitted(RandomForestClassifier(n_estimators=30, max_depth=8, random_state=0), frame)
    res = ExplanationAnalyzer(model=rf, surrogate=False, **FAST).compute(validated(frame, rf))
    assert res.output_space == "probability" and res.additivity_max_error < 1e-6
    for e in (e for e in res.local if e.method == "shap"):
        p = rf.predict_proba(frame[FEATURES].iloc[[e.row]])[0, 1]
        assert e.base_value + sum(e.contributions.values()) == pytest.approx(p, abs=1e-6)
    assert {g.feature for g in res.global_importance[:2]} == {"age", "edu"}


def test_tree_budget_cuts_the_sample_then_falls_back_to_the_approximation(frame, hgb):
    data = validated(frame, hgb)
    cut = ExplanationAnalyzer(model=hgb, tree_budget=0.02, surrogate=False, **FAST).compute(data)
    assert cut.shap_method == "tree" and 50 <= cut.sample_size < 500 and "was cut" in cut.notes[0]
    approx = ExplanationAnalyzer(model=hgb, tree_budget=1e-6, surrogate=False, **FAST).compute(data)
    assert approx.shap_method == "tree_approximate" and "approximate (Saabas)" in approx.notes[0]
    assert approx.additivity_max_error < 1e-6  # Saabas attributions still add up
    assert [g.feature for g in approx.global_importance[:2]] == ["age", "edu"]


def test_unsupported_model_falls_back_to_the_permutation_explainer(frame):
    pre = ColumnTransformer([("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL)],
                            remainder=StandardScaler())
    logreg = Pipeline([("pre", pre), ("model", KNeighborsClassifier(n_neighbors=25))]).fit(frame[FEATURES], frame.y)
    res = ExplanationAnalyzer(model=logreg, agnostic_sample_size=40, background_size=30, surrogate=False,
                              lime_samples=500, n_local=2).compute(validated(frame, logreg))
    assert res.shap_method == "permutation" and "fell back" in res.notes[0]
    assert res.background_size == 30 and res.sample_size == 40
    assert res.output_space == "probability" and res.additivity_max_error < 1e-8
    for e in (e for e in res.local if e.method == "shap"):
        p = logreg.predict_proba(frame[FEATURES].iloc[[e.row]])[0, 1]
        assert e.base_value + sum(e.contributions.values()) == pytest.approx(p, abs=1e-8)
    assert "age" in {g.feature for g in res.global_importance[:2]}


def test_logistic_regression_pipeline_on_adult_uses_the_exact_linear_explainer(adult_csv):
    adult = pd.read_csv(adult_csv, skipinitialspace=True).sample(9800, random_state=0).reset_index(drop=True)
    target = "income-per-year"
    categorical = ["workclass", "education", "marital-status", "occupation", "relationship", "race", "sex"]
    numeric = ["age", "education-num", "capital-gain", "capital-loss", "hours-per-week"]
    features = categorical + numeric
    pre = ColumnTransformer([("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical),
                             ("num", StandardScaler(), numeric)])
    model = Pipeline([("pre", pre), ("model", LogisticRegression(max_iter=1000))]).fit(adult[features], adult[target])
    frame = adult[features + [target]].assign(pred=model.predict(adult[features]))
    data = DatasetSpec(target=target, prediction="pred", sensitive=("sex",), positive_label=">50K").validate(frame)
    res = ExplanationAnalyzer(model=model, lime_samples=500, surrogate=False, n_local=4).compute(data)
    assert res.shap_method == "linear" and res.explainer.startswith("shap.LinearExplainer")
    assert res.notes == [] and res.sample_size == 1000
    # oracle: scikit-learn's own margin; the attributions add up to it exactly
    assert res.output_space == "log-odds" and res.additivity_max_error < 1e-9
    shap_rows = [e for e in res.local if e.method == "shap"]
    margin = model.decision_function(adult[features].iloc[[e.row for e in shap_rows]])
    for e, m in zip(shap_rows, margin):
        assert e.base_value + sum(e.contributions.values()) == pytest.approx(m, abs=1e-9)
    # oracle: between two rows, a column's attribution changes by its coefficients times the
    # change of its encoded values (whatever the background), summed over its one-hot columns
    a, b = shap_rows[0], shap_rows[1]
    coef = model[-1].coef_[0]
    encoded = pre.transform(adult[features].iloc[[a.row, b.row]])
    names = list(pre.get_feature_names_out())
    for column in features:
        idx = [i for i, n in enumerate(names) if n == f"num__{column}" or n.startswith(f"cat__{column}_")]
        expected = float(coef[idx] @ (encoded[0, idx] - encoded[1, idx]))
        assert a.contributions[column] - b.contributions[column] == pytest.approx(expected, abs=1e-9)


def test_tree_shap_that_does_not_add_up_is_not_reported(frame):
    # shap's TreeExplainer reads HistGradientBoosting's native categorical splits wrongly: the
    # additivity check catches it and the permutation explainer answers instead
    X = frame[FEATURES].copy()
    X["edu"] = X.edu.map({"none": 0, "school": 1, "college": 2, "phd": 3})
    X["colour"] = X.colour.map({"red": 0, "green": 1, "blue": 2})
    model = HistGradientBoostingClassifier(max_iter=30, categorical_features=[1, 2], random_state=0).fit(X, frame.y)
    data = DatasetSpec(target="y", prediction="pred", categorical=("edu", "colour")).validate(
        frame.assign(edu=X.edu, colour=X.colour, pred=model.predict(X)))
    res = ExplanationAnalyzer(model=model, agnostic_sample_size=40, background_size=30, surrogate=False,
                              lime_samples=500, n_local=2).compute(data)
    assert res.shap_method == "permutation" and "do not add up" in res.notes[0]
    assert res.additivity_max_error < 1e-8
    with pytest.raises(UnsupportedError, match="do not add up"):
        ExplanationAnalyzer(model=model, algorithm="tree", surrogate=False).compute(data)


def test_regression_model():
    frame = signal_frame(1500, seed=2, regression=True)
    reg = fitted(HistGradientBoostingRegressor(max_iter=60, random_state=0), frame)
    res = ExplanationAnalyzer(model=reg, **FAST).compute(validated(frame, reg))
    assert res.task == "regression" and res.output_space == "prediction" and res.explained_classes == []
    for e in (e for e in res.local if e.method == "shap"):
        assert e.output_value == pytest.approx(reg.predict(frame[FEATURES].iloc[[e.row]])[0], abs=1e-6)
    assert [g.feature for g in res.global_importance[:2]] == ["age", "edu"]
    assert res.surrogate.fidelity_metric == "r2" and res.surrogate.fidelity > 0.8


def test_multiclass_model_explains_the_predicted_class():
    frame = signal_frame(1500, seed=3)
    frame["y"] = pd.cut(frame.age, [0, 35, 60, 100], labels=["young", "mid", "old"]).astype(str)
    rf = fitted(RandomForestClassifier(n_estimators=20, max_depth=6, random_state=0), frame)
    res = ExplanationAnalyzer(model=rf, **FAST).compute(validated(frame, rf))
    assert res.explained_classes == ["mid", "old", "young"]
    assert res.global_importance[0].feature == "age"
    for e in (e for e in res.local if e.method == "shap"):
        x = frame[FEATURES].iloc[[e.row]]
        assert e.output == rf.predict(x)[0]
        k = list(rf.classes_).index(e.output)
        assert e.output_value == pytest.approx(rf.predict_proba(x)[0, k], abs=1e-6)
    assert {s.output for s in res.surrogate.shapes} == {"mid", "old", "young"}


# -- bad input -----------------------------------------------------------------------------------


def test_model_expecting_missing_columns_names_them(frame, hgb):
    data = SPEC.replace(prediction="pred").validate(frame.drop(columns=["colour"]).assign(pred=frame.y))
    with pytest.raises(DataContractError, match=r"not in the data: \['colour'\]"):
        ExplanationAnalyzer(model=hgb).compute(data)


def test_model_failing_on_the_data_says_so(frame, hgb):
    bad = frame.assign(age="old", pred=frame.y)
    data = SPEC.replace(prediction="pred").validate(bad)
    with pytest.raises(DataContractError, match=r"failed in predict_proba.*ValueError"):
        ExplanationAnalyzer(model=hgb).compute(data)


def test_classifier_without_predict_proba_is_unsupported_and_becomes_a_note(frame):
    svc = fitted(LinearSVC(), frame)
    with pytest.raises(UnsupportedError, match=r"has no 'predict_proba'"):
        ExplanationAnalyzer(model=svc).compute(validated(frame, svc))
    a = assess(frame, spec=SPEC, model=svc, analyzers=[ExplanationAnalyzer(model=svc)])
    assert a.results.explanations is None
    assert a.results.notes[0].level == "unsupported" and "predict_proba" in a.results.notes[0].message


def test_regressor_given_a_classification_target(frame):
    reg = fitted(HistGradientBoostingRegressor(max_iter=20), frame)
    data = SPEC.replace(prediction="pred").validate(frame.assign(pred=frame.y))
    with pytest.raises(UnsupportedError, match=r"is a regressor but the target is a binary classification target"):
        ExplanationAnalyzer(model=reg).compute(data)


def test_tiny_dataset_is_refused_with_the_row_count(frame, hgb):
    small = frame.iloc[: MIN_ROWS - 5]
    with pytest.raises(UnsupportedError) as info:
        ExplanationAnalyzer(model=hgb).compute(validated(small, hgb))
    assert str(info.value) == (
        f"explanations need at least {MIN_ROWS} rows to sample a background and fit a surrogate; "
        f"the data has {MIN_ROWS - 5}."
    )


@pytest.mark.parametrize(
    "params, message",
    [
        ({"top_k": 0}, "The 'top_k' parameter of ExplanationAnalyzer must be an int >= 1. Got 0 instead."),
        ({"algorithm": "deep"}, "The 'algorithm' parameter of ExplanationAnalyzer must be one of 'auto', 'linear', 'tree', 'permutation'. Got 'deep' instead."),
        ({"model": None}, "The 'model' parameter of ExplanationAnalyzer must be a fitted model (a ModelAdapter or an estimator with 'predict'). Got None instead."),
        ({"rows": [10**6]}, "The 'rows' parameter of ExplanationAnalyzer must be a list of row positions in [0, 2999]. Got [1000000] instead."),
    ],
)
def test_bad_parameters_name_what_was_expected(frame, hgb, params, message):
    kwargs = {"model": hgb, **params}
    with pytest.raises(ConfigError) as info:
        ExplanationAnalyzer(**kwargs).compute(validated(frame, hgb))
    assert str(info.value) == message


def test_forced_tree_algorithm_on_an_unsupported_model_is_a_clear_error(frame):
    logreg = Pipeline([("pre", pipeline(LogisticRegression())[0]), ("m", LogisticRegression(max_iter=300))])
    logreg.fit(frame[FEATURES], frame.y)
    with pytest.raises(UnsupportedError, match=r"shap.TreeExplainer does not support LogisticRegression"):
        ExplanationAnalyzer(model=logreg, algorithm="tree").compute(validated(frame, logreg))


# -- assessment -----------------------------------------------------------------------------------


def test_assessment_with_a_model_round_trips(tmp_path, frame, hgb):
    reference = signal_frame(1000, seed=9)
    a = assess(frame, spec=SPEC, reference=reference, model=hgb,
               analyzers=[ErrorAnalyzer(), ExplanationAnalyzer(model=hgb, **FAST)])
    ex = a.results.explanations
    assert isinstance(ex, ExplanationResult) and ex.background_source == "reference"
    d = a.to_dict()["results"]["explanations"]
    assert {"feature", "importance", "method"} <= set(d["global_importance"][0])
    assert {"row", "method", "contributions", "prediction"} <= set(d["local"][0])
    assert {e["method"] for e in d["local"]} == {"shap", "lime"}
    assert {"method", "fidelity", "shapes"} <= set(d["surrogate"])
    assert ExplanationResult.from_dict(json.loads(json.dumps(ex.to_dict()))) == ex
    loaded = Assessment.load(a.save(tmp_path))
    assert loaded.results.explanations == ex and loaded.results.errors == a.results.errors
