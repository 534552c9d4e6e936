"""``rai demo``: the whole toolkit on the bundled ACS employment data, written to one folder."""

from __future__ import annotations

from pathlib import Path

import click

from rai.cli._progress import quiet_option

__all__ = ["demo_command"]

#: What the causal analysis's child process imports (``CausalAnalyzer.apart_imports``), named here so
#: that it starts before this process imports pandas
CAUSAL_IMPORTS = ("rai.analyzers._causal", "rai.analyzers._dml", "econml.dml", "sklearn.ensemble")


@click.command("demo")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("rai-demo-output"),
              show_default=True, help="Folder for everything the demo writes.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the model and every random step.")
@quiet_option
def demo_command(out_dir: Path, seed: int, quiet: bool) -> None:
    """Train a model on ACS 2015, assess it on ACS 2018 against 2015, render the reports.

    The folder gets the data, the model (model.skops), the rai.yaml that reproduces the run,
    assessment.json, the model card and the dashboard.
    """
    import contextlib

    from rai._apart import Child
    from rai.cli._assess import _summary

    with contextlib.ExitStack() as stack:
        # first of all, the child for the causal analysis: it imports EconML while this process
        # imports its own libraries and trains the model (rai/_apart.py)
        child = Child.start(CAUSAL_IMPORTS)
        if child is not None:
            stack.callback(child.close)
        assessment, config_path, written = _demo(out_dir, seed, quiet, child or True)
    _summary(assessment)
    for note in assessment.results.notes:
        click.echo(f"note: {note.analyzer} {note.level}: {note.message}", err=True)
    click.echo("")
    for p in written:
        click.echo(f"wrote {p}")
    click.echo(f"\nEverything is in {out_dir.resolve()}")
    click.echo(f"Re-run the assessment:  rai assess --config {config_path} --out {out_dir}")


def _demo(out_dir: Path, seed: int, quiet: bool, apart: object) -> tuple[object, Path, list[Path]]:
    """Write the inputs, assess, render: (the assessment, the rai.yaml, the files written)."""
    import importlib.util

    from rai._config import load_config
    from rai._demo import write_demo_inputs
    from rai._run import assess_files
    from rai.cli._progress import Progress

    early: dict = {}

    def start_causal(staged_config: Path, test: object, reference: object) -> None:
        """The causal analysis needs no model: sent to the child before the model is trained."""
        from rai._assessment import start_early

        config = load_config(staged_config)
        early.update(start_early(apart, spec=config.spec, options=config.analyzers, seed=config.seed, data=test,
                                 reference=reference, enabled=config.enabled))

    with Progress(quiet=quiet) as progress:
        config_path = write_demo_inputs(out_dir, seed=seed, step=progress.step,
                                        before_training=start_causal if apart is not True else None)
        config = load_config(config_path)
        assessment = assess_files(config, on_step=progress.step, apart=apart, early=early)
        progress.step("writing assessment.json")
        written = [assessment.save(out_dir / "assessment.json")]
        if importlib.util.find_spec("rai.report") is not None:
            from rai.report import render_reports

            progress.step("rendering model card and dashboard")
            written.extend(render_reports(assessment, out_dir).values())
    return assessment, config_path, written
