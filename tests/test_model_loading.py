"""Loading .skops models: one pass when the types are trusted, a clear refusal when they are not."""

from __future__ import annotations

import numpy as np
import pytest
import skops.io as sio
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

from rai._exceptions import ModelLoadError
from rai._model import load_model

TREE_PREDICTOR = "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"


@pytest.fixture(scope="module")
def X_y():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    return X, (X[:, 0] + rng.normal(size=300) > 0).astype(int)


def test_a_model_of_default_trusted_types_loads_and_predicts_as_saved(tmp_path, X_y):
    X, y = X_y
    model = LogisticRegression().fit(X, y)
    sio.dump(model, tmp_path / "m.skops")
    adapter = load_model(tmp_path / "m.skops")
    np.testing.assert_array_equal(adapter.predict_proba(X), model.predict_proba(X))


def test_untrusted_types_are_refused_by_name_unless_listed_or_trusted(tmp_path, X_y):
    X, y = X_y
    model = HistGradientBoostingClassifier(max_iter=5).fit(X, y)
    sio.dump(model, tmp_path / "m.skops")
    with pytest.raises(ModelLoadError, match=r"contains types skops does not trust by default: \['sklearn\.ensemble"):
        load_model(tmp_path / "m.skops")
    listed = load_model(tmp_path / "m.skops", trusted_types=[TREE_PREDICTOR])
    np.testing.assert_array_equal(listed.predict_proba(X), model.predict_proba(X))
    trusted = load_model(tmp_path / "m.skops", trust=True)
    np.testing.assert_array_equal(trusted.predict_proba(X), model.predict_proba(X))


def test_a_file_that_is_not_skops_says_so(tmp_path):
    (tmp_path / "m.skops").write_bytes(b"not a zip file")
    with pytest.raises(ModelLoadError, match="is not a valid .skops file"):
        load_model(tmp_path / "m.skops")


@pytest.mark.parametrize("name", ["hgb", "forest", "logistic", "logistic3"])
def test_one_pass_outputs_equal_the_models_own_predict(name):
    from sklearn.ensemble import RandomForestClassifier

    from rai._model import ModelAdapter

    rng = np.random.default_rng(1)
    X = rng.normal(size=(2000, 4))
    y = np.where(X[:, 0] + rng.normal(size=2000) > 0, "yes", "no")
    if name == "logistic3":
        y = np.digitize(X[:, 1] + rng.normal(size=2000), [-0.5, 0.5]).astype(str)
    model = {"hgb": HistGradientBoostingClassifier(max_iter=20), "forest": RandomForestClassifier(n_estimators=20),
             "logistic": LogisticRegression(), "logistic3": LogisticRegression()}[name].fit(X, y)
    prediction, proba = ModelAdapter.from_estimator(model).outputs(X, proba=False)
    np.testing.assert_array_equal(prediction, model.predict(X))  # oracle: the model's own predict
    np.testing.assert_array_equal(proba, model.predict_proba(X))
