"""Mitigation on a small generated table: predictions equal fairlearn's, the saved model's safety, errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tests.conftest import make_binary


@pytest.fixture(scope="module")
def data():
    """Features x1, x2, color, group; labels 'no' / 'yes'; group 'b' is selected less often."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    frame = make_binary(3000, seed=1).drop(columns=["score", "pred"])
    frame["x1"] = frame["x1"] - 0.8 * (frame["group"] == "b")
    frame["y"] = np.where(frame["y"] == 1, "yes", "no")
    features = ["x1", "x2", "color", "group"]
    model = Pipeline([
        ("pre", ColumnTransformer([("onehot", OneHotEncoder(), ["color", "group"])], remainder="passthrough")),
        ("clf", LogisticRegression()),
    ]).fit(frame[features].iloc[:2000], frame["y"].iloc[:2000])
    return {"train": frame.iloc[:2000], "test": frame.iloc[2000:], "model": model, "features": features}


def _spec():
    import rai

    return rai.DatasetSpec(target="y", sensitive=("group",), positive_label="yes")


@pytest.mark.parametrize("constraint", ["demographic_parity", "true_positive_rate_parity"])
def test_exponentiated_gradient_predicts_as_fairlearn(data, constraint):
    import fairlearn.reductions as red
    from rai.mitigation import SampleWeightRouter, mitigate

    result = mitigate(data["train"], data["test"], spec=_spec(), model=data["model"],
                      method="exponentiated-gradient", constraint=constraint, seed=3)
    train, test, features = data["train"], data["test"], data["features"]
    moment = red.DemographicParity() if constraint == "demographic_parity" else red.TruePositiveRateParity()
    eg = red.ExponentiatedGradient(SampleWeightRouter(data["model"]), constraints=moment)
    eg.fit(train[features], (train["y"] == "yes").astype(int), sensitive_features=train["group"])
    expected = np.where(eg.predict(test[features], random_state=3) == 1, "yes", "no")
    assert (result.model.predict(test[features]) == expected).all()
    # the mixture had several classifiers, and its notes say predictions are randomised
    assert sum(1 for p in result.tradeoff.points if p.weight) >= 2
    assert any("randomised" in n for n in result.model.deployment_notes())


def test_grid_search_predicts_as_fairlearn_and_marks_the_pareto_front(data):
    import fairlearn.reductions as red
    from rai.mitigation import SampleWeightRouter, mitigate

    result = mitigate(data["train"], data["test"], spec=_spec(), model=data["model"], method="grid-search",
                      constraint="demographic_parity", grid_size=6)
    train, test, features = data["train"], data["test"], data["features"]
    gs = red.GridSearch(SampleWeightRouter(data["model"]), constraints=red.DemographicParity(), grid_size=6)
    gs.fit(train[features], (train["y"] == "yes").astype(int), sensitive_features=train["group"])
    expected = np.where(gs.predict(test[features]) == 1, "yes", "no")
    assert (result.model.predict(test[features]) == expected).all()
    points = result.tradeoff.points
    assert len(points) == 7 and points[0].original and sum(p.chosen for p in points) == 1
    # the front by hand: no point both at least as accurate and less disparate
    for p in points:
        dominated = any(q.accuracy >= p.accuracy and q.difference <= p.difference
                        and (q.accuracy > p.accuracy or q.difference < p.difference) for q in points)
        assert p.pareto is not dominated


def test_pareto_front_hand_computed():
    from rai.mitigation import pareto_front

    # (accuracy, difference): b dominates a; c trades accuracy for fairness; d has no difference
    assert pareto_front([0.80, 0.85, 0.82, 0.90], [0.20, 0.10, 0.05, None]) == [False, True, True, False]


