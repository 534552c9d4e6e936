"""``rai monitor``: scheduled drift checks, history and signed retraining webhooks.

The webhook secret comes from the environment variable ``RAI_WEBHOOK_SECRET`` only (never a
flag, never logged, never stored). Exit codes: 0 done (drift or not), 1 drift with
``--fail-on-drift``, 2 bad input or usage.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import click

from rai.cli._options import contract_options, model_options
from rai.cli._progress import quiet_option

__all__ = ["monitor_group"]


def _load(config_path: Path | None) -> tuple[Any, Any]:
    """(rai Config, MonitorConfig) from an optional rai.yaml."""
    from rai._config import Config, load_config

    from monitors import MonitorConfig

    config = load_config(config_path) if config_path is not None else Config()
    base = config.source.parent if config.source is not None else None
    return config, MonitorConfig.from_mapping(config.monitor, base=base)


def _with_flags(mcfg: Any, *, store: str | None, webhook_url: str | None, name: str | None) -> Any:
    from monitors import Endpoint

    changes: dict[str, Any] = {}
    if store:
        changes["store"] = store
    if name:
        changes["name"] = name
    if webhook_url:
        changes["webhooks"] = tuple(mcfg.webhooks) + (Endpoint(name="cli", url=webhook_url),)
    return mcfg.update(**changes) if changes else mcfg


def _echo_outcome(out: Any) -> None:
    from rai._console import one_line

    if out.skipped:
        click.echo(f"window {out.window}: already checked; skipped (pending webhooks were still sent).")
    else:
        from monitors._history import window_headline

        d = out.check.drift
        if d is not None:
            drifted = [one_line(c.column) for c in list(d.columns) + list(d.prediction) if c.drifted]
            headline = window_headline(d.n_drifted, d.n_columns, d.share_drifted, d.drift_share_threshold,
                                       [(a.rule, a.status) for a in out.alerts])
            click.echo(f"window {out.window}: {headline}" + (f"; drifted: {', '.join(drifted)}" if drifted else ""))
        _echo_depth(out.check)
        for a in out.alerts:
            if a.status == "fired":
                click.echo(f"alert {a.rule} [{a.severity}] fired: event {a.event_id} queued for {len(a.webhook_ids)} endpoint(s)")
            else:
                click.echo(f"alert {a.rule} [{a.severity}] suppressed: {a.reason}")
        for note in out.check.notes:
            click.echo(f"note: {one_line(note)}", err=True)
    _echo_delivery(out.delivery)


def _echo_delivery(r: Any) -> None:
    if r is not None and (r.attempts or r.dead or r.disabled):
        click.echo(f"webhooks: {r.delivered} delivered, {r.retrying} to retry, {r.dead} dead-lettered, "
                   f"{r.disabled} to disabled endpoints ({r.attempts} attempt(s))")


def _echo_pending(store: Any, now: float) -> None:
    """Each delivery still pending, and when it is due (so nobody waits for nothing)."""
    import datetime as dt

    from monitors import redact_url

    pending = store.pending_deliveries()
    for row in pending:
        when = dt.datetime.fromtimestamp(row.next_attempt_at, tz=dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
        wait = row.next_attempt_at - now
        due = "due now" if wait <= 0 else f"due {when} (in {wait:.0f} s)"
        last = f"; last: {row.last_error}" if row.last_error else ""
        click.echo(f"pending webhook {row.id} -> {row.endpoint} {redact_url(row.url, hide_path=row.format == 'slack')}: "
                   f"{row.attempts} attempt(s){last}; {due}")
    if pending:
        click.echo(f"{len(pending)} pending: `rai monitor deliver --store {store.safe_url}` sends what is due; "
                   "add --now to send everything at once.")


def _echo_depth(check: Any) -> None:
    """Estimated performance (with realized values when labels came) and multivariate drift."""
    est = getattr(check, "estimated", None)
    if est is not None:
        parts = []
        for m in est.metrics:
            if m.value is None:
                continue
            text = f"{m.name} {m.value:.3f}" + (f" [{m.ci_low:.3f}, {m.ci_high:.3f}]" if m.ci_low is not None else "")
            parts.append(text + (f" (realized {m.realized:.3f})" if m.realized is not None else ""))
        click.echo(f"estimated performance (CBPE, {est.confidence:.0%} interval, no labels needed): " + "; ".join(parts))
    for m in getattr(check, "multivariate", ()):
        top = ", ".join(f for f, _ in m.top_features[:3])
        click.echo(f"multivariate drift {m.method}: {m.statistic:.4f} (threshold {m.threshold:.4f}) "
                   f"drifted: {'yes' if m.drifted else 'no'}" + (f"; separating features: {top}" if top else ""))


#: What the child computing the multivariate checks imports (monitors._depth.run_detectors), named here
#: so that it starts before this process imports pandas
MULTIVARIATE_IMPORTS = ("pandas", "sklearn.ensemble", "sklearn.model_selection", "sklearn.decomposition",
                        "sklearn.preprocessing", "scipy.stats", "monitors._multivariate")


@click.group("monitor", context_settings={"help_option_names": ["-h", "--help"]})
def monitor_group() -> None:
    """Scheduled drift checks with history, alert rules and signed retraining webhooks.

    \b
    The store is a SQLAlchemy URL: sqlite:///monitor.db (default file) or
    postgresql+psycopg://user@host/db. Webhooks are signed with RAI_WEBHOOK_SECRET.
    """


@monitor_group.command("run")
@click.option("--reference", type=click.Path(dir_okay=False, path_type=Path), help="Reference (training) table.")
@click.option("--current", type=click.Path(dir_okay=False, path_type=Path), help="The production batch to check.")
@contract_options("target", "prediction", "score", "sensitive", "id", "exclude", "categorical")
@click.option("--labels", "labels_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Late-arriving labels: a table with the --id column and the --target column, joined onto the batch.")
@click.option("--profile", "profile_path", type=click.Path(dir_okay=False, path_type=Path),
              help="A stored reference profile (from `rai monitor profile`) instead of --reference.")
@model_options
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), help="rai.yaml (monitor: section).")
@click.option("--store", help="History store URL, e.g. sqlite:///monitor.db.")
@click.option("--webhook-url", help="An extra webhook endpoint (CloudEvents); secret from RAI_WEBHOOK_SECRET.")
@click.option("--window", help="Label of the window checked (default: batch-<sha256 of the batch [and labels]>). "
              "Each window runs once.")
@click.option("--name", help="Monitor name (default: monitor.name or 'default').")
@click.option("--max-wait", type=click.FloatRange(min=0), help="Seconds to keep retrying webhooks before leaving them to "
              "`deliver` (default: monitor.delivery.max_wait, 60 s); 0 tries each once.")
@click.option("--fail-on-drift", is_flag=True, help="Exit 1 when dataset or prediction drift is found.")
@quiet_option
def run_command(reference, current, spec_changes, labels_path, profile_path, model_changes, config_path, store, webhook_url, window, name, max_wait, fail_on_drift, quiet) -> None:
    """Check one batch now: drift, quality (performance with labels); alert; send webhooks.

    \b
    Example:
      RAI_WEBHOOK_SECRET=whsec_... rai monitor run --reference train.parquet \\
          --current batch.parquet --store sqlite:///monitor.db --webhook-url https://ci.example.org/hook
    """
    from rai._apart import Child

    with contextlib.ExitStack() as stack:
        # first of all, a child process for the multivariate checks: it imports scikit-learn (about 3 s)
        # while this process imports its own libraries and reads the tables; stopped when not needed
        child = Child.start(MULTIVARIATE_IMPORTS) if profile_path is None else None
        if child is not None:
            stack.callback(child.close)
        out = _run(child, stack, reference, current, spec_changes, labels_path, profile_path, model_changes,
                   config_path, store, webhook_url, window, name, max_wait, quiet)
    if fail_on_drift and out.check is not None and out.check.drift is not None:
        if out.check.drift.dataset_drift or any(c.drifted for c in out.check.drift.prediction):
            raise click.exceptions.Exit(1)


def _run(child: Any, stack: contextlib.ExitStack, reference, current, spec_changes, labels_path, profile_path,
         model_changes, config_path, store, webhook_url, window, name, max_wait, quiet) -> Any:
    """``monitor run`` once its child process is started (or not): the check's ``RunOutcome``."""
    from rai._exceptions import ConfigError
    from rai._io import read_table
    from rai.cli._progress import Progress

    from monitors import Monitor
    from monitors._depth import runs_multivariate

    config, mcfg = _load(config_path)
    mcfg = _with_flags(mcfg, store=store, webhook_url=webhook_url, name=name)
    spec = config.spec.replace(**spec_changes)
    if profile_path is not None:
        mcfg = mcfg.update(profile=profile_path)
    reference = reference if reference is not None or profile_path is not None else (mcfg.reference or config.reference_path)
    current = current or mcfg.current or config.data_path
    if current is None:
        raise ConfigError("missing --current FILE: the production batch to check (or monitor.current in rai.yaml).")
    if reference is None and mcfg.profile is None:
        raise ConfigError("missing --reference FILE: the reference table (or monitor.reference / monitor.profile in rai.yaml).")
    if store is None and not config.monitor.get("store"):
        raise ConfigError("missing --store URL, e.g. --store sqlite:///monitor.db (or monitor.store in rai.yaml).")
    if child is not None and (reference is None or not runs_multivariate(config.analyzers)):
        child.close()
        child = None
    model = None
    config = config.update(**model_changes)
    if config.model_source is not None:  # the model adds feature-attribution drift
        from rai._model import load_model

        model = load_model(config.model_source, trust=config.trust_model, trusted_types=config.trusted_types,
                           tracking_uri=config.tracking_uri, trust_recorded_types=config.trust_recorded_types)
    mon = Monitor(mcfg, spec=spec, options=config.analyzers, seed=config.seed, model=model)
    stack.callback(mon.close)
    progress = Progress(quiet=quiet)
    mon.preflight()
    progress.step(f"reading {Path(current).name}")
    batch = read_table(current)
    frame = batch.frame
    default_window = f"batch-{batch.sha256[:16]}"
    if labels_path is not None:
        from monitors._checks import join_labels

        progress.step(f"joining labels from {Path(labels_path).name}")
        labels = read_table(labels_path)
        frame = join_labels(frame, labels.frame, spec)
        # the same batch with (more) labels is a new window: performance is checked again
        default_window += f"-labels-{labels.sha256[:8]}"
    window = window or default_window
    progress.step(f"reading {Path(reference).name if reference is not None else Path(mcfg.profile).name}")
    ref_frame = read_table(reference).frame if reference is not None else None
    profile = _read_profile(mcfg.profile) if ref_frame is None else None
    progress.step("checking and recording")
    # the check is recorded (alerts and outbox committed) before any delivery is attempted
    out = mon.check(frame, window=window, reference=ref_frame, profile=profile, deliver=False,
                    current_sha256=batch.sha256 if labels_path is None else None, child=child)
    if child is not None:
        child.close()  # done with it (or it was never sent work), before the webhooks are sent
    progress.close()
    _echo_outcome(out)
    budget = mcfg.delivery.max_wait if max_wait is None else max_wait
    due = len(mon.store.due_deliveries(mon.clock()))
    if due:
        click.echo(f"sending {due} webhook(s); failures are retried for up to {budget:g} s (--max-wait, or "
                   "monitor.delivery.max_wait), then left to `rai monitor deliver`.")
    _echo_delivery(mon.deliver(max_wait=budget))
    _echo_pending(mon.store, mon.clock())
    return out


