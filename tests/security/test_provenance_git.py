"""Provenance reads the git commit from ``.git`` itself: no repository hook or config command runs."""

from __future__ import annotations

import subprocess
import textwrap

import pytest

from rai._provenance import git_commit


def _git(cwd, *args):
    return subprocess.run(["git", "-c", "core.fsmonitor=", *args], cwd=cwd, check=True,
                          capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path):
    top = tmp_path / "repo"
    top.mkdir()
    _git(top, "init", "-q", "-b", "main")
    _git(top, "config", "user.email", "t@example.invalid")
    _git(top, "config", "user.name", "t")
    (top / "a.txt").write_text("one\n")
    (top / "sub").mkdir()
    (top / "sub" / "b.txt").write_text("two\n")
    _git(top, "add", ".")
    _git(top, "commit", "-q", "-m", "first")
    return top


def _arm_fsmonitor(top, tmp_path):
    marker = tmp_path / "fsmonitor-ran"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
    hook.chmod(0o755)
    with open(top / ".git" / "config", "a") as fh:
        fh.write(f"[core]\n\tfsmonitor = {hook}\n")
    return marker


def test_commit_and_dirty_state_match_git_without_running_its_config(repo, tmp_path):
    marker = _arm_fsmonitor(repo, tmp_path)
    head = _git(repo, "rev-parse", "HEAD")
    assert git_commit(repo) == head
    (repo / "sub" / "b.txt").write_text("changed\n")
    assert git_commit(repo / "sub") == head + "+dirty"
    (repo / "sub" / "b.txt").write_text("two\n")  # same content, new mtime: clean again
    assert git_commit(repo) == head
    (repo / "a.txt").unlink()
    assert git_commit(repo) == head + "+dirty"
    assert not marker.exists()


def test_packed_refs_and_worktrees(repo, tmp_path):
    head = _git(repo, "rev-parse", "HEAD")
    _git(repo, "pack-refs", "--all")
    assert not (repo / ".git" / "refs" / "heads" / "main").exists()
    assert git_commit(repo) == head
    _git(repo, "worktree", "add", "-q", "-b", "other", str(tmp_path / "wt"))
    assert git_commit(tmp_path / "wt") == head


def test_outside_a_repository(tmp_path):
    assert git_commit(tmp_path) is None


def test_rai_assess_in_a_hostile_repository_runs_nothing(rai, repo, tmp_path, binary_frame, monkeypatch):
    marker = _arm_fsmonitor(repo, tmp_path)
    binary_frame.to_csv(repo / "data.csv", index=False)
    (repo / "rai.yaml").write_text(textwrap.dedent("""\
        version: 1
        data: {path: data.csv, target: y, prediction: pred, sensitive: [group]}
        analyzers: {run: [performance]}
        """))
    monkeypatch.chdir(repo)
    r = rai("assess", "--config", "rai.yaml", "--out", tmp_path / "out")
    assert r.code == 0, r.err
    assert not marker.exists()
    assert '"git_commit": "' + _git(repo, "rev-parse", "HEAD") in (tmp_path / "out" / "assessment.json").read_text()
