"""What an explanation explains: the model's probability of a class, or its predicted value."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from rai._exceptions import UnsupportedError
from rai._model import ModelAdapter
from rai.explain._codec import display_value

__all__ = ["ModelOutput"]


def _final_estimator(model: Any) -> Any:
    steps = getattr(model, "steps", None)
    if steps:
        return _final_estimator(steps[-1][1])
    return model


def _is_regressor(model: Any) -> bool:
    from sklearn.base import is_regressor

    final = _final_estimator(model)
    try:
        return bool(is_regressor(final))
    except Exception:  # not a scikit-learn estimator: decide by what it can do
        return not hasattr(final, "predict_proba")


@dataclasses.dataclass(frozen=True)
class ModelOutput:
    """The function an explainer explains, on frames of the model's ORIGINAL input columns.

    For a classifier it is the probability of each explained class (binary: the positive class
    only; multiclass: every class), for a regressor the prediction. ``__call__`` returns an
    array of shape ``(n_rows, n_outputs)``.
    """

    adapter: ModelAdapter
    task: str
    labels: tuple[str, ...]
    columns: tuple[int, ...]

    @classmethod
    def resolve(cls, adapter: ModelAdapter, *, task: str, classes: tuple[Any, ...], positive_label: Any) -> ModelOutput:
        """Check the model suits the task and pick the outputs to explain.

        Raises
        ------
        UnsupportedError
            A regressor given a classification target, a classifier given a regression target, a
            classifier without ``predict_proba``, or a classifier whose classes are not the target's.
        """
        kind = adapter.kind
        if task == "regression":
            if not _is_regressor(adapter.model) and adapter.has_proba:
                raise UnsupportedError(
                    f"the model ({kind}) is a classifier but the target is numeric (a regression task); "
                    f"expected a regressor, or declare task: binary / multiclass in the data spec."
                )
            return cls(adapter=adapter, task=task, labels=("prediction",), columns=())
        if _is_regressor(adapter.model):
            raise UnsupportedError(
                f"the model ({kind}) is a regressor but the target is a {task} classification target with "
                f"classes {[display_value(c) for c in classes][:10]}; expected a classifier with predict_proba."
            )
        if not adapter.has_proba:
            raise UnsupportedError(
                f"the model ({kind}) has no 'predict_proba'; explanations of a classifier explain its "
                f"predicted probabilities. Wrap it (e.g. sklearn.calibration.CalibratedClassifierCV) to add one."
            )
        model_classes = adapter.classes
        if model_classes is None:
            raise UnsupportedError(f"the model ({kind}) has no 'classes_'; cannot tell which probability is which class.")
        index = {display_value(c): i for i, c in enumerate(model_classes)}
        missing = [display_value(c) for c in classes if display_value(c) not in index]
        if missing:
            raise UnsupportedError(
                f"the model ({kind}) was fitted on classes {[display_value(c) for c in model_classes][:10]} but the "
                f"target holds {missing[:10]} too; expected the target's classes to be the model's."
            )
        if task == "binary":
            pos = display_value(positive_label)
            return cls(adapter=adapter, task=task, labels=(pos,), columns=(index[pos],))
        labels = tuple(display_value(c) for c in model_classes)
        return cls(adapter=adapter, task=task, labels=labels, columns=tuple(range(len(model_classes))))

    @property
    def n_outputs(self) -> int:
        return len(self.labels)

    @property
    def description(self) -> str:
        if self.task == "regression":
            return "predicted value"
        if self.task == "binary":
            return f"probability of class {self.labels[0]}"
        return "probability of each class"

    def __call__(self, frame: pd.DataFrame) -> np.ndarray:
        if self.task == "regression":
            return self.adapter.predict(frame).astype(float).reshape(-1, 1)
        proba = self.adapter.predict_proba(frame)
        return proba[:, list(self.columns)]

    def all_probabilities(self, frame: pd.DataFrame) -> np.ndarray:
        """Every class's probability (what LIME's classifier mode expects)."""
        return self.adapter.predict_proba(frame)

    def proba_column(self, output: int) -> int:
        """Column of ``predict_proba`` that output ``output`` stands for."""
        return self.columns[output]
