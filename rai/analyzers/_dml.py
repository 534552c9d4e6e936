"""Double machine learning for one treatment: EconML's ``LinearDML`` with cross-fitting.

The outcome and the treatment are each predicted from the confounders by gradient-boosted trees
(scikit-learn's HistGradientBoosting, native categorical splits, missing values allowed), fitted
on ``cv`` folds and applied to the held-out fold; the effect is the linear regression of the
outcome's residual on the treatment's residual, linear in the heterogeneity features ``X``
(one-hot sensitive groups by default), with heteroskedasticity-robust intervals from EconML.

Each fit is meant to run on one thread (``rai._threads.map_on_free_cores`` runs several side by side):
on a busy machine, OpenMP's default thread count makes the boosted trees tens of times slower.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import numpy as np

__all__ = ["DMLFit", "Contrast", "fit_dml", "nuisance_description", "quiet"]

# Regularised boosting (small trees, large leaves, early stopping): an over-fitted treatment model adds
# noise to the treatment residual, which pulls the effect towards 0. On the synthetic cases of the tests
# its intervals cover the true effect as often as those of the true (linear) nuisance models.
# A learning rate of 0.1 rather than 0.05 stops in about half the trees: the demo's causal step
# takes 40% less CPU and its schooling effect moves by 0.0002, a twentieth of its standard error.
_BOOSTING = dict(max_iter=200, learning_rate=0.1, max_leaf_nodes=15, min_samples_leaf=50, early_stopping=True,
                 validation_fraction=0.2, n_iter_no_change=10)


def nuisance_description() -> str:
    return ("scikit-learn HistGradientBoosting (up to 200 trees of 15 leaves, at least 50 rows a leaf, learning rate "
            "0.1, early stopping on 20% of the fold) for the outcome and for the treatment")


@dataclasses.dataclass(frozen=True)
class Contrast:
    """One estimated effect: its point, interval, standard error and p-value."""

    effect: float | None
    ci_low: float | None
    ci_high: float | None
    stderr: float | None
    p_value: float | None

    def contains(self, value: float) -> bool:
        return self.ci_low is not None and self.ci_high is not None and self.ci_low <= value <= self.ci_high


@dataclasses.dataclass
class DMLFit:
    """A fitted ``LinearDML`` with what is needed to read contrasts from it."""

    estimator: Any
    X: np.ndarray | None
    levels: list[str] | None  # categorical: [control, treated levels...]; numeric: None
    alpha: float

    def contrast(self, level: str | None, rows: np.ndarray | None = None) -> Contrast:
        """Average effect of ``level`` vs the control (categorical) or of +1 unit (numeric)."""
        X = self.X if rows is None or self.X is None else self.X[rows]
        kwargs: dict[str, Any] = {}
        if self.levels is not None:
            kwargs = {"T0": self.levels[0], "T1": level}
        with quiet():
            if X is None:
                inf = self.estimator.ate_inference(**kwargs)
            else:
                inf = self.estimator.ate_inference(X=X, **kwargs)
            low, high = inf.conf_int_mean(alpha=self.alpha)
            return Contrast(_f(inf.mean_point), _f(low), _f(high), _f(inf.stderr_mean), _f(inf.pvalue()))

    def row_effects(self, level: str | None) -> np.ndarray:
        """Effect per row (constant without heterogeneity features)."""
        kwargs = {"T0": self.levels[0], "T1": level} if self.levels is not None else {}
        with quiet():
            return np.asarray(self.estimator.effect(self.X, **kwargs), dtype=float).reshape(-1)

    def treatment_residuals(self) -> np.ndarray:
        """Cross-fitted treatment residuals (one column per treated level for a categorical treatment)."""
        T_res = self.estimator.residuals_[1]
        return np.asarray(T_res, dtype=float).reshape(len(T_res), -1)


def fit_dml(
    y: np.ndarray,
    T: np.ndarray,
    *,
    X: np.ndarray | None,
    W: np.ndarray,
    W_categorical: np.ndarray,
    levels: list[str] | None,
    binary_outcome: bool,
    cv: int,
    confidence_level: float,
    seed: int,
) -> DMLFit:
    """Fit ``LinearDML`` for one treatment (``levels`` given: categorical, the first is the control).

    Thread counts and warnings are the caller's: ``warnings.catch_warnings`` is not thread-safe, so
    fits running side by side are silenced once around them all (``quiet``).
    """
    from econml.dml import LinearDML
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    n_x = 0 if X is None else X.shape[1]
    mask = np.concatenate([np.zeros(n_x, dtype=bool), np.asarray(W_categorical, dtype=bool)])
    cats = mask if mask.any() else None

    def boosted(cls: type) -> Any:
        return cls(categorical_features=cats, random_state=seed, **_BOOSTING)

    estimator = LinearDML(
        model_y=boosted(HistGradientBoostingClassifier if binary_outcome else HistGradientBoostingRegressor),
        model_t=boosted(HistGradientBoostingClassifier if levels is not None else HistGradientBoostingRegressor),
        discrete_outcome=binary_outcome,
        discrete_treatment=levels is not None,
        categories=levels if levels is not None else "auto",
        cv=cv,
        random_state=seed,
        allow_missing=True,
    )
    estimator.fit(y, T, X=X, W=W, cache_values=True)
    return DMLFit(estimator=estimator, X=X, levels=levels, alpha=1.0 - confidence_level)


def _f(value: Any) -> float | None:
    x = float(np.asarray(value, dtype=float).reshape(-1)[0])
    return x if np.isfinite(x) else None


class quiet(warnings.catch_warnings):
    """EconML and statsmodels warn about things we report ourselves (small groups, co-linearity)."""

    def __enter__(self) -> Any:
        out = super().__enter__()
        warnings.simplefilter("ignore")
        return out
