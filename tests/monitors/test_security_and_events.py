"""Signing (published Standard Webhooks test vector), CloudEvents envelope, URL policy, config."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from standardwebhooks import Webhook

from rai._exceptions import ConfigError

from monitors import (
    DeliveryPolicy,
    MonitorConfig,
    NetworkPolicy,
    UrlRefusedError,
    backoff_delay,
    build_event,
    check_url,
    load_secret,
    parse_duration,
    parse_retry_after,
    redact_url,
    render_body,
    sign,
    signed_headers,
)


def test_signer_matches_the_published_standard_webhooks_vector():
    sig = sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
               b'{"test": 2432232314}')
    assert sig == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_signed_headers_verify_with_the_reference_package():
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"a": "\\u00e9t\\u00e9", "b": 1}'
    now = int(dt.datetime.now(dt.timezone.utc).timestamp())
    headers = signed_headers(secret, "msg_1", now, body, "application/json")
    assert Webhook(secret).verify(body, headers) == {"a": "été", "b": 1}
    tampered = body.replace(b"1}", b"2}")
    with pytest.raises(Exception):
        Webhook(secret).verify(tampered, headers)


def test_cloudevent_is_structured_json_v1():
    from cloudevents.core.bindings.http import HTTPMessage, from_structured
    from cloudevents.core.formats.json import JSONFormat

    body = build_event(event_id="evt_1", event_type="io.rai.monitor.retraining.requested", source="/rai/monitors/m",
                       subject="m/w", time=1614265330.0, data={"x": [1, 2]})
    doc = json.loads(body)
    assert doc["specversion"] == "1.0" and doc["time"] == "2021-02-25T15:02:10Z"
    ev = from_structured(HTTPMessage(headers={"content-type": "application/cloudevents+json"}, body=body), JSONFormat())
    assert ev.get_id() == "evt_1" and ev.get_data() == {"x": [1, 2]}
    assert render_body(body, "cloudevents") == (body, "application/cloudevents+json")


def test_secret_comes_only_from_the_environment_and_is_checked():
    with pytest.raises(ConfigError, match="RAI_WEBHOOK_SECRET is not set"):
        load_secret({})
    with pytest.raises(ConfigError) as err:
        load_secret({"RAI_WEBHOOK_SECRET": "hunter2!"})
    assert "hunter2" not in str(err.value)
    assert load_secret({"RAI_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}).startswith("whsec_")


def _resolver(mapping):
    return lambda host, port: mapping[host]


@pytest.mark.parametrize(
    "url, addresses, policy, ok, match",
    [
        ("http://127.0.0.1:8080/h", None, NetworkPolicy(), True, None),
        ("http://localhost:8080/h", ["127.0.0.1", "::1"], NetworkPolicy(), True, None),
        ("http://[::1]:8080/h", None, NetworkPolicy(), True, None),
        ("https://hooks.example.org/h", ["93.184.215.14"], NetworkPolicy(), True, None),
        ("http://hooks.example.org/h", ["93.184.215.14"], NetworkPolicy(), False, "plain http"),
        ("http://hooks.example.org/h", ["93.184.215.14"], NetworkPolicy(allow_insecure_http=True), True, None),
        ("https://10.1.2.3/h", None, NetworkPolicy(), False, "private"),
        ("https://internal.corp/h", ["192.168.1.20"], NetworkPolicy(), False, "private"),
        ("https://internal.corp/h", ["192.168.1.20"], NetworkPolicy(allow_private=True), True, None),
        ("https://internal.corp/h", ["10.0.0.7"], NetworkPolicy(allow_networks=("10.0.0.0/8",)), True, None),
        ("https://169.254.169.254/latest/meta-data", None, NetworkPolicy(allow_private=True), False, "cloud-metadata"),
        ("https://169.254.10.1/h", None, NetworkPolicy(), False, "link-local"),
        ("https://[fe80::1]/h", None, NetworkPolicy(), False, "link-local"),
        ("https://[::ffff:10.0.0.1]/h", None, NetworkPolicy(), False, "private"),
        ("https://metadata.google.internal/x", None, NetworkPolicy(allow_private=True), False, "metadata"),
        ("https://rebind.example/h", ["93.184.215.14", "10.0.0.1"], NetworkPolicy(), False, "private"),
        ("https://0.0.0.0/h", None, NetworkPolicy(), False, "unspecified"),
        ("ftp://example.org/h", None, NetworkPolicy(), False, "absolute http"),
        ("https://user:pw@example.org/h", None, NetworkPolicy(), False, "credentials"),
    ],
)
def test_url_policy(url, addresses, policy, ok, match):
    resolver = (lambda host, port: addresses) if addresses else None
    if ok:
        check_url(url, policy, resolver=resolver)
    else:
        with pytest.raises(UrlRefusedError, match=match):
            check_url(url, policy, resolver=resolver)


def test_redaction():
    assert redact_url("https://u:p@hooks.slack.com/services/T/B/xyz?token=1", hide_path=True) == "https://hooks.slack.com/***?***"
    assert redact_url("https://example.org:8443/hook?sig=abc") == "https://example.org:8443/hook?***"


def test_backoff_is_exponential_with_full_jitter_and_capped():
    policy = DeliveryPolicy(backoff_base=2.0, backoff_max=20.0)
    rng = random.Random(1)
    draws = {n: [backoff_delay(n, policy, rng) for _ in range(2000)] for n in (1, 2, 3, 5, 9)}
    for n, cap in ((1, 2), (2, 4), (3, 8), (5, 20), (9, 20)):
        assert 0 <= min(draws[n]) and max(draws[n]) <= cap
        assert abs(sum(draws[n]) / len(draws[n]) - cap / 2) < 0.05 * cap  # uniform on [0, cap]


def test_retry_after_seconds_and_http_date():
    assert parse_retry_after("120", 0.0) == 120.0
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc).timestamp()
    assert parse_retry_after("Thu, 01 Jan 2026 00:00:30 GMT", now) == 30.0
    assert parse_retry_after("soon", now) is None and parse_retry_after(None, now) is None


@pytest.mark.parametrize(
    "raw, match",
    [
        ({"rules": [{"signal": "share_drifted", "cooldown": "two days"}]}, r"monitor\.rules\[0\]\.cooldown"),
        ({"rules": [{"signal": "x", "op": "~"}]}, r"monitor\.rules\[0\]\.op must be one of"),
        ({"rules": [{"signal": "x", "severity": "fatal"}]}, "severity"),
        ({"rules": [{"signal": "x", "consecutive": 0}]}, "consecutive must be an integer >= 1"),
        ({"webhooks": [{"url": "https://x", "format": "teams"}]}, r"webhooks\[0\]\.format"),
        ({"webhooks": [{"url": "https://x"}, {"url": "https://y"}]}, None),
        ({"schedule": "every hour"}, "cron expression"),
        ({"network": {"allow_networks": ["10.0.0.0/33"]}}, "CIDR"),
        ({"store": "monitor.db"}, "SQLAlchemy URL"),
        ({"delivery": {"max_attempts": 0}}, "max_attempts"),
        ({"shedule": "0 * * * *"}, r"unknown key\(s\) \['shedule'\]"),
    ],
)
def test_config_errors_name_the_key(raw, match):
    if match is None:
        cfg = MonitorConfig.from_mapping(raw)
        assert [e.name for e in cfg.webhooks] == ["endpoint-0", "endpoint-1"]
        return
    with pytest.raises(ConfigError, match=match):
        MonitorConfig.from_mapping(raw)


def test_config_full_example(tmp_path):
    cfg = MonitorConfig.from_mapping(
        {
            "name": "churn", "store": "sqlite:///m.db", "schedule": "0 * * * *",
            "reference": "ref.parquet", "current": "batches/%Y-%m-%d.parquet",
            "rules": [{"name": "drift", "signal": "dataset_drift", "cooldown": "12h", "consecutive": 2, "severity": "critical"}],
            "webhooks": [{"name": "gh", "url": "https://api.github.com/repos/o/r/dispatches", "format": "github",
                          "token_env": "GITHUB_TOKEN", "events": ["drift"], "timeout": 5}],
            "delivery": {"max_attempts": 5, "backoff_base": "30s", "backoff_max": "1h"},
        },
        base=tmp_path,
    )
    assert cfg.store == f"sqlite:///{tmp_path / 'm.db'}"
    assert cfg.reference == tmp_path / "ref.parquet"
    assert cfg.rules[0].cooldown == 43200 and cfg.rules[0].consecutive == 2
    assert cfg.delivery.backoff_base == 30 and cfg.delivery.backoff_max == 3600
    assert cfg.webhooks[0].format == "github" and cfg.webhooks[0].timeout == 5
    assert parse_duration("1.5d", "x") == 129600
