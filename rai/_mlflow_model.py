"""MLflow models in: ``models:/NAME/VERSION``, ``models:/NAME@ALIAS``, ``models:/m-ID``, ``runs:/RUN/PATH``
or a local MLflow model folder, loaded into a ``ModelAdapter``.

Imported only when such a reference is given (``rai._model.load_model`` dispatches here), so the
core install and ``rai --help`` never import mlflow.

The model files are downloaded with MLflow and read by us, not by ``mlflow.sklearn.load_model``,
so the trust rules are the toolkit's own:

* scikit-learn saved with skops (MLflow 3's default): skops' safe loader, nothing unpickled. Types
  skops does not trust by default load only when the user lists them (``model.trusted_types``),
  accepts the ones the model's author recorded in the MLmodel file (``--trust-recorded-types``),
  or passes ``--trust-model``. A recorded list alone is never enough: it comes from the file.
* scikit-learn saved with pickle / cloudpickle, and any other flavor (loaded as a pyfunc): these
  run code when loaded, so they need ``--trust-model`` like a joblib file.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import tempfile
from pathlib import Path
from typing import Any

from rai._exceptions import ModelLoadError
from rai._model import ModelAdapter, file_sha256, load_skops

__all__ = ["ResolvedModel", "resolve_model", "load_mlflow_model", "mlflow_model_sha256", "registry_client"]

_MODELS_VERSION = re.compile(r"^models:/(?P<name>[^@]+)/(?P<version>\d+)/?$")
_MODELS_ALIAS = re.compile(r"^models:/(?P<name>[^@/]+)@(?P<alias>[^/]+)/?$")
_LOGGED_MODEL = re.compile(r"^models:/(?P<model_id>m-[0-9a-f]+)/?$")
_RUNS = re.compile(r"^runs:/(?P<run_id>[^/]+)/(?P<path>.+)$")


@dataclasses.dataclass(frozen=True)
class ResolvedModel:
    """An MLflow model reference, resolved to a local folder and its registry coordinates."""

    uri: str
    local_dir: Path
    name: str | None = None
    version: str | None = None
    run_id: str | None = None

    @property
    def provenance(self) -> dict[str, str | None]:
        return {"model_uri": self.uri, "model_name": self.name, "model_version": self.version,
                "model_run_id": self.run_id}


def registry_client(tracking_uri: str | None = None) -> Any:
    """An ``MlflowClient`` on ``tracking_uri`` (default ``MLFLOW_TRACKING_URI``), also as registry."""
    try:
        from mlflow import MlflowClient
    except ImportError as exc:  # the optional extra is not installed
        raise ModelLoadError('MLflow models, rai mlflow, rai approve and rai approvals need the mlflow extra: '
                             'pip install "rai-toolkit[mlflow]".') from exc
    return MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)


def _mlflow_error(uri: str, exc: Exception) -> ModelLoadError:
    message = getattr(exc, "message", None) or str(exc)
    return ModelLoadError(f"MLflow model {uri!r} could not be resolved: {message.splitlines()[0] if message else type(exc).__name__}")


def resolve_model(source: str | Path, dest: str | Path, *, tracking_uri: str | None = None) -> ResolvedModel:
    """Download (or locate) the MLflow model ``source`` into ``dest`` and find its name, version and run."""
    text = str(source)
    if not text.startswith(("models:/", "runs:/")):
        folder = Path(text)
        if not (folder / "MLmodel").is_file():
            raise ModelLoadError(f"{text!r} is not an MLflow model folder: it has no MLmodel file.")
        meta = _read_mlmodel(folder)
        return ResolvedModel(uri=str(folder), local_dir=folder, run_id=meta.get("run_id"))
    client = registry_client(tracking_uri)
    from mlflow.exceptions import MlflowException

    name = version = run_id = None
    try:
        if m := _MODELS_VERSION.match(text):
            mv = client.get_model_version(m["name"], m["version"])
            name, version, run_id = mv.name, str(mv.version), mv.run_id
        elif m := _MODELS_ALIAS.match(text):
            mv = client.get_model_version_by_alias(m["name"], m["alias"])
            name, version, run_id = mv.name, str(mv.version), mv.run_id
        elif m := _LOGGED_MODEL.match(text):
            run_id = client.get_logged_model(m["model_id"]).source_run_id
        elif m := _RUNS.match(text):
            run_id = client.get_run(m["run_id"]).info.run_id
        else:
            raise ModelLoadError(
                f"--model {text!r}: expected models:/NAME/VERSION, models:/NAME@ALIAS, models:/m-ID or runs:/RUN_ID/PATH."
            )
        import mlflow.artifacts

        local = mlflow.artifacts.download_artifacts(
            artifact_uri=text, dst_path=str(dest), tracking_uri=tracking_uri, registry_uri=tracking_uri
        )
    except MlflowException as exc:
        raise _mlflow_error(text, exc) from None
    folder = Path(local)
    if not (folder / "MLmodel").is_file():
        raise ModelLoadError(f"MLflow artifact {text!r} is not a model: it has no MLmodel file.")
    return ResolvedModel(uri=text, local_dir=folder, name=name, version=version, run_id=run_id)


def _read_mlmodel(folder: Path) -> dict[str, Any]:
    import yaml

    try:
        meta = yaml.safe_load((folder / "MLmodel").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ModelLoadError(f"{str(folder / 'MLmodel')!r} is not a readable MLmodel file: {exc}") from exc
    if not isinstance(meta, dict) or not isinstance(meta.get("flavors"), dict):
        raise ModelLoadError(f"{str(folder / 'MLmodel')!r} has no 'flavors' mapping; is it an MLflow model?")
    return meta


def _model_file(folder: Path, meta: dict[str, Any]) -> Path | None:
    sk = meta["flavors"].get("sklearn")
    if isinstance(sk, dict) and sk.get("pickled_model"):
        return folder / str(sk["pickled_model"])
    return None


def _folder_sha256(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(q for q in folder.rglob("*") if q.is_file()):
        h.update(p.relative_to(folder).as_posix().encode() + b"\0" + file_sha256(p).encode() + b"\n")
    return h.hexdigest()


def _checksum(folder: Path, meta: dict[str, Any]) -> str:
    """The model's own checksum: its serialized file (model.skops / model.pkl), else the whole folder."""
    data = _model_file(folder, meta)
    return file_sha256(data) if data is not None and data.is_file() else _folder_sha256(folder)


