"""`rai assess` and `rai schema` from the command line: outputs, exit codes, messages."""

from __future__ import annotations

import json

import joblib
import pytest

from tests.conftest import make_binary

FAST = "performance,fairness,drift,quality"


@pytest.fixture
def files(tmp_path):
    data = tmp_path / "test.csv"
    ref = tmp_path / "train.parquet"
    make_binary(800, seed=1).to_csv(data, index=False)
    make_binary(800, seed=2).to_parquet(ref)
    return data, ref


def test_predictions_only_run_writes_assessment(rai, files, tmp_path):
    data, ref = files
    out = tmp_path / "out"
    run = rai("assess", "--data", data, "--reference", ref, "--target", "y", "--prediction", "pred",
              "--score", "score", "--sensitive", "group", "--only", FAST, "--out", out)
    assert run.code == 0, run.err
    doc = json.loads((out / "assessment.json").read_text())
    assert doc["results"]["performance"]["overall"]["accuracy"] > 0.5
    assert doc["provenance"]["data_source"].endswith("test.csv")
    import hashlib

    assert doc["provenance"]["data_sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    assert "demographic parity difference by group" in run.out


def test_config_file_and_flag_override(rai, files, tmp_path):
    data, ref = files
    config = tmp_path / "rai.yaml"
    config.write_text(f"version: 1\ndata:\n  path: {data.name}\n  reference: {ref.name}\n  target: y\n"
                      f"  prediction: pred\n  sensitive: [group]\nanalyzers:\n  run: [performance, fairness]\n"
                      f"  fairness: {{min_group_size: 5000}}\n")
    run = rai("assess", "--config", config, "--out", tmp_path / "o")
    assert run.code == 0, run.err
    doc = json.loads((tmp_path / "o" / "assessment.json").read_text())
    assert all(g["insufficient"] for g in doc["results"]["fairness"]["groups"])
    assert doc["provenance"]["config_sha256"]
    run = rai("assess", "--config", config, "--sensitive", "color", "--out", tmp_path / "o2")
    doc = json.loads((tmp_path / "o2" / "assessment.json").read_text())
    assert doc["spec"]["sensitive"] == ["color"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--target", "label"], "the target column 'label' is not in the table"),
        (["--target", "y", "--prediction", "y_hat"], "the prediction column 'y_hat' is not in the table"),
        (["--target", "y", "--prediction", "pred", "--sensitive", "gruop"], "Did you mean 'group'?"),
        (["--target", "y", "--score", "x1", "--prediction", "pred"], "score column 'x1'"),
    ],
)
def test_bad_columns_exit_2_without_traceback(rai, files, tmp_path, args, message):
    data, _ = files
    run = rai("assess", "--data", data, "--only", FAST, "--out", tmp_path / "o", *args)
    assert run.code == 2
    assert message in run.err
    assert "Traceback" not in run.err


def test_missing_out_and_unknown_flag_are_usage_errors(rai, files):
    data, _ = files
    assert rai("assess", "--data", data).code == 2
    run = rai("assess", "--dta", data)
    assert run.code == 2 and "No such option" in run.err


def test_bad_files_exit_2(rai, tmp_path, files):
    data, ref = files
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1garbage")
    run = rai("assess", "--data", bad, "--out", tmp_path / "o")
    assert run.code == 2 and "cannot read" in run.err
    other = tmp_path / "other.csv"
    make_binary(100).drop(columns=["x2"]).to_csv(other, index=False)
    run = rai("assess", "--data", data, "--reference", other, "--only", FAST, "--out", tmp_path / "o")
    assert run.code == 2 and "same feature columns" in run.err
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert rai("assess", "--data", empty, "--out", tmp_path / "o").code == 2


