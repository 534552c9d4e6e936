"""The metadata file beside a saved model: ``model.skops`` -> ``model.rai.json``.

It says what a deployment must know (the columns the model reads at prediction time, e.g. a
sensitive feature) and which skops types the model needs beyond skops' defaults, so
``rai assess --model model.skops`` loads a model ``rai mitigate`` wrote without extra flags.

The file can vouch only for *classes* of scikit-learn, fairlearn and rai, and only for the exact
model file it was written for (its sha256): anything else still needs ``model.trusted_types``
or ``--trust-model``, so a metadata file cannot open a door skops keeps shut.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from rai._exceptions import ModelLoadError

__all__ = ["SIDECAR_FORMAT", "sidecar_path", "read_sidecar", "write_sidecar", "vouched_types"]

SIDECAR_FORMAT = "rai-model-metadata/1"
_VOUCHABLE_PACKAGES = ("sklearn", "fairlearn", "rai")


def sidecar_path(model_path: str | Path) -> Path:
    path = Path(model_path)
    return path.with_name(path.stem + ".rai.json")


def write_sidecar(model_path: str | Path, metadata: dict[str, Any]) -> Path:
    path = sidecar_path(model_path)
    path.write_text(json.dumps({"format": SIDECAR_FORMAT, **metadata}, indent=2, allow_nan=False) + "\n",
                    encoding="utf-8")
    return path


def read_sidecar(model_path: str | Path, *, sha256: str) -> dict[str, Any] | None:
    """The metadata of a model file, ``None`` when there is none; refused when written for another file."""
    path = sidecar_path(model_path)
    if not path.is_file():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelLoadError(f"model metadata {str(path)!r} is not valid JSON: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("format") != SIDECAR_FORMAT:
        got = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
        raise ModelLoadError(f"model metadata {str(path)!r}: expected format {SIDECAR_FORMAT!r}; got {got!r}.")
    if doc.get("model_sha256") != sha256:
        raise ModelLoadError(
            f"model metadata {str(path)!r} was written for another model file (model_sha256 "
            f"{str(doc.get('model_sha256'))[:12]}..., the file is {sha256[:12]}...); remove or regenerate it."
        )
    return doc


def vouched_types(names: list[str]) -> tuple[str, ...]:
    """The names that are classes of scikit-learn, fairlearn or rai (the only ones a metadata file may grant)."""
    out = []
    for name in names:
        module, _, attr = str(name).rpartition(".")
        if module.split(".")[0] not in _VOUCHABLE_PACKAGES:
            continue
        try:
            obj = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError):
            continue
        if isinstance(obj, type):
            out.append(name)
    return tuple(out)
