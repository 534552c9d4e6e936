"""One interface over the ways a model reaches the toolkit.

``ModelAdapter`` gives ``predict`` / ``predict_proba`` over a DataFrame of the ORIGINAL
feature columns, whatever the model is: a scikit-learn estimator or pipeline object (API),
a ``.skops`` file (safe to load), a joblib / pickle file (only with ``trust=True``,
because unpickling runs arbitrary code), or an MLflow model (``models:/...``, ``runs:/...`` or an
MLflow model folder; resolved by ``rai._mlflow_model``, imported only then). Predictions-only mode needs no adapter at all:
the analyzers read the prediction and score columns of the data.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rai._exceptions import DataContractError, ModelLoadError, UnsupportedError

__all__ = ["ModelAdapter", "load_model", "file_sha256", "is_mlflow_model"]

_PICKLE_SUFFIXES = {".joblib", ".pkl", ".pickle", ".jbl"}


def file_sha256(path: str | Path) -> str:
    """sha256 of a file's bytes, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


#: scikit-learn classifiers whose ``predict`` returns ``classes_[argmax(predict_proba)]`` (read in
#: their source; a test checks it on fitted models).
_ARGMAX_CLASSIFIERS = frozenset({
    "HistGradientBoostingClassifier", "GradientBoostingClassifier", "RandomForestClassifier",
    "ExtraTreesClassifier", "DecisionTreeClassifier", "ExtraTreeClassifier", "LogisticRegression",
})


