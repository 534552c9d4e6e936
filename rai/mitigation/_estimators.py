"""Mitigated models as plain classifiers over the original feature columns, savable with skops.

fairlearn's fitted mitigators hold pandas objects and lambdas that skops cannot store, and they
predict 0 / 1 rather than the target's labels. These small classifiers keep what prediction
needs, in types skops can save, and predict exactly what fairlearn predicts (the tests compare
them with fairlearn called directly):

* ``ThresholdClassifier``: a fitted ``ThresholdOptimizer`` (group-specific, randomised
  thresholds on the original model's scores); it reads the sensitive columns at prediction time.
* ``MixtureClassifier``: a randomised mixture of classifiers, as ``ExponentiatedGradient``
  predicts; one classifier with weight 1 is ``GridSearch``'s chosen model.
* ``SampleWeightRouter``: fits a copy of the original model (a pipeline's preprocessing
  included) with the sample weights the reductions give, routed to the pipeline's last step.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils import check_random_state

__all__ = ["SampleWeightRouter", "ThresholdClassifier", "MixtureClassifier"]

#: ThresholdOptimizer attributes read only by fairlearn's plot_threshold_optimizer (pandas objects skops
#: cannot store); prediction uses interpolated_thresholder_ alone
_PLOT_ONLY = ("_tradeoff_curve", "_overall_tradeoff_curve", "_x_grid", "_y_min", "_x_best", "_x_best_per_group")


class SampleWeightRouter(ClassifierMixin, BaseEstimator):
    """``fit(X, y, sample_weight)`` for any estimator: a pipeline gets it at its last step."""

    def __init__(self, estimator: Any) -> None:
        self.estimator = estimator

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> SampleWeightRouter:
        self.estimator_ = clone(self.estimator)
        if sample_weight is None:
            self.estimator_.fit(X, y)
        elif hasattr(self.estimator_, "steps"):
            last = self.estimator_.steps[-1][0]
            self.estimator_.fit(X, y, **{f"{last}__sample_weight": np.asarray(sample_weight)})
        else:
            self.estimator_.fit(X, y, sample_weight=np.asarray(sample_weight))
        self.classes_ = self.estimator_.classes_
        return self

    def predict(self, X: Any) -> np.ndarray:
        return self.estimator_.predict(X)

    def predict_proba(self, X: Any) -> np.ndarray:
        return self.estimator_.predict_proba(X)


class _Labelled(ClassifierMixin, BaseEstimator):
    """Shared by the mitigated classifiers: 0 / 1 decisions mapped back to the target's labels, and
    the facts a deployment must know (shown in the model card)."""

    classes: list[Any]
    notes: tuple[str, ...]

    @property
    def classes_(self) -> np.ndarray:
        return np.asarray(self.classes)

    def deployment_notes(self) -> list[str]:
        return list(self.notes)

    def decisions(self, X: Any) -> np.ndarray:
        raise NotImplementedError

    def predict(self, X: Any) -> np.ndarray:
        """The target's labels of the 0 / 1 decisions."""
        return np.asarray(self.classes_)[np.asarray(self.decisions(X), dtype=int)]


class ThresholdClassifier(_Labelled):
    """A fitted fairlearn ``ThresholdOptimizer`` over the original model's scores.

    Parameters
    ----------
    thresholder:
        The fitted ``ThresholdOptimizer`` (fitted on 0 / 1 labels, 1 the positive class).
    features:
        The original model's input columns.
    sensitive_features:
        The columns whose groups have their own thresholds; read at prediction time.
    classes:
        ``[negative label, positive label]`` of the target.
    random_state:
        Seed of the randomised thresholds (fairlearn's ``predict(random_state=...)``): a row near
        a group's threshold gets the positive label with the mixing probability.
    notes:
        Facts a deployment must know, for the model card.
    """

    def __init__(self, thresholder: Any, features: list[str], sensitive_features: list[str], classes: list[Any],
                 random_state: int = 0, notes: tuple[str, ...] = ()) -> None:
        self.thresholder = thresholder
        self.features = features
        self.sensitive_features = sensitive_features
        self.classes = classes
        self.random_state = random_state
        self.notes = notes

    @property
    def feature_names_in_(self) -> np.ndarray:
        extra = [c for c in self.sensitive_features if c not in self.features]
        return np.asarray(list(self.features) + extra, dtype=object)

    def _sensitive(self, X: Any) -> Any:
        cols = list(self.sensitive_features)
        return X[cols[0]] if len(cols) == 1 else X[cols]

    def decisions(self, X: Any) -> np.ndarray:
        """0 / 1 decisions, as ``ThresholdOptimizer.predict`` gives them."""
        return np.asarray(self.thresholder.predict(X[list(self.features)], sensitive_features=self._sensitive(X),
                                                   random_state=self.random_state))

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        thresholder = copy.copy(state["thresholder"])
        for name in _PLOT_ONLY:
            thresholder.__dict__.pop(name, None)
        state["thresholder"] = thresholder
        return state


class MixtureClassifier(_Labelled):
    """A randomised mixture of classifiers, predicting as fairlearn's ``ExponentiatedGradient``.

    Each row's probability of the positive label is the weighted share of the classifiers that
    predict it; the label is then drawn with ``random_state`` (fairlearn draws
    ``p >= uniform(0, 1)`` per row in the same order, so the same seed gives the same labels).

    Parameters
    ----------
    predictors:
        Fitted classifiers that predict 0 / 1.
    weights:
        Their mixture weights (summing to 1). One classifier of weight 1 is deterministic.
    classes:
        ``[negative label, positive label]`` of the target.
    random_state:
        Seed of the draw.
    notes:
        Facts a deployment must know, for the model card.
    """

    def __init__(self, predictors: list[Any], weights: list[float], classes: list[Any], random_state: int = 0,
                 notes: tuple[str, ...] = ()) -> None:
        self.predictors = predictors
        self.weights = weights
        self.classes = classes
        self.random_state = random_state
        self.notes = notes

    @property
    def feature_names_in_(self) -> np.ndarray | None:
        names = getattr(self.predictors[0], "feature_names_in_", None)
        if names is None:
            inner = getattr(self.predictors[0], "estimator_", None)
            names = getattr(inner, "feature_names_in_", None)
        return names

    def positive_probability(self, X: Any) -> np.ndarray:
        """Probability of the positive label per row (fairlearn's ``_pmf_predict(X)[:, 1]``)."""
        # one column per classifier and a matrix product, the arithmetic fairlearn does
        columns = [np.asarray(h.predict(X), dtype=float) if w > 0 else np.zeros(len(X))
                   for h, w in zip(self.predictors, self.weights)]
        return np.column_stack(columns) @ np.asarray(self.weights, dtype=float)

    def decisions(self, X: Any) -> np.ndarray:
        p = self.positive_probability(X)
        return (p >= check_random_state(self.random_state).rand(len(p))).astype(int)

    def predict_proba(self, X: Any) -> np.ndarray:
        # weights summing to 1 + 1e-16 would give 1.0000000000000002; a probability stays in [0, 1]
        p = np.clip(self.positive_probability(X), 0.0, 1.0)
        return np.column_stack([1 - p, p])
