"""The history store: runs, per-column results, signals, alerts, events and the webhook outbox.

SQLAlchemy Core over any database it speaks; a SQLite file by default, PostgreSQL for teams.
The schema is versioned: ``rai_monitor_schema`` records every migration applied, and opening a
store applies the missing ones in order (each in its own transaction).

Concurrency without a lock server: every claim is one atomic statement whose row count says
who won.

* A window is claimed by inserting ``runs(monitor, window)`` under a unique constraint; a
  second process gets an integrity error and skips the window. A failed run, or a running
  one whose owner on this host is dead (or whose lease expired), can be taken over by a
  conditional ``UPDATE``.
* A rule fires only through a conditional ``UPDATE`` of ``rule_state`` that checks the
  cooldown, so two processes never emit the same alert twice.
* An outbox row is leased (``UPDATE ... WHERE lease expired``) before it is sent.

The event and its outbox rows are written in the same transaction as the run's results,
before any network call: a crash after the commit delays a webhook but never loses it.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

from rai._exceptions import ConfigError

__all__ = ["Store", "StoreError", "SCHEMA_VERSION", "MIGRATIONS", "process_owner", "owner_is_dead"]

log = logging.getLogger(__name__)

metadata = sa.MetaData()

schema_table = sa.Table(
    "rai_monitor_schema",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("description", sa.String(200), nullable=False),
    sa.Column("applied_at", sa.Double, nullable=False),
)

def _runs_columns() -> list[Any]:
    """The columns of ``runs`` as migration 1 created them (fresh objects on every call)."""
    return [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("monitor", sa.String(200), nullable=False),
        sa.Column("window", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),  # running, done, failed
        sa.Column("owner", sa.String(300), nullable=False),
        sa.Column("started_at", sa.Double, nullable=False),
        sa.Column("lease_until", sa.Double, nullable=True),
        sa.Column("finished_at", sa.Double, nullable=True),
        sa.Column("n_reference", sa.Integer, nullable=True),
        sa.Column("n_current", sa.Integer, nullable=True),
        sa.Column("dataset_drift", sa.Boolean, nullable=True),
        sa.Column("share_drifted", sa.Double, nullable=True),
        sa.Column("n_drifted", sa.Integer, nullable=True),
        sa.Column("current_sha256", sa.String(64), nullable=True),
        sa.Column("summary", sa.Text, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.UniqueConstraint("monitor", "window", name="uq_runs_monitor_window"),
    ]


runs = sa.Table(
    "runs",
    metadata,
    *_runs_columns(),
    sa.Column("duration", sa.Double, nullable=True),  # migration 2
)

column_results = sa.Table(
    "column_results",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("column", sa.String(500), nullable=False),
    sa.Column("role", sa.String(40), nullable=False),
    sa.Column("column_type", sa.String(40), nullable=False),
    sa.Column("method", sa.String(80), nullable=False),
    sa.Column("statistic", sa.Double, nullable=True),
    sa.Column("threshold", sa.Double, nullable=True),
    sa.Column("p_value", sa.Double, nullable=True),
    sa.Column("p_value_adjusted", sa.Double, nullable=True),
    sa.Column("psi", sa.Double, nullable=True),
    sa.Column("drifted", sa.Boolean, nullable=False),
)

signals = sa.Table(
    "signals",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("monitor", sa.String(200), nullable=False),
    sa.Column("name", sa.String(500), nullable=False),
    sa.Column("value", sa.Double, nullable=True),
    sa.Index("ix_signals_monitor_name", "monitor", "name"),
)

alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("monitor", sa.String(200), nullable=False),
    sa.Column("window", sa.String(200), nullable=False),
    sa.Column("rule", sa.String(200), nullable=False),
    sa.Column("signal", sa.String(500), nullable=False),
    sa.Column("value", sa.Double, nullable=True),
    sa.Column("op", sa.String(4), nullable=False),
    sa.Column("threshold", sa.Double, nullable=False),
    sa.Column("severity", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # fired, suppressed
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("event_id", sa.String(80), nullable=True),
    sa.Column("created_at", sa.Double, nullable=False),
)

rule_state = sa.Table(
    "rule_state",
    metadata,
    sa.Column("monitor", sa.String(200), primary_key=True),
    sa.Column("rule", sa.String(200), primary_key=True),
    sa.Column("last_fired_at", sa.Double, nullable=True),
    sa.Column("last_event_id", sa.String(80), nullable=True),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.String(80), primary_key=True),
    sa.Column("monitor", sa.String(200), nullable=False),
    sa.Column("type", sa.String(200), nullable=False),
    sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("body", sa.Text, nullable=False),  # the CloudEvent, structured JSON
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.String(80), primary_key=True),  # the webhook-id, the same on every attempt
    sa.Column("event_id", sa.String(80), sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("endpoint", sa.String(200), nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("format", sa.String(40), nullable=False),
    sa.Column("content_type", sa.String(100), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("state", sa.String(20), nullable=False),  # pending, delivered, dead, disabled
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", sa.Double, nullable=False),
    sa.Column("lease_owner", sa.String(300), nullable=True),
    sa.Column("lease_until", sa.Double, nullable=True),
    sa.Column("last_status", sa.Integer, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("finished_at", sa.Double, nullable=True),
    sa.UniqueConstraint("event_id", "endpoint", name="uq_outbox_event_endpoint"),
    sa.Index("ix_outbox_state_next", "state", "next_attempt_at"),
)

attempts = sa.Table(
    "delivery_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("outbox_id", sa.String(80), sa.ForeignKey("outbox.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("started_at", sa.Double, nullable=False),
    sa.Column("duration", sa.Double, nullable=True),
    sa.Column("status_code", sa.Integer, nullable=True),
    sa.Column("outcome", sa.String(40), nullable=False),
    sa.Column("error", sa.Text, nullable=True),
)

# added by migration 2
endpoints = sa.Table(
    "endpoints",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("disabled_at", sa.Double, nullable=True),
    sa.Column("disabled_reason", sa.Text, nullable=True),
)

# added by migration 3: what a multivariate detector measured on its reference alone, by a key of
# everything it depends on (monitors._multivariate), so later checks against the same reference reuse it
calibrations = sa.Table(
    "calibrations",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("method", sa.String(64), nullable=False),
    sa.Column("values_json", sa.Text, nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
)

_V1_TABLES = [runs, column_results, signals, alerts, rule_state, events, outbox, attempts]


def _migrate_1(conn: Connection) -> None:
    sa.Table("runs", sa.MetaData(), *_runs_columns()).create(conn, checkfirst=True)
    for table in _V1_TABLES[1:]:
        table.create(conn, checkfirst=True)


def _migrate_2(conn: Connection) -> None:
    endpoints.create(conn, checkfirst=True)
    if "duration" not in {c["name"] for c in sa.inspect(conn).get_columns("runs")}:
        conn.execute(sa.text("ALTER TABLE runs ADD COLUMN duration DOUBLE PRECISION"))


def _migrate_3(conn: Connection) -> None:
    calibrations.create(conn, checkfirst=True)


#: (version, description, function) in order; a store at version n applies the ones after n.
MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "runs, column results, signals, alerts, rule state, events, outbox, delivery attempts", _migrate_1),
    (2, "endpoints table (410 Gone disables an endpoint); runs.duration", _migrate_2),
    (3, "calibrations table (multivariate thresholds measured on a reference, reused)", _migrate_3),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]


def process_owner() -> str:
    """``host:pid`` of this process, recorded on claims so a dead owner can be recognised."""
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_is_dead(owner: str | None) -> bool:
    """True when ``owner`` is a process on this host that no longer exists."""
    if not owner:
        return True
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    # a zombie child still answers kill(0); read its state when /proc is there
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return False


class StoreError(ConfigError):
    """The store cannot be read or written (corrupt, truncated, a table missing, read-only): exit 2."""


def _store_errors(engine: Engine, shown: str) -> None:
    """Turn database errors into a ``StoreError`` naming the store, without the SQL or its parameters.

    The SQL of an outbox write quotes the webhook URL, whose path or query often is the secret.
    Integrity errors are left alone: they are how claims and cooldowns find out who won.
    """
    from rai._redact import redact_text

    @sa.event.listens_for(engine, "handle_error")
    def _handle(ctx: Any) -> Any:
        exc = ctx.sqlalchemy_exception
        if exc is None or isinstance(exc, sa.exc.IntegrityError) or not isinstance(exc, sa.exc.DBAPIError):
            return None
        original = ctx.original_exception
        reason = redact_text(str(original).splitlines()[0] if str(original) else type(original).__name__)
        return StoreError(
            f"store {shown!r} cannot be used: {reason}. It may be corrupt, truncated or read-only; "
            "restore it from a backup, or give --store a new file."
        )


def _engine(url: str) -> Engine:
    engine = _open_engine(url)
    _store_errors(engine, sa.engine.make_url(url).render_as_string(hide_password=True))
    return engine


def _open_engine(url: str) -> Engine:
    # no pool: a monitor opens few connections, and none is left open behind a crash or a test
    try:
        u = sa.engine.make_url(url)
    except sa.exc.ArgumentError as exc:
        from rai._redact import redact_text

        raise ConfigError(
            f"store URL {redact_text(url)!r} is not a SQLAlchemy URL such as 'sqlite:///monitor.db'."
        ) from None
    if u.get_backend_name() == "sqlite":
        db = u.database
        if db and db != ":memory:":
            folder = os.path.dirname(os.path.abspath(db))
            if not os.path.isdir(folder):
                raise ConfigError(f"store URL {url!r}: folder {folder!r} does not exist.")
        engine = sa.create_engine(u, connect_args={"timeout": 60}, poolclass=NullPool)

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            # let SQLAlchemy, not pysqlite, decide where transactions begin (see "begin" below)
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            if db and db != ":memory:":
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            # one writer at a time, from the start of the transaction: read-check-write sequences
            # (claims, cooldowns, migrations) are serialised across processes; others wait (busy_timeout)
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    try:
        return sa.create_engine(u, poolclass=NullPool)
    except (ImportError, sa.exc.NoSuchModuleError) as exc:
        raise ConfigError(f"store URL {u.render_as_string(hide_password=True)!r}: driver not available ({exc}).") from exc


class Store:
    """The monitor's history and outbox in one database.

    Parameters
    ----------
    url:
        A SQLAlchemy URL: ``sqlite:///path/monitor.db`` or ``postgresql+psycopg://user@host/db``.
    clock:
        Returns the current time in epoch seconds (injectable for tests).
    migrate:
        Apply missing migrations on open (default). With ``False`` an outdated store raises.
    """

    def __init__(self, url: str, *, clock: Callable[[], float] | None = None, migrate: bool = True) -> None:
        import time

        self.url = url
        self.clock = clock or time.time
        self.engine = _engine(url)
        try:
            if migrate:
                self.migrate()
            elif self.schema_version() < SCHEMA_VERSION:
                raise ConfigError(
                    f"store {self.safe_url!r} is at schema version {self.schema_version()}; this toolkit needs "
                    f"{SCHEMA_VERSION}. Open it with migrate=True (any rai monitor command does)."
                )
        except sa.exc.OperationalError as exc:
            raise ConfigError(f"cannot open the store {self.safe_url!r}: {exc.orig}") from exc

    @property
    def safe_url(self) -> str:
        return sa.engine.make_url(self.url).render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    # -- schema ---------------------------------------------------------------------------
    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            if not sa.inspect(conn).has_table(schema_table.name):
                return 0
            return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(schema_table.c.version), 0))).scalar_one())

    def migrate(self, *, target: int | None = None) -> int:
        """Apply the migrations after the store's version (up to ``target``); return the new version."""
        target = SCHEMA_VERSION if target is None else target
        with self.engine.begin() as conn:
            self._lock_migrations(conn)
            schema_table.create(conn, checkfirst=True)
        for version, description, fn in MIGRATIONS:
            if version > target:
                break
            try:
                with self.engine.begin() as conn:
                    self._lock_migrations(conn)
                    done = conn.execute(
                        sa.select(schema_table.c.version).where(schema_table.c.version == version)
                    ).first()
                    if done:
                        continue
                    log.info("store %s: applying migration %d (%s)", self.safe_url, version, description)
                    fn(conn)
                    conn.execute(
                        schema_table.insert().values(version=version, description=description, applied_at=self.clock())
                    )
            except sa.exc.IntegrityError:
                # another process applied it at the same moment
                continue
        return self.schema_version()

    def _lock_migrations(self, conn: Connection) -> None:
        # PostgreSQL: one migrator at a time; SQLite serialises writers by itself
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(727274)"))

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    # -- runs -----------------------------------------------------------------------------
    def claim_window(self, monitor: str, window: str, *, owner: str | None = None, lease: float = 3600.0) -> int | None:
        """Claim ``(monitor, window)`` for this process; the run id, or ``None`` when it is taken.

        A window already done, or running in a live process, is not claimed again. A failed
        run, or one whose owner died or whose lease ran out, is taken over.
        """
        owner = owner or process_owner()
        now = self.clock()
        try:
            with self.engine.begin() as conn:
                result = conn.execute(
                    runs.insert().values(
                        monitor=monitor, window=window, status="running", owner=owner, started_at=now,
                        lease_until=now + lease,
                    )
                )
                return int(result.inserted_primary_key[0])
        except sa.exc.IntegrityError:
            pass
        with self.engine.begin() as conn:
            row = conn.execute(
                sa.select(runs.c.id, runs.c.status, runs.c.owner, runs.c.lease_until).where(
                    runs.c.monitor == monitor, runs.c.window == window
                )
            ).first()
            if row is None or row.status == "done":
                return None
            if row.status == "running" and not (owner_is_dead(row.owner) or (row.lease_until or 0) < now):
                return None
            taken = conn.execute(
                runs.update()
                .where(runs.c.id == row.id, runs.c.status == row.status, runs.c.owner == row.owner)
                .values(status="running", owner=owner, started_at=now, lease_until=now + lease, error=None)
            )
            if taken.rowcount != 1:
                return None
            # results of the earlier attempt are replaced
            conn.execute(column_results.delete().where(column_results.c.run_id == row.id))
            conn.execute(signals.delete().where(signals.c.run_id == row.id))
            log.warning("took over window %r of monitor %r from %s (%s)", window, monitor, row.owner, row.status)
            return int(row.id)

    def fail_run(self, run_id: int, error: str) -> None:
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(
                runs.update()
                .where(runs.c.id == run_id)
                .values(status="failed", error=error[:4000], finished_at=now, lease_until=None)
            )

    def previous_signal_values(self, conn: Connection, monitor: str, name: str, before_run: int, n: int) -> list[float | None]:
        """The signal ``name`` of the last ``n`` finished runs before ``before_run`` (newest first)."""
        if n <= 0:
            return []
        recent = (
            sa.select(runs.c.id)
            .where(runs.c.monitor == monitor, runs.c.status == "done", runs.c.id != before_run)
            .order_by(runs.c.finished_at.desc(), runs.c.id.desc())
            .limit(n)
        ).subquery()
        ids = [r.id for r in conn.execute(sa.select(recent.c.id))]
        values = {
            r.run_id: r.value
            for r in conn.execute(
                sa.select(signals.c.run_id, signals.c.value).where(signals.c.run_id.in_(ids), signals.c.name == name)
            )
        }
        return [values.get(i) for i in ids]

    def try_fire(self, conn: Connection, monitor: str, rule: str, cooldown: float, now: float, event_id: str) -> bool:
        """Take the rule's cooldown slot atomically; False when it fired within ``cooldown``."""
        cutoff = now - cooldown
        res = conn.execute(
            rule_state.update()
            .where(
                rule_state.c.monitor == monitor,
                rule_state.c.rule == rule,
                sa.or_(rule_state.c.last_fired_at.is_(None), rule_state.c.last_fired_at <= cutoff),
            )
            .values(last_fired_at=now, last_event_id=event_id)
        )
        if res.rowcount == 1:
            return True
        exists = conn.execute(
            sa.select(rule_state.c.rule).where(rule_state.c.monitor == monitor, rule_state.c.rule == rule)
        ).first()
        if exists:
            return False
        try:
            with conn.begin_nested():
                conn.execute(rule_state.insert().values(monitor=monitor, rule=rule, last_fired_at=now, last_event_id=event_id))
            return True
        except sa.exc.IntegrityError:
            return False

    def disabled_endpoints(self, conn: Connection | None = None) -> dict[str, str]:
        def q(c: Connection) -> dict[str, str]:
            rows = c.execute(sa.select(endpoints.c.name, endpoints.c.disabled_reason).where(endpoints.c.disabled_at.is_not(None)))
            return {r.name: r.disabled_reason or "" for r in rows}

        if conn is not None:
            return q(conn)
        with self.engine.connect() as c:
            return q(c)

    def enable_endpoint(self, name: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(endpoints.delete().where(endpoints.c.name == name))

    # -- calibrations ---------------------------------------------------------------------
    def calibration(self, key: str) -> list[float] | None:
        """The values kept under ``key`` (``save_calibration``), or ``None``; also ``None``, with a
        warning, for a row that is not a list of AUCs (edited by hand): the check calibrates anew."""
        with self.engine.connect() as conn:
            raw = conn.execute(sa.select(calibrations.c.values_json).where(calibrations.c.key == key)).scalar_one_or_none()
        if raw is None:
            return None
        values = _aucs(raw)
        if values is None:
            log.warning("the calibration kept under %s… is not a list of AUCs between 0 and 1 (%.60r); "
                        "calibrating anew", key[:12], raw)
        return values

    def save_calibration(self, key: str, method: str, values: Sequence[float]) -> None:
        """Keep ``values`` under ``key``. A key already kept (by another process) is left as it is,
        unless its row is unreadable or holds another number of values: then it is replaced."""
        values_json = json.dumps([float(v) for v in values])
        try:
            with self.engine.begin() as conn:
                conn.execute(calibrations.insert().values(key=key, method=method, created_at=self.clock(),
                                                          values_json=values_json))
        except sa.exc.IntegrityError:  # the same key holds the same values, unless it was damaged
            with self.engine.begin() as conn:
                kept = _aucs(conn.execute(sa.select(calibrations.c.values_json)
                                          .where(calibrations.c.key == key)).scalar_one_or_none())
                if kept is None or len(kept) != len(values):
                    conn.execute(calibrations.update().where(calibrations.c.key == key)
                                 .values(method=method, created_at=self.clock(), values_json=values_json))

    # -- outbox ---------------------------------------------------------------------------
    def due_deliveries(self, now: float, limit: int = 100) -> list[Any]:
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    sa.select(outbox)
                    .where(outbox.c.state == "pending", outbox.c.next_attempt_at <= now)
                    .order_by(outbox.c.next_attempt_at, outbox.c.created_at)
                    .limit(limit)
                )
            )

    def pending_deliveries(self) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(outbox).where(outbox.c.state == "pending").order_by(outbox.c.next_attempt_at)))

    def make_pending_due(self, now: float) -> int:
        """Make every pending delivery due at ``now`` (the receiver is back); the number changed."""
        with self.engine.begin() as conn:
            res = conn.execute(
                outbox.update().where(outbox.c.state == "pending", outbox.c.next_attempt_at > now).values(next_attempt_at=now)
            )
            return int(res.rowcount)

    def lease_delivery(self, row: Any, owner: str, now: float, lease: float) -> bool:
        """Lease one pending delivery for this process; False when another holds it."""
        cond = sa.or_(outbox.c.lease_until.is_(None), outbox.c.lease_until < now)
        if row.lease_owner and row.lease_owner != owner and owner_is_dead(row.lease_owner):
            # its holder died mid-delivery: take it over without waiting for the lease to run out
            cond = sa.or_(cond, outbox.c.lease_owner == row.lease_owner)
        with self.engine.begin() as conn:
            res = conn.execute(
                outbox.update()
                .where(outbox.c.id == row.id, outbox.c.state == "pending", outbox.c.attempts == row.attempts, cond)
                .values(lease_owner=owner, lease_until=now + lease)
            )
            return res.rowcount == 1

    def record_attempt(
        self,
        outbox_id: str,
        *,
        owner: str,
        attempt: int,
        started_at: float,
        duration: float,
        status_code: int | None,
        outcome: str,
        error: str | None,
        state: str,
        next_attempt_at: float | None = None,
        disable_endpoint: str | None = None,
    ) -> bool:
        """Write one attempt, and the delivery's new state when ``owner`` still holds its lease.

        A reply slower than the lease lets another sender take the delivery over; the late one
        only logs its attempt, so it cannot set back a state the holder decides. A success is the
        exception: it ends a delivery that is still pending whoever holds it (the holder's own
        result then finds it delivered and leaves it), or a failed takeover would send it again.
        Returns whether the state changed.
        """
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(
                attempts.insert().values(
                    outbox_id=outbox_id, attempt=attempt, started_at=started_at, duration=duration,
                    status_code=status_code, outcome=outcome, error=error,
                )
            )
            values: dict[str, Any] = {
                "attempts": sa.case((outbox.c.attempts > attempt, outbox.c.attempts), else_=attempt), "state": state, "last_status": status_code,
                "last_error": error, "lease_owner": None, "lease_until": None,
            }
            if next_attempt_at is not None:
                values["next_attempt_at"] = next_attempt_at
            if state != "pending":
                values["finished_at"] = now
            mine = outbox.c.lease_owner == owner
            if state == "delivered":
                mine = sa.or_(mine, outbox.c.state == "pending")
            res = conn.execute(outbox.update().where(outbox.c.id == outbox_id, mine).values(**values))
            if res.rowcount != 1:
                log.warning("delivery %s: attempt %d finished after its lease passed to another sender; "
                            "its outcome (%s) is logged, the state is left to the holder", outbox_id, attempt, outcome)
                return False
            if disable_endpoint is not None:
                self._disable(conn, disable_endpoint, f"HTTP {status_code} Gone at {now:.0f}", now)
            return True

    def _disable(self, conn: Connection, name: str, reason: str, now: float) -> None:
        exists = conn.execute(sa.select(endpoints.c.name).where(endpoints.c.name == name)).first()
        if exists:
            conn.execute(endpoints.update().where(endpoints.c.name == name).values(disabled_at=now, disabled_reason=reason))
        else:
            conn.execute(endpoints.insert().values(name=name, disabled_at=now, disabled_reason=reason))
        conn.execute(
            outbox.update()
            .where(outbox.c.endpoint == name, outbox.c.state == "pending")
            .values(state="disabled", last_error=f"endpoint disabled: {reason}", finished_at=now, lease_owner=None, lease_until=None)
        )

    def mark_undeliverable(self, outbox_id: str, state: str, error: str, *, owner: str) -> bool:
        """End a delivery without sending it, when ``owner`` holds its lease."""
        now = self.clock()
        with self.engine.begin() as conn:
            res = conn.execute(
                outbox.update().where(outbox.c.id == outbox_id, outbox.c.lease_owner == owner).values(
                    state=state, last_error=error, finished_at=now, lease_owner=None, lease_until=None
                )
            )
            return res.rowcount == 1

    # -- reading --------------------------------------------------------------------------
    def history(self, *, monitor: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """Past runs, newest first, with their column results, signals, alerts and deliveries."""
        with self.engine.connect() as conn:
            q = sa.select(runs).order_by(runs.c.started_at.desc(), runs.c.id.desc()).limit(limit)
            if monitor:
                q = q.where(runs.c.monitor == monitor)
            run_rows = list(conn.execute(q))
            ids = [r.id for r in run_rows]
            cols = _group(conn.execute(sa.select(column_results).where(column_results.c.run_id.in_(ids)).order_by(column_results.c.id)))
            sigs = _group(conn.execute(sa.select(signals).where(signals.c.run_id.in_(ids)).order_by(signals.c.id)))
            alert_rows = list(conn.execute(sa.select(alerts).where(alerts.c.run_id.in_(ids)).order_by(alerts.c.id)))
            event_ids = [a.event_id for a in alert_rows if a.event_id]
            deliveries: dict[str, list[dict[str, Any]]] = {}
            for d in conn.execute(sa.select(outbox).where(outbox.c.event_id.in_(event_ids)).order_by(outbox.c.created_at)):
                from monitors._security import redact_url

                deliveries.setdefault(d.event_id, []).append(
                    {
                        "webhook_id": d.id,
                        "endpoint": d.endpoint,
                        "url": redact_url(d.url, hide_path=d.format == "slack"),
                        "state": d.state,
                        "attempts": d.attempts,
                        "last_status": d.last_status,
                        "last_error": d.last_error,
                        "next_attempt_at": d.next_attempt_at if d.state == "pending" else None,
                    }
                )
            out = []
            for r in run_rows:
                summary = json.loads(r.summary) if r.summary else None
                run_alerts = []
                for a in alert_rows:
                    if a.run_id != r.id:
                        continue
                    run_alerts.append(
                        {
                            "rule": a.rule, "signal": a.signal, "value": a.value, "op": a.op,
                            "threshold": a.threshold, "severity": a.severity, "status": a.status,
                            "reason": a.reason, "event_id": a.event_id,
                            "deliveries": deliveries.get(a.event_id or "", []),
                        }
                    )
                out.append(
                    {
                        "id": r.id, "monitor": r.monitor, "window": r.window, "status": r.status,
                        "started_at": r.started_at, "finished_at": r.finished_at, "duration": r.duration,
                        "n_reference": r.n_reference, "n_current": r.n_current,
                        "dataset_drift": r.dataset_drift, "share_drifted": r.share_drifted, "n_drifted": r.n_drifted,
                        "error": r.error,
                        "summary": summary,
                        # the deeper checks (monitors._depth), also under performance.estimated.* in signals
                        "performance_estimated": (summary or {}).get("performance_estimated"),
                        "multivariate": (summary or {}).get("multivariate") or {},
                        "columns": [
                            {k: c[k] for k in ("column", "role", "column_type", "method", "statistic", "threshold",
                                               "p_value", "p_value_adjusted", "psi", "drifted")}
                            for c in cols.get(r.id, [])
                        ],
                        "signals": {s["name"]: s["value"] for s in sigs.get(r.id, [])},
                        "alerts": run_alerts,
                    }
                )
            return out

    def monitors(self) -> list[str]:
        """Names of the monitors with runs in this store."""
        with self.engine.connect() as conn:
            return sorted(r[0] for r in conn.execute(sa.select(runs.c.monitor).distinct()))

    def deliveries(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.select(outbox).order_by(outbox.c.created_at))]

    def attempts_of(self, outbox_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [
                dict(r._mapping)
                for r in conn.execute(sa.select(attempts).where(attempts.c.outbox_id == outbox_id).order_by(attempts.c.attempt))
            ]

    def count(self, table: str) -> int:
        t = metadata.tables[table]
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())


def _group(rows: Sequence[Any]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r.run_id, []).append(dict(r._mapping))
    return out


def _aucs(raw: str | None) -> list[float] | None:
    """A kept calibration's values: a non-empty JSON list of numbers in [0, 1], else ``None``."""
    from rai._safe_json import load_json

    if raw is None:
        return None
    try:
        values = load_json(raw, "a kept calibration")  # refuses NaN and infinities too
    except ConfigError:
        return None
    if not isinstance(values, list) or not values:
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1 for v in values):
        return None
    return [float(v) for v in values]
