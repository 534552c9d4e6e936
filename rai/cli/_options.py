"""Flags shared by the commands that read a table: the data contract, declared once."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

__all__ = ["contract_options", "model_options", "split_columns"]


def split_columns(value: str | None) -> tuple[str, ...] | None:
    """``"a, b"`` -> ``("a", "b")``; ``None`` stays ``None`` (flag not given)."""
    if value is None:
        return None
    return tuple(v.strip() for v in value.split(",") if v.strip())


#: flag -> (DatasetSpec field, help, is a column list)
_FLAGS: dict[str, tuple[str, str, bool]] = {
    "target": ("target", "Column of the true label.", False),
    "prediction": ("prediction", "Column of the model's predicted label (predictions-only mode).", False),
    "score": ("score", "Column of the predicted probability of the positive class.", False),
    "sensitive": ("sensitive", "Sensitive feature columns, comma-separated (e.g. SEX,RAC1P).", True),
    "positive-label": ("positive_label", "The positive class of a binary target (default 1 / True / last label).", False),
    "id": ("id", "Row id column (not a feature).", False),
    "exclude": ("exclude", "Columns that are neither features nor outputs, comma-separated.", True),
    "categorical": ("categorical", "Columns to treat as categorical, comma-separated.", True),
    "numeric": ("numeric", "Columns to treat as numeric, comma-separated.", True),
}


def contract_options(*flags: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add the given data-contract flags; the command receives them as ``spec_changes``.

    ``spec_changes`` maps ``DatasetSpec`` fields to the values given on the command line (flags
    not given are left out), ready for ``spec.replace(**spec_changes)``.
    """
    unknown = [f for f in flags if f not in _FLAGS]
    if unknown:
        raise ValueError(f"unknown contract flags {unknown}")

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        params = {_FLAGS[f][0]: f for f in flags}

        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            changes = {}
            for field, flag in params.items():
                value = kwargs.pop(f"contract_{field}")
                if _FLAGS[flag][2]:
                    value = split_columns(value)
                if value is not None:
                    changes[field] = value
            return command(*args, spec_changes=changes, **kwargs)

        for flag in reversed(flags):
            field, help_text, _ = _FLAGS[flag]
            wrapper = click.option(f"--{flag}", f"contract_{field}", help=help_text)(wrapper)
        return wrapper

    return decorate


def model_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--model`` (a file, an MLflow model folder or URI) and its trust flags; the command receives
    ``model_changes``: the ``Config`` fields given on the command line."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        source = kwargs.pop("model_source")
        changes: dict[str, Any] = {}
        if source is not None:
            if source.startswith(("models:/", "runs:/")):
                changes.update(model_uri=source, model_path=None)
            else:
                from pathlib import Path

                changes.update(model_path=Path(source), model_uri=None)
        for flag in ("trust_model", "trust_recorded_types"):
            if kwargs.pop(flag):
                changes[flag] = True
        tracking_uri = kwargs.pop("tracking_uri")
        if tracking_uri is not None:
            changes["tracking_uri"] = tracking_uri
        return command(*args, model_changes=changes, **kwargs)

    options = [
        click.option("--model", "model_source", metavar="MODEL",
                     help="Model: a .skops file (safe), .joblib/.pkl with --trust-model, an MLflow model folder, "
                          "or an MLflow URI (models:/NAME/VERSION, models:/NAME@ALIAS, runs:/RUN_ID/PATH)."),
        click.option("--trust-model", is_flag=True,
                     help="Allow loading a model that unpickles (joblib/pickle files, MLflow pickle flavors): runs its code."),
        click.option("--trust-recorded-types", is_flag=True,
                     help="Accept the skops types an MLflow model's MLmodel file records as trusted by its author."),
        click.option("--tracking-uri",
                     help="MLflow tracking (and registry) URI for models:/ and runs:/ models "
                          "(default: model.tracking_uri in rai.yaml, then $MLFLOW_TRACKING_URI)."),
    ]
    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper
