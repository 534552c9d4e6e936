"""`rai approve` / `rai approvals` against a real `mlflow server` on loopback.

A refused approval (production before staging, one approver only, a failing gate) exits 1 and
leaves the aliases and tags exactly as they were; the happy path moves the aliases and records
both approvals, signed when RAI_SIGNING_KEY is set.
"""

from __future__ import annotations

import json

import pytest

from ..conftest import make_binary
from .conftest import fit_pipeline, log_and_register

KEY = "an approval signing key of enough bytes"


def _policy(folder, threshold):
    p = folder / f"policy-{threshold}.yaml"
    p.write_text(f"version: 1\nchecks:\n  - {{metric: performance.accuracy, op: '>=', threshold: {threshold}}}\n",
                 encoding="utf-8")
    return p


@pytest.fixture
def registered(rai, tmp_path, server_uri, monkeypatch, request):
    """Version 1 of a model named after the test on the server (one server per session), and its
    assessment (accuracy about 0.75)."""
    name = request.node.name.removeprefix("test_")[:40]
    monkeypatch.delenv("RAI_SIGNING_KEY", raising=False)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")  # a refused request fails now, not after minutes
    log_and_register(fit_pipeline(), name, tracking_uri=server_uri)
    make_binary(700, seed=11).drop(columns=["score", "pred"]).to_csv(tmp_path / "test.csv", index=False)
    run = rai("assess", "--data", tmp_path / "test.csv", "--target", "y", "--sensitive", "group",
              "--model", f"models:/{name}/1", "--only", "performance", "--out", tmp_path / "out")
    assert run.code == 0, run.err
    return name, tmp_path / "out" / "assessment.json"


def _state(name, version="1"):
    from mlflow import MlflowClient

    client = MlflowClient()
    mv = client.get_model_version(name, version)
    return dict(client.get_registered_model(name).aliases), dict(mv.tags)


def test_refusals_change_nothing_and_the_happy_path_promotes(rai, tmp_path, registered, monkeypatch):
    name, assessment = registered
    passing, failing = _policy(tmp_path, 0.6), _policy(tmp_path, 0.99)

    def approve(to, who, role, policy=passing):
        return rai("approve", "--model", f"{name}/1", "--to", to, "--approver", who, "--role", role,
                   "--assessment", assessment, "--policy", policy)

    untouched = _state(name)
    assert untouched[0] == {}

    run = approve("production", "bob", "risk")  # production before staging
    assert run.code == 1 and "does not hold the 'staging' alias" in run.err and "nothing was changed" in run.err
    assert _state(name) == untouched

    run = approve("staging", "alice", "engineering", policy=failing)  # the gate fails
    assert run.code == 1 and "a passing gate" in run.err
    assert _state(name) == untouched

    run = approve("staging", "alice", "engineering")
    assert run.code == 0, run.err
    aliases, tags = _state(name)
    assert aliases == {"staging": "1"}
    assert tags["rai.approval.staging.engineering.approved_by"] == "alice"
    assert tags["rai.approval.staging.engineering.gate_status"] == "passed"
    import hashlib

    assert tags["rai.approval.staging.engineering.assessment_sha256"] == hashlib.sha256(assessment.read_bytes()).hexdigest()
    assert tags["rai.approval.staging.engineering.policy_sha256"] == hashlib.sha256(passing.read_bytes()).hexdigest()
    staged = _state(name)

    run = approve("production", "alice", "risk")  # one approver only
    assert run.code == 1 and "two different people" in run.err
    assert _state(name) == staged
    run = approve("production", "carol", "engineering")  # no risk sign-off
    assert run.code == 1 and "a risk approval" in run.err
    assert _state(name) == staged
    run = approve("production", "bob", "risk", policy=failing)  # a failing gate blocks production too
    assert run.code == 1 and "a passing gate" in run.err
    assert _state(name) == staged

    monkeypatch.setenv("RAI_SIGNING_KEY", KEY)
    monkeypatch.setenv("RAI_SIGNING_KEY_ID", "release-key-1")
    run = approve("production", "bob", "risk")
    assert run.code == 0, run.err
    assert "signed with key release-key-1" in run.out
    aliases, tags = _state(name)
    assert aliases == {"staging": "1", "production": "1"}
    assert tags["rai.approval.production.risk.approved_by"] == "bob"
    assert tags["rai.approval.staging.engineering.approved_by"] == "alice"

    run = rai("approvals", "--model", name, "--json", tmp_path / "approvals.json")
    assert run.code == 0, run.err
    history = json.loads((tmp_path / "approvals.json").read_text())
    assert [(a["stage"], a["role"], a["approver"], a["signature_status"]) for a in history["approvals"]] == [
        ("staging", "engineering", "alice", "unsigned"), ("production", "risk", "bob", "valid")]
    assert history["aliases"] == {"production": "1", "staging": "1"}
    assert "production -> 1" in run.out and "bob" in run.out

    # the signature is an HMAC-SHA256 over the record: recomputed here independently, and a wrong key fails it
    import hmac

    bob = {k: v for k, v in history["approvals"][1].items() if k not in ("signature", "signature_status")}
    payload = json.dumps(bob, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert history["approvals"][1]["signature"] == hmac.new(KEY.encode(), payload, hashlib.sha256).hexdigest()
    monkeypatch.setenv("RAI_SIGNING_KEY", "another key of enough bytes")
    run = rai("approvals", "--model", f"{name}/1")
    assert run.code == 0 and "signature INVALID" in run.out


def test_bad_input_is_exit_2(rai, tmp_path, registered, server_uri):
    name, assessment = registered
    run = rai("approve", "--model", name, "--to", "staging", "--approver", "a", "--role", "risk",
              "--assessment", assessment)
    assert run.code == 2 and "NAME/VERSION" in run.err
    run = rai("approve", "--model", f"{name}/9", "--to", "staging", "--approver", "a", "--role", "risk",
              "--assessment", assessment)
    assert run.code == 2 and "no such registered model version" in run.err
    log_and_register(fit_pipeline(seed=1), name, tracking_uri=server_uri)  # version 2
    run = rai("approve", "--model", f"{name}/2", "--to", "staging", "--approver", "a", "--role", "risk",
              "--assessment", assessment, "--policy", _policy(tmp_path, 0.5))
    assert run.code == 2 and f"assessed {name}/1, not {name}/2" in run.err
    assert not [k for k in _state(name, "2")[1] if k.startswith("rai.")] and _state(name, "2")[0] == {}
    run = rai("approvals", "--model", "nope")
    assert run.code == 2 and "not in the registry" in run.err