def test_pickled_model_needs_trust(rai, files, tmp_path):
    from sklearn.linear_model import LogisticRegression

    data, _ = files
    frame = make_binary(800, seed=1)
    model = LogisticRegression().fit(frame[["x1", "x2"]], frame.y)
    path = tmp_path / "model.joblib"
    joblib.dump(model, path)
    args = ["assess", "--data", data, "--target", "y", "--model", path, "--only", "performance",
            "--exclude", "pred,score,color,group", "--out", tmp_path / "o"]
    run = rai(*args)
    assert run.code == 2 and "--trust-model" in run.err and "runs any code" in run.err
    run = rai(*args, "--trust-model")
    assert run.code == 0, run.err
    doc = json.loads((tmp_path / "o" / "assessment.json").read_text())
    assert doc["spec"]["prediction"] == "rai_prediction" and doc["spec"]["score"] == "rai_score"
    assert doc["model"]["sha256"] == doc["provenance"]["model_sha256"]


def test_skops_model_loads_safely(rai, files, tmp_path):
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score

    data, _ = files
    frame = make_binary(800, seed=1)
    model = LogisticRegression().fit(frame[["x1", "x2"]], frame.y)
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    run = rai("assess", "--data", data, "--target", "y", "--model", path, "--only", "performance",
              "--exclude", "pred,score", "--out", tmp_path / "o")
    assert run.code == 0, run.err
    doc = json.loads((tmp_path / "o" / "assessment.json").read_text())
    expected = accuracy_score(frame.y, model.predict(frame[["x1", "x2"]]))
    assert doc["results"]["performance"]["overall"]["accuracy"] == pytest.approx(expected)


def test_model_failing_on_the_data_is_a_clear_error(rai, files, tmp_path):
    from sklearn.linear_model import LogisticRegression
    import skops.io as sio

    data, _ = files
    frame = make_binary(300, seed=1).rename(columns={"x1": "income"})
    model = LogisticRegression().fit(frame[["income", "x2"]], frame.y)
    path = tmp_path / "m.skops"
    sio.dump(model, path)
    run = rai("assess", "--data", data, "--target", "y", "--model", path, "--only", "performance",
              "--exclude", "pred,score", "--out", tmp_path / "o")
    assert run.code == 2 and "'income'" in run.err and "Traceback" not in run.err


def test_schema_command(rai):
    run = rai("schema", "assessment")
    assert run.code == 0
    assert json.loads(run.out)["title"] == "rai assessment"
    run = rai("schema", "nope")
    assert run.code == 2 and "unknown schema 'nope'" in run.err


def test_help_lists_every_command(rai):
    run = rai("--help")
    assert run.code == 0
    for name in ("assess", "demo", "gate", "monitor", "report", "schema", "verify"):
        assert name in run.out


def test_late_labels_are_joined_by_id_and_hashed(rai, tmp_path):
    import hashlib

    frame = make_binary(600, seed=3)
    frame["row_id"] = range(600)
    data = tmp_path / "batch.csv"
    frame.drop(columns=["y"]).to_csv(data, index=False)
    labels = tmp_path / "labels.csv"
    frame[["row_id", "y"]].iloc[:500].sample(frac=1, random_state=0).to_csv(labels, index=False)  # 100 not arrived
    out = tmp_path / "o"
    run = rai("assess", "--data", data, "--labels", labels, "--id", "row_id", "--target", "y",
              "--prediction", "pred", "--only", "performance", "--out", out)
    assert run.code == 0, run.err
    doc = json.loads((out / "assessment.json").read_text())
    from sklearn.metrics import accuracy_score

    part = frame.iloc[:500]
    assert doc["n_rows"] == 500
    assert doc["results"]["performance"]["overall"]["accuracy"] == pytest.approx(accuracy_score(part.y, part.pred))
    assert doc["provenance"]["labels_sha256"] == hashlib.sha256(labels.read_bytes()).hexdigest()
    assert rai("verify", "--assessment", out, "--labels", labels).code == 0
    run = rai("assess", "--data", data, "--labels", labels, "--target", "y", "--out", out)
    assert run.code == 2 and "needs --id" in run.err
