"""``rai.yaml``: one file that the API, the CLI, the scheduler and CI all read.

The file is read with ``rai._safe_yaml.load_yaml`` (duplicate keys refused) from an explicit path into a frozen ``Config``.
Paths inside it are relative to the file's folder. Sections owned by other parts of the
toolkit (``gate``, ``monitor``, ``report``) are kept as plain mappings and validated by them.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any

from rai._exceptions import ConfigError
from rai._spec import DatasetSpec

__all__ = ["Config", "load_config", "config_bool", "DEFAULT_CONFIG_NAMES"]

DEFAULT_CONFIG_NAMES = ("rai.yaml", "rai.yml")

_DATA_KEYS = {
    "path", "reference", "target", "prediction", "score", "sensitive", "numeric", "categorical",
    "id", "timestamp", "exclude", "task", "positive_label", "labels", "max_groups",
}
_TOP_KEYS = {"version", "data", "model", "seed", "analyzers", "model_card", "gate", "monitor", "report", "output"}


@dataclasses.dataclass(frozen=True)
class Config:
    """A parsed ``rai.yaml``."""

    spec: DatasetSpec = DatasetSpec()
    data_path: Path | None = None
    reference_path: Path | None = None
    labels_path: Path | None = None
    model_path: Path | None = None
    model_uri: str | None = None
    tracking_uri: str | None = None
    trust_model: bool = False
    trusted_types: tuple[str, ...] = ()
    trust_recorded_types: bool = False
    seed: int = 0
    analyzers: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    enabled: list[str] | None = None
    model_card: dict[str, Any] = dataclasses.field(default_factory=dict)
    gate: dict[str, Any] = dataclasses.field(default_factory=dict)
    monitor: dict[str, Any] = dataclasses.field(default_factory=dict)
    report: dict[str, Any] = dataclasses.field(default_factory=dict)
    output: Path | None = None
    source: Path | None = None
    sha256: str | None = None

    @property
    def model_source(self) -> str | Path | None:
        """The model to load: an MLflow URI (``models:/...``, ``runs:/...``) or a file / folder path."""
        return self.model_uri or self.model_path

    def update(self, **changes: Any) -> Config:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a mapping; got {type(value).__name__} ({value!r}).")
    return value


def config_bool(value: Any, where: str) -> bool:
    """A boolean from a config file: ``true`` / ``false`` only (``bool("false")`` is true)."""
    if not isinstance(value, bool):
        raise ConfigError(f"{where} must be true or false (a YAML boolean, unquoted); got {value!r}.")
    return value


def _str_list(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, list) and all(isinstance(v, (str, int)) for v in value):
        return tuple(str(v) for v in value)
    raise ConfigError(f"{where} must be a list of column names; got {value!r}.")


def load_config(path: str | Path) -> Config:
    """Read ``rai.yaml`` from an explicit path.

    Raises
    ------
    ConfigError
        When the file is missing (naming the path tried), is not YAML, or has unknown keys.
    """
    from rai._safe_yaml import load_yaml

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {str(path)!r} does not exist (tried {str(path.resolve())!r}).")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config file {str(path)!r} is not UTF-8 text: {exc}") from None
    doc = load_yaml(text, f"config file {str(path)!r}")
    doc = _mapping(doc, f"{path}")
    unknown = sorted(set(doc) - _TOP_KEYS)
    if unknown:
        raise ConfigError(f"{path}: unknown top-level key(s) {unknown}; expected some of {sorted(_TOP_KEYS)}.")
    version = doc.get("version", 1)
    if version != 1:
        raise ConfigError(f"{path}: version must be 1; got {version!r}.")
    base = path.parent

    def rel(value: Any, where: str) -> Path | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise ConfigError(f"{path}: {where} must be a file path; got {value!r}.")
        p = Path(value)
        return p if p.is_absolute() else base / p

    data = _mapping(doc.get("data"), f"{path}: data")
    unknown = sorted(set(data) - _DATA_KEYS)
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) under data: {unknown}; expected some of {sorted(_DATA_KEYS)}.")
    task = data.get("task")
    if task not in (None, "binary", "multiclass", "regression"):
        raise ConfigError(f"{path}: data.task must be binary, multiclass or regression; got {task!r}.")
    spec = DatasetSpec(
        target=data.get("target"),
        prediction=data.get("prediction"),
        score=data.get("score"),
        sensitive=_str_list(data.get("sensitive"), "data.sensitive"),
        numeric=_str_list(data.get("numeric"), "data.numeric"),
        categorical=_str_list(data.get("categorical"), "data.categorical"),
        id=data.get("id"),
        timestamp=data.get("timestamp"),
        exclude=_str_list(data.get("exclude"), "data.exclude"),
        task=task,
        positive_label=data.get("positive_label"),
        **({"max_groups": data["max_groups"]} if "max_groups" in data else {}),
    )
    model = doc.get("model")
    if isinstance(model, str):
        model = {"path": model}
    model = _mapping(model, f"{path}: model")
    model_uri = model.get("uri")
    if isinstance(model.get("path"), str) and model["path"].startswith(("models:/", "runs:/")):
        model_uri = model_uri or model.pop("path")
    if model_uri is not None and not isinstance(model_uri, str):
        raise ConfigError(f"{path}: model.uri must be an MLflow model URI (models:/NAME/VERSION); got {model_uri!r}.")
    analyzers = dict(_mapping(doc.get("analyzers"), f"{path}: analyzers"))
    enabled = analyzers.pop("run", None)
    if enabled is not None:
        enabled = list(_str_list(enabled, "analyzers.run"))
    for name, opts in analyzers.items():
        _mapping(opts, f"{path}: analyzers.{name}")
    seed = doc.get("seed", 0)
    if not isinstance(seed, int):
        raise ConfigError(f"{path}: seed must be an integer; got {seed!r}.")
    return Config(
        spec=spec,
        data_path=rel(data.get("path"), "data.path"),
        reference_path=rel(data.get("reference"), "data.reference"),
        labels_path=rel(data.get("labels"), "data.labels"),
        model_path=rel(model.get("path"), "model.path"),
        model_uri=model_uri,
        tracking_uri=model.get("tracking_uri"),
        trust_model=config_bool(model.get("trust", False), f"{path}: model.trust"),
        trusted_types=_str_list(model.get("trusted_types"), "model.trusted_types"),
        trust_recorded_types=config_bool(model.get("trust_recorded_types", False), f"{path}: model.trust_recorded_types"),
        seed=seed,
        analyzers={k: dict(v or {}) for k, v in analyzers.items()},
        enabled=enabled,
        model_card=_mapping(doc.get("model_card"), f"{path}: model_card"),
        gate=_mapping(doc.get("gate"), f"{path}: gate"),
        monitor=_mapping(doc.get("monitor"), f"{path}: monitor"),
        report=_mapping(doc.get("report"), f"{path}: report"),
        output=rel(doc.get("output"), "output"),
        source=path,
        sha256=hashlib.sha256(raw).hexdigest(),
    )
