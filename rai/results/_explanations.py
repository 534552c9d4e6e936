"""Result shapes of the explanations: global importance, local explanations, a glass-box surrogate.

Everything is on the ORIGINAL input columns (one-hot and other expanded columns summed back).
SHAP contributions add up, with ``base_value``, to ``output_value`` in ``output_space``
(``log-odds`` for boosted trees, ``probability`` for forests and model-agnostic explainers,
``prediction`` for regressors); ``prediction`` is always the model's probability of the
explained class (classifiers) or its predicted value (regressors).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any, Literal

from rai._serialize import Result
from rai.results._stream import Metric, PathDoc, document_paths, register_section

__all__ = [
    "ExplanationResult",
    "FeatureImportance",
    "LocalAgreement",
    "LocalExplanation",
    "ShapeFunction",
    "SurrogateResult",
]


@dataclasses.dataclass(frozen=True)
class FeatureImportance(Result):
    """Global importance of one input column: mean absolute SHAP value over the sample."""

    feature: str
    importance: float
    method: str
    rank: int
    share: float


@dataclasses.dataclass(frozen=True)
class LocalExplanation(Result):
    """Contributions of each input column to one row's output, by SHAP or by LIME.

    ``row`` is the row's position in the assessed data, ``row_id`` its id when the data has an
    id column. ``output`` names the class explained (or ``prediction``); ``reason`` says why the
    row was chosen (``worst error``, ``typical`` or ``requested``).
    For LIME, ``base_value`` is the intercept of its local linear model and ``output_value`` that
    model's prediction.
    """

    row: int
    row_id: str | None
    method: Literal["shap", "lime"]
    contributions: dict[str, float]
    prediction: float
    base_value: float | None
    output_value: float | None
    output: str
    output_space: str
    reason: str
    feature_values: dict[str, str]


@dataclasses.dataclass(frozen=True)
class LocalAgreement(Result):
    """How far SHAP and LIME agree on one row: overlap of their top-k columns by absolute value."""

    row: int
    top_k: int
    shap_top: list[str]
    lime_top: list[str]
    overlap: float
    top1_agree: bool


@dataclasses.dataclass(frozen=True)
class ShapeFunction(Result):
    """One column's additive effect in the surrogate: score per bin (``edges``) or per category.

    For a numeric column ``edges`` has one more entry than ``scores``. ``output`` names the class
    the scores are for (multiclass gives one curve per class), or ``None`` for a regressor.
    """

    feature: str
    kind: Literal["numeric", "categorical"]
    edges: list[float]
    categories: list[str]
    scores: list[float]
    output: str | None
    importance: float


@dataclasses.dataclass(frozen=True)
class SurrogateResult(Result):
    """A glass-box model (an Explainable Boosting Machine) fitted to the model's predictions.

    ``fidelity`` is measured on ``n_test`` held-out rows: ``accuracy`` (share of the model's labels
    reproduced) for classifiers, ``r2`` against the model's predictions for regressors.
    """

    method: str
    fidelity: float
    fidelity_metric: Literal["accuracy", "r2"]
    n_train: int
    n_test: int
    intercept: list[float]
    shapes: list[ShapeFunction]
    params: dict[str, int]


@dataclasses.dataclass(frozen=True)
class ExplanationResult(Result):
    """What drives the model's decisions, globally and for chosen rows.

    ``sample_size`` rows (of ``n_rows``) were explained for the global importance;
    ``background_size`` rows formed the model-agnostic explainer's background (``None`` for
    path-dependent Tree SHAP, which needs none); LIME drew ``lime_samples`` perturbations per row
    from the distribution of ``lime_training_rows`` rows of ``background_source``.
    ``additivity_max_error`` is the largest gap between base value plus contributions and the
    model's output on the explained rows.
    ``notes`` say what fell back or was left out, and why.
    """

    task: str
    model_kind: str
    explainer: str
    shap_method: str
    output_space: str
    explained_output: str
    explained_classes: list[str]
    global_importance: list[FeatureImportance]
    local: list[LocalExplanation]
    agreement: list[LocalAgreement]
    surrogate: SurrogateResult | None
    n_rows: int
    sample_size: int
    background_size: int | None
    background_source: str
    lime_samples: int
    top_k: int
    seed: int
    additivity_max_error: float | None
    notes: list[str]
    lime_training_rows: int | None = None


# --------------------------------------------------------------------------------------------
# metric stream


@register_section("explanations")
def _walk_explanations(expl: dict[str, Any]) -> Iterator[Metric]:
    rows = [r for r in expl.get("global_importance") or []
            if isinstance(r, dict) and isinstance(r.get("importance"), (int, float))]
    methods: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        methods.setdefault(str(r.get("method")), []).append(r)
    for method, ranked in methods.items():
        total = sum(float(r["importance"]) for r in ranked)
        for r in ranked:
            quals = (("feature", str(r.get("feature"))), ("method", method))
            n = len(ranked)
            # competition ranking: 1 + features strictly more important (ties share the better rank)
            rank = 1 + sum(1 for o in ranked if o["importance"] > r["importance"])
            yield Metric("explanations.rank_of", rank, quals, n=n, n_effective=n, sizes=(('features ranked', n, False),))
            yield Metric("explanations.importance_of", r["importance"], quals, n=n, n_effective=n, sizes=(('features ranked', n, False),))
            yield Metric("explanations.share_of", float(r["importance"]) / total if total > 0 else None, quals, n=n, n_effective=n, sizes=(('features ranked', n, False),))


document_paths("explanations", [
    PathDoc("explanations.rank_of", ("feature", "method"), "rank of a feature in global importance (1 = most important; ties share the better rank)", "never"),
    PathDoc("explanations.importance_of", ("feature", "method"), "its global importance", "never"),
    PathDoc("explanations.share_of", ("feature", "method"), "its share of the method's total importance (0 to 1)", "never"),
])
