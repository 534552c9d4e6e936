"""Secrets stay out of logs and errors; a broken store is exit 2 naming the store."""

from __future__ import annotations

import logging
import sqlite3

import pytest

from rai._redact import RedactingFilter, redact_text

from .test_cli import _rai, files  # noqa: F401  (fixture)


def _hook(receiver) -> str:
    return f"http://127.0.0.1:{receiver.port}/services/T000/B000/SECRETPATH?token=TOKENX"


def _assert_no_secret(text: str) -> None:
    assert "SECRETPATH" not in text and "TOKENX" not in text and "B000" not in text


def test_verbose_run_logs_no_webhook_secret(tmp_path, files, receiver):  # noqa: F811
    store = f"sqlite:///{tmp_path / 'm.db'}"
    p = _rai("-vv", "monitor", "run", "--reference", str(files["reference"]), "--current", str(files["drifted"]),
             "--store", store, "--webhook-url", _hook(receiver))
    assert p.returncode == 0, p.stderr
    assert len(receiver.accepted()) == 1 and receiver.accepted()[0]["path"].endswith("token=TOKENX")
    # httpx's INFO line is there, with the URL cut to its host
    assert f'HTTP Request: POST http://127.0.0.1:{receiver.port}/*** "HTTP/1.0 200 OK"' in p.stderr
    _assert_no_secret(p.stdout + p.stderr)


@pytest.mark.parametrize("damage", ["drop-table", "truncate", "garbage"])
def test_a_broken_store_is_exit_2_naming_it_without_the_secret(tmp_path, files, receiver, damage):  # noqa: F811
    db = tmp_path / "m.db"
    store = f"sqlite:///{db}"
    base = ["monitor", "run", "--reference", str(files["reference"]), "--store", store, "--webhook-url", _hook(receiver)]
    assert _rai(*base, "--current", str(files["same"])).returncode == 0
    if damage == "drop-table":
        with sqlite3.connect(db) as conn:
            conn.execute("DROP TABLE outbox")
    elif damage == "truncate":
        data = db.read_bytes()
        db.write_bytes(data[: len(data) // 3])
        for extra in ("m.db-wal", "m.db-shm"):
            (tmp_path / extra).unlink(missing_ok=True)
    else:
        db.write_bytes(b"not a database at all " * 300)
    for args in (["-vv", *base, "--current", str(files["drifted"])], ["monitor", "history", "--store", store],
                 ["monitor", "deliver", "--store", store]):
        p = _rai(*args)
        assert p.returncode == 2, (args, p.stdout, p.stderr)
        assert f"store 'sqlite:///{db}' cannot be used:" in p.stderr
        assert "Traceback" not in p.stderr
        _assert_no_secret(p.stdout + p.stderr)


def test_redaction_of_text_and_log_records(caplog):
    assert redact_text("POST https://hooks.slack.com/services/T/B/SECRET?x=1 done") == "POST https://hooks.slack.com/*** done"
    assert redact_text("to https://u:pw@[::1]:8443/a?token=t.") == "to https://[::1]:8443/***"
    assert redact_text("https://example.org/ and sqlite:////tmp/m.db") == "https://example.org/ and sqlite:////tmp/m.db"
    record = logging.LogRecord("httpx", logging.INFO, __file__, 1, "HTTP Request: %s %s", ("POST", "https://h/s/SECRET"), None)
    try:
        raise RuntimeError("failed at https://h/s/SECRET")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    assert RedactingFilter().filter(record)
    assert record.getMessage() == "HTTP Request: POST https://h/***"
    assert "SECRET" not in record.exc_text and "https://h/***" in record.exc_text


def test_api_users_get_httpx_lines_redacted_too(caplog, receiver, tmp_path):
    import random

    from monitors import Endpoint, Monitor, MonitorConfig

    from .conftest import SECRET
    from .test_delivery import _check

    url = _hook(receiver)
    cfg = MonitorConfig(name="m", store=f"sqlite:///{tmp_path / 'm.db'}", webhooks=(Endpoint(name="e", url=url),))
    with caplog.at_level(logging.INFO, logger="httpx"):
        out = Monitor(cfg, secret=SECRET, rng=random.Random(0)).check(None, window="w", compute=lambda: _check(True))
    assert out.delivery.delivered == 1
    assert "HTTP Request: POST" in caplog.text
    _assert_no_secret(caplog.text)