def _read_profile(path: Path | None) -> Any:
    if path is None:
        return None
    from rai._profile import Profile

    return Profile.load(path)


@monitor_group.command("deliver")
@click.option("--store", help="History store URL.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="rai.yaml (endpoint timeouts, tokens, URL policy).")
@click.option("--max-wait", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Seconds to keep retrying what fails before leaving it for the next call.")
@click.option("--now", "send_now", is_flag=True,
              help="Send every pending delivery at once, not waiting for its backoff (the receiver is back).")
def deliver_command(store, config_path, max_wait, send_now) -> None:
    """Send what is pending in the outbox (after a crash, an outage, or from cron).

    Each delivery left pending is listed with the time it is due."""
    from rai._exceptions import ConfigError

    from monitors import Store, WebhookSender

    _config, mcfg = _load(config_path)
    url = store or (mcfg.store if _config.monitor.get("store") else None)
    if url is None:
        raise ConfigError("missing --store URL, e.g. --store sqlite:///monitor.db (or monitor.store in rai.yaml).")
    st = Store(url)
    if send_now:
        n = st.make_pending_due(st.clock())
        click.echo(f"--now: {n} pending deliver(ies) made due now.")
    with WebhookSender(st, endpoints={e.name: e for e in mcfg.webhooks}, policy=mcfg.delivery, network=mcfg.network) as sender:
        report = sender.drain(max_wait=max_wait)
    left = len(st.pending_deliveries())
    click.echo(f"webhooks: {report.delivered} delivered, {report.retrying} to retry, {report.dead} dead-lettered, "
               f"{report.disabled} to disabled endpoints ({report.attempts} attempt(s)); {left} pending.")
    _echo_pending(st, st.clock())


@monitor_group.command("history")
@click.option("--store", help="History store URL.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), help="rai.yaml (monitor.store).")
@click.option("--monitor", "monitor_name", help="Only this monitor.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="Most recent runs shown.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def history_command(store, config_path, monitor_name, limit, fmt) -> None:
    """Past runs with their per-column results, alerts and delivery states."""
    import json

    from rai._exceptions import ConfigError
    from rai._serialize import to_jsonable

    from monitors import Store
    from monitors._history import format_history

    _config, mcfg = _load(config_path)
    url = store or (mcfg.store if _config.monitor.get("store") else None)
    if url is None:
        raise ConfigError("missing --store URL, e.g. --store sqlite:///monitor.db (or monitor.store in rai.yaml).")
    runs = Store(url).history(monitor=monitor_name, limit=limit)
    if fmt == "json":
        click.echo(json.dumps(to_jsonable(runs), indent=2, ensure_ascii=False, allow_nan=False))
    else:
        click.echo(format_history(runs))


@monitor_group.command("report")
@click.option("--store", help="History store URL.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), help="rai.yaml (monitor.store).")
@click.option("--monitor", "monitor_name", help="The monitor to report on (needed when the store holds several).")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write: one self-contained HTML page (or JSON with --format json).")
@click.option("--format", "fmt", type=click.Choice(["html", "json"]), default="html", show_default=True)
@click.option("--limit", type=click.IntRange(min=1), default=200, show_default=True, help="Most recent runs included.")
def report_command(store, config_path, monitor_name, out_path, fmt, limit) -> None:
    """The history over time: drift heat map, estimated vs realized performance, fairness,
    multivariate drift, alerts and deliveries, as one offline HTML file (no network request)."""
    import json

    from rai._exceptions import ConfigError
    from rai._serialize import to_jsonable

    from monitors import Store
    from monitors._report import render_report, report_data

    _config, mcfg = _load(config_path)
    url = store or (mcfg.store if _config.monitor.get("store") else None)
    if url is None:
        raise ConfigError("missing --store URL, e.g. --store sqlite:///monitor.db (or monitor.store in rai.yaml).")
    st = Store(url)
    try:
        data = report_data(st, monitor=monitor_name, limit=limit)
    finally:
        st.close()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "json":
        out_path.write_text(json.dumps(to_jsonable(data), indent=2, ensure_ascii=False, allow_nan=False), encoding="utf-8")
    else:
        out_path.write_text(render_report(data), encoding="utf-8")
    click.echo(f"wrote {out_path}: monitor {data['monitor']}, {len(data['windows'])} window(s), {len(data['alerts'])} alert(s)")


@monitor_group.command("serve")
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="rai.yaml with monitor.schedule, monitor.current and a reference.")
@click.option("--store", help="Override monitor.store.")
@click.option("--max-ticks", type=click.IntRange(min=1), help="Stop after this many scheduled checks (default: run until stopped).")
def serve_command(config_path, store, max_ticks) -> None:
    """Run checks on the cron schedule until SIGTERM / Ctrl-C (the check in flight finishes).

    monitor.current may hold strftime fields filled with the tick time (UTC),
    e.g. batches/%Y-%m-%d.parquet.
    """
    import datetime as dt
    import signal
    import threading

    from rai._exceptions import ConfigError
    from rai._io import read_table

    from monitors import Monitor
    from monitors._schedule import serve

    config, mcfg = _load(config_path)
    mcfg = _with_flags(mcfg, store=store, webhook_url=None, name=None)
    if not mcfg.schedule:
        raise ConfigError(f"{config_path}: monitor.schedule is missing; expected a cron expression such as '0 * * * *'.")
    if mcfg.current is None:
        raise ConfigError(f"{config_path}: monitor.current is missing; expected the path of the batch to check.")
    reference = mcfg.reference or config.reference_path
    if reference is None:
        raise ConfigError(f"{config_path}: monitor.reference (or data.reference) is missing.")
    stop = threading.Event()

    def _stop(signum, _frame) -> None:
        click.echo(f"received {signal.Signals(signum).name}: finishing the check in flight, then stopping.", err=True)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    ref_frame = read_table(reference).frame
    mon = Monitor(mcfg, spec=config.spec, options=config.analyzers, seed=config.seed, sleep=lambda s: stop.wait(s))
    mon.preflight()

    def load_current(tick: float):
        when = dt.datetime.fromtimestamp(tick, tz=dt.timezone.utc)
        return read_table(Path(when.strftime(str(mcfg.current)))).frame

    click.echo(f"monitor {mcfg.name}: serving on schedule {mcfg.schedule!r} (store {mon.store.safe_url}); "
               "SIGTERM or Ctrl-C stops.", err=True)
    try:
        ticks = serve(mon, schedule=mcfg.schedule, load_current=load_current, reference=ref_frame, stop=stop,
                      max_ticks=max_ticks)
    finally:
        mon.close()
    click.echo(f"stopped after {ticks} scheduled check(s).", err=True)


@monitor_group.command("profile")
@click.option("--reference", required=True,
              help="Reference table (CSV or Parquet; with --engine spark also a folder, URI or table name).")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Profile file to write (JSON).")
@contract_options("target", "prediction", "score", "id", "exclude", "categorical")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), help="rai.yaml (data: section).")
@click.option("--chunk-rows", type=click.IntRange(min=1), default=250_000, show_default=True,
              help="Rows read at a time (memory stays bounded by one chunk).")
@click.option("--engine", type=click.Choice(["pandas", "spark"]),
              help="pandas (this process, streaming) or spark (Spark aggregations; --reference may then be a "
                   "folder, a URI or a table name). Default: monitor.engine in rai.yaml, else pandas.")
@click.option("--compare", "compare_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A reference profile: bucket this table on its grid and print the drift against it "
                   "(a drift check that never holds the rows, e.g. as a Spark job).")
@click.option("--drift-json", type=click.Path(dir_okay=False, path_type=Path), help="With --compare: write the drift result here.")
@click.option("--fail-on-drift", is_flag=True, help="With --compare: exit 1 when dataset or prediction drift is found.")
@quiet_option
def profile_command(reference, out_path, spec_changes, config_path,
                    chunk_rows, engine, compare_path, drift_json, fail_on_drift, quiet) -> None:
    """Write a mergeable reference profile; checks can then run without the reference rows.

    The column types and roles come from the data contract, checked on the first chunk; the
    file is then streamed chunk by chunk (or aggregated by Spark with --engine spark).
    """
    from rai._profile import profile_file
    from rai.cli._progress import Progress

    from monitors._checks import profile_layout

    config, mcfg = _load(config_path)
    spec = config.spec.replace(**spec_changes)
    engine = engine or getattr(mcfg, "engine", "pandas")
    like = None
    if compare_path is not None:
        from rai._profile import Profile

        like = Profile.load(compare_path)
    with Progress(quiet=quiet) as progress:
        if engine == "spark":
            from rai._spark import profile_spark, read_spark, spark_layout

            progress.step("starting Spark")
            frame = read_spark(reference)
            progress.step("checking the data contract")
            types, roles = spark_layout(frame, spec)
            profile = profile_spark(frame, types, roles=roles, on_step=progress.step, like=like)
            profile.name = reference.rstrip("/").rsplit("/", 1)[-1]
        else:
            if Path(reference).is_dir():
                from rai._exceptions import DataContractError

                raise DataContractError(f"--reference {reference!r} is a folder; the pandas engine reads one CSV or "
                                        "Parquet file (--engine spark reads folders, URIs and tables).")
            progress.step("checking the data contract")
            types, roles = profile_layout(Path(reference), spec)
            profile = profile_file(Path(reference), types, roles=roles, chunk_rows=chunk_rows,
                                   on_chunk=progress.advance("profiling", unit="rows"), like=like)
    profile.save(out_path)
    sketched = [c for c, p in profile.column_profiles.items() if not p.exact]
    click.echo(f"wrote {out_path}: {profile.n_rows} rows, {len(types)} columns"
               + (f" (sketched: {', '.join(sketched)})" if sketched else " (all exact)"))
    if like is not None:
        import json

        drift = like.compare(profile, **(config.analyzers.get("drift") or {}))
        from rai._console import one_line

        drifted = [one_line(c.column) for c in list(drift.columns) + list(drift.prediction) if c.drifted]
        click.echo(f"drift against {compare_path.name}: {drift.n_drifted} of {drift.n_columns} feature columns "
                   f"(share {drift.share_drifted:.2f}), dataset drift {drift.dataset_drift}"
                   + (f"; drifted: {', '.join(drifted)}" if drifted else ""))
        if drift_json is not None:
            from rai._atomic import write_text
            from rai._serialize import to_jsonable

            write_text(drift_json, json.dumps(to_jsonable(drift.to_dict()), indent=2, allow_nan=False), what="--drift-json")
        if fail_on_drift and (drift.dataset_drift or any(c.drifted for c in drift.prediction)):
            raise click.exceptions.Exit(1)


@monitor_group.command("demo")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("rai-monitor-demo"),
              show_default=True, help="Folder for the demo store.")
@click.option("--rows", type=click.IntRange(min=200), help="Sample this many rows per year (faster).")
def demo_command(out_dir, rows) -> None:
    """Replay ACS 2016-2018 against 2015 with a local webhook receiver; show the history."""
    from monitors._demo import run_demo

    result = run_demo(out_dir, rows=rows, echo=click.echo)
    click.echo(result.text)
