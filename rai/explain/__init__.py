"""The explainer layer: one small interface over shap, lime and interpret.

The explanations analyzer talks only to this package, never to the libraries directly, so
their version differences (list vs. array SHAP values, LIME's label keys, EBM's explanation
objects) are handled here once.

* ``ModelOutput``: what is explained (class probabilities or the regression prediction),
  with the checks that the model suits the task.
* ``shap_explainer``: Tree SHAP through a scikit-learn pipeline where the model supports it,
  shap's permutation explainer on a bounded background otherwise; both return
  ``Attributions`` on the original input columns.
* ``lime_weights``: LIME's local weights on the same columns.
* ``fit_ebm_surrogate``: an Explainable Boosting Machine fitted to the model's outputs, with
  its fidelity and shape functions.
* ``source_columns``: which input column each expanded pipeline column came from.

Heavy libraries are imported inside the functions that use them; ``single_threaded`` runs a
block with OpenMP / BLAS on one thread (explainers call models on many small batches).
"""

from __future__ import annotations

from rai.explain._codec import TabularCodec, display_labels, display_value
from rai.explain._ebm import SurrogateFit, fit_ebm_surrogate
from rai.explain._lime import LimeWeights, lime_weights
from rai.explain._mapping import MappingError, source_columns
from rai.explain._output import ModelOutput
from rai.explain._shap import (
    ADDITIVITY_TOLERANCE,
    MIN_TREE_ROWS,
    TREE_UNITS_PER_SECOND,
    Attributions,
    LinearShap,
    PermutationShap,
    TreeShap,
    shap_explainer,
    tree_cost_per_row,
)
from rai._threads import single_threaded

__all__ = [
    "ADDITIVITY_TOLERANCE",
    "MIN_TREE_ROWS",
    "TREE_UNITS_PER_SECOND",
    "Attributions",
    "LimeWeights",
    "LinearShap",
    "MappingError",
    "ModelOutput",
    "PermutationShap",
    "SurrogateFit",
    "TabularCodec",
    "TreeShap",
    "display_labels",
    "display_value",
    "fit_ebm_surrogate",
    "lime_weights",
    "shap_explainer",
    "single_threaded",
    "source_columns",
    "tree_cost_per_row",
]
