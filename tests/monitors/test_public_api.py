"""The public names of ``monitors`` are pinned: adding or removing one is a deliberate change."""

import monitors


def test_public_names():
    assert sorted(monitors.__all__) == sorted([
        "AlertOutcome", "CheckResult", "DEFAULT_RULES", "DeliveryPolicy", "DeliveryReport", "Endpoint", "Monitor",
        "MonitorConfig", "NetworkPolicy", "RETRAINING_EVENT", "Rule", "RunOutcome", "SCHEMA_VERSION", "SECRET_ENV",
        "SIGNALS", "Store", "UrlRefusedError", "WebhookSender", "backoff_delay", "build_event", "check_url",
        "load_secret", "next_tick", "parse_duration", "parse_retry_after", "record_run", "redact_url", "render_body",
        "run_check", "sign", "signals_from", "signed_headers", "validate_cron", "window_label",
    ])
    for name in monitors.__all__:
        assert getattr(monitors, name) is not None


def test_schedule_ticks_and_windows():
    from monitors import next_tick, window_label

    t = 1_795_000_000.0  # 2026-11-18T...
    nxt = next_tick("0 * * * *", t)
    assert nxt > t and nxt % 3600 == 0 and nxt - t <= 3600
    assert window_label(nxt).endswith(":00:00Z")
    assert next_tick("* * * * * */5", 100.0) == 105.0
