"""Real MLflow for the lifecycle tests: a local SQLite tracking store, and a real `mlflow server`
on 127.0.0.1 (a free port), started once per session and stopped at the end. No mock of MLflow.

Everything here skips cleanly when the mlflow extra is not installed.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("mlflow", reason='the mlflow extra is not installed: pip install ".[mlflow]"')

from ..conftest import make_binary  # noqa: E402

FEATURES = ["x1", "x2", "color", "group"]


def pytest_collection_modifyitems(items):
    # mlflow and its dependencies warn about their own deprecations; only ours are errors here
    for item in items:
        if "tests/mlflow/" in str(item.fspath):
            item.add_marker(pytest.mark.filterwarnings("ignore::DeprecationWarning"))
            item.add_marker(pytest.mark.filterwarnings("ignore::FutureWarning"))
            item.add_marker(pytest.mark.filterwarnings("ignore::UserWarning:mlflow"))


def fit_pipeline(seed: int = 0):
    """A scikit-learn pipeline (one-hot + logistic regression) on the generated binary task."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    train = make_binary(1500, seed=seed)
    model = Pipeline([
        ("prep", ColumnTransformer([("num", StandardScaler(), ["x1", "x2"]),
                                    ("cat", OneHotEncoder(handle_unknown="ignore"), ["color", "group"])])),
        ("clf", LogisticRegression(max_iter=500)),
    ])
    return model.fit(train[FEATURES], train["y"])


def log_and_register(model, name: str, *, tracking_uri: str, serialization_format: str = "skops",
                     experiment: str = "rai-tests") -> tuple[str, str]:
    """Log ``model`` with mlflow.sklearn and register it; returns (run id, version)."""
    import mlflow

    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    mlflow.set_experiment(experiment)
    with mlflow.start_run() as run:
        # pip_requirements given: MLflow would otherwise load the model in a subprocess to infer them
        info = mlflow.sklearn.log_model(model, name="model", registered_model_name=name, pip_requirements=["scikit-learn"],
                                        serialization_format=serialization_format)
    return run.info.run_id, str(info.registered_model_version)


@pytest.fixture(scope="session")
def _sqlite_folder(tmp_path_factory):
    # one store per session: creating the SQLite schema costs seconds; tests use their own model names
    return tmp_path_factory.mktemp("mlflow-sqlite")


@pytest.fixture
def sqlite_uri(_sqlite_folder, monkeypatch) -> str:
    """A local SQLite tracking store (artifacts in its folder's mlruns/); MLFLOW_TRACKING_URI points at it."""
    uri = f"sqlite:///{_sqlite_folder / 'mlflow.db'}"
    monkeypatch.chdir(_sqlite_folder)  # the default artifact root ./mlruns lands beside the database
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    yield uri
    import mlflow

    mlflow.set_tracking_uri(None)
    mlflow.set_registry_uri(None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    import httpx

    try:
        return httpx.get(f"{url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory):
    """A real `mlflow server` on loopback (SQLite backend, proxied artifacts); yields its URL."""
    folder = tmp_path_factory.mktemp("mlflow-server")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(folder / "server.log", "wb")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
         "--backend-store-uri", f"sqlite:///{folder / 'mlflow.db'}", "--artifacts-destination", str(folder / "artifacts")],
        cwd=folder, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
    )
    deadline = time.monotonic() + 180
    try:
        # poll until it answers: each probe is a real request, the loop ends on the event (or the process dying)
        while not _answers(url):
            if proc.poll() is not None:
                pytest.fail(f"mlflow server exited with {proc.returncode}: {Path(log.name).read_text()[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"mlflow server did not answer within 180 s: {Path(log.name).read_text()[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
        log.close()


@pytest.fixture
def server_uri(mlflow_server, monkeypatch, tmp_path) -> str:
    """MLFLOW_TRACKING_URI points at the session's server; the working folder is the test's own."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server)
    yield mlflow_server
    import mlflow

    mlflow.set_tracking_uri(None)
    mlflow.set_registry_uri(None)
