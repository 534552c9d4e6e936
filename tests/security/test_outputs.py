"""Outputs: renamed into place (never written through a symlink), all or nothing, demos keep off others' folders."""

from __future__ import annotations

import os
import sqlite3
import tempfile

import pytest
import yaml

from tests.gate.conftest import make_assessment, write_json

POLICY = {"version": 1, "checks": [{"name": "a", "metric": "performance.accuracy", "op": ">=", "threshold": 0.8}]}


def _unwritable_folder():
    """A folder even root cannot write into (sysfs); skipped where that does not hold."""
    try:
        fd, name = tempfile.mkstemp(dir="/sys/kernel")
    except OSError:
        return "/sys/kernel"
    os.close(fd)
    os.unlink(name)
    pytest.skip("no read-only folder on this machine")


@pytest.fixture
def inputs(tmp_path):
    write_json(tmp_path / "assessment.json", make_assessment())
    (tmp_path / "policy.yaml").write_text(yaml.safe_dump(POLICY), encoding="utf-8")
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    return tmp_path, victim


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("where", ["--summary", "GITHUB_STEP_SUMMARY"])
def test_an_unwritable_summary_leaves_no_gate_file_behind(gate_env, inputs, where):
    rai, monkeypatch = gate_env
    tmp, _ = inputs
    out = tmp / "out"
    bad = f"{_unwritable_folder()}/gate.md"
    extra = ["--summary", bad] if where == "--summary" else []
    if where == "GITHUB_STEP_SUMMARY":
        monkeypatch.setenv("GITHUB_STEP_SUMMARY", bad)
    r = rai("gate", "--policy", tmp / "policy.yaml", "--assessment", tmp / "assessment.json",
            "--junit", out / "gate.xml", "--json", out / "verdict.json", *extra)
    assert r.code == 2 and "Traceback" not in r.err
    assert "gate.md" in r.err or "GITHUB_STEP_SUMMARY" in r.err
    assert sorted(p.name for p in out.iterdir()) == []  # neither gate.xml nor verdict.json, no temporaries


@pytest.fixture
def gate_env(rai, monkeypatch):
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return rai, monkeypatch


def test_symlinks_in_the_output_folder_are_replaced_not_followed(gate_env, inputs):
    rai, _ = gate_env
    tmp, victim = inputs
    out = tmp / "out"
    out.mkdir()
    names = ["dashboard.html", "model_card.md", "gate.xml", "verdict.json"]
    for name in names:
        (out / name).symlink_to(victim)
    r = rai("report", "--assessment", tmp / "assessment.json", "--out", out)
    assert r.code == 0, r.err
    r = rai("gate", "--policy", tmp / "policy.yaml", "--assessment", tmp / "assessment.json",
            "--junit", out / "gate.xml", "--json", out / "verdict.json")
    assert r.code == 0, r.err
    assert victim.read_text(encoding="utf-8") == "precious\n"
    for name in names:
        assert not (out / name).is_symlink() and (out / name).stat().st_size > 100
    assert _leftovers(out) == []
    assert oct((out / "dashboard.html").stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_assessment_save_replaces_a_symlink(tmp_path, inputs):
    from rai._assessment import Assessment

    tmp, victim = inputs
    (tmp_path / "link.json").symlink_to(victim)
    Assessment.load(tmp / "assessment.json").save(tmp_path / "link.json")
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert not (tmp_path / "link.json").is_symlink()


@pytest.mark.parametrize("command", ["report", "assess"])
def test_out_under_a_file_or_read_only_is_exit_2(rai, inputs, binary_frame, command):
    tmp, _ = inputs
    binary_frame.to_csv(tmp / "data.csv", index=False)
    for out, why in ((tmp / "victim.txt" / "sub", "Not a directory"), (tmp / "victim.txt", "is a file"),
                     (_unwritable_folder(), "Permission denied")):
        if command == "report":
            r = rai("report", "--assessment", tmp / "assessment.json", "--out", out)
        else:
            r = rai("assess", "--data", tmp / "data.csv", "--target", "y", "--prediction", "pred", "--out", out)
        if command == "assess" and why == "Permission denied":
            assert r.code == 2 and why in r.err, r.err  # found when writing, after the work
        else:
            assert r.code == 2, (out, r.err)
            assert why in r.err, r.err
        assert "Traceback" not in r.err
    assert _leftovers(tmp) == []


def test_rai_demo_refuses_a_working_folder(rai, tmp_path):
    (tmp_path / "rai.yaml").write_text("version: 1  # mine\n", encoding="utf-8")
    (tmp_path / "test_2018.parquet").write_bytes(b"my data")
    r = rai("demo", "--out", tmp_path)
    assert r.code == 2
    assert "is not empty and was not made by `rai demo`" in r.err
    assert (tmp_path / "rai.yaml").read_text(encoding="utf-8") == "version: 1  # mine\n"
    assert (tmp_path / "test_2018.parquet").read_bytes() == b"my data"


def test_rai_monitor_demo_keeps_a_working_folders_history(rai, tmp_path):
    db = tmp_path / "monitor.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE runs (x)")
        conn.execute("INSERT INTO runs VALUES (1)")
    r = rai("monitor", "demo", "--out", tmp_path)
    assert r.code == 2
    assert "was not made by `rai monitor demo`" in r.err
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone() == (1,)


def test_a_folder_the_demo_made_may_be_reused(tmp_path):
    from rai._atomic import claim_folder

    claim_folder(tmp_path / "d", owner="rai demo")
    (tmp_path / "d" / "rai.yaml").write_text("x", encoding="utf-8")
    assert claim_folder(tmp_path / "d", owner="rai demo") == tmp_path / "d"
    with pytest.raises(Exception, match="not made by `rai monitor demo`"):
        claim_folder(tmp_path / "d", owner="rai monitor demo")
