"""``rai mlflow log``: put an assessment on an MLflow run (metric stream, reports, gate verdict, tags)."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["mlflow_group"]


@click.group("mlflow")
def mlflow_group() -> None:
    """MLflow tracking: log assessments to runs (keys: docs/mlflow.md)."""


@mlflow_group.command("log")
@click.option("--assessment", "assessment_path", required=True, type=click.Path(path_type=Path),
              help="assessment.json (or the folder holding it).")
@click.option("--run-id", help="Log to this existing MLflow run.")
@click.option("--experiment", help="Log to a new run in this experiment (default $MLFLOW_EXPERIMENT_NAME, else Default).")
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Gate policy of the logged verdict and reports (default: the shipped default policy, as `rai gate`).")
@click.option("--tracking-uri", help="MLflow tracking URI (default $MLFLOW_TRACKING_URI).")
def log_command(assessment_path: Path, run_id: str | None, experiment: str | None, policy_path: Path | None,
                tracking_uri: str | None) -> None:
    """Log the metric stream as metrics, the reports and gate verdict as artifacts, and tags.

    \b
    Example:
      rai mlflow log --assessment out/assessment.json --experiment credit-model --policy rai-policy.yaml
    """
    from rai._mlflow_log import log_assessment

    logged = log_assessment(assessment_path, run_id=run_id, experiment=experiment, tracking_uri=tracking_uri,
                            policy_path=policy_path)
    echo_logged(logged)


def echo_logged(logged) -> None:
    click.echo(f"logged {logged.n_metrics} metrics ({logged.n_insufficient} insufficient numbers left to "
               f"rai/metric_stream.json), {len(logged.artifacts)} artifacts; gate {logged.gate_status}")
    click.echo(f"run {logged.run_id} (experiment {logged.experiment_id})")
