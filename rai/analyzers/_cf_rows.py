"""Which rows the counterfactual analysis queries, and why.

Requested positions as given; otherwise half from the worst error cohorts (the error analysis'
tree on the data, when it has a target and a prediction), worst first, and the rest nearest the
decision boundary: the smallest margin between the two most probable classes (a regressor: the
predictions closest to the desired range; a classifier without ``predict_proba``: random rows).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from rai._model import ModelAdapter
from rai._spec import ValidatedData

__all__ = ["choose_rows"]

#: Rows scored when looking for those nearest the decision boundary.
BOUNDARY_CANDIDATES = 20000


def choose_rows(rows: int | list[int], data: ValidatedData, X: pd.DataFrame, adapter: ModelAdapter, task: str,
                desired_range: list[float] | None, seed: int, rng: np.random.Generator) -> tuple[list[int], list[str]]:
    """Rows to query: requested ones, or half from the worst error cohorts and half near the boundary."""
    if isinstance(rows, (list, tuple)):
        requested = list(dict.fromkeys(int(r) for r in rows))
        return requested, ["requested"] * len(requested)
    want = min(int(rows), data.n_rows)
    picked: list[tuple[int, str]] = []
    if data.has_target and data.has_prediction and task != "regression":
        picked += _cohort_rows(data, seed, math.ceil(want / 2), rng)
    taken = {r for r, _ in picked}
    picked += _boundary_rows(data, X, adapter, task, desired_range, rng, want - len(picked), taken)
    return [r for r, _ in picked], [why for _, why in picked]


def _cohort_rows(data: ValidatedData, seed: int, quota: int, rng: np.random.Generator) -> list[tuple[int, str]]:
    from rai.analyzers._errors import ErrorAnalyzer, cohort_mask

    result = ErrorAnalyzer(seed=seed).compute(data)  # the errors analyzer's own result when it ran with its defaults
    if result.status != "ok":
        return []
    out: list[tuple[int, str]] = []
    worse = [c for c in result.cohorts if c.error_rate > result.error_rate]
    worse.sort(key=lambda c: (not c.significant, -c.error_rate))
    for cohort in worse:
        if len(out) >= quota:
            break
        members = np.flatnonzero(cohort_mask(data.frame, cohort.filters))
        members = np.setdiff1d(members, [r for r, _ in out])
        take = rng.choice(members, size=min(len(members), quota - len(out)), replace=False)
        out.extend((int(r), f"worst error cohort: {cohort.rule}") for r in np.sort(take))
    return out


def _boundary_rows(data: ValidatedData, X: pd.DataFrame, adapter: ModelAdapter, task: str,
                   desired_range: list[float] | None, rng: np.random.Generator, quota: int, taken: set[int]) -> list[tuple[int, str]]:
    if quota <= 0:
        return []
    pool = np.setdiff1d(np.arange(len(X)), list(taken))
    if len(pool) > BOUNDARY_CANDIDATES:
        pool = np.sort(rng.choice(pool, size=BOUNDARY_CANDIDATES, replace=False))
    frame = X.iloc[pool]
    if task == "regression":
        pred = adapter.predict(frame).astype(float)
        lo, hi = desired_range  # type: ignore[misc]
        gap = np.where(pred < lo, lo - pred, np.where(pred > hi, pred - hi, np.inf))
        order = [k for k in np.argsort(gap, kind="stable") if np.isfinite(gap[k])]
        why = "closest to the desired range"
    elif adapter.has_proba:
        proba = np.sort(adapter.predict_proba(frame), axis=1)
        margin = proba[:, -1] - proba[:, -2]
        order = list(np.argsort(margin, kind="stable"))
        why = "near the decision boundary"
    else:
        order = list(rng.permutation(len(pool)))
        why = "random (the model has no predict_proba to find the boundary)"
    return [(int(pool[k]), why) for k in order[:quota]]
