"""Fit a fairlearn mitigation of a binary classifier on training data.

``fit_mitigation`` returns the chosen mitigated classifier and every candidate the method
considered (the original model first), so the trade-off can be measured on test data.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from rai._exceptions import ConfigError, UnsupportedError
from rai.mitigation._estimators import MixtureClassifier, SampleWeightRouter, ThresholdClassifier

__all__ = ["CONSTRAINTS", "METHODS", "Candidate", "Fitted", "fit_mitigation", "constraint_metric"]

#: our constraint name -> (ThresholdOptimizer's name, fairlearn.reductions class, the fairness metric it bounds)
CONSTRAINTS: dict[str, tuple[str, str, str]] = {
    "demographic_parity": ("demographic_parity", "DemographicParity", "demographic_parity"),
    "equalized_odds": ("equalized_odds", "EqualizedOdds", "equalized_odds"),
    "equal_opportunity": ("true_positive_rate_parity", "TruePositiveRateParity", "equal_opportunity"),
    "true_positive_rate_parity": ("true_positive_rate_parity", "TruePositiveRateParity", "equal_opportunity"),
}

METHODS = ("threshold", "exponentiated-gradient", "grid-search")


def constraint_metric(constraint: str) -> str:
    """The assessment's fairness metric that a constraint bounds (``true_positive_rate_parity`` -> ``equal_opportunity``)."""
    return CONSTRAINTS[constraint][2]


@dataclasses.dataclass(frozen=True)
class Candidate:
    """One model the method considered; ``model`` predicts the target's labels."""

    label: str
    model: Any
    chosen: bool = False
    weight: float | None = None  # its weight in the chosen mixture (exponentiated gradient)


@dataclasses.dataclass(frozen=True)
class Fitted:
    """The chosen mitigated model, the candidates and what prediction needs."""

    model: Any
    candidates: list[Candidate]
    requires_sensitive: list[str]


def _check(method: str, constraint: str) -> None:
    if method not in METHODS:
        raise ConfigError(f"--method must be one of {list(METHODS)}; got {method!r}.")
    if constraint not in CONSTRAINTS:
        raise ConfigError(f"--constraint must be one of {list(CONSTRAINTS)}; got {constraint!r}.")


