"""examples/ci/mlflow-promote.yml runs as written: its `run:` commands, in order, on the ACS demo
data, against a local MLflow store holding a registered scikit-learn model."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ..gate.test_end_to_end import EXAMPLES, ci_commands, rai_shim, write_tables

pytestmark = pytest.mark.slow

FEATURES_EXCLUDED = ("id", "employed", "year", "prediction", "predicted_probability")


def _register_acs_model(tracking_uri: str) -> None:
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    from rai.datasets import load_acs_employment

    from .conftest import log_and_register

    train = load_acs_employment(2015).sample(n=8000, random_state=0)
    features = [c for c in train.columns if c not in FEATURES_EXCLUDED]
    model = Pipeline([
        ("prep", ColumnTransformer([("num", StandardScaler(), ["AGEP"]),
                                    ("cat", OneHotEncoder(handle_unknown="ignore"), [c for c in features if c != "AGEP"])])),
        ("clf", LogisticRegression(max_iter=1000)),
    ]).fit(train[features], train["employed"])
    assert log_and_register(model, "acs", tracking_uri=tracking_uri)[1] == "1"


def test_promotion_workflow_runs_as_written(tmp_path, sqlite_uri):
    import mlflow

    commands = ci_commands(EXAMPLES / "mlflow-promote.yml")
    joined = "\n".join(cmd for _, cmd, _ in commands)
    for needed in ("rai assess", "rai gate", "rai mlflow log", "rai approve", "rai approvals"):
        assert needed in joined
    _register_acs_model(sqlite_uri)
    work = tmp_path / "repo"
    work.mkdir()
    env = rai_shim(work)
    write_tables(work, test_year=2018, n=3000)
    (work / "rai-policy.yaml").write_bytes((EXAMPLES / "lenient-policy.yaml").read_bytes())
    env.update(MODEL_NAME="acs", MODEL_VERSION="1", MLFLOW_TRACKING_URI=sqlite_uri, GITHUB_ACTOR="alice",
               GITHUB_RUN_ID="42", RISK_APPROVER="bob", RAI_SIGNING_KEY="a signing key for the ci example")

    outputs = {}
    for name, cmd, _ in commands:
        proc = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", cmd], cwd=work, env=env,
                              capture_output=True, text=True, timeout=900, check=False)
        outputs[name] = proc.stdout + proc.stderr
        assert proc.returncode == 0, f"{name}: {outputs[name][-3000:]}"

    client = mlflow.MlflowClient()
    aliases = client.get_registered_model("acs").aliases
    assert {k: str(v) for k, v in aliases.items()} == {"staging": "1", "production": "1"}
    tags = client.get_model_version("acs", "1").tags
    assert tags["rai.approval.staging.engineering.approved_by"] == "alice"
    assert tags["rai.approval.staging.engineering.note"] == "CI run 42"
    assert tags["rai.approval.production.risk.approved_by"] == "bob"
    assert all(tags[f"rai.approval.{s}.signature"] for s in ("staging.engineering", "production.risk"))
    history = outputs["Show the approval history"]
    assert history.count("signature valid") == 2 and "production -> 1" in history

    (run,) = client.search_runs([client.get_experiment_by_name("acs-assessments").experiment_id])
    assert run.data.tags["rai.gate.status"] == "passed"
    assert run.data.tags["rai.model_uri"] == "models:/acs/1"
    assessment = Path(work / "out" / "assessment.json")
    import hashlib

    assert run.data.tags["rai.assessment_sha256"] == hashlib.sha256(assessment.read_bytes()).hexdigest()

