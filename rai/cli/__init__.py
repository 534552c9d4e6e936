"""The ``rai`` command: a thin shell over the library; the exit code is the outcome.

Exit codes: 0 done / passed, 1 the verdict failed (gate failed, drift with --fail-on-drift),
2 bad input or usage (the message names what was wrong; no traceback).

Subcommands live in their own modules and are imported only when invoked, so
``rai --help`` does not pay for pandas, scikit-learn or shap.
"""

from __future__ import annotations

import importlib
import logging
import sys

import click

__all__ = ["main", "run", "cli"]

#: command name -> "module:attribute" of a click command, imported on first use
COMMANDS: dict[str, tuple[str, str]] = {
    "assess": ("rai.cli._assess:assess_command", "Assess a model's data: performance, fairness, drift, quality."),
    "demo": ("rai.cli._demo:demo_command", "Run the whole toolkit on the bundled ACS employment data."),
    "schema": ("rai.cli._schema:schema_command", "Print a JSON Schema (assessment, policy, ...)."),
    "report": ("rai.cli._report:report_command", "Render the model card and dashboard from assessment.json."),
    "verify": ("rai.cli._verify:verify_command", "Recompute hashes and check an assessment's signature."),
    "gate": ("rai.cli._gate:gate_command", "Turn an assessment into a release verdict for CI."),
    "metrics": ("rai.cli._metrics:metrics_command", "Print an assessment's metric stream (every number, interval, sufficiency)."),
    "monitor": ("rai.cli._monitor:monitor_group", "Scheduled drift checks with signed retraining webhooks."),
    "mlflow": ("rai.cli._mlflow:mlflow_group", "Log an assessment to an MLflow run (metrics, reports, verdict)."),
    "approve": ("rai.cli._approve:approve_command", "Approve a registered MLflow model version; move its alias."),
    "approvals": ("rai.cli._approve:approvals_command", "Show the approval history of a registered model."),
    "mitigate": ("rai.cli._mitigate:mitigate_command", "Mitigate unfairness with fairlearn; assess before and after."),
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported when they are invoked."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        target, _ = COMMANDS[cmd_name]
        module, _, attr = target.partition(":")
        try:
            return getattr(importlib.import_module(module), attr)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("rai.cli."):
                return None
            raise

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # short help from the table above, without importing every command module
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="rai-toolkit", prog_name="rai")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
def cli(verbose: int) -> None:
    """Responsible-AI assessments, reports, release gates and drift monitoring.

    \b
    Exit codes: 0 ok, 1 the verdict failed, 2 bad input or usage.
    """
    from rai._redact import install_log_redaction

    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    install_log_redaction()  # httpx logs whole request URLs at INFO; webhook URLs hold secrets


def main(argv: list[str] | None = None) -> None:
    """Entry point: user errors become a one-line message and exit code 2."""
    from rai._exceptions import UserInputError
    from rai._threads import start_measuring

    start_measuring()  # the first thread-count decision then measures the machine since start, without a pause
    try:
        rc = cli.main(args=argv, prog_name="rai", standalone_mode=False)
        if isinstance(rc, int) and rc:  # ctx.exit(n) / click.exceptions.Exit(n) return n here
            sys.exit(rc)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if exc.exit_code in (1, 2) else exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except UserInputError as exc:
        from rai._console import one_line

        click.echo(f"error: {one_line(exc)}", err=True)  # values in messages come from the user's files
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    sys.exit(0)


def run() -> None:
    """The ``rai`` program: ``main``, then an exit that skips the interpreter's teardown.

    Unloading what a command imported (shap, scikit-learn, EconML: some 3,000 modules) took 1.5
    to 2.7 s after the work was done. Threads are joined and exit handlers run as in a normal
    exit (files are closed by then: every output is written whole before its command returns);
    only the freeing of memory the process is about to hand back is skipped. Tests call ``main``.
    """
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code
    if code is None:
        code = 0
    elif not isinstance(code, int):  # sys.exit("message"): shown, exit 1, as Python does
        print(code, file=sys.stderr)
        code = 1
    _exit_now(code)


def _exit_now(code: int) -> None:
    import atexit
    import os
    import threading

    shutdown = getattr(threading, "_shutdown", None)
    run_handlers = getattr(atexit, "_run_exitfuncs", None)
    if shutdown is None or run_handlers is None:  # not CPython: the usual exit
        sys.exit(code)
    shutdown()  # what the interpreter does first on exit: join the threads that are not daemons
    run_handlers()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (rai ... | head): nothing more to say
            pass
    os._exit(code)

