"""``rai approve`` and ``rai approvals``: approvals and promotion of registered MLflow model versions.

Exit codes of ``rai approve``: 0 recorded and the alias moved; 1 refused (gate failed, or a
promotion rule does not hold; the missing condition is named and nothing changed); 2 bad input.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

__all__ = ["approve_command", "approvals_command"]


@click.command("approve")
@click.option("--model", "model", required=True, metavar="NAME/VERSION", help="The registered model version, e.g. credit/3.")
@click.option("--to", "to", required=True, type=click.Choice(["staging", "production"]), help="The alias to move to it.")
@click.option("--approver", required=True, help="Who approves (e.g. an e-mail address).")
@click.option("--role", required=True, type=click.Choice(["engineering", "risk"]), help="The approver's role.")
@click.option("--assessment", "assessment_path", required=True, type=click.Path(path_type=Path),
              help="assessment.json of this model version (from `rai assess --model models:/NAME/VERSION`).")
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Gate policy (default: the shipped default policy, as `rai gate` without --policy).")
@click.option("--note", help="A note kept with the approval.")
@click.option("--tracking-uri", help="MLflow tracking and registry URI (default $MLFLOW_TRACKING_URI).")
@click.pass_context
def approve_command(ctx: click.Context, model: str, to: str, approver: str, role: str, assessment_path: Path,
                    policy_path: Path | None, note: str | None, tracking_uri: str | None) -> None:
    """Run the gate, record the approval on the model version, and move the alias when the rules hold.

    \b
    production needs: the version in staging (it holds the 'staging' alias), and approvals by an
    engineering and a risk approver who are two different people (the staging approval counts).
    \b
    Example:
      rai approve --model credit/3 --to staging --approver alice@example.org --role engineering \\
                  --assessment out/assessment.json --policy rai-policy.yaml
    """
    from rai._approvals import approve

    decision = approve(model, to=to, approver=approver, role=role, assessment_path=assessment_path,
                       policy_path=policy_path, note=note, tracking_uri=tracking_uri)
    a = decision.approval
    if not decision.recorded:
        click.echo(f"refused: {a.model}/{a.version} to {to} by {a.approver} ({a.role}); nothing was changed. Missing:", err=True)
        for item in decision.missing:
            click.echo(f"  - {item}", err=True)
        ctx.exit(1)
    for note_line in decision.notes:
        click.echo(f"note: {note_line}", err=True)
    signed = f", signed with key {a.key_id or '(no id)'}" if a.signature else ""
    click.echo(f"approved {a.model}/{a.version} for {to} by {a.approver} ({a.role}) at {a.approved_at}; "
               f"gate {a.gate_status}{signed}; alias '{to}' -> version {a.version}")


@click.command("approvals")
@click.option("--model", "model", required=True, metavar="NAME[/VERSION]", help="A registered model, or one version of it.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the history as JSON (for `rai report --approvals`).")
@click.option("--tracking-uri", help="MLflow tracking and registry URI (default $MLFLOW_TRACKING_URI).")
def approvals_command(model: str, json_path: Path | None, tracking_uri: str | None) -> None:
    """Show the approval history of a registered model (signatures checked when RAI_SIGNING_KEY is set)."""
    from rai._approvals import approval_history
    from rai._exceptions import ConfigError

    history, aliases = approval_history(model, tracking_uri=tracking_uri)
    click.echo("aliases: " + (", ".join(f"{k} -> {v}" for k, v in sorted(aliases.items())) or "none"))
    if not history:
        click.echo("no approvals recorded")
    for a in history:
        click.echo(f"{a['approved_at']}  v{a['version']}  {a['stage']:<10} {a['role']:<11} {a['approver']}  "
                   f"gate {a['gate_status']}  assessment {a['assessment_sha256'][:12]}  signature {a['signature_status']}"
                   + (f"  note: {a['note']}" if a.get("note") else ""))
    if json_path is not None:
        try:
            json_path.write_text(json.dumps({"model": model, "aliases": aliases, "approvals": history}, indent=2,
                                            ensure_ascii=False) + "\n", encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"--json: cannot write {str(json_path)!r}: {exc.strerror or exc}") from None
        click.echo(f"wrote {json_path}")
