"""``rai monitor demo``: the bundled ACS data replayed through the monitor, with a local receiver.

The 2015 survey is the reference; 2016, 2017 and 2018 arrive as yearly batches. The real
year-to-year drift of this data is small (every statistic stays below evidently's
thresholds), so the replay adds one clearly labelled SIMULATED incident: the 2018 batch with
``AGEP`` recorded in months instead of years (a unit change upstream). A receiver on
127.0.0.1 verifies each webhook's Standard Webhooks signature and keeps what it got.
"""

from __future__ import annotations

import base64
import dataclasses
import http.server
import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["run_demo", "DemoResult", "LocalReceiver"]

log = logging.getLogger(__name__)


def _acs_spec() -> Any:
    from rai._spec import DatasetSpec
    from rai.datasets import ACS_FEATURES

    return DatasetSpec(
        target="employed", prediction="prediction", score="predicted_probability", id="id", exclude=("year",),
        categorical=tuple(c for c in ACS_FEATURES if c != "AGEP"),
    )





class LocalReceiver:
    """A webhook receiver on 127.0.0.1 that verifies signatures with ``standardwebhooks``."""

    def __init__(self, secret: str) -> None:
        from standardwebhooks import Webhook

        self.webhook = Webhook(secret)
        self.received: list[dict[str, Any]] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    receiver.webhook.verify(body, headers)
                    verified, status = True, 202
                except Exception as exc:  # a bad signature is refused, as a real receiver would
                    verified, status = False, 401
                    log.warning("demo receiver refused a request: %s", exc)
                receiver.received.append({"headers": headers, "body": body, "verified": verified})
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/retrain"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclasses.dataclass(frozen=True)
class DemoResult:
    store_url: str
    history: list[dict[str, Any]]
    received: list[dict[str, Any]]
    real_drift_found: bool
    text: str


def run_demo(out_dir: str | Path, *, rows: int | None = None, echo: Callable[[str], None] | None = None, seed: int = 0) -> DemoResult:
    """Replay the ACS batches; return the history, what the receiver got, and a text summary."""
    from rai.datasets import load_acs_employment

    from monitors._config import Endpoint, MonitorConfig, Rule
    from monitors._history import format_history
    from monitors._monitor import Monitor

    say = echo or (lambda _s: None)
    from rai._atomic import claim_folder

    out = claim_folder(out_dir, owner="rai monitor demo")  # never a working folder's monitor.db
    db = out / "monitor.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    store_url = f"sqlite:///{db}"
    # a fresh random secret for this demo only; it is never printed or stored
    secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
    receiver = LocalReceiver(secret)
    config = MonitorConfig(
        name="acs-employment",
        store=store_url,
        rules=(
            Rule(name="dataset-drift", signal="dataset_drift", threshold=1, severity="critical"),
            Rule(name="prediction-drift", signal="prediction_drift", threshold=1, severity="critical"),
            Rule(name="feature-drift", signal="n_drifted", threshold=1, severity="warning"),
        ),
        webhooks=(Endpoint(name="retraining-pipeline", url=receiver.url),),
    )

    def sample(frame: Any) -> Any:
        if rows is None or len(frame) <= rows:
            return frame
        return frame.sample(n=rows, random_state=seed).reset_index(drop=True)

    spec = _acs_spec().replace(sensitive=("SEX",))  # fairness by sex over time, in history and report
    mon = Monitor(config, spec=spec, secret=secret, seed=seed,
                  options={"performance": {"n_bootstrap": 0}, "fairness": {"n_bootstrap": 0}})
    lines: list[str] = []
    try:
        reference = sample(load_acs_employment(2015))
        say(f"reference: ACS 2015, {len(reference)} rows; receiver listening on {receiver.url}")
        real_drift = False
        for year in (2016, 2017, 2018):
            batch = sample(load_acs_employment(year))
            res = mon.check(batch, window=str(year), reference=reference, max_wait=10)
            d = res.check.drift
            top = max(d.columns, key=lambda c: c.statistic or 0.0)
            real_drift = real_drift or bool(res.fired)
            say(f"{year}: {d.n_drifted} of {d.n_columns} features drifted; largest {top.column} "
                f"{top.method} {top.statistic:.4f} (threshold {top.threshold:g}); alerts fired: {len(res.fired)}")
        if not real_drift:
            say("real year-to-year drift of ACS 2016-2018 is below every threshold: no webhook. "
                "Adding a SIMULATED incident: the 2018 batch with AGEP in months (a unit change upstream).")
            incident = sample(load_acs_employment(2018)).copy()
            incident["AGEP"] = incident["AGEP"] * 12
            res = mon.check(incident, window="2018-simulated-incident-AGEP-in-months", reference=reference, max_wait=10)
            say(f"simulated incident: drifted {[c.column for c in res.check.drift.columns if c.drifted]}; "
                f"alerts fired: {[a.rule for a in res.fired]}")
        history = mon.store.history(limit=20)
    finally:
        mon.close()
        receiver.close()
    lines.append("== history (newest first) ==")
    lines.append(format_history(history))
    lines.append("")
    lines.append(f"== webhooks received by the local receiver: {len(receiver.received)} ==")
    for r in receiver.received:
        h = r["headers"]
        lines.append(f"verified signature: {r['verified']}  webhook-id {h.get('webhook-id')}  "
                     f"webhook-timestamp {h.get('webhook-timestamp')}  content-type {h.get('content-type')}")
        lines.append(json.dumps(json.loads(r["body"]), indent=2))
    lines.append("")
    lines.append(f"store: {store_url}  (rai monitor history --store {store_url})")
    return DemoResult(store_url=store_url, history=history, received=receiver.received,
                      real_drift_found=real_drift, text="\n".join(lines))
