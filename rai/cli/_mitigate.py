"""``rai mitigate``: a fairlearn mitigation of a model, assessed before and after on the test data."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from rai.cli._options import contract_options

__all__ = ["mitigate_command"]

_CONSTRAINTS = ["demographic_parity", "equalized_odds", "equal_opportunity", "true_positive_rate_parity"]
_METHODS = ["threshold", "exponentiated-gradient", "grid-search"]


@click.command("mitigate")
@click.option("--train", "train_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Training table the mitigation is fitted on (CSV or Parquet).")
@click.option("--test", "test_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Test table the before / after assessments and the trade-off are measured on.")
@contract_options("target", "sensitive", "positive-label", "id", "exclude", "categorical", "numeric")
@click.option("--model", "model_path", type=click.Path(dir_okay=False, path_type=Path),
              help="The original model: .skops (safe), or .joblib/.pkl with --trust-model.")
@click.option("--trust-model", is_flag=True, help="Allow unpickling a joblib/pickle model file (runs its code).")
@click.option("--constraint", type=click.Choice(_CONSTRAINTS), default="demographic_parity", show_default=True,
              help="The fairness constraint (equal_opportunity is fairlearn's true_positive_rate_parity).")
@click.option("--method", type=click.Choice(_METHODS), default="threshold", show_default=True,
              help="threshold: group thresholds on the model's scores (needs the sensitive feature at prediction "
                   "time); exponentiated-gradient / grid-search: refit the model with weights (fairlearn reductions).")
@click.option("--grid-size", type=click.IntRange(min=2), default=10, show_default=True,
              help="Candidates tried by --method grid-search.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="rai.yaml (data contract, model, analyzers, seed, model card); flags override it.")
@click.option("--seed", type=int, help="Seed of the randomised predictions and the bootstrap (default 0).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for mitigated.skops, before/ and after/assessment.json and tradeoff.json.")
def mitigate_command(train_path, test_path, spec_changes, model_path, trust_model, constraint, method, grid_size,
                     config_path, seed, out_dir) -> None:
    """Mitigate a model's unfairness with fairlearn and show what it costs.

    Fits the mitigation on --train, writes the mitigated model (DIR/mitigated.skops, which
    `rai assess --model` loads), assesses the original and the mitigated model on --test
    (DIR/before/, DIR/after/), writes the trade-off of every candidate (DIR/tradeoff.json), and
    prints the before / after figures with their intervals.

    \b
    Example:
      rai mitigate --train train.csv --test test.csv --target income --sensitive sex \\
                   --model model.skops --constraint demographic_parity --out mitigated/
      rai gate --policy policy.yaml --assessment mitigated/after/assessment.json \\
               --baseline mitigated/before/assessment.json
    """
    from rai._config import Config, load_config
    from rai._exceptions import UnsupportedError
    from rai.cli._progress import Progress
    from rai.mitigation import mitigate_files

    config = load_config(config_path) if config_path is not None else Config()
    changes: dict = {"spec": config.spec.replace(**spec_changes)}
    if test_path is not None:
        changes["data_path"] = test_path
    if model_path is not None:
        changes["model_path"] = model_path
    if trust_model:
        changes["trust_model"] = True
    if seed is not None:
        changes["seed"] = seed
    config = config.update(**changes)
    try:
        with Progress() as progress:
            run = mitigate_files(config, train_path=train_path, out=out_dir, method=method, constraint=constraint,
                                 grid_size=grid_size, on_step=progress.step)
    except UnsupportedError as exc:  # this model or target cannot take this method: a usage error here
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    for line in comparison_lines(run):
        click.echo(line)
    for p in run.paths.values():
        click.echo(f"wrote {p}")


def _fmt(value, low=None, high=None) -> str:
    if value is None:
        return "n/a"
    ci = f" [{low:.3f}, {high:.3f}]" if low is not None and high is not None else ""
    return f"{value:.3f}{ci}"


def comparison_lines(run) -> list[str]:
    """The before -> after lines of the constrained disparity (per sensitive feature) and of accuracy."""
    metric = run.tradeoff.metric
    lines = [f"{run.tradeoff.method} under {run.tradeoff.constraint} "
             f"(test data, {run.tradeoff.n_rows} rows; intervals: bootstrap 95%)"]
    before, after = run.before.results, run.after.results
    if before.fairness is not None and after.fairness is not None:
        pairs = {(m.name, m.sensitive_feature): m for m in before.fairness.metrics}
        for m in after.fairness.metrics:
            b = pairs.get((m.name, m.sensitive_feature))
            if m.name != metric or b is None:
                continue
            bj, aj = b.judged, m.judged
            if bj is None or aj is None or bj.insufficient or aj.insufficient:
                reason = (aj.reason if aj is not None else None) or "no judged gap in the assessment"
                lines.append(f"{metric} by {m.sensitive_feature}: insufficient evidence ({reason})")
                continue
            lines.append(f"{metric} ratio by {m.sensitive_feature} (judged groups): "
                         f"{_fmt(bj.ratio, bj.ratio_ci_low, bj.ratio_ci_high)} -> "
                         f"{_fmt(aj.ratio, aj.ratio_ci_low, aj.ratio_ci_high)}")
            lines.append(f"{metric} difference by {m.sensitive_feature} (judged groups): "
                         f"{_fmt(bj.difference, bj.ci_low, bj.ci_high)} -> {_fmt(aj.difference, aj.ci_low, aj.ci_high)}")
    if before.performance is not None and after.performance is not None:
        b, a = before.performance, after.performance
        bv, av = b.overall.get("accuracy"), a.overall.get("accuracy")
        bci, aci = b.ci.get("accuracy"), a.ci.get("accuracy")
        delta = f" ({100 * (av - bv):+.1f} points)" if bv is not None and av is not None else ""
        lines.append(f"accuracy: {_fmt(bv, bci and bci.low, bci and bci.high)} -> "
                     f"{_fmt(av, aci and aci.low, aci and aci.high)}{delta}")
    return lines