@dataclasses.dataclass(frozen=True)
class ModelAdapter:
    """A fitted model seen through ``predict`` / ``predict_proba`` on original feature columns.

    Parameters
    ----------
    model:
        A fitted object with ``predict`` (and ``predict_proba`` for classifiers).
    feature_names:
        The input columns the model expects, in order. Read from ``feature_names_in_`` when
        the model has it; otherwise every feature of the data is passed.
    source:
        Where the model came from (file path or ``"python object"``), for provenance.
    sha256:
        Hash of the model file, when loaded from one.
    provenance:
        Extra provenance fields of the model (an MLflow model's URI, name, version and run id).
    notes:
        Facts a deployment must know (e.g. a sensitive feature read at prediction time), from the
        model's ``deployment_notes()``; shown in the model card.
    """

    model: Any
    feature_names: tuple[str, ...] | None = None
    source: str = "python object"
    sha256: str | None = None
    provenance: dict[str, str | None] = dataclasses.field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @classmethod
    def from_estimator(cls, model: Any, *, feature_names: list[str] | None = None) -> ModelAdapter:
        if not hasattr(model, "predict"):
            raise ModelLoadError(
                f"the model must have a 'predict' method (a fitted scikit-learn style estimator); "
                f"got {type(model).__name__}."
            )
        names = feature_names
        if names is None and hasattr(model, "feature_names_in_"):
            names = [str(c) for c in model.feature_names_in_]
        notes = tuple(model.deployment_notes()) if callable(getattr(model, "deployment_notes", None)) else ()
        return cls(model=model, feature_names=tuple(names) if names is not None else None, notes=notes)

    @property
    def kind(self) -> str:
        return f"{type(self.model).__module__}.{type(self.model).__qualname__}"

    @property
    def has_proba(self) -> bool:
        return hasattr(self.model, "predict_proba")

    @property
    def classes(self) -> list[Any] | None:
        classes = getattr(self.model, "classes_", None)
        return None if classes is None else list(classes)

    def inputs(self, frame: pd.DataFrame, features: tuple[str, ...] | list[str]) -> pd.DataFrame:
        """The columns the model reads, checked to be present."""
        names = list(self.feature_names) if self.feature_names is not None else list(features)
        missing = [c for c in names if c not in frame.columns]
        if missing:
            raise DataContractError(
                f"the model expects input columns that are not in the data: {missing[:10]}; "
                f"the model was fitted on {names[:20]}."
            )
        return frame[names]

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        try:
            return np.asarray(self.model.predict(X))
        except Exception as exc:  # the model's own error, re-raised with what it was given
            raise DataContractError(
                f"the model ({self.kind}) failed to predict on the data's columns "
                f"{list(X.columns)[:20]}: {type(exc).__name__}: {exc}"
            ) from exc

    def outputs(self, X: pd.DataFrame, *, proba: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """Predictions, and the class probabilities when ``proba`` (or when they come free).

        For scikit-learn classifiers whose ``predict`` is the class of highest probability, both
        come from one ``predict_proba`` call (their ``predict`` calls it again internally).
        """
        final = self.model
        while getattr(final, "steps", None):
            final = final.steps[-1][1]
        if (self.has_proba and type(final).__name__ in _ARGMAX_CLASSIFIERS
                and type(final).__module__.startswith("sklearn.")):
            p = self.predict_proba(X)
            return np.asarray(self.model.classes_)[p.argmax(axis=1)], p
        return self.predict(X), (self.predict_proba(X) if proba else None)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        if not self.has_proba:
            raise UnsupportedError(
                f"the model ({self.kind}) has no 'predict_proba'; scores and score-based metrics "
                f"(ROC AUC, log loss) need a probabilistic classifier."
            )
        try:
            return np.asarray(self.model.predict_proba(X), dtype=float)
        except Exception as exc:
            raise DataContractError(
                f"the model ({self.kind}) failed in predict_proba on the data's columns "
                f"{list(X.columns)[:20]}: {type(exc).__name__}: {exc}"
            ) from exc


def is_mlflow_model(source: str | Path) -> bool:
    """Whether ``source`` names an MLflow model: a ``models:/`` or ``runs:/`` URI, or a folder with an MLmodel file."""
    text = str(source)
    return text.startswith(("models:/", "runs:/")) or (Path(text) / "MLmodel").is_file()


def load_model(
    path: str | Path,
    *,
    trust: bool = False,
    trusted_types: tuple[str, ...] = (),
    tracking_uri: str | None = None,
    trust_recorded_types: bool = False,
) -> ModelAdapter:
    """Load a model file, or an MLflow model, into a ``ModelAdapter``.

    MLflow models (``models:/NAME/VERSION``, ``models:/NAME@ALIAS``, ``runs:/RUN/PATH`` or a local
    model folder) are read from ``tracking_uri`` (default ``MLFLOW_TRACKING_URI``) under the same
    trust rules; see ``rai._mlflow_model``.

    ``.skops`` files are loaded with skops' safe loader. Types skops does not trust by default
    are loaded only when listed in ``trusted_types`` (``model.trusted_types`` in rai.yaml, the
    narrow way) or when ``trust`` is set. joblib / pickle files execute code when loaded, so they
    are refused unless ``trust=True`` (``--trust-model`` on the CLI). A metadata file beside a
    ``.skops`` file (``model.rai.json``, see ``rai._model_sidecar``) may add classes of
    scikit-learn, fairlearn and rai to the trusted types.
    """
    if is_mlflow_model(path):
        from rai._mlflow_model import load_mlflow_model

        return load_mlflow_model(path, tracking_uri=tracking_uri, trust=trust, trusted_types=trusted_types,
                                 trust_recorded_types=trust_recorded_types)
    path = Path(path)
    if not path.is_file():
        hint = " (a folder: an MLflow model folder holds an MLmodel file)" if path.is_dir() else ""
        raise ModelLoadError(f"model file {str(path)!r} does not exist{hint}.")
    suffix = path.suffix.lower()
    digest = file_sha256(path)
    if suffix == ".skops":
        from rai._model_sidecar import read_sidecar, vouched_types

        # a metadata file beside the model (written by rai mitigate) may vouch for scikit-learn, fairlearn and rai classes
        sidecar = read_sidecar(path, sha256=digest) or {}
        allowed = [*trusted_types, *vouched_types(list(sidecar.get("trusted_types") or []))]
        model = load_skops(path, trust=trust, trusted_types=allowed)
    elif suffix in _PICKLE_SUFFIXES:
        if not trust:
            raise ModelLoadError(
                f"model file {str(path)!r} is a {suffix} file: loading it unpickles, which runs any code "
                f"the file contains. Pass --trust-model (trust=True) only if you trust its origin, "
                f"or save the model with skops (.skops) instead."
            )
        import joblib

        try:
            model = joblib.load(path)
        except Exception as exc:
            raise ModelLoadError(f"could not load {str(path)!r} with joblib: {exc}") from exc
    else:
        raise ModelLoadError(
            f"model file {str(path)!r} has suffix {suffix!r}; expected .skops, or .joblib / .pkl / .pickle "
            f"with --trust-model."
        )
    adapter = ModelAdapter.from_estimator(model)
    return dataclasses.replace(adapter, source=str(path), sha256=digest)


def load_skops(path: Path, *, trust: bool, trusted_types: list[str], what: str | None = None, hint: str = "") -> Any:
    """Load a .skops file in one pass when its types are trusted (skops' defaults plus ``trusted_types``).

    ``what`` names the model in messages (default: the file), ``hint`` says what else could be
    trusted. Listing the file's untrusted types first parsed the whole file a second time (half of
    the load time of the demo model); they are only listed when the load refuses a type, or at
    once when every type is trusted and none is named (a first load would only be refused).
    """
    import skops.io as sio
    from skops.io.exceptions import UntrustedTypesFoundException

    what = what or f"model file {str(path)!r}"
    if trusted_types or not trust:
        try:
            return sio.load(path, trusted=trusted_types)
        except UntrustedTypesFoundException:
            pass
        except Exception as exc:
            raise ModelLoadError(f"{what} is not a valid .skops file: {exc}") from exc
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:
        raise ModelLoadError(f"{what} is not a valid .skops file: {exc}") from exc
    unlisted = [t for t in untrusted if t not in set(trusted_types)]
    if not trust:
        raise ModelLoadError(
            f"{what} contains types skops does not trust by default: {unlisted[:10]}.{hint} Inspect them, then "
            f"list them under model.trusted_types in rai.yaml (or pass --trust-model) to load it."
        )
    try:
        return sio.load(path, trusted=untrusted)
    except Exception as exc:
        raise ModelLoadError(f"could not load {what} with skops: {exc}") from exc
