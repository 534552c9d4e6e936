"""assessment.json: the contract names, schema validation, and a lossless round trip."""

from __future__ import annotations

import json

import pytest

from rai import Assessment, DatasetSpec, assess
from rai._exceptions import ConfigError
from rai._schema import assessment_schema, load_packaged_schema
from tests.conftest import make_binary


@pytest.fixture(scope="module")
def assessment():
    data = make_binary(1500, seed=3, bias=0.8)
    reference = make_binary(1500, seed=4)
    spec = DatasetSpec(target="y", prediction="pred", score="score", sensitive=("group",))
    return assess(data, spec=spec, reference=reference, options={"performance": {"n_bootstrap": 30},
                                                                  "fairness": {"n_bootstrap": 30}})


def test_packaged_schema_is_the_generated_one():
    # rai/schemas/assessment.schema.json is generated from the dataclasses; regenerate with
    # python -c "import json,rai._schema as s; print(json.dumps(s.assessment_schema(), indent=2))" > rai/schemas/assessment.schema.json
    assert load_packaged_schema("assessment") == assessment_schema()


def test_contract_names_are_present(assessment):
    d = assessment.to_dict()
    r = d["results"]
    assert {"accuracy", "roc_auc"} <= set(r["performance"]["overall"])
    m = r["fairness"]["metrics"][0]
    assert {"name", "sensitive_feature", "by_group", "difference", "ratio", "ci_low", "ci_high"} <= set(m)
    assert {"demographic_parity", "equalized_odds", "equal_opportunity", "selection_rate"} <= {
        m["name"] for m in r["fairness"]["metrics"]}
    assert {"sensitive_feature", "group", "count", "insufficient"} <= set(r["fairness"]["groups"][0])
    col = r["drift"]["columns"][0]
    assert {"column", "method", "statistic", "threshold", "p_value", "drifted"} <= set(col)
    assert {"share_drifted", "dataset_drift"} <= set(r["drift"])
    assert {"data_sha256", "rai_version", "packages", "created_at"} <= set(d["provenance"])
    assert d["provenance"]["packages"]["fairlearn"]


def test_save_load_round_trip(tmp_path, assessment):
    path = assessment.save(tmp_path)
    assert path.name == "assessment.json"
    loaded = Assessment.load(path)
    assert loaded == assessment or loaded.to_dict() == assessment.to_dict()
    assert loaded.results.fairness.metrics[0] == assessment.results.fairness.metrics[0]
    assert json.loads(path.read_text())["schema_version"] == "1.0"


def test_save_takes_a_folder_and_every_command_takes_it_back(tmp_path, monkeypatch, assessment, rai):
    monkeypatch.chdir(tmp_path)
    path = assessment.save("out/")  # a folder that does not exist yet, as in the README
    assert path.resolve() == tmp_path / "out" / "assessment.json" and path.is_file()
    assert assessment.save("named.json").resolve() == tmp_path / "named.json"
    assert Assessment.load("out").to_dict() == assessment.to_dict()
    run = rai("report", "--assessment", "out/", "--out", "out/")
    assert run.code == 0, run.err
    assert (tmp_path / "out" / "dashboard.html").is_file()
    policy = tmp_path / "policy.yaml"
    assert rai("gate", "--init", policy).code == 0
    by_folder = rai("gate", "--policy", policy, "--assessment", "out/", "--baseline", "out")
    by_file = rai("gate", "--policy", policy, "--assessment", "out/assessment.json", "--baseline", "named.json")
    assert by_folder.code == by_file.code and by_folder.code in (0, 1), by_folder.err
    assert "does not exist" not in by_folder.err


def test_load_refuses_a_tampered_shape(tmp_path, assessment):
    d = assessment.to_dict()
    d["results"]["drift"]["share_drifted"] = "lots"
    path = tmp_path / "assessment.json"
    path.write_text(json.dumps(d))
    with pytest.raises(ConfigError, match=r"at results/drift/share_drifted"):
        Assessment.load(path)
    path.write_text("{not json")
    with pytest.raises(ConfigError, match=r"not valid JSON"):
        Assessment.load(path)


def test_without_target_only_data_analyzers_run():
    data = make_binary(500, seed=1).drop(columns=["y"])
    result = assess(data, spec=DatasetSpec(prediction="pred"), reference=make_binary(500, seed=2).drop(columns=["y"]))
    assert result.results.performance is None and result.results.fairness is None
    assert result.results.drift is not None and result.results.quality is not None
    skipped = {n.analyzer for n in result.results.notes if n.level == "skipped"}
    assert {"performance", "fairness"} <= skipped
