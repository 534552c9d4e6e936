"""Delivery to a REAL HTTP receiver on loopback that verifies Standard Webhooks signatures."""

from __future__ import annotations

import json
import random

import httpx
import pytest
from standardwebhooks import Webhook

from monitors import CheckResult, DeliveryPolicy, Endpoint, Monitor, MonitorConfig, Rule, Store

from .conftest import SECRET, FakeClock, Receiver, make_drift


def _config(url: str, store_url: str, **changes) -> MonitorConfig:
    cfg = MonitorConfig(
        name="acs",
        store=store_url,
        webhooks=(Endpoint(name="pipeline", url=url),),
        delivery=DeliveryPolicy(max_attempts=4, backoff_base=1.0, backoff_max=30.0, max_wait=120.0),
    )
    return cfg.update(**changes)


def _monitor(cfg: MonitorConfig, clock: FakeClock, **kw) -> Monitor:
    return Monitor(cfg, clock=clock, sleep=clock.sleep, rng=random.Random(0), secret=SECRET, **kw)


def _check(drifted: bool) -> CheckResult:
    return CheckResult.from_results(drift=make_drift(drifted))


def test_drifted_batch_delivers_exactly_one_verified_cloudevent_after_503(store_url):
    receiver = Receiver(script=[503]).start()
    try:
        clock = FakeClock()
        mon = _monitor(_config(receiver.url, store_url), clock)
        out = mon.check(None, window="2026-11-01", compute=lambda: _check(True))
        assert [a.rule for a in out.fired] == ["dataset-drift"]
        # two requests, the same webhook-id, both signed; only the second one accepted
        assert len(receiver.requests) == 2
        assert receiver.requests[0]["action"] == 503
        assert {r["webhook_id"] for r in receiver.requests} == {out.fired[0].webhook_ids[0]}
        assert all(r["verified"] for r in receiver.requests)
        (event,) = receiver.events()
        # the backoff waited (full jitter in [0, 1 s] after the first failure)
        assert len(clock.sleeps) == 1 and 0 <= clock.sleeps[0] <= 1.01
        # CloudEvents 1.0 structured mode, parsed back by the cloudevents package
        from cloudevents.core.bindings.http import HTTPMessage, from_structured
        from cloudevents.core.formats.json import JSONFormat

        req = receiver.accepted()[0]
        assert req["headers"]["content-type"] == "application/cloudevents+json"
        ce = from_structured(HTTPMessage(headers={"content-type": req["headers"]["content-type"]}, body=req["body"]),
                             JSONFormat())
        attrs = ce.get_attributes()
        assert attrs["specversion"] == "1.0"
        assert attrs["type"] == "io.rai.monitor.retraining.requested"
        assert attrs["id"] == out.fired[0].event_id
        data = ce.get_data()
        assert data["monitor"] == "acs" and data["window"] == "2026-11-01"
        assert data["severity"] == "critical" and data["share_drifted"] == 1.0
        assert [c["column"] for c in data["drifted_columns"]] == ["f0", "f1", "f2", "f3"]
        assert data["drifted_columns"][0]["statistic"] == 0.4
        assert event == json.loads(req["body"])
        # the store knows it was delivered on attempt 2
        (d,) = Store(store_url).deliveries()
        assert d["state"] == "delivered" and d["attempts"] == 2
    finally:
        receiver.stop()


def test_batch_without_drift_sends_nothing(store_url, receiver):
    clock = FakeClock()
    mon = _monitor(_config(receiver.url, store_url), clock)
    out = mon.check(None, window="w1", compute=lambda: _check(False))
    assert out.alerts == [] and receiver.requests == []
    assert Store(store_url).count("outbox") == 0
    (run,) = Store(store_url).history()
    assert run["status"] == "done" and run["dataset_drift"] is False and run["alerts"] == []


def test_event_raised_while_receiver_down_is_delivered_once_it_is_up(store_url):
    probe = Receiver()  # reserve a port, then close it: nothing listens there
    port = probe.port
    probe.server.server_close()
    clock = FakeClock()
    cfg = _config(f"http://127.0.0.1:{port}/hook", store_url, delivery=DeliveryPolicy(max_attempts=10, backoff_base=1.0, max_wait=0))
    mon = _monitor(cfg, clock)
    out = mon.check(None, window="w1", compute=lambda: _check(True))
    assert out.delivery.retrying == 1 and out.delivery.delivered == 0
    (d,) = Store(store_url).deliveries()
    assert d["state"] == "pending" and "ConnectError" in d["last_error"]
    receiver = Receiver(port=port).start()
    try:
        clock.now += 60
        report = _monitor(cfg, clock).deliver(max_wait=0)
        assert report.delivered == 1
        assert len(receiver.accepted()) == 1
        assert receiver.accepted()[0]["webhook_id"] == d["id"]
        # nothing more to send
        assert _monitor(cfg, clock).deliver(max_wait=0).attempts == 0
    finally:
        receiver.stop()


def test_repeated_drift_inside_cooldown_sends_nothing_new(store_url, receiver):
    clock = FakeClock()
    cfg = _config(receiver.url, store_url)
    mon = _monitor(cfg, clock)
    mon.check(None, window="w1", compute=lambda: _check(True))
    clock.now += 3600  # 1 h later: inside the 24 h cooldown
    out2 = mon.check(None, window="w2", compute=lambda: _check(True))
    assert [a.status for a in out2.alerts] == ["suppressed"]
    assert "cooldown" in out2.alerts[0].reason
    assert len(receiver.accepted()) == 1
    clock.now += 24 * 3600  # after the cooldown, the same drift alerts again
    out3 = mon.check(None, window="w3", compute=lambda: _check(True))
    assert [a.status for a in out3.alerts] == ["fired"]
    assert len(receiver.accepted()) == 2
    hist = Store(store_url).history()
    assert [h["window"] for h in hist] == ["w3", "w2", "w1"]
    assert hist[1]["alerts"][0]["status"] == "suppressed"


