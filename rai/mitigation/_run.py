"""``rai mitigate`` from files: mitigate, save the model, assess before and after, write the trade-off.

The folder it writes::

    DIR/mitigated.skops          the mitigated model (skops)
    DIR/mitigated.rai.json       what it reads at prediction time, and the skops types it needs
    DIR/before/assessment.json   the original model on the test data
    DIR/after/assessment.json    the mitigated model (loaded back from DIR/mitigated.skops) on the same data
    DIR/tradeoff.json            accuracy and the constrained disparity of every candidate
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from rai._assessment import Assessment, assess
from rai._config import Config
from rai._io import read_table
from rai._model import ModelAdapter, load_model
from rai.mitigation._mitigate import mitigate
from rai.mitigation._tradeoff import Tradeoff

__all__ = ["MitigationRun", "mitigate_files", "save_mitigated", "DEFAULT_ANALYZERS"]

#: What the before / after assessments run unless the config's analyzers.run says otherwise.
DEFAULT_ANALYZERS = ("performance", "fairness")


@dataclasses.dataclass(frozen=True)
class MitigationRun:
    """What ``mitigate_files`` wrote and measured."""

    model_path: Path
    metadata_path: Path
    before: Assessment
    after: Assessment
    tradeoff: Tradeoff
    paths: dict[str, Path]


def save_mitigated(model: object, path: Path, *, metadata: dict) -> tuple[Path, Path]:
    """Write the model with skops and its metadata file listing the types it needs."""
    import skops.io as sio

    from rai._model import file_sha256
    from rai._model_sidecar import write_sidecar

    path.parent.mkdir(parents=True, exist_ok=True)
    sio.dump(model, path)
    types = sorted(sio.get_untrusted_types(file=path))
    meta = write_sidecar(path, {"model_file": path.name, "model_sha256": file_sha256(path), "trusted_types": types,
                                **metadata})
    return path, meta


def mitigate_files(
    config: Config,
    *,
    train_path: Path,
    out: Path,
    method: str,
    constraint: str,
    grid_size: int = 10,
    on_step: Callable[[str], None] | None = None,
) -> MitigationRun:
    """Mitigate the config's model on ``train_path``; assess before / after on the config's data."""
    from rai._exceptions import ConfigError

    step = on_step or (lambda _name: None)
    if config.model_path is None:
        raise ConfigError("missing --model FILE: the original model to mitigate.")
    if config.data_path is None:
        raise ConfigError("missing --test FILE: the data the before / after assessments are made on.")
    step(f"reading {train_path.name} and {config.data_path.name}")
    train, test = read_table(train_path), read_table(config.data_path)
    original = load_model(config.model_path, trust=config.trust_model, trusted_types=config.trusted_types)
    fairness_opts = config.analyzers.get("fairness", {})
    min_group_size = int(fairness_opts.get("min_group_size", 30))
    step(f"fitting {method} under {constraint}")
    result = mitigate(train.frame, test.frame, spec=config.spec, model=original, method=method, constraint=constraint,
                      seed=config.seed, min_group_size=min_group_size, grid_size=grid_size)
    model_path, meta_path = save_mitigated(result.model, out / "mitigated.skops", metadata={
        "requires_at_prediction": result.requires_sensitive,
        "deployment_notes": list(result.model.deployment_notes()),
        "mitigation": {"method": method, "constraint": constraint, "seed": config.seed,
                       "sensitive_features": list(config.spec.sensitive), "train_sha256": train.sha256,
                       "original_model": {"source": original.source, "sha256": original.sha256}},
    })
    # the after-assessment loads the saved file, as `rai assess --model` will (with the trust the original had)
    mitigated = load_model(model_path, trust=config.trust_model, trusted_types=config.trusted_types)
    enabled = config.enabled if config.enabled is not None else list(DEFAULT_ANALYZERS)
    provenance = {"data_sha256": test.sha256, "data_source": test.source}
    if config.sha256 is not None:
        provenance.update(config_sha256=config.sha256, config_source=str(config.source))
    assessments = {}
    for name, model in (("before", original), ("after", mitigated)):
        step(f"assessing the {'original' if name == 'before' else 'mitigated'} model")
        assessments[name] = _assess(test.frame, config, model, enabled, provenance)
    paths = {"model": model_path, "metadata": meta_path}
    for name, a in assessments.items():
        paths[name] = a.save(out / name / "assessment.json")
    paths["tradeoff"] = result.tradeoff.save(out / "tradeoff.json")
    return MitigationRun(model_path=model_path, metadata_path=meta_path, before=assessments["before"],
                         after=assessments["after"], tradeoff=result.tradeoff, paths=paths)


def _assess(frame, config: Config, model: ModelAdapter, enabled: list[str], provenance: dict) -> Assessment:
    from rai.analyzers import default_analyzers

    analyzers = default_analyzers(options=config.analyzers, enabled=enabled, model=model, seed=config.seed)
    return assess(frame, spec=config.spec.replace(prediction=None, score=None), model=model, analyzers=analyzers,
                  seed=config.seed, model_card=config.model_card, provenance=dict(provenance))
