"""Delivery under attack: a reply slower than the lease, a Retry-After in 2099."""

from __future__ import annotations

import random
import threading

from monitors import DeliveryPolicy, Endpoint, Monitor, MonitorConfig, Store
from monitors._webhooks import WebhookSender

from .conftest import SECRET, FakeClock, Receiver
from .test_delivery import _check


def _config(url: str, store_url: str, **delivery) -> MonitorConfig:
    return MonitorConfig(
        name="acs", store=store_url, webhooks=(Endpoint(name="pipeline", url=url),),
        delivery=DeliveryPolicy(max_attempts=5, backoff_base=1.0, backoff_max=60.0, max_wait=0, lease=40.0, **delivery),
    )


def _sender(cfg: MonitorConfig, clock: FakeClock, owner: str) -> WebhookSender:
    return WebhookSender(Store(cfg.store, clock=clock), endpoints={e.name: e for e in cfg.webhooks},
                         policy=cfg.delivery, secret=SECRET, clock=clock, sleep=clock.sleep,
                         rng=random.Random(0), owner=owner)


def test_a_reply_slower_than_the_lease_cannot_reopen_a_delivered_event(store_url):
    receiver = Receiver(script=["stall"]).start()
    try:
        clock = FakeClock()
        cfg = _config(receiver.url, store_url)
        mon = Monitor(cfg, clock=clock, sleep=clock.sleep, rng=random.Random(0), secret=SECRET)
        mon.check(None, window="w1", compute=lambda: _check(True), deliver=False)
        slow = _sender(cfg, clock, "host-a:1")
        first = threading.Thread(target=slow.deliver_due)
        first.start()
        assert receiver.stalled.wait(60), "the first sender never reached the receiver"
        clock.now += 41  # the first sender's 40 s lease has run out: a second sender takes over
        taker = _sender(cfg, clock, "host-b:2")
        assert taker.deliver_due().delivered == 1
        receiver.release.set()  # the first reply ends without a response: a failed attempt
        first.join(60)
        assert not first.is_alive()
        (d,) = Store(store_url).deliveries()
        assert d["state"] == "delivered"
        assert [a["outcome"] for a in Store(store_url).attempts_of(d["id"])] == ["delivered", "retry"]
        clock.now += 3600
        assert _sender(cfg, clock, "host-c:3").deliver_due().attempts == 0
        assert len(receiver.requests) == 2  # never a third time
    finally:
        receiver.stop()


def test_a_late_success_ends_a_delivery_another_sender_holds(store_url, receiver):
    clock = FakeClock()
    cfg = _config(receiver.url, store_url)
    Monitor(cfg, clock=clock, sleep=clock.sleep, secret=SECRET).check(
        None, window="w1", compute=lambda: _check(True), deliver=False)
    store = Store(store_url, clock=clock)
    (row,) = store.due_deliveries(clock())
    assert store.lease_delivery(row, "holder:1", clock(), 40.0)
    # another sender's failure does not touch the state the holder decides ...
    assert not store.record_attempt(row.id, owner="late:2", attempt=1, started_at=clock(), duration=1.0,
                                    status_code=503, outcome="retry", error="HTTP 503", state="pending",
                                    next_attempt_at=clock() + 1)
    (d,) = store.deliveries()
    assert d["lease_owner"] == "holder:1" and d["attempts"] == 0
    # ... nor can it dead-letter it; a success ends it
    assert not store.mark_undeliverable(row.id, "dead", "x", owner="late:2")
    assert store.record_attempt(row.id, owner="late:2", attempt=1, started_at=clock(), duration=1.0,
                                status_code=200, outcome="delivered", error=None, state="delivered")
    assert not store.record_attempt(row.id, owner="holder:1", attempt=1, started_at=clock(), duration=1.0,
                                    status_code=503, outcome="retry", error="HTTP 503", state="pending",
                                    next_attempt_at=clock() + 1)
    (d,) = store.deliveries()
    assert d["state"] == "delivered" and d["attempts"] == 1


def test_retry_after_is_capped_by_backoff_max(store_url):
    receiver = Receiver(script=[(503, {"Retry-After": "Wed, 01 Jan 2099 00:00:00 GMT"}),
                                (429, {"Retry-After": "999999999"})]).start()
    try:
        clock = FakeClock()
        cfg = _config(receiver.url, store_url)
        cfg = cfg.update(delivery=DeliveryPolicy(max_attempts=5, backoff_base=1.0, backoff_max=60.0, max_wait=600))
        out = Monitor(cfg, clock=clock, sleep=clock.sleep, rng=random.Random(0), secret=SECRET).check(
            None, window="w1", compute=lambda: _check(True))
        assert out.delivery.delivered == 1
        assert len(receiver.requests) == 3
        # each wait is backoff_max (60 s), not 73 years or 31 years (+ the 1 ms the drain adds)
        assert [round(s) for s in clock.sleeps] == [60, 60]
    finally:
        receiver.stop()


def test_durations_from_config_are_finite_and_bounded():
    import pytest

    from monitors._config import parse_duration
    from rai._exceptions import ConfigError

    for value in ("9" * 400, "1e999", float("inf"), float("nan"), "4000d"):
        with pytest.raises(ConfigError, match="monitor.delivery.backoff_max must be"):
            parse_duration(value, "monitor.delivery.backoff_max")
    assert parse_duration("3650d", "x") == 3650 * 86400.0
