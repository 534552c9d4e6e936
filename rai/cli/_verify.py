"""``rai verify``: is this exactly the data, model and assessment that were assessed?

Recomputes the sha256 of the files given and compares them with the assessment's provenance
(``data_sha256``, ``reference_sha256``, ``labels_sha256``, ``model_sha256``, ``config_sha256``: the sha256 of
the file's bytes when the assessment read them from files), and checks the HMAC-SHA256
signature in ``assessment.json.sig`` when the key is in ``RAI_SIGNING_KEY``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

__all__ = ["verify_command"]

_FILE = click.Path(exists=False, dir_okay=False, path_type=Path)


@click.command("verify")
@click.option("--assessment", "assessment_path", required=True, type=click.Path(path_type=Path),
              help="assessment.json (or the folder holding it).")
@click.option("--data", "data_path", type=_FILE, help="The evaluation data file that was assessed.")
@click.option("--reference", "reference_path", type=_FILE, help="The reference (training) data file.")
@click.option("--labels", "labels_path", type=_FILE, help="The late-arriving labels file joined onto the data.")
@click.option("--model", "model_path", help="The model file, MLflow model folder, or MLflow URI (models:/NAME/VERSION, runs:/...).")
@click.option("--tracking-uri", help="MLflow tracking URI for a models:/ or runs:/ --model (default $MLFLOW_TRACKING_URI).")
@click.option("--config", "config_path", type=_FILE, help="The rai.yaml used.")
@click.option("--key-env", default="RAI_SIGNING_KEY", show_default=True,
              help="Environment variable holding the HMAC signing key.")
@click.option("--require-signature", is_flag=True,
              help="Fail when the assessment is unsigned or the key is not set.")
@click.option("--sign", is_flag=True,
              help="Sign the assessment (write assessment.json.sig) with the key instead of verifying.")
def verify_command(assessment_path: Path, data_path: Path | None, reference_path: Path | None,
                   labels_path: Path | None, model_path: str | None, tracking_uri: str | None,
                   config_path: Path | None, key_env: str,
                   require_signature: bool, sign: bool) -> None:
    """Recompute file hashes and check the signature of an assessment.

    \b
    The key is read from $RAI_SIGNING_KEY (at least 16 bytes of text, or base64:<...>);
    $RAI_SIGNING_KEY_ID optionally names it in the signature file. The key is never printed.
    Exit codes: 0 everything given matches (or signed with --sign); 1 a hash differs, a hash
    was not recorded, or the signature is invalid / missing when required; 2 bad input.
    """
    import os

    from rai._exceptions import ConfigError
    from rai._model import file_sha256, is_mlflow_model
    from rai.report._signing import (
        KEY_ID_ENV,
        sign_assessment,
        signature_path,
        signing_key,
        verify_signature,
    )

    from rai._location import assessment_file

    assessment_path = assessment_file(assessment_path)
    if not assessment_path.is_file():
        raise ConfigError(f"--assessment: file {str(assessment_path)!r} does not exist.")
    key = signing_key(key_env)

    if sign:
        if key is None:
            raise ConfigError(f"--sign needs a key in the environment variable {key_env}; it is not set.")
        _load(assessment_path)  # refuse to sign something that is not a valid assessment
        out = sign_assessment(assessment_path, key=key, key_id=os.environ.get(KEY_ID_ENV) or None)
        click.echo(f"signed {assessment_path} -> {out}")
        return

    failures = 0
    lines: list[str] = []

    # the signature first, on the raw bytes: a tampered file may not even parse
    sig_ok: bool | None = None
    if key is not None and signature_path(assessment_path).is_file():
        sig_ok, msg = verify_signature(assessment_path, key=key)
        lines.append(f"{'OK ' if sig_ok else 'BAD'} signature   {msg}")
        failures += 0 if sig_ok else 1
    elif key is not None:
        lines.append(f"{'BAD' if require_signature else '-- '} signature   no {signature_path(assessment_path).name} next to the assessment")
        failures += 1 if require_signature else 0
    elif signature_path(assessment_path).is_file():
        lines.append(f"{'BAD' if require_signature else '-- '} signature   present but not checked: {key_env} is not set")
        failures += 1 if require_signature else 0
    else:
        lines.append(f"{'BAD' if require_signature else '-- '} signature   assessment is not signed")
        failures += 1 if require_signature else 0

    try:
        prov = _load(assessment_path)
    except ConfigError:
        if sig_ok is False:
            for line in lines:
                click.echo(line)
            sys.exit(1)
        raise

    checks = (("data", data_path, "data_sha256", "data_source"),
              ("reference", reference_path, "reference_sha256", "reference_source"),
              ("labels", labels_path, "labels_sha256", "labels_source"),
              ("model", model_path, "model_sha256", "model_source"),
              ("config", config_path, "config_sha256", "config_source"))
    for name, path, key_name, source_name in checks:
        if path is None:
            continue
        expected = prov.get(key_name)
        if name == "model" and is_mlflow_model(path):  # the checksum load_model records: the model's own file
            from rai._mlflow_model import mlflow_model_sha256

            actual = mlflow_model_sha256(path, tracking_uri=tracking_uri)
        elif not Path(path).is_file():
            raise ConfigError(f"--{name}: file {str(path)!r} does not exist.")
        else:
            actual = file_sha256(path)
        if expected is None:
            lines.append(f"BAD {name:<11} the assessment records no {key_name}; {path} has sha256 {actual}")
            failures += 1
        elif actual == expected:
            lines.append(f"OK  {name:<11} sha256 {actual} matches ({path})")
        elif name in ("data", "reference", "labels") and _frame_hash_matches(path, expected):
            lines.append(f"OK  {name:<11} table content matches the recorded content hash {expected} ({path})")
        else:
            recorded = prov.get(source_name)
            lines.append(f"BAD {name:<11} sha256 {actual} of {path} differs from the recorded {expected}"
                         + (f" (recorded source {recorded})" if recorded else ""))
            failures += 1
    if not any(p is not None for _, p, _, _ in checks):
        lines.append("--  files      none given; recorded: " + ", ".join(
            f"{k}={prov[k]}" for k in ("data_sha256", "reference_sha256", "labels_sha256", "model_sha256", "config_sha256")
            if prov.get(k)))
    for line in lines:
        click.echo(line)
    if failures:
        click.echo(f"verification FAILED: {failures} problem(s)", err=True)
        sys.exit(1)
    click.echo("verification passed")


def _load(path: Path) -> dict:
    """The provenance of a valid assessment (ConfigError, exit 2, when it is not one)."""
    from rai._assessment import Assessment

    return Assessment.load(path).provenance.to_dict()


def _frame_hash_matches(path: Path, expected: str) -> bool:
    """An assessment of an in-memory table records a content hash; accept a file with that content."""
    from rai._exceptions import DataContractError
    from rai._io import frame_sha256, read_table

    try:
        return frame_sha256(read_table(path).frame) == expected
    except DataContractError:
        return False
