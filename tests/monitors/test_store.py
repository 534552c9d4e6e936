"""The history store on SQLite (always) and PostgreSQL (when RAI_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
import sqlalchemy as sa

from rai._exceptions import ConfigError

from monitors import CheckResult, Endpoint, MonitorConfig, Rule, Store
from monitors._rules import record_run
from monitors._store import SCHEMA_VERSION, owner_is_dead, process_owner

from .conftest import FakeClock, make_drift


def test_fresh_store_is_at_the_current_schema_version(store_url):
    store = Store(store_url)
    assert store.schema_version() == SCHEMA_VERSION == 3
    with store.engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
    assert {"runs", "column_results", "signals", "alerts", "rule_state", "events", "outbox",
            "delivery_attempts", "endpoints", "calibrations", "rai_monitor_schema"} <= names


def test_migration_from_version_1_keeps_the_data(store_url):
    # a store left at version 1 by an older toolkit
    store = Store.__new__(Store)
    store.url, store.clock = store_url, FakeClock()
    from monitors._store import _engine

    store.engine = _engine(store_url)
    assert store.migrate(target=1) == 1
    with store.engine.connect() as conn:
        cols = {c["name"] for c in sa.inspect(conn).get_columns("runs")}
        assert "duration" not in cols and not sa.inspect(conn).has_table("endpoints")
    with store.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO runs (monitor, \"window\", status, owner, started_at) "
                             "VALUES ('m', 'w0', 'done', 'h:1', 1.0)"))
    # an outdated store refuses to open without migrating
    with pytest.raises(ConfigError, match="schema version 1"):
        Store(store_url, migrate=False)
    migrated = Store(store_url)
    assert migrated.schema_version() == 3
    (run,) = migrated.history()
    assert run["window"] == "w0" and run["duration"] is None
    with migrated.engine.connect() as conn:
        versions = [r.version for r in conn.execute(sa.text("SELECT version FROM rai_monitor_schema ORDER BY version"))]
    assert versions == [1, 2, 3]


def test_calibrations_are_kept_by_key_and_the_first_saved_stays(store_url):
    store = Store(store_url)
    assert store.calibration("k" * 64) is None
    store.save_calibration("k" * 64, "domain_classifier", [0.5012, 0.4987])
    store.save_calibration("k" * 64, "domain_classifier", [0.9, 0.9])  # another process, the same key: kept as is
    assert Store(store_url).calibration("k" * 64) == [0.5012, 0.4987]
    assert store.calibration("j" * 64) is None


@pytest.mark.parametrize("damaged", ["not json", '{"a": 1}', "[]", '[0.5, "x"]', "[0.5, 1.7]", "[NaN, 0.5]", "[true, 0.5]"])
def test_a_damaged_calibration_row_is_not_used_and_is_replaced(store_url, damaged, caplog):
    store = Store(store_url)
    key = "d" * 64
    store.save_calibration(key, "domain_classifier", [0.51, 0.49])
    with store.engine.begin() as conn:  # edited by hand
        conn.execute(sa.text("UPDATE calibrations SET values_json = :v WHERE key = :k"), {"v": damaged, "k": key})
    assert store.calibration(key) is None
    assert "not a list of AUCs" in caplog.text and "calibrating anew" in caplog.text
    store.save_calibration(key, "domain_classifier", [0.52, 0.48])  # the check's new calibration replaces it
    assert store.calibration(key) == [0.52, 0.48]


def test_a_calibration_row_with_another_number_of_values_is_replaced(store_url):
    store = Store(store_url)
    store.save_calibration("e" * 64, "domain_classifier", [0.51])
    store.save_calibration("e" * 64, "domain_classifier", [0.52, 0.48])
    assert store.calibration("e" * 64) == [0.52, 0.48]


def test_concurrent_claims_of_one_window_give_it_to_exactly_one(store_url):
    Store(store_url)  # migrate once
    results: list[int | None] = []
    barrier = threading.Barrier(6)

    def claim(i: int) -> None:
        store = Store(store_url)
        barrier.wait()
        results.append(store.claim_window("m", "2026-11-23T00:00:00Z", owner=f"test-host:{i}"))

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len([r for r in results if r is not None]) == 1


def test_concurrent_firing_inside_cooldown_emits_once(store_url):
    Store(store_url)
    fired: list[bool] = []
    barrier = threading.Barrier(5)

    def fire(i: int) -> None:
        store = Store(store_url)
        barrier.wait()
        with store.begin() as conn:
            fired.append(store.try_fire(conn, "m", "drift", 3600.0, 1000.0 + i, f"evt_{i}"))

    threads = [threading.Thread(target=fire, args=(i,)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(fired) == [False] * 4 + [True]


def test_failed_or_orphaned_runs_are_taken_over(store_url):
    clock = FakeClock(1_000_000.0)
    store = Store(store_url, clock=clock)
    rid = store.claim_window("m", "w1")
    store.fail_run(rid, "ValueError: boom")
    assert store.claim_window("m", "w1") == rid  # a failed run is retried
    # a run owned by a dead local process is taken over; a live owner keeps it
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_owner = f"{process_owner().rpartition(':')[0]}:{dead.stdout.strip()}"
    assert owner_is_dead(dead_owner) and not owner_is_dead(process_owner())
    rid2 = store.claim_window("m", "w2", owner=dead_owner)
    assert store.claim_window("m", "w2") == rid2
    rid3 = store.claim_window("m", "w3", owner=process_owner(), lease=60)
    assert store.claim_window("m", "w3", owner="other-host:1") is None
    clock.now += 61  # its lease ran out
    assert store.claim_window("m", "w3", owner="other-host:1") == rid3


def _record(store: Store, cfg: MonitorConfig, window: str, drifted: bool):
    rid = store.claim_window(cfg.name, window)
    return record_run(store, cfg, run_id=rid, window=window,
                      check=CheckResult.from_results(drift=make_drift(drifted)), started_at=store.clock())


def test_consecutive_windows_rule(store_url):
    clock = FakeClock(1_000_000.0)
    store = Store(store_url, clock=clock)
    cfg = MonitorConfig(name="m", store=store_url,
                        rules=(Rule(name="sustained", signal="share_drifted", op=">=", threshold=0.5, consecutive=3,
                                    cooldown=0.0, severity="critical"),))
    seq = [True, True, False, True, True, True, True]
    statuses = []
    for i, drifted in enumerate(seq):
        clock.now += 3600
        out = _record(store, cfg, f"w{i}", drifted)
        statuses.append(out[0].status if out else "-")
    # fires on the 3rd breach in a row, and again on the 4th (cooldown 0)
    assert statuses == ["suppressed", "suppressed", "-", "suppressed", "suppressed", "fired", "fired"]
    hist = store.history()
    assert "2 consecutive" in hist[-2]["alerts"][0]["reason"]


def test_outbox_rows_are_committed_with_the_run_before_any_network(store_url):
    clock = FakeClock(1_000_000.0)
    store = Store(store_url, clock=clock)
    cfg = MonitorConfig(name="m", store=store_url,
                        webhooks=(Endpoint(name="a", url="https://a.example/h"), Endpoint(name="b", url="https://b.example/h")))
    out = _record(store, cfg, "w", True)
    assert [a.rule for a in out] == ["dataset-drift"]
    rows = store.deliveries()
    assert {r["endpoint"] for r in rows} == {"a", "b"} and all(r["state"] == "pending" for r in rows)
    assert len({r["id"] for r in rows}) == 2 and all(r["id"].startswith("msg_") for r in rows)
    assert store.count("events") == 1