def mlflow_model_sha256(source: str | Path, *, tracking_uri: str | None = None) -> str:
    """The checksum ``load_mlflow_model`` records for ``source``, without loading the model."""
    with tempfile.TemporaryDirectory(prefix="rai-mlflow-") as tmp:
        resolved = resolve_model(source, tmp, tracking_uri=tracking_uri)
        return _checksum(resolved.local_dir, _read_mlmodel(resolved.local_dir))


def load_mlflow_model(
    source: str | Path,
    *,
    tracking_uri: str | None = None,
    trust: bool = False,
    trusted_types: tuple[str, ...] = (),
    trust_recorded_types: bool = False,
) -> ModelAdapter:
    """Load an MLflow model into a ``ModelAdapter`` whose provenance names its URI, version and run."""
    with tempfile.TemporaryDirectory(prefix="rai-mlflow-") as tmp:
        resolved = resolve_model(source, tmp, tracking_uri=tracking_uri)
        meta = _read_mlmodel(resolved.local_dir)
        digest = _checksum(resolved.local_dir, meta)
        sk = meta["flavors"].get("sklearn")
        if isinstance(sk, dict):
            model = _load_sklearn(resolved, sk, trust=trust, trusted_types=trusted_types,
                                  trust_recorded_types=trust_recorded_types)
        else:
            model = _load_pyfunc(resolved, meta, trust=trust)
    adapter = ModelAdapter.from_estimator(model)
    return dataclasses.replace(adapter, source=resolved.uri, sha256=digest, provenance=resolved.provenance)


def _load_sklearn(resolved: ResolvedModel, flavor: dict[str, Any], *, trust: bool, trusted_types: tuple[str, ...],
                  trust_recorded_types: bool) -> Any:
    fmt = str(flavor.get("serialization_format", "pickle"))
    path = resolved.local_dir / str(flavor["pickled_model"])
    if fmt == "skops":
        recorded = [str(t) for t in flavor.get("skops_trusted_types") or []]
        hint = (f" Its MLmodel file records {recorded[:10]} as trusted by the model's author: accept that list with "
                f"--trust-recorded-types (model.trust_recorded_types: true in rai.yaml)." if recorded else "")
        allowed = [*trusted_types, *(recorded if trust_recorded_types else [])]
        return load_skops(path, trust=trust, trusted_types=allowed, what=f"MLflow model {resolved.uri!r} ({path.name})",
                          hint=hint)
    if not trust:
        raise ModelLoadError(
            f"MLflow model {resolved.uri!r} is saved with {fmt}: loading it unpickles, which runs any code the file "
            f"contains. Pass --trust-model (trust=True) only if you trust its origin, or log it with "
            f"serialization_format='skops'."
        )
    import cloudpickle  # reads pickle and cloudpickle alike

    try:
        with open(path, "rb") as fh:
            return cloudpickle.load(fh)
    except Exception as exc:
        raise ModelLoadError(f"could not unpickle MLflow model {resolved.uri!r}: {type(exc).__name__}: {exc}") from exc


def _load_pyfunc(resolved: ResolvedModel, meta: dict[str, Any], *, trust: bool) -> Any:
    flavors = sorted(meta["flavors"])
    if "python_function" not in meta["flavors"]:
        raise ModelLoadError(
            f"MLflow model {resolved.uri!r} has flavors {flavors}; expected sklearn or python_function."
        )
    if not trust:
        raise ModelLoadError(
            f"MLflow model {resolved.uri!r} has no sklearn flavor (flavors {flavors}); loading it as a pyfunc runs "
            f"its code. Pass --trust-model only if you trust its origin."
        )
    import mlflow.pyfunc

    try:
        return mlflow.pyfunc.load_model(str(resolved.local_dir))
    except Exception as exc:
        raise ModelLoadError(f"could not load MLflow model {resolved.uri!r} as a pyfunc: {type(exc).__name__}: {exc}") from exc
