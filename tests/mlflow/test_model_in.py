"""MLflow models in: a registered scikit-learn model assessed by models:/NAME/1 gives the same
assessment as the same model from a .skops file; the trust rules hold for MLflow flavors."""

from __future__ import annotations

import json

import pytest

from rai._exceptions import ModelLoadError
from rai._model import load_model

from ..conftest import make_binary
from .conftest import fit_pipeline, log_and_register


@pytest.fixture
def tables(tmp_path):
    test = make_binary(800, seed=1).drop(columns=["score", "pred"])
    ref = make_binary(800, seed=2).drop(columns=["score", "pred"])
    test.to_csv(tmp_path / "test.csv", index=False)
    ref.to_csv(tmp_path / "ref.csv", index=False)
    return tmp_path


def _assess(rai, folder, model, out, *extra):
    run = rai("assess", "--data", folder / "test.csv", "--reference", folder / "ref.csv", "--target", "y",
              "--sensitive", "group", "--model", model, "--only", "performance,fairness,drift",
              "--out", folder / out, *extra)
    assert run.code == 0, run.err
    return json.loads((folder / out / "assessment.json").read_text())


def test_registered_model_gives_the_same_assessment_as_its_skops_file(rai, tables, sqlite_uri):
    import skops.io as sio

    from rai.results import metric_stream

    model = fit_pipeline()
    sio.dump(model, tables / "model.skops")
    run_id, version = log_and_register(model, "credit", tracking_uri=sqlite_uri)
    assert version == "1"

    from_file = _assess(rai, tables, tables / "model.skops", "file")
    from_registry = _assess(rai, tables, "models:/credit/1", "registry")

    assert from_registry["results"] == from_file["results"]
    assert [m.to_dict() for m in metric_stream(from_registry)] == [m.to_dict() for m in metric_stream(from_file)]
    prov = from_registry["provenance"]
    assert (prov["model_uri"], prov["model_name"], prov["model_version"], prov["model_run_id"]) == (
        "models:/credit/1", "credit", "1", run_id)
    # the model's own checksum: the bytes of the model.skops MLflow stored, hashed independently
    import hashlib

    import mlflow

    local = mlflow.artifacts.download_artifacts(f"runs:/{run_id}/model/model.skops", dst_path=str(tables / "dl"))
    with open(local, "rb") as fh:
        assert prov["model_sha256"] == hashlib.sha256(fh.read()).hexdigest()
    assert from_registry["model"]["source"] == "models:/credit/1"

    # rai verify recomputes the registered model's checksum; another version does not match
    run = rai("verify", "--assessment", tables / "registry", "--model", "models:/credit/1")
    assert run.code == 0 and "OK  model" in run.out, run.out + run.err
    log_and_register(fit_pipeline(seed=3), "credit", tracking_uri=sqlite_uri)
    run = rai("verify", "--assessment", tables / "registry", "--model", "models:/credit/2")
    assert run.code == 1 and "BAD model" in run.out


def test_alias_run_uri_and_local_folder_resolve_to_the_same_model(tables, sqlite_uri):
    import mlflow

    model = fit_pipeline()
    run_id, version = log_and_register(model, "aliased", tracking_uri=sqlite_uri)
    mlflow.MlflowClient().set_registered_model_alias("aliased", "champion", version)
    X = make_binary(50, seed=3)[["x1", "x2", "color", "group"]]
    expected = model.predict_proba(X)
    folder = mlflow.artifacts.download_artifacts(f"runs:/{run_id}/model", dst_path=str(tables / "local"))
    for source in ("models:/aliased@champion", f"runs:/{run_id}/model", folder):
        adapter = load_model(source)
        assert (adapter.predict_proba(X) == expected).all(), source
    assert load_model("models:/aliased@champion").provenance["model_version"] == "1"
    assert load_model(f"runs:/{run_id}/model").provenance["model_run_id"] == run_id


def test_pickle_flavor_needs_trust_model(tables, sqlite_uri, monkeypatch):
    model = fit_pipeline()
    log_and_register(model, "pickled", tracking_uri=sqlite_uri, serialization_format="cloudpickle")
    with pytest.raises(ModelLoadError, match="saved with cloudpickle.*--trust-model"):
        load_model("models:/pickled/1")
    X = make_binary(30, seed=4)[["x1", "x2", "color", "group"]]
    assert (load_model("models:/pickled/1", trust=True).predict(X) == model.predict(X)).all()


def test_recorded_skops_types_are_honoured_only_when_asked(tables, sqlite_uri):
    """A model with a type skops does not trust: the MLmodel's recorded list alone does not load it."""
    import mlflow

    from .conftest import FEATURES

    model = fit_pipeline()
    model.steps.insert(1, ("copy", _copy_step()))
    train = make_binary(300, seed=0)
    model.fit(train[FEATURES], train["y"])
    import skops.io as sio

    untrusted = sio.get_untrusted_types(data=sio.dumps(model))
    assert untrusted, "the test model must hold a type skops does not trust by default"
    mlflow.set_experiment("rai-tests")
    with mlflow.start_run():
        mlflow.sklearn.log_model(model, name="model", registered_model_name="typed", skops_trusted_types=untrusted,
                                 pip_requirements=["scikit-learn"])
    with pytest.raises(ModelLoadError, match=r"does not trust by default.*--trust-recorded-types.*model\.trusted_types"):
        load_model("models:/typed/1")
    X = make_binary(30, seed=4)[FEATURES]
    assert (load_model("models:/typed/1", trust_recorded_types=True).predict(X) == model.predict(X)).all()
    assert (load_model("models:/typed/1", trusted_types=tuple(untrusted)).predict(X) == model.predict(X)).all()


def _copy_step():
    import numpy as np
    from sklearn.preprocessing import FunctionTransformer

    return FunctionTransformer(np.copy)  # numpy.copy: a function skops leaves to the user to trust


def test_bad_references_are_user_errors(rai, tables, sqlite_uri):
    run = rai("assess", "--data", tables / "test.csv", "--target", "y", "--model", "models:/nope/3", "--out", tables / "o")
    assert run.code == 2 and "models:/nope/3" in run.err and "Traceback" not in run.err
    run = rai("assess", "--data", tables / "test.csv", "--target", "y", "--model", "models:/", "--out", tables / "o")
    assert run.code == 2 and "expected models:/NAME/VERSION" in run.err
    run = rai("assess", "--data", tables / "test.csv", "--target", "y", "--model", tables, "--out", tables / "o")
    assert run.code == 2 and "MLmodel" in run.err
