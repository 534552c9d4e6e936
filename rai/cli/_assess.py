"""``rai assess``: one assessment from files, written to DIR/assessment.json."""

from __future__ import annotations

from pathlib import Path

import click

from rai.cli._options import contract_options, split_columns

__all__ = ["assess_command"]


@click.command("assess")
@click.option("--data", "data", type=click.Path(dir_okay=False, path_type=Path), help="Table to assess (CSV or Parquet).")
@click.option("--reference", type=click.Path(dir_okay=False, path_type=Path), help="Reference (training) table for drift and quality.")
@click.option("--labels", "labels_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Late-arriving labels: a table with the --id column and the --target column, joined onto --data.")
@contract_options("target", "prediction", "score", "sensitive", "positive-label", "id", "exclude",
                  "categorical", "numeric")
@click.option("--task", type=click.Choice(["binary", "multiclass", "regression"]), help="Override the inferred task.")
@click.option("--model", "model_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Model file: .skops (safe), or .joblib/.pkl with --trust-model.")
@click.option("--trust-model", is_flag=True, help="Allow unpickling a joblib/pickle model file (runs its code).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), help="rai.yaml; flags override it.")
@click.option("--only", help="Run only these analyzers, comma-separated (performance,fairness,drift,quality,errors,explanations).")
@click.option("--seed", type=int, help="Seed of every random step (default 0).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Folder for assessment.json.")
@click.option("--report", is_flag=True, help="Also render the model card and dashboard into --out.")
def assess_command(data, reference, labels_path, spec_changes, task, model_path, trust_model, config_path, only, seed,
                   out_dir, report) -> None:
    """Assess a model's data: performance, fairness, drift, quality (and errors, explanations with --model).

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
    if model_path is not None:
        changes["model_path"] = model_path
    if trust_model:
        changes["trust_model"] = True
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

    with Progress() as progress:
        assessment = assess_files(config, on_step=progress.step)
        progress.step("writing assessment.json")
        out.mkdir(parents=True, exist_ok=True)
        path = assessment.save(out / "assessment.json")
        written = [path]
        if report:
            from rai.report import render_reports

            progress.step("rendering reports")
            written.extend(render_reports(assessment, out).values())
    for note in assessment.results.notes:
        click.echo(f"note: {note.analyzer} {note.level}: {note.message}", err=True)
    _summary(assessment)
    for p in written:
        click.echo(f"wrote {p}")


def _judged_line(m) -> str:
    """The demographic-parity gap over the groups large enough to judge (the number verdicts use)."""
    j = m.judged
    if j.insufficient:
        return f"demographic parity by {m.sensitive_feature}: insufficient evidence ({j.reason})"
    ci = f" [{j.ci_low:.3f}, {j.ci_high:.3f}]" if j.ci_low is not None else ""
    line = (f"demographic parity difference by {m.sensitive_feature} {j.difference:.3f}{ci} "
            f"(group {j.low_group} vs {j.high_group})")
    if j.excluded:
        line += f"; {len(j.excluded)} group(s) too small to judge: {', '.join(e.group for e in j.excluded)}"
    return line


def _summary(assessment) -> None:
    r = assessment.results
    lines = []
    if r.performance is not None:
        o = r.performance.overall
        shown = ", ".join(f"{k} {v:.3f}" for k, v in o.items() if v is not None and k in ("accuracy", "roc_auc", "f1", "mae", "r2"))
        lines.append(f"performance: {shown}")
    if r.fairness is not None:
        for m in r.fairness.metrics:
            if m.name == "demographic_parity" and m.judged is not None:
                lines.append(f"fairness: {_judged_line(m)}")
    if r.drift is not None:
        d = r.drift
        lines.append(f"drift: {d.n_drifted} of {d.n_columns} columns drifted (share {d.share_drifted:.2f}); "
                     f"dataset drift: {'yes' if d.dataset_drift else 'no'}")
    if r.quality is not None:
        lines.append(f"quality: {len(r.quality.issues)} issue(s), {r.quality.duplicate_rows} duplicate row(s)")
    for line in lines:
        click.echo(line)
