"""``rai report``: render the model card and the dashboard from ``assessment.json`` alone."""

from __future__ import annotations

import sys
from pathlib import Path

import click

__all__ = ["report_command"]


@click.command("report")
@click.option("--assessment", "assessment_path", required=True,
              type=click.Path(dir_okay=True, path_type=Path),
              help="assessment.json (or the folder holding it).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for model_card.md / .html / .json and dashboard.html.")
@click.option("--pdf", is_flag=True, help="Also print model_card.pdf with a headless Chromium.")
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Policy whose checks the reports list and judge (default: the shipped policy, as `rai gate`).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="rai.yaml whose 'gate:' section holds or names the policy.")
def report_command(assessment_path: Path, out_dir: Path, pdf: bool, policy_path: Path | None, config_path: Path | None) -> None:
    """Render the model card (Markdown, HTML, Model Card Toolkit JSON) and the offline dashboard.

    No model and no data are needed: everything comes from the assessment. When
    assessment.json.sig is present and RAI_SIGNING_KEY is set, the signature is checked and
    its status shown in the provenance section. Every status the reports show is a check of the
    policy (--policy, or the default that `rai gate` uses), judged exactly as `rai gate` judges it.

    \b
    Exit codes: 0 written; 2 bad input, or --pdf without a usable Chromium (the other files
    are still written).
    """
    from rai._exceptions import ConfigError, UnsupportedError
    from rai.report import render_reports

    if policy_path is not None and config_path is not None:
        raise ConfigError("give either --policy or --config (whose 'gate:' section holds the policy), not both.")
    policy = None
    if policy_path is not None:
        from rai.gate import load_policy

        policy = load_policy(policy_path)
    elif config_path is not None:
        from rai.gate import policy_from_config

        policy, _ = policy_from_config(config_path)
    if assessment_path.is_dir():
        assessment_path = assessment_path / "assessment.json"
    paths = render_reports(assessment_path, out_dir, policy=policy)
    for p in paths.values():
        click.echo(f"wrote {p}")
    if pdf:
        from rai.report import html_to_pdf

        try:
            click.echo(f"wrote {html_to_pdf(paths['model_card_html'], out_dir / 'model_card.pdf')}")
        except UnsupportedError as exc:
            click.echo(f"error: model_card.pdf not written: {exc}", err=True)
            sys.exit(2)
