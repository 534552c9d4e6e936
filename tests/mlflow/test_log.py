"""`rai mlflow log` puts the metric stream, the reports and the gate verdict on a real MLflow run
(local SQLite store), under the documented keys; numbers checked against scikit-learn."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from sklearn.metrics import accuracy_score

from rai._mlflow_log import MAX_KEY_LENGTH, metric_key

from ..conftest import make_binary
from .conftest import FEATURES, fit_pipeline, log_and_register


@pytest.fixture
def assessed(rai, tmp_path, sqlite_uri):
    """A registered model assessed by its models:/ URI; group 'c' (12 rows) is too small to judge."""
    model = fit_pipeline()
    log_and_register(model, "logged", tracking_uri=sqlite_uri)
    test = make_binary(900, seed=5).drop(columns=["score", "pred"])
    small = make_binary(12, seed=6).drop(columns=["score", "pred"]).assign(group="c")
    test = pd.concat([test, small], ignore_index=True)
    test.to_csv(tmp_path / "test.csv", index=False)
    run = rai("assess", "--data", tmp_path / "test.csv", "--target", "y", "--sensitive", "group",
              "--model", "models:/logged/1", "--only", "performance,fairness", "--out", tmp_path / "out")
    assert run.code == 0, run.err
    return tmp_path / "out" / "assessment.json", test, model


def test_log_puts_stream_reports_verdict_and_tags_on_the_run(rai, tmp_path, sqlite_uri, assessed):
    import mlflow

    from rai.results import metric_stream

    path, test, model = assessed
    run = rai("mlflow", "log", "--assessment", path, "--experiment", "credit", "--policy", _policy(tmp_path))
    assert run.code == 0, run.err
    run_id = run.out.split("run ")[-1].split()[0]
    logged = mlflow.MlflowClient().get_run(run_id)
    metrics, tags = logged.data.metrics, logged.data.tags

    # overall and per-group accuracy under the documented keys equal scikit-learn's on the same rows
    pred = model.predict(test[FEATURES])
    assert metrics["rai/performance.accuracy"] == pytest.approx(accuracy_score(test["y"], pred), abs=1e-12)
    a = (test["group"] == "a").to_numpy()
    assert metrics["rai/performance.by_group.accuracy/sensitive_feature/group/group/a"] == pytest.approx(
        accuracy_score(test["y"][a], pred[a]), abs=1e-12)
    doc = json.loads(path.read_text())
    ci = doc["results"]["performance"]["ci"]["accuracy"]
    assert metrics["rai_ci_low/performance.accuracy"] == ci["low"]
    assert metrics["rai_ci_high/performance.accuracy"] == ci["high"]
    # the 12-row group is insufficient evidence: never a metric on the run
    assert not [k for k in metrics if "/group/c" in k]
    stream = metric_stream(doc)
    insufficient = [m for m in stream if m.insufficient or m.value is None]
    assert any(m.qualifier("group") == "c" for m in insufficient)
    assert tags["rai.metrics.insufficient"] == str(len(insufficient))
    assert len([k for k in metrics if k.startswith("rai/")]) == len(stream) - len(insufficient)

    # tags: hashes of the assessment and its inputs, and the gate's status as `rai gate` gives it
    assert tags["rai.assessment_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert tags["rai.data_sha256"] == doc["provenance"]["data_sha256"]
    assert tags["rai.model_uri"] == "models:/logged/1"
    assert tags["rai.version"] == doc["provenance"]["rai_version"]
    gate = rai("gate", "--policy", _policy(tmp_path), "--assessment", path)
    assert tags["rai.gate.status"] == {0: "passed", 1: "failed"}[gate.code]
    assert tags["rai.gate.policy_sha256"] == hashlib.sha256(_policy(tmp_path).read_bytes()).hexdigest()

    # artifacts: the exact assessment, the full stream, the card, the dashboard and the verdict
    client = mlflow.MlflowClient()
    names = {f.path for f in client.list_artifacts(run_id, "rai")} | {f.path for f in client.list_artifacts(run_id, "rai/gate")}
    assert {"rai/assessment.json", "rai/metric_stream.json", "rai/model_card.md", "rai/model_card.html",
            "rai/model_card.json", "rai/dashboard.html", "rai/gate/verdict.json", "rai/gate/summary.md",
            "rai/gate/junit.xml"} <= names
    local = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="rai/assessment.json", dst_path=str(tmp_path / "dl"))
    assert Path(local).read_bytes() == path.read_bytes()
    verdict = json.loads(Path(mlflow.artifacts.download_artifacts(
        run_id=run_id, artifact_path="rai/gate/verdict.json", dst_path=str(tmp_path / "dl2"))).read_text())
    assert verdict["status"] == tags["rai.gate.status"]
    assert logged.info.status == "FINISHED"


def test_log_to_an_existing_run_and_bad_input(rai, tmp_path, sqlite_uri, assessed):
    import mlflow

    path, _, _ = assessed
    mlflow.set_experiment("own")
    with mlflow.start_run() as own:
        mlflow.log_metric("accuracy_of_my_own", 0.5)
    run = rai("mlflow", "log", "--assessment", path, "--run-id", own.info.run_id)
    assert run.code == 0, run.err
    metrics = mlflow.MlflowClient().get_run(own.info.run_id).data.metrics
    assert metrics["accuracy_of_my_own"] == 0.5 and "rai/performance.accuracy" in metrics
    tags = mlflow.MlflowClient().get_run(own.info.run_id).data.tags
    # no --policy: the shipped default policy judges, as `rai gate` without --policy
    gate = rai("gate", "--assessment", path)
    assert tags["rai.gate.policy"] == "default" and tags["rai.gate.status"] == {0: "passed", 1: "failed"}[gate.code]

    run = rai("mlflow", "log", "--assessment", path, "--run-id", "0" * 32)
    assert run.code == 2 and "--run-id" in run.err and "Traceback" not in run.err
    run = rai("mlflow", "log", "--assessment", path, "--run-id", own.info.run_id, "--experiment", "x")
    assert run.code == 2 and "not both" in run.err
    run = rai("mlflow", "log", "--assessment", tmp_path / "missing.json")
    assert run.code == 2 and "does not exist" in run.err


def test_assess_with_mlflow_flag_logs_a_run(rai, tmp_path, sqlite_uri):
    import mlflow

    frame = make_binary(600, seed=8)
    frame.to_csv(tmp_path / "t.csv", index=False)
    run = rai("assess", "--data", tmp_path / "t.csv", "--target", "y", "--prediction", "pred", "--score", "score",
              "--only", "performance", "--out", tmp_path / "o", "--mlflow", "--mlflow-experiment", "flagged")
    assert run.code == 0, run.err
    exp = mlflow.MlflowClient().get_experiment_by_name("flagged")
    (only,) = mlflow.MlflowClient().search_runs([exp.experiment_id])
    assert only.data.metrics["rai/performance.accuracy"] == pytest.approx(accuracy_score(frame["y"], frame["pred"]))


@pytest.mark.parametrize(("path", "qualifiers", "expected"), [
    ("performance.accuracy", (), "rai/performance.accuracy"),
    ("fairness.demographic_parity.judged.ratio", (("sensitive_feature", "SEX"),),
     "rai/fairness.demographic_parity.judged.ratio/sensitive_feature/SEX"),
    ("performance.by_group.accuracy", (("sensitive_feature", "race/eth"), ("group", "Black or African-American (%)")),
     "rai/performance.by_group.accuracy/sensitive_feature/race_eth/group/Black or African-American ___"),
    ("drift.column.score", (("column", ".."),), "rai/drift.column.score/column/_"),
])
def test_metric_keys(path, qualifiers, expected):
    assert metric_key(path, qualifiers) == expected


def test_long_keys_keep_their_path_and_stay_distinct():
    a = metric_key("performance.by_group.accuracy", (("group", "x" * 300),))
    b = metric_key("performance.by_group.accuracy", (("group", "x" * 299 + "y"),))
    assert len(a) <= MAX_KEY_LENGTH and a.startswith("rai/performance.by_group.accuracy/h-") and a != b
    from mlflow.utils.validation import _validate_metric_name

    for key in (a, metric_key("p", (("g", "a:b/c?.."),))):
        _validate_metric_name(key)  # MLflow's own check raises on a key it refuses


def _policy(folder):
    p = folder / "policy.yaml"
    p.write_text("version: 1\nchecks:\n  - {metric: performance.accuracy, op: '>=', threshold: 0.6}\n", encoding="utf-8")
    return p

