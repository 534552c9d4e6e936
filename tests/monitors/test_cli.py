"""`rai monitor` as a user runs it: subprocesses, a real loopback receiver, SIGKILL and SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from monitors import Store

from .conftest import SECRET, Receiver


def _frames(tmp_path: Path) -> dict[str, Path]:
    rng = np.random.default_rng(7)
    n = 1500

    def table(shift: float, seed: int) -> pd.DataFrame:
        r = np.random.default_rng(seed)
        return pd.DataFrame({
            "x1": r.normal(shift, 1, n), "x2": r.normal(shift, 1, n), "x3": r.exponential(1 + shift, n),
            "color": r.choice(["red", "green", "blue"], n, p=[0.2, 0.3, 0.5] if shift == 0 else [0.6, 0.3, 0.1]),
        })

    paths = {}
    for name, shift, seed in (("reference", 0.0, 1), ("same", 0.0, 2), ("drifted", 1.0, 3)):
        p = tmp_path / f"{name}.csv"
        table(shift, seed).to_csv(p, index=False)
        paths[name] = p
    del rng
    return paths


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "RAI_WEBHOOK_SECRET"}
    env.update(RAI_WEBHOOK_SECRET=SECRET, **extra)
    return env


def _rai(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rai.cli", *args], capture_output=True, text=True,
                          env=env or _env(), timeout=timeout)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return _frames(tmp_path)


def test_run_drift_then_no_drift_exit_codes_and_history(tmp_path, files, receiver):
    store = f"sqlite:///{tmp_path / 'm.db'}"
    base = ["monitor", "run", "--reference", str(files["reference"]), "--store", store, "--webhook-url", receiver.url]
    p = _rai(*base, "--current", str(files["drifted"]))
    assert p.returncode == 0, p.stderr
    assert "dataset drift: share reaches 0.5" in p.stdout and "alert dataset-drift fired" in p.stdout
    assert len(receiver.accepted()) == 1
    p = _rai(*base, "--current", str(files["same"]), "--fail-on-drift")
    assert p.returncode == 0, p.stderr
    assert "dataset drift needs 0.5); no alert" in p.stdout
    assert len(receiver.accepted()) == 1  # nothing new
    # the same batch again is the same window: skipped
    p = _rai(*base, "--current", str(files["drifted"]), "--fail-on-drift")
    assert p.returncode == 0 and "already checked" in p.stdout
    # a new window with drift and --fail-on-drift exits 1, inside the cooldown: no new webhook
    p = _rai(*base, "--current", str(files["drifted"]), "--window", "again", "--fail-on-drift")
    assert p.returncode == 1, p.stderr
    assert "suppressed" in p.stdout
    assert len(receiver.accepted()) == 1
    h = _rai("monitor", "history", "--store", store, "--format", "json")
    runs = json.loads(h.stdout)
    assert [r["dataset_drift"] for r in runs] == [True, False, True]
    assert runs[-1]["alerts"][0]["deliveries"][0]["state"] == "delivered"
    drifted_cols = {c["column"] for c in runs[-1]["columns"] if c["drifted"]}
    assert drifted_cols == {"x1", "x2", "x3", "color"}
    t = _rai("monitor", "history", "--store", store)
    assert "4 of 4 features drifted (share 1.00; dataset drift: share reaches 0.5); alert dataset-drift fired" in t.stdout
    assert "delivered after 1 attempt" in t.stdout
    # the secret is nowhere in the store
    assert SECRET.encode() not in (tmp_path / "m.db").read_bytes()


def _main(*args: str) -> int:
    from rai.cli import main

    try:
        main(list(args))
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_secret_missing_or_bad_input_exit_2(tmp_path, files, receiver, monkeypatch, capsys):
    store = f"sqlite:///{tmp_path / 'm.db'}"
    run = ["monitor", "run", "--current", str(files["drifted"]), "--store", store]
    monkeypatch.delenv("RAI_WEBHOOK_SECRET", raising=False)
    assert _main(*run, "--reference", str(files["reference"]), "--webhook-url", receiver.url) == 2
    err = capsys.readouterr().err
    assert "RAI_WEBHOOK_SECRET" in err and "Traceback" not in err
    monkeypatch.setenv("RAI_WEBHOOK_SECRET", SECRET)
    assert _main(*run, "--reference", str(files["reference"]), "--webhook-url", "http://example.org/hook") == 2
    assert "plain http" in capsys.readouterr().err
    assert _main(*run, "--reference", str(files["reference"]), "--webhook-url", "https://169.254.169.254/latest") == 2
    assert "cloud-metadata" in capsys.readouterr().err
    assert _main(*run, "--reference", str(tmp_path / "nope.csv")) == 2
    assert "nope.csv" in capsys.readouterr().err
    assert _main("monitor", "run", "--reference", str(files["reference"]), "--current", str(files["drifted"])) == 2
    assert "--store" in capsys.readouterr().err
    bad = tmp_path / "rai.yaml"
    bad.write_text("monitor:\n  rules:\n    - signal: dataset_drift\n      cooldown: soon\n", encoding="utf-8")
    assert _main(*run, "--reference", str(files["reference"]), "--config", str(bad)) == 2
    assert "monitor.rules[0].cooldown" in capsys.readouterr().err
    assert receiver.requests == []
    # nothing was checked: refused before any window was claimed
    assert Store(store).history() == []


def test_sigkill_mid_delivery_loses_nothing(tmp_path, files):
    receiver = Receiver(script=["stall"]).start()
    try:
        store = f"sqlite:///{tmp_path / 'm.db'}"
        proc = subprocess.Popen(
            [sys.executable, "-m", "rai.cli", "monitor", "run", "--reference", str(files["reference"]),
             "--current", str(files["drifted"]), "--store", store, "--webhook-url", receiver.url],
            env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        assert receiver.stalled.wait(90), "the monitor never reached the receiver"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        assert proc.returncode == -signal.SIGKILL
        receiver.release.set()
        (row,) = Store(store).deliveries()
        assert row["state"] == "pending" and row["lease_owner"].endswith(f":{proc.pid}")
        p = _rai("monitor", "deliver", "--store", store)
        assert p.returncode == 0, p.stderr
        assert "1 delivered" in p.stdout
        ids = [r["webhook_id"] for r in receiver.requests]
        assert ids == [row["id"], row["id"]]  # the same webhook-id on the retry
        assert [r["webhook_id"] for r in receiver.accepted()] == [row["id"]]  # exactly once
        p = _rai("monitor", "deliver", "--store", store)
        assert "0 delivered" in p.stdout and len(receiver.requests) == 2
    finally:
        receiver.stop()


def test_two_processes_never_run_the_same_window(tmp_path, files, receiver):
    store = f"sqlite:///{tmp_path / 'm.db'}"
    args = [sys.executable, "-m", "rai.cli", "monitor", "run", "--reference", str(files["reference"]),
            "--current", str(files["drifted"]), "--store", store, "--webhook-url", receiver.url, "--window", "2026-11-23"]
    procs = [subprocess.Popen(args, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert sum("already checked" in o for o, _ in outs) == 1
    assert len(Store(store).history()) == 1
    assert len(receiver.accepted()) == 1


def test_serve_runs_on_schedule_and_stops_on_sigterm(tmp_path, files, receiver):
    cfg = tmp_path / "rai.yaml"
    cfg.write_text(
        "monitor:\n"
        "  name: svc\n"
        f"  store: sqlite:///{tmp_path / 'serve.db'}\n"
        "  schedule: '* * * * * */2'\n"
        f"  reference: {files['reference']}\n"
        f"  current: {files['drifted']}\n"
        "  webhooks:\n"
        f"    - url: {receiver.url}\n"
        "  delivery: {max_wait: 5s}\n",
        encoding="utf-8",
    )
    proc = subprocess.Popen([sys.executable, "-m", "rai.cli", "monitor", "serve", "--config", str(cfg)],
                            env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    store = Store(f"sqlite:///{tmp_path / 'serve.db'}")
    # wait for the delivery itself (not for the run row, which is committed before any network call)
    assert receiver.delivered.wait(120), "the first scheduled check never delivered its webhook"
    assert any(r["status"] == "done" for r in store.history())
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "stopped after" in err
    runs = store.history()
    assert runs and all(r["status"] == "done" for r in runs)  # the check in flight finished
    assert len({r["window"] for r in runs}) == len(runs)
    assert all(r["window"].endswith("Z") for r in runs)
    # drift on every tick, but one webhook: the rest are inside the cooldown
    assert len(receiver.accepted()) == 1


def test_help_is_lazy_and_lists_subcommands():
    from rai.cli import cli

    res = CliRunner().invoke(cli, ["monitor", "--help"])
    assert res.exit_code == 0
    for name in ("run", "deliver", "history", "serve", "demo"):
        assert name in res.output


def test_receiver_down_states_the_budget_and_when_pending_is_due_then_now_sends_it(tmp_path, files):
    import re
    import socket

    with socket.socket() as s:  # a port nobody listens on: the receiver is down
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    store = f"sqlite:///{tmp_path / 'm.db'}"
    cfg = tmp_path / "rai.yaml"
    cfg.write_text("version: 1\nmonitor:\n  delivery: {backoff_base: 1h, backoff_max: 2h}\n"
                   "analyzers:\n  multivariate: {methods: []}\n", encoding="utf-8")
    url = f"http://127.0.0.1:{port}/hook"
    p = _rai("monitor", "run", "--reference", str(files["reference"]), "--current", str(files["drifted"]),
             "--store", store, "--webhook-url", url, "--config", str(cfg), "--max-wait", "0")
    assert p.returncode == 0, p.stderr
    assert "failures are retried for up to 0 s (--max-wait" in p.stdout
    (row,) = Store(store).deliveries()
    assert row["state"] == "pending" and row["attempts"] == 1
    line = next(x for x in p.stdout.splitlines() if x.startswith(f"pending webhook {row['id']}"))
    wait = float(re.search(r"\(in (\d+) s\)", line).group(1))
    # what the outbox holds, stated: the backoff is uniform in [0, 1 h] after the first failure
    assert abs(wait - (row["next_attempt_at"] - row["created_at"])) <= 60 and "ConnectError" in line
    receiver = Receiver(port=port).start()
    try:
        p = _rai("monitor", "deliver", "--store", store)
        if wait > 5:  # not due yet: nothing sent, and the output says when it will be
            assert "0 delivered" in p.stdout and "1 pending" in p.stdout and "(in " in p.stdout
            assert receiver.requests == []
        p = _rai("monitor", "deliver", "--store", store, "--now")
        assert p.returncode == 0, p.stderr
        assert "1 delivered" in p.stdout and "0 pending" in p.stdout
        assert [r["webhook_id"] for r in receiver.accepted()] == [row["id"]]
    finally:
        receiver.stop()


@pytest.mark.parametrize("case", ["used", "turned off", "bad option", "missing file"])
def test_run_leaves_no_child_process(tmp_path, files, monkeypatch, capsys, case):
    """The child computing the multivariate checks is stopped however the run ends: used, not needed, or an error."""
    import psutil
    import yaml

    import rai._threads as threads
    from rai.cli import main

    monkeypatch.setattr(threads, "free_cores", lambda **_: 2)  # a core for the child, however busy the suite is
    monkeypatch.delenv("RAI_WEBHOOK_SECRET", raising=False)
    analyzers = {"turned off": {"multivariate": {"methods": []}},
                 "bad option": {"multivariate": {"domain_classifier": {"n_folds": 1}}}}.get(case)
    config = tmp_path / "rai.yaml"
    config.write_text(yaml.safe_dump({"version": 1, **({"analyzers": analyzers} if analyzers else {})}))
    current = tmp_path / "missing.csv" if case == "missing file" else files["drifted"]
    argv = ["monitor", "run", "--reference", str(files["reference"]), "--current", str(current),
            "--store", f"sqlite:///{tmp_path / 'm.db'}", "--config", str(config)]
    # processes of the test session itself (a session-scoped `mlflow server` and its workers) are not ours
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    with pytest.raises(SystemExit) as exit_:
        main(argv)
        raise SystemExit(0)
    out, err = capsys.readouterr()
    assert [p for p in psutil.Process().children(recursive=True) if p.pid not in before] == []
    if case in ("bad option", "missing file"):
        assert exit_.value.code == 2, err
        assert ("'n_folds' parameter of DomainClassifierDrift" if case == "bad option" else "missing.csv") in err
        return
    assert exit_.value.code == 0, err
    assert ("multivariate drift domain_classifier" in out) == (case == "used")