def test_saved_model_loads_without_flags_and_the_metadata_cannot_widen_trust(data, tmp_path):
    from rai._exceptions import ModelLoadError
    from rai._model import load_model
    from rai._model_sidecar import sidecar_path, vouched_types
    from rai.mitigation import mitigate, save_mitigated

    result = mitigate(data["train"], data["test"], spec=_spec(), model=data["model"])
    path, meta = save_mitigated(result.model, tmp_path / "m.skops", metadata={"requires_at_prediction": ["group"]})
    assert meta == sidecar_path(path) == tmp_path / "m.rai.json"
    loaded = load_model(path)
    test = data["test"]
    assert (loaded.predict(test[list(loaded.feature_names)]) == result.model.predict(test)).all()
    assert loaded.notes and "group" in loaded.notes[0]

    # only classes of scikit-learn, fairlearn and rai can be vouched for by a metadata file
    assert vouched_types(["builtins.eval", "os.system", "numpy.load", "sklearn.utils._bunch.Bunch",
                          "sklearn.utils.check_array", "rai.mitigation._estimators.ThresholdClassifier"]) == (
        "sklearn.utils._bunch.Bunch", "rai.mitigation._estimators.ThresholdClassifier")

    # without the metadata file the fairlearn types need --trust-model, as any unknown type
    doc = json.loads(meta.read_text(encoding="utf-8"))
    meta.unlink()
    with pytest.raises(ModelLoadError, match="fairlearn.postprocessing"):
        load_model(path)
    # metadata written for another file is refused
    meta.write_text(json.dumps({**doc, "model_sha256": "0" * 64}), encoding="utf-8")
    with pytest.raises(ModelLoadError, match="written for another model file"):
        load_model(path)


def test_cli_errors_name_what_was_wrong(rai, data, tmp_path):
    import skops.io as sio
    from sklearn.neighbors import KNeighborsClassifier

    data["train"].to_csv(tmp_path / "train.csv", index=False)
    data["test"].to_csv(tmp_path / "test.csv", index=False)
    sio.dump(data["model"], tmp_path / "model.skops")
    base = ["mitigate", "--train", tmp_path / "train.csv", "--test", tmp_path / "test.csv", "--target", "y",
            "--positive-label", "yes", "--out", tmp_path / "out"]

    run = rai(*base, "--model", tmp_path / "model.skops")
    assert run.code == 2 and "sensitive feature (--sensitive)" in run.err and "Traceback" not in run.err

    run = rai(*base, "--sensitive", "group", "--model", tmp_path / "model.skops", "--method", "nope")
    assert run.code == 2 and "--method" in run.err

    knn = KNeighborsClassifier(algorithm="brute").fit(data["train"][["x1", "x2"]], data["train"]["y"])
    sio.dump(knn, tmp_path / "knn.skops")
    run = rai(*base, "--sensitive", "group", "--model", tmp_path / "knn.skops", "--method", "grid-search")
    assert run.code == 2 and "sample_weight" in run.err and "--method threshold" in run.err

    pd.DataFrame({"x1": [0.0] * 40, "y": ["a", "b", "c", "d"] * 10, "group": ["p", "q"] * 20}).to_csv(
        tmp_path / "multi.csv", index=False)
    run = rai("mitigate", "--train", tmp_path / "multi.csv", "--test", tmp_path / "multi.csv", "--target", "y",
              "--sensitive", "group", "--model", tmp_path / "knn.skops", "--out", tmp_path / "o2")
    assert run.code == 2 and "binary target" in run.err


def test_public_names_and_a_light_help():
    import subprocess
    import sys

    import rai.mitigation

    assert sorted(rai.mitigation.__all__) == sorted([
        "CONSTRAINTS", "DEFAULT_ANALYZERS", "METHODS", "TRADEOFF_FORMAT", "Mitigation", "MitigationRun",
        "MixtureClassifier", "SampleWeightRouter", "ThresholdClassifier", "Tradeoff", "TradeoffPoint",
        "constraint_metric", "load_tradeoff", "mitigate", "mitigate_files", "pareto_front", "save_mitigated",
    ])
    code = ("import sys; from rai.cli import main\n"
            "try:\n    main(['mitigate', '--help'])\nexcept SystemExit:\n    pass\n"
            "print('HEAVY', [m for m in ('pandas', 'sklearn', 'fairlearn') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stdout and "--constraint" in out.stdout


@pytest.mark.parametrize("metric", ["demographic_parity", "equalized_odds", "equal_opportunity"])
def test_tradeoff_disparities_are_fairlearns(metric):
    import fairlearn.metrics as fm

    from rai.mitigation._tradeoff import _disparity

    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, 5000)
    A = pd.Series(rng.choice(["a", "b", "c"], 5000, p=[0.5, 0.3, 0.2]))
    p = (rng.random(5000) < np.where(A == "a", 0.6, np.where(A == "b", 0.4, 0.3))).astype(int)
    difference, ratio = _disparity(metric, y, p, A)
    assert difference == pytest.approx(getattr(fm, f"{metric}_difference")(y, p, sensitive_features=A), abs=1e-12)
    assert ratio == pytest.approx(getattr(fm, f"{metric}_ratio")(y, p, sensitive_features=A), abs=1e-12)