def test_429_retry_after_is_honoured(store_url):
    receiver = Receiver(script=[(429, {"Retry-After": "7"})]).start()
    try:
        clock = FakeClock()
        mon = _monitor(_config(receiver.url, store_url), clock)
        mon.check(None, window="w1", compute=lambda: _check(True))
        assert clock.sleeps and abs(clock.sleeps[0] - 7.0) < 0.01
        assert len(receiver.accepted()) == 1
        (d,) = Store(store_url).deliveries()
        tries = Store(store_url).attempts_of(d["id"])
        assert [t["status_code"] for t in tries] == [429, 200]
        assert tries[1]["started_at"] - tries[0]["started_at"] >= 7.0
    finally:
        receiver.stop()


def test_410_disables_the_endpoint(store_url):
    receiver = Receiver(script=[410]).start()
    try:
        clock = FakeClock()
        rules = (Rule(name="drift", signal="dataset_drift", cooldown=0.0),)
        mon = _monitor(_config(receiver.url, store_url, rules=rules), clock)
        mon.check(None, window="w1", compute=lambda: _check(True))
        out = mon.check(None, window="w2", compute=lambda: _check(True))
        assert len(receiver.requests) == 1  # nothing after the 410
        store = Store(store_url)
        assert "410" in store.disabled_endpoints()["pipeline"]
        states = [d["state"] for d in store.deliveries()]
        assert states == ["disabled", "disabled"]
        assert out.fired and out.delivery.attempts == 0
        hist = store.history()
        assert hist[0]["alerts"][0]["deliveries"][0]["state"] == "disabled"
    finally:
        receiver.stop()


def test_dead_letter_after_max_attempts_is_in_history(store_url):
    receiver = Receiver(script=[500, 502, 503, 504, 500]).start()
    try:
        clock = FakeClock()
        mon = _monitor(_config(receiver.url, store_url), clock)
        out = mon.check(None, window="w1", compute=lambda: _check(True))
        assert out.delivery.dead == 1 and len(receiver.requests) == 4  # max_attempts=4
        # waits grow: full jitter below 1, 2, 4 s
        assert len(clock.sleeps) == 3 and all(s <= cap + 0.01 for s, cap in zip(clock.sleeps, [1, 2, 4]))
        (run,) = Store(store_url).history()
        (delivery,) = run["alerts"][0]["deliveries"]
        assert delivery["state"] == "dead" and delivery["attempts"] == 4 and delivery["last_status"] == 504
    finally:
        receiver.stop()


def test_signatures_fail_with_a_wrong_secret(store_url):
    receiver = Receiver(secret="whsec_" + "QUJD" * 8).start()
    try:
        clock = FakeClock()
        mon = _monitor(_config(receiver.url, store_url), clock)
        mon.check(None, window="w1", compute=lambda: _check(True), max_wait=0)
        assert receiver.requests and not receiver.requests[0]["verified"]
        with pytest.raises(Exception):
            Webhook("whsec_" + "QUJD" * 8).verify(receiver.requests[0]["body"], receiver.requests[0]["headers"])
    finally:
        receiver.stop()


def test_endpoint_filters_and_payload_shapes(store_url):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    cfg = MonitorConfig(
        name="m", store=store_url,
        rules=(Rule(name="drift", signal="dataset_drift", severity="critical"),
               Rule(name="pred", signal="prediction_drift", severity="info")),
        webhooks=(
            Endpoint(name="gh", url="https://api.github.com/repos/o/r/dispatches", format="github", token_env="GH_TOKEN"),
            Endpoint(name="slack", url="https://hooks.slack.com/services/T/B/secretpath", format="slack", min_severity="warning"),
            Endpoint(name="only-pred", url="https://example.org/p", events=("pred",)),
        ),
    )
    clock = FakeClock()
    mon = Monitor(cfg, clock=clock, sleep=clock.sleep, secret=SECRET, transport=httpx.MockTransport(handler),
                  resolver=lambda host, port: ["93.184.215.14"], environ={"GH_TOKEN": "ghp_x"})
    check = CheckResult.from_results(drift=make_drift(True, prediction_drifted=True))
    mon.check(None, window="w", compute=lambda: check)
    by_host = {}
    for r in seen:
        by_host.setdefault(r.url.host, []).append(r)
    assert len(by_host["api.github.com"]) == 2  # both rules
    assert len(by_host["hooks.slack.com"]) == 1  # info-level rule filtered out
    assert len(by_host["example.org"]) == 1  # only the 'pred' rule
    gh = json.loads(by_host["api.github.com"][0].content)
    assert gh["event_type"] == "rai-retraining-requested" and gh["client_payload"]["specversion"] == "1.0"
    assert len(gh["client_payload"]) <= 10
    assert by_host["api.github.com"][0].headers["authorization"] == "Bearer ghp_x"
    slack = json.loads(by_host["hooks.slack.com"][0].content)
    assert "dataset_drift" in slack["text"] and "f0" in slack["text"]
    wh = Webhook(SECRET)
    for r in seen:
        wh.verify(r.content, dict(r.headers))
    # the slack URL's secret path is not shown in history
    hist = Store(store_url).history()
    shown = [d["url"] for a in hist[0]["alerts"] for d in a["deliveries"]]
    assert "https://hooks.slack.com/***" in shown and not any("secretpath" in u for u in shown)
