"""Feature-attribution drift: did the model start relying on different features?

As Azure ML's model monitor does, the global importance of each feature (mean absolute SHAP
value, from the toolkit's explainer layer ``rai.explain``) is computed on a sample of the
reference and of the batch, and the two rankings are compared by NDCG (normalised discounted
cumulative gain, ``sklearn.metrics.ndcg_score``): the batch's ranking scored with the
reference importances as relevance. 1 means the same order; it falls as important features
lose rank. The signal is ``attribution.ndcg``; a typical rule is ``attribution.ndcg < 0.9``.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["AttributionDrift", "attribution_drift", "ndcg"]

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class AttributionDrift:
    """Global importances on both sides and the NDCG of the batch's ranking."""

    ndcg: float
    features: list[str]
    reference_importance: list[float]
    current_importance: list[float]
    method: str
    n_reference: int
    n_current: int

    def top(self, k: int = 5) -> dict[str, list[str]]:
        ref = [self.features[i] for i in np.argsort(self.reference_importance)[::-1][:k]]
        cur = [self.features[i] for i in np.argsort(self.current_importance)[::-1][:k]]
        return {"reference": ref, "current": cur}


def ndcg(reference_importance: np.ndarray, current_importance: np.ndarray) -> float:
    """NDCG of the ranking by ``current_importance`` with ``reference_importance`` as relevance."""
    from sklearn.metrics import ndcg_score

    ref = np.asarray(reference_importance, dtype=float)
    if ref.size < 2 or not np.any(ref > 0):
        return 1.0
    return float(ndcg_score(ref.reshape(1, -1), np.asarray(current_importance, dtype=float).reshape(1, -1)))


def attribution_drift(
    model: Any,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    features: list[str],
    categorical: list[str],
    positive_label: Any = None,
    n_rows: int = 300,
    seed: int = 0,
) -> AttributionDrift:
    """Attribution drift of ``current`` against ``reference`` for a fitted model (or ``ModelAdapter``)."""
    from rai._model import ModelAdapter
    from rai.explain import ModelOutput, shap_explainer

    adapter = model if isinstance(model, ModelAdapter) else ModelAdapter.from_estimator(model)
    classes = tuple(adapter.classes) if adapter.classes is not None else ()
    if adapter.has_proba and classes:
        task = "binary" if len(classes) == 2 else "multiclass"
        positive = positive_label if positive_label is not None else classes[-1]
        for c in classes:
            if str(c) == str(positive):
                positive = c
    else:
        task, positive = "regression", None
    output = ModelOutput.resolve(adapter, task=task, classes=classes, positive_label=positive)
    X_ref = adapter.inputs(reference, features)
    X_cur = adapter.inputs(current, features)
    ref_rows = X_ref.sample(n=min(n_rows, len(X_ref)), random_state=seed)
    cur_rows = X_cur.sample(n=min(n_rows, len(X_cur)), random_state=seed)
    cats = [c for c in categorical if c in X_ref.columns]
    explainer, notes = shap_explainer(output, X_ref.sample(n=min(100, len(X_ref)), random_state=seed + 1),
                                      categorical=cats, seed=seed)
    for note in notes:
        log.info("attribution drift: %s", note)
    a_ref = explainer.explain(ref_rows)
    a_cur = explainer.explain(cur_rows)
    imp_ref = np.abs(a_ref.values).mean(axis=(0, 2))
    imp_cur = np.abs(a_cur.values).mean(axis=(0, 2))
    return AttributionDrift(
        ndcg=ndcg(imp_ref, imp_cur),
        features=list(a_ref.features),
        reference_importance=[float(v) for v in imp_ref],
        current_importance=[float(v) for v in imp_cur],
        method=f"mean |SHAP| ({a_ref.explainer}), NDCG of the ranking",
        n_reference=len(ref_rows),
        n_current=len(cur_rows),
    )