def fit_mitigation(
    model: Any,
    X: pd.DataFrame,
    y: np.ndarray,
    sensitive: pd.DataFrame,
    *,
    classes: list[Any],
    method: str = "threshold",
    constraint: str = "demographic_parity",
    seed: int = 0,
    grid_size: int = 10,
) -> Fitted:
    """Fit ``method`` under ``constraint`` on training data.

    Parameters
    ----------
    model:
        The original fitted classifier (a scikit-learn estimator or pipeline over ``X``'s columns).
        Post-processing uses it as it is; the reductions refit copies of it (its preprocessing
        included) with sample weights.
    X, y, sensitive:
        Training features (the model's input columns), 0 / 1 labels (1 the positive class), and the
        sensitive columns (several: fairlearn constrains their intersection).
    classes:
        ``[negative label, positive label]`` of the target, for the mitigated model's predictions.
    seed:
        Seed of the randomised predictions and of fairlearn's randomness.
    grid_size:
        Number of Lagrange multipliers grid search tries.
    """
    _check(method, constraint)
    features = list(X.columns)
    sens_cols = list(sensitive.columns)
    A = sensitive.iloc[:, 0] if len(sens_cols) == 1 else sensitive
    original = Candidate(label="original model", model=model)
    if method == "threshold":
        return _threshold(model, X, y, A, features, sens_cols, classes, constraint, seed, original)
    import fairlearn.reductions as red

    moment = getattr(red, CONSTRAINTS[constraint][1])()
    router = SampleWeightRouter(model)
    try:
        if method == "exponentiated-gradient":
            mitigator = red.ExponentiatedGradient(router, constraints=moment)
        else:
            mitigator = red.GridSearch(router, constraints=moment, grid_size=grid_size)
        mitigator.fit(X, y, sensitive_features=A)
    except TypeError as exc:
        if "sample_weight" in str(exc):
            raise UnsupportedError(
                f"--method {method} refits the model with sample weights, and its last step "
                f"({type(getattr(model, 'steps', [[None, model]])[-1][1]).__name__}) does not accept "
                f"sample_weight; use --method threshold. ({exc})"
            ) from exc
        raise
    in_model = [c for c in sens_cols if c in features]
    notes = [f"Reads the sensitive feature(s) {', '.join(in_model)} at prediction time, as inputs of the original "
             f"model it was refitted from."] if in_model else []
    name = "ExponentiatedGradient" if method == "exponentiated-gradient" else "GridSearch"
    notes.append(f"Mitigated with fairlearn {name} under the {constraint} constraint over "
                 f"{', '.join(sens_cols)}, refitting the original model with sample weights.")
    if method == "exponentiated-gradient":
        weights = mitigator.weights_
        used = [(mitigator.predictors_[t], float(weights[t])) for t in weights.index if weights[t] > 0]
        if len(used) > 1:
            notes.append(f"Predictions are randomised (seed {seed}): each row's label is drawn from a mixture of "
                         f"{len(used)} classifiers, so the same row can get another label in another batch.")
        chosen = MixtureClassifier([h for h, _ in used], [w for _, w in used], classes, random_state=seed,
                                   notes=tuple(notes))
        parts = [Candidate(label=f"iteration {t}", weight=float(weights[t]),
                           model=MixtureClassifier([mitigator.predictors_[t]], [1.0], classes))
                 for t in weights.index]
        candidates = [original, *parts, Candidate(label="mixture (chosen)", model=chosen, chosen=True)]
    else:
        best = int(mitigator.best_idx_)
        models = [MixtureClassifier([h], [1.0], classes) for h in mitigator.predictors_]
        chosen = MixtureClassifier([mitigator.predictors_[best]], [1.0], classes, notes=tuple(notes))
        models[best] = chosen
        candidates = [original] + [Candidate(label=f"grid point {i}", model=m, chosen=i == best)
                                   for i, m in enumerate(models)]
    return Fitted(model=chosen, candidates=candidates, requires_sensitive=in_model)


def _threshold(model, X, y, A, features, sens_cols, classes, constraint, seed, original) -> Fitted:
    from fairlearn.postprocessing import ThresholdOptimizer

    if not hasattr(model, "predict_proba"):
        raise UnsupportedError("--method threshold needs a model with predict_proba (its scores are thresholded).")
    model_classes = list(getattr(model, "classes_", []))
    if len(model_classes) != 2 or str(model_classes[1]) != str(classes[1]):
        raise UnsupportedError(
            f"--method threshold thresholds the score of the model's second class; the model's classes are "
            f"{model_classes!r} and the positive label is {classes[1]!r}. Give --positive-label {model_classes[-1]!r} "
            f"or use a reductions method."
        )
    thresholder = ThresholdOptimizer(estimator=model, constraints=CONSTRAINTS[constraint][0], prefit=True,
                                     predict_method="predict_proba")
    thresholder.fit(X, y, sensitive_features=A)
    notes = (
        f"Needs the sensitive feature(s) {', '.join(sens_cols)} at prediction time: each group has its own "
        f"decision thresholds (fairlearn ThresholdOptimizer, {constraint} constraint).",
        f"Predictions are randomised near the thresholds (seed {seed}): the same row can get another label in "
        f"another batch.",
    )
    chosen = ThresholdClassifier(thresholder, features, sens_cols, classes, random_state=seed, notes=notes)
    return Fitted(model=chosen, candidates=[original, Candidate(label="thresholds (chosen)", model=chosen, chosen=True)],
                  requires_sensitive=sens_cols)
