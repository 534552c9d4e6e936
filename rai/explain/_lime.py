"""LIME weights for chosen rows, on the original input columns.

LIME perturbs a numeric matrix, so the rows go through ``TabularCodec``: categorical columns
are sampled as codes with their training frequencies and decoded back to the model's own
values before every call. Numeric columns are discretised into quartiles (LIME's default).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from rai.explain._codec import TabularCodec
from rai.explain._output import ModelOutput
from rai.explain._shap import _import, _quiet

__all__ = ["LimeWeights", "lime_weights"]


@dataclasses.dataclass(frozen=True)
class LimeWeights:
    """LIME's local linear model for one row: a weight per original column and its intercept."""

    weights: dict[str, float]
    intercept: float
    local_prediction: float
    score: float


def lime_weights(
    output: ModelOutput,
    training: pd.DataFrame,
    rows: pd.DataFrame,
    *,
    categorical: list[str],
    outputs: list[int],
    num_samples: int,
    seed: int,
) -> list[LimeWeights]:
    """LIME explanations of ``rows`` (output ``outputs[i]`` for row ``i``).

    ``training`` gives LIME its sampling distribution (feature frequencies and quartiles).
    """
    LimeTabularExplainer = _import("lime.lime_tabular").LimeTabularExplainer

    codec = TabularCodec.fit(training, categorical)
    train = codec.encode(training)
    # LIME's quartile discretiser cannot handle missing numbers: fill them with the median
    medians = np.nanmedian(np.where(np.isnan(train), np.nan, train), axis=0) if train.size else np.zeros(train.shape[1])
    medians = np.nan_to_num(medians)
    train = np.where(np.isnan(train), medians, train)
    regression = output.task == "regression"
    explainer = LimeTabularExplainer(
        train,
        mode="regression" if regression else "classification",
        feature_names=list(codec.columns),
        categorical_features=list(codec.categorical),
        categorical_names={i: codec.labels(i) for i in codec.categorical},
        discretize_continuous=True,
        random_state=seed,
    )

    def predict(matrix: np.ndarray) -> np.ndarray:
        frame = codec.decode(matrix)
        if regression:
            return output(frame)[:, 0]
        return output.all_probabilities(frame)

    encoded = codec.encode(rows)
    encoded = np.where(np.isnan(encoded), medians, encoded)
    out: list[LimeWeights] = []
    for i in range(len(rows)):
        label = 0 if regression else output.proba_column(outputs[i])
        with _quiet():
            exp = explainer.explain_instance(
                encoded[i],
                predict,
                labels=(label,),
                num_features=len(codec.columns),
                num_samples=num_samples,
            )
        key = 1 if regression else label  # lime keys a regression explanation under 1
        pairs = exp.as_map()[key]
        weights = {codec.columns[j]: float(w) for j, w in pairs}
        intercept = exp.intercept[key]
        out.append(
            LimeWeights(
                weights={c: weights.get(c, 0.0) for c in codec.columns},
                intercept=float(intercept),
                local_prediction=float(np.ravel(exp.local_pred)[0]),
                score=float(exp.score if np.isscalar(exp.score) else np.ravel(exp.score)[0]),
            )
        )
    return out
