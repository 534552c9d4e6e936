"""``rai gate``: turn an assessment into a release verdict; the exit code is the verdict.

Only ``rai.gate`` (yaml, json, jsonschema) is imported: no pandas, no scikit-learn.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

__all__ = ["gate_command"]

DEFAULT_INIT_PATH = "rai-policy.yaml"


def _write(path: Path, text: str, flag: str) -> None:
    from rai._exceptions import ConfigError

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{flag}: cannot write {str(path)!r}: {exc.strerror or exc}") from None


@click.command(
    "gate",
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Exit codes: 0 every error-severity check passed, 1 one failed, 2 bad input. Policy format: docs/gate.md.",
)
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False, path_type=Path), help="Policy YAML file.")
@click.option("--assessment", "assessment_path", type=click.Path(path_type=Path), help="assessment.json of the candidate model.")
@click.option("--baseline", "baseline_path", type=click.Path(path_type=Path), help="assessment.json of the approved (champion) model.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), help="rai.yaml whose 'gate:' section holds or names the policy (and baseline).")
@click.option("--junit", "junit_path", type=click.Path(dir_okay=False, path_type=Path), help="Write JUnit XML (one test case per check).")
@click.option("--summary", "summary_path", type=click.Path(dir_okay=False, path_type=Path), help="Write the Markdown summary (also appended to $GITHUB_STEP_SUMMARY when set).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), help="Write the verdict as JSON.")
@click.option(
    "--init",
    "init_path",
    is_flag=False,
    flag_value=DEFAULT_INIT_PATH,
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="[PATH]",
    help=f"Write the commented starting policy to PATH (default {DEFAULT_INIT_PATH}) and exit.",
)
@click.option("--force", is_flag=True, help="With --init: overwrite an existing file.")
@click.pass_context
def gate_command(
    ctx: click.Context,
    policy_path: Path | None,
    assessment_path: Path | None,
    baseline_path: Path | None,
    config_path: Path | None,
    junit_path: Path | None,
    summary_path: Path | None,
    json_path: Path | None,
    init_path: Path | None,
    force: bool,
) -> None:
    """Check an assessment against a policy: exit 0 pass, 1 fail, 2 bad input.

    \b
    rai gate --init                                  # write rai-policy.yaml, the starting policy
    rai gate --policy rai-policy.yaml --assessment out/assessment.json \\
             --baseline champion/assessment.json --junit gate.xml --summary gate.md --json verdict.json
    """
    import json

    from rai._exceptions import ConfigError

    if init_path is not None:
        from rai.gate import preset_policy_text

        if init_path.exists() and not force:
            raise ConfigError(f"--init: {str(init_path)!r} already exists; pass --force to overwrite it.")
        _write(init_path, preset_policy_text(), "--init")
        click.echo(f"wrote the starting policy to {init_path}; edit it, then: rai gate --policy {init_path} --assessment out/assessment.json")
        return

    from rai.gate import (
        append_step_summary,
        default_policy,
        evaluate,
        github_annotations,
        load_assessment_dict,
        load_policy,
        policy_from_config,
        render_junit,
        render_markdown,
        render_text,
    )

    if assessment_path is None:
        raise ConfigError("--assessment is required: the assessment.json written by `rai assess`.")
    if policy_path is not None and config_path is not None:
        raise ConfigError("give either --policy or --config (whose 'gate:' section holds the policy), not both.")
    if policy_path is not None:
        policy = load_policy(policy_path)
    elif config_path is not None:
        policy, config_baseline = policy_from_config(config_path)
        baseline_path = baseline_path or config_baseline
    else:
        policy = default_policy()
        click.echo(f"no --policy given: judging with the default policy ({policy.source}; `rai gate --init` writes it to edit)", err=True)

    assessment = load_assessment_dict(str(assessment_path), what="assessment")
    baseline = None if baseline_path is None else load_assessment_dict(str(baseline_path), what="baseline")
    verdict = evaluate(
        policy,
        assessment,
        baseline=baseline,
        assessment_source=str(assessment_path),
        baseline_source=None if baseline_path is None else str(baseline_path),
    )

    if junit_path is not None:
        _write(junit_path, render_junit(verdict), "--junit")
    if json_path is not None:
        _write(json_path, json.dumps(verdict.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n", "--json")
    markdown = None
    if summary_path is not None or os.environ.get("GITHUB_STEP_SUMMARY"):
        markdown = render_markdown(verdict)
    if summary_path is not None and markdown is not None:
        _write(summary_path, markdown + "\n", "--summary")
    if markdown is not None:
        try:
            append_step_summary(markdown)
        except OSError as exc:
            raise ConfigError(f"cannot append to $GITHUB_STEP_SUMMARY: {exc}") from None

    click.echo(render_text(verdict))
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for line in github_annotations(verdict):
            click.echo(line)
    ctx.exit(verdict.exit_code)
