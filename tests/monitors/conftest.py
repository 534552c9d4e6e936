"""Shared pieces of the monitor tests: hand-built drift results, a real loopback receiver, stores."""

from __future__ import annotations

import http.server
import json
import os
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from rai.results import ColumnDrift, DriftResult

#: A Standard Webhooks secret used by the tests (whsec_ + base64 of 24 bytes).
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def column(name: str, drifted: bool, *, role: str = "feature", statistic: float | None = None) -> ColumnDrift:
    return ColumnDrift(
        column=name, role=role, column_type="numeric", method="wasserstein",
        statistic=(0.4 if drifted else 0.02) if statistic is None else statistic, threshold=0.1,
        p_value=None, p_value_adjusted=None, drifted=drifted, psi=0.3 if drifted else 0.01,
        n_reference=2000, n_current=1500, distribution=None,
    )


def make_drift(drifted: bool, *, n_columns: int = 4, prediction_drifted: bool = False) -> DriftResult:
    """A DriftResult built by hand: all features drifted or none."""
    cols = [column(f"f{i}", drifted) for i in range(n_columns)]
    n = sum(c.drifted for c in cols)
    return DriftResult(
        columns=cols,
        prediction=[column("prediction", prediction_drifted, role="prediction")],
        n_columns=n_columns, n_drifted=n, share_drifted=n / n_columns, dataset_drift=n / n_columns >= 0.5,
        drift_share_threshold=0.5, correction="bh", n_reference=2000, n_current=1500,
    )


class Receiver:
    """A real HTTP receiver on 127.0.0.1 that verifies Standard Webhooks signatures.

    ``script`` is a list of responses for the first requests: an int status, a
    ``(status, headers)`` pair, or ``"stall"`` (read the request, then hang until released).
    Later requests get 200. ``requests`` records every request as a dict.
    """

    def __init__(self, secret: str = SECRET, script: list[Any] | None = None, port: int = 0) -> None:
        from standardwebhooks import Webhook

        self.webhook = Webhook(secret)
        self.script = list(script or [])
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.stalled = threading.Event()
        self.delivered = threading.Event()  # set once a signed request was answered 2xx
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    receiver.webhook.verify(body, headers)
                    verified = True
                except Exception:
                    verified = False
                with receiver.lock:
                    action = receiver.script.pop(0) if receiver.script else 200
                    record = {"webhook_id": headers.get("webhook-id"), "verified": verified, "body": body,
                              "headers": headers, "path": self.path, "action": action}
                    receiver.requests.append(record)
                if action == "stall":
                    receiver.stalled.set()
                    receiver.release.wait(60)
                    return
                status, extra = (action, {}) if isinstance(action, int) else action
                payload = b"ok" if 200 <= status < 300 else b"no"
                self.send_response(status)
                for k, v in extra.items():
                    self.send_header(k, v)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                if verified and 200 <= status < 300:
                    receiver.delivered.set()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/retrain"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> Receiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def accepted(self) -> list[dict[str, Any]]:
        """Requests answered 2xx with a valid signature."""
        return [r for r in self.requests if r["verified"] and isinstance(r["action"], int) and 200 <= r["action"] < 300]

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(r["body"]) for r in self.accepted()]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


def _postgres_url() -> str | None:
    return os.environ.get("RAI_TEST_POSTGRES_URL") or None


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """A fresh store: a SQLite file always, a PostgreSQL schema when RAI_TEST_POSTGRES_URL is set."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'monitor.db'}"
        return
    base = _postgres_url()
    if not base:
        pytest.skip("RAI_TEST_POSTGRES_URL is not set (run .ci/start-postgres.sh)")
    import sqlalchemy as sa

    name = f"rai_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class FakeClock:
    """A clock whose sleep advances time instantly."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
