"""``mitigate``: fit a fairlearn mitigation on training data and measure its trade-off on test data."""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd

from rai._exceptions import ConfigError, UnsupportedError
from rai._model import ModelAdapter
from rai._spec import DatasetSpec
from rai.mitigation._fit import constraint_metric, fit_mitigation
from rai.mitigation._tradeoff import Tradeoff, measure_tradeoff

__all__ = ["Mitigation", "mitigate"]


@dataclasses.dataclass(frozen=True)
class Mitigation:
    """The mitigated classifier and its trade-off on the test data."""

    model: Any
    tradeoff: Tradeoff
    requires_sensitive: list[str]


def mitigate(
    train: pd.DataFrame,
    test: pd.DataFrame,
    *,
    spec: DatasetSpec,
    model: Any,
    method: str = "threshold",
    constraint: str = "demographic_parity",
    seed: int = 0,
    min_group_size: int = 30,
    grid_size: int = 10,
) -> Mitigation:
    """Mitigate ``model`` under ``constraint`` with ``method``, fitted on ``train``, measured on ``test``.

    Parameters
    ----------
    train, test:
        Tables with the model's input columns, the target and the sensitive columns of ``spec``.
    spec:
        The data contract: ``target``, ``sensitive`` (required) and ``positive_label``.
    model:
        The fitted original binary classifier (estimator, pipeline or ``ModelAdapter``).
    method:
        ``threshold`` (fairlearn ``ThresholdOptimizer`` on the model's scores),
        ``exponentiated-gradient`` or ``grid-search`` (fairlearn reductions, refitting the model).
    constraint:
        ``demographic_parity``, ``equalized_odds``, ``equal_opportunity`` (= ``true_positive_rate_parity``).
    seed:
        Seed of the randomised predictions.
    min_group_size:
        Test groups smaller than this are left out of the trade-off's disparities (and listed).
    grid_size:
        Candidates of grid search.
    """
    if not spec.sensitive:
        raise ConfigError("mitigation needs at least one sensitive feature (--sensitive); got none.")
    if spec.target is None:
        raise ConfigError("mitigation needs the target column (--target); got none.")
    adapter = model if isinstance(model, ModelAdapter) else ModelAdapter.from_estimator(model)
    base = spec.replace(prediction=None, score=None)
    valid = base.validate(train, name="train")
    base.validate(test, name="test")
    if valid.task != "binary":
        raise UnsupportedError(f"fairlearn's mitigations need a binary target; {spec.target!r} is {valid.task}.")
    positive = valid.positive_label
    classes = [next(c for c in valid.classes if c != positive), positive]
    features = list(adapter.feature_names) if adapter.feature_names is not None else list(valid.features)
    X = adapter.inputs(train, features)
    y01 = (train[spec.target] == positive).to_numpy().astype(int)
    sensitive = list(spec.sensitive)
    fitted = fit_mitigation(adapter.model, X, y01, train[sensitive], classes=classes, method=method,
                            constraint=constraint, seed=seed, grid_size=grid_size)
    columns = features + [c for c in sensitive if c not in features]
    tradeoff = measure_tradeoff(
        fitted.candidates, test[columns], test[spec.target].to_numpy(), test[sensitive],
        method=method, constraint=constraint, metric=constraint_metric(constraint), positive=positive,
        requires_sensitive=fitted.requires_sensitive, min_group_size=min_group_size, seed=seed,
    )
    return Mitigation(model=fitted.model, tradeoff=tradeoff, requires_sensitive=fitted.requires_sensitive)
