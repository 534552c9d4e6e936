"""Assess from files: read the tables and the model named by a ``Config``, record their hashes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from rai._assessment import Assessment, assess
from rai._config import Config
from rai._exceptions import ConfigError
from rai._io import join_labels, read_table
from rai._model import load_model

__all__ = ["assess_files"]


def assess_files(config: Config, *, on_step: Callable[[str], None] | None = None,
                 on_roles: Callable[[Any], None] | None = None, apart: Any = False,
                 early: dict[str, tuple[Any, Any]] | None = None) -> Assessment:
    """Run ``assess`` on the files a config names, with file hashes in the provenance.

    ``on_step``, ``on_roles``, ``apart`` and ``early`` are passed on to ``assess`` (progress, the
    column roles, a child process for the causal analysis, work already sent to it).
    """
    if config.data_path is None:
        raise ConfigError("no data to assess: give --data FILE (or data.path in rai.yaml).")
    step = on_step or (lambda _name: None)
    step(f"reading {config.data_path.name}")
    data = read_table(config.data_path)
    provenance: dict[str, object] = {"data_sha256": data.sha256, "data_source": data.source}
    frame = data.frame
    if config.labels_path is not None:
        step(f"joining labels from {config.labels_path.name}")
        labels = read_table(config.labels_path)
        frame = join_labels(frame, labels.frame, config.spec)
        provenance.update(labels_sha256=labels.sha256, labels_source=labels.source)
    reference_frame = None
    if config.reference_path is not None:
        step(f"reading {config.reference_path.name}")
        reference = read_table(config.reference_path)
        reference_frame = reference.frame
        provenance.update(reference_sha256=reference.sha256, reference_source=reference.source)
    model = None
    source = config.model_source
    if source is not None:
        step(f"loading {source if config.model_uri else Path(source).name}")
        model = load_model(source, trust=config.trust_model, trusted_types=config.trusted_types,
                           tracking_uri=config.tracking_uri, trust_recorded_types=config.trust_recorded_types)
    if config.sha256 is not None:
        provenance.update(config_sha256=config.sha256, config_source=str(config.source))
    from rai.analyzers import default_analyzers

    analyzers = default_analyzers(options=config.analyzers, enabled=config.enabled, model=model, seed=config.seed)
    return assess(
        frame,
        spec=config.spec,
        reference=reference_frame,
        model=model,
        analyzers=analyzers,
        seed=config.seed,
        model_card=config.model_card,
        provenance=provenance,
        on_step=on_step,
        on_roles=on_roles,
        apart=apart,
        early=early,
    )
