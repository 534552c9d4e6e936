"""``rai assess``: one assessment from files, written to DIR/assessment.json."""

from __future__ import annotations

from pathlib import Path

import click

from rai.cli._options import contract_options, model_options, split_columns
from rai.cli._progress import quiet_option

__all__ = ["assess_command"]


@click.command("assess")
@click.option("--data", "data", type=click.Path(dir_okay=False, path_type=Path), help="Table to assess (CSV or Parquet).")
@click.option("--reference", type=click.Path(dir_okay=False, path_type=Path), help="Reference (training) table for drift and quality.")
@click.option("--labels", "labels_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Late-arriving labels: a table with the --id column and the --target column, joined onto --data.")
@contract_options("target", "prediction", "score", "sensitive", "positive-label", "id", "exclude",
                  "categorical", "numeric")
@click.option("--task", type=click.Choice(["binary", "multiclass", "regression"]), help="Override the inferred task.")
@model_options
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), help="rai.yaml; flags override it.")
@click.option("--only", help="Run only these analyzers, comma-separated (performance,fairness,drift,quality,errors,explanations,counterfactuals,causal).")
@click.option("--seed", type=int, help="Seed of every random step (default 0).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Folder for assessment.json.")
@click.option("--report", is_flag=True, help="Also render the model card and dashboard into --out.")
@click.option("--mlflow", "mlflow_log", is_flag=True,
              help="Also log the assessment to MLflow, as `rai mlflow log` does (new run in --mlflow-experiment).")
@click.option("--mlflow-experiment", help="Experiment of the --mlflow run (default $MLFLOW_EXPERIMENT_NAME, else Default).")
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False, path_type=Path),
              help="With --mlflow: the gate policy of the logged verdict (default: the shipped default policy).")
@quiet_option
def assess_command(data, reference, labels_path, spec_changes, task, model_changes, config_path, only, seed,
                   out_dir, report, mlflow_log, mlflow_experiment, policy_path, quiet) -> None:
    """Assess a model's data: performance, fairness, drift, quality (and errors; explanations and counterfactuals with --model).

    Without --target only the data analyzers (drift, quality) run.

    \b
    Example (predictions-only mode):
      rai assess --data test.csv --reference train.csv --target y --prediction y_hat \\
                 --score p --sensitive sex,race --out results/
    """
    from rai._config import Config, load_config
    from rai._exceptions import ConfigError
    from rai._run import assess_files
    from rai.cli._progress import Progress

    config = load_config(config_path) if config_path is not None else Config()
    if task is not None:
        spec_changes["task"] = task
    changes: dict = {"spec": config.spec.replace(**spec_changes)}
    if data is not None:
        changes["data_path"] = data
    if reference is not None:
        changes["reference_path"] = reference
    if labels_path is not None:
        changes["labels_path"] = labels_path
    changes.update(model_changes)
    if seed is not None:
        changes["seed"] = seed
    if only is not None:
        changes["enabled"] = list(split_columns(only) or ())
    config = config.update(**changes)
    out = out_dir or config.output
    if out is None:
        raise ConfigError("missing --out DIR: the folder to write assessment.json into.")
    if config.data_path is None:
        raise click.UsageError("missing --data FILE (or data.path in --config).")

    from rai._atomic import ensure_folder

    ensure_folder(out, "--out folder")  # before the work: a folder under a file is found in a second, not after
    with Progress(quiet=quiet) as progress:
        assessment = assess_files(config, on_step=progress.step, on_roles=_show_roles, apart=True)
        progress.step("writing assessment.json")
        path = assessment.save(out / "assessment.json")
        written = [path]
        if report:
            from rai.report import render_reports

            progress.step("rendering reports")
            written.extend(render_reports(assessment, out).values())
    from rai._console import one_line

    for note in assessment.results.notes:
        click.echo(f"note: {note.analyzer} {note.level}: {one_line(note.message)}", err=True)
    _summary(assessment)
    for p in written:
        click.echo(f"wrote {p}")
    if mlflow_log:
        from rai._mlflow_log import log_assessment
        from rai.cli._mlflow import echo_logged

        echo_logged(log_assessment(path, experiment=mlflow_experiment, tracking_uri=config.tracking_uri,
                                   policy_path=policy_path))


def _show_roles(roles) -> None:
    # said out loud before the analysis, so a wrong guess is seen before waiting for it
    for line in roles.lines():
        click.echo(line, err=True)


def _summary(assessment) -> None:
    from rai._console import one_line
    from rai.results._frames import assessment_lines

    for line in assessment_lines(assessment):
        click.echo(one_line(line))
