"""``rai metrics``: print an assessment's metric stream, the numbers the gate, report and monitor judge."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["metrics_command"]

FORMATS = ("table", "json", "csv")
_COLUMNS = ("path", "qualifiers", "value", "ci_low", "ci_high", "n", "n_effective", "insufficient", "reason")


@click.command("metrics", context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--assessment", "assessment_path", type=click.Path(path_type=Path),
              help="assessment.json (or the folder holding it).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("--path", "prefix", default=None, help="Only paths that start with this (e.g. fairness.demographic_parity).")
@click.option("--paths", "list_paths", is_flag=True, help="Print the documentation of every path (docs/metrics.md) and exit.")
def metrics_command(assessment_path: Path | None, fmt: str, prefix: str | None, list_paths: bool) -> None:
    """Print every number of an assessment as the metric stream (path, qualifiers, value, interval, n, sufficiency).

    \b
    rai metrics --assessment out/assessment.json
    rai metrics --assessment out/ --format csv --path fairness
    rai metrics --paths                     # what every path means (docs/metrics.md)
    """
    from rai._exceptions import ConfigError
    from rai.results import metric_stream, render_paths_markdown

    if list_paths:
        click.echo(render_paths_markdown(), nl=False)
        return
    if assessment_path is None:
        raise ConfigError("--assessment is required: the assessment.json written by `rai assess` (or its folder).")
    from rai.gate import load_assessment_dict

    path = assessment_path / "assessment.json" if assessment_path.is_dir() else assessment_path
    stream = [m for m in metric_stream(load_assessment_dict(str(path))) if prefix is None or m.path.startswith(prefix)]
    if fmt == "json":
        import json

        click.echo(json.dumps([m.to_dict() for m in stream], indent=1, allow_nan=False))
        return
    rows = [_row(m) for m in stream]
    if fmt == "csv":
        import csv
        import io

        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(_COLUMNS)
        writer.writerows(rows)
        click.echo(buf.getvalue(), nl=False)
        return
    widths = [min(60, max([len(c), *(len(r[i]) for r in rows)])) for i, c in enumerate(_COLUMNS)]
    for r in [list(_COLUMNS), *rows]:
        click.echo("  ".join(cell[:w].ljust(w) for cell, w in zip(r, widths)).rstrip())


def _row(m) -> list[str]:
    def num(v):
        if v is None:
            return ""
        if isinstance(v, bool):
            return "true" if v else "false"
        return f"{v:.6g}" if isinstance(v, float) else str(v)

    quals = " ".join(f"{k}={v}" for k, v in m.qualifiers)
    return [m.path, quals, num(m.value), num(m.ci_low), num(m.ci_high), num(m.n), num(m.n_effective),
            "yes" if m.insufficient else "", m.reason or ""]
