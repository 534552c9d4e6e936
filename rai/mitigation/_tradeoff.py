"""The trade-off of a mitigation: accuracy and the constrained disparity of every candidate, on test data.

Disparities follow fairlearn's definitions (``demographic_parity_ratio``, ``equalized_odds_difference``,
..., which the tests use as the oracle), computed from per-group counts, over the *judged* groups: a group whose rates rest on fewer than ``min_group_size`` test rows
(rows for selection rates, actual positives for true-positive rates, actual negatives for
false-positive rates) is left out and listed, as the fairness analyzer leaves it out of its judgement. Several
sensitive features are constrained, and measured, on their intersection, as fairlearn does.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rai._exceptions import ConfigError
from rai._serialize import Result

__all__ = ["TradeoffPoint", "Tradeoff", "measure_tradeoff", "pareto_front", "load_tradeoff", "TRADEOFF_FORMAT"]

TRADEOFF_FORMAT = "rai-mitigation-tradeoff/1"


@dataclasses.dataclass(frozen=True)
class TradeoffPoint(Result):
    """One candidate on the test data. ``pareto``: no other candidate is at least as accurate with a
    smaller disparity difference (and better in one of them)."""

    label: str
    accuracy: float
    difference: float | None
    ratio: float | None
    chosen: bool
    original: bool
    pareto: bool
    weight: float | None


@dataclasses.dataclass(frozen=True)
class Tradeoff(Result):
    """What ``tradeoff.json`` holds."""

    format: str
    method: str
    constraint: str
    metric: str
    sensitive_features: list[str]
    requires_sensitive: list[str]
    min_group_size: int
    judged_groups: list[str]
    excluded_groups: list[str]
    n_rows: int
    n_judged_rows: int
    seed: int
    points: list[TradeoffPoint]

    @property
    def chosen(self) -> TradeoffPoint:
        return next(p for p in self.points if p.chosen)

    @property
    def original(self) -> TradeoffPoint:
        return next(p for p in self.points if p.original)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n", encoding="utf-8")
        return path


def load_tradeoff(path: str | Path) -> Tradeoff:
    """Read a ``tradeoff.json`` written by ``rai mitigate``."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{str(path)!r} is not a readable tradeoff.json: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("format") != TRADEOFF_FORMAT:
        got = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
        raise ConfigError(f"{str(path)!r}: expected format {TRADEOFF_FORMAT!r}; got {got!r}.")
    return Tradeoff.from_dict(doc)


#: the rates' denominators each disparity rests on (as the fairness analyzer judges them)
_DENOMINATORS = {
    "demographic_parity": ("rows",),
    "equal_opportunity": ("positives",),
    "equalized_odds": ("positives", "negatives"),
}


def _spread(values: list[float]) -> tuple[float | None, float | None]:
    """max - min and min / max of one rate over the groups where it is defined (fairlearn's difference / ratio)."""
    v = np.array([x for x in values if np.isfinite(x)], dtype=float)
    if len(v) == 0:
        return None, None
    return float(v.max() - v.min()), (float(v.min() / v.max()) if v.max() > 0 else None)


def _disparity(metric: str, y: np.ndarray, p: np.ndarray, A: pd.Series) -> tuple[float | None, float | None]:
    """fairlearn's ``<metric>_difference`` / ``_ratio`` from per-group counts (its MetricFrame takes
    seconds per call at 70,000 rows, and grid search measures a dozen candidates)."""
    codes, _ = pd.factorize(A)
    k = codes.max() + 1

    def rate(hits: np.ndarray, among: np.ndarray) -> list[float]:
        num = np.bincount(codes[among], weights=hits[among].astype(float), minlength=k)
        den = np.bincount(codes[among], minlength=k)
        with np.errstate(invalid="ignore", divide="ignore"):
            return list(num / den)

    everyone = np.ones(len(y), dtype=bool)
    rates = {
        "selection_rate": lambda: rate(p == 1, everyone),
        "true_positive_rate": lambda: rate(p == 1, y == 1),
        "false_positive_rate": lambda: rate(p == 1, y == 0),
    }
    parts = {"demographic_parity": ("selection_rate",), "equal_opportunity": ("true_positive_rate",),
             "equalized_odds": ("true_positive_rate", "false_positive_rate")}[metric]
    spreads = [_spread(rates[name]()) for name in parts]
    if any(d is None for d, _ in spreads):
        return None, None
    ratios = [r for _, r in spreads]
    # equalized odds is the worse of its two rates, as fairlearn's equalized_odds_difference / _ratio
    return max(d for d, _ in spreads), (None if any(r is None for r in ratios) else min(ratios))


def pareto_front(accuracy: list[float], difference: list[float | None]) -> list[bool]:
    """Whether each candidate is on the front: higher accuracy and lower difference are better."""
    front = []
    for i, (a, d) in enumerate(zip(accuracy, difference)):
        if d is None:
            front.append(False)
            continue
        dominated = any(
            j != i and dj is not None and aj >= a and dj <= d and (aj > a or dj < d)
            for j, (aj, dj) in enumerate(zip(accuracy, difference))
        )
        front.append(not dominated)
    return front


def measure_tradeoff(
    candidates: list[Any],
    X: pd.DataFrame,
    y: np.ndarray,
    sensitive: pd.DataFrame,
    *,
    method: str,
    constraint: str,
    metric: str,
    positive: Any,
    requires_sensitive: list[str],
    min_group_size: int,
    seed: int,
) -> Tradeoff:
    """Accuracy and disparity of each ``Candidate`` (``rai.mitigation._fit``) on test data.

    ``X`` holds every column a candidate reads; ``y`` the target's labels (``positive`` the positive
    one); ``sensitive`` the sensitive columns.
    """
    labels = sensitive.astype(str).agg(" & ".join, axis=1)
    y = np.asarray(y)
    is_pos = pd.Series(y == positive, index=labels.index)
    # a group is judged when the denominators of the rates the metric compares reach min_group_size
    denominators = pd.DataFrame({"rows": labels.value_counts(),
                                 "positives": is_pos.groupby(labels).sum(),
                                 "negatives": (~is_pos).groupby(labels).sum()}).fillna(0)
    needed = _DENOMINATORS[metric]
    ok = (denominators[list(needed)] >= min_group_size).all(axis=1)
    judged = sorted(ok[ok].index)
    excluded = sorted(ok[~ok].index)
    keep = labels.isin(judged).to_numpy()
    A = labels[keep]
    y01 = (y[keep] == positive).astype(int)
    rows = []
    for c in candidates:
        names = getattr(c.model, "feature_names_in_", None)
        pred = np.asarray(c.model.predict(X if names is None else X[list(names)]))
        accuracy = float(np.mean(pred == y))
        p01 = (pred[keep] == positive).astype(int)
        difference, ratio = _disparity(metric, y01, p01, A) if len(judged) >= 2 else (None, None)
        rows.append((c, accuracy, difference, ratio))
    front = pareto_front([r[1] for r in rows], [r[2] for r in rows])
    points = [TradeoffPoint(label=c.label, accuracy=acc, difference=d, ratio=r, chosen=c.chosen,
                            original=i == 0, pareto=on, weight=c.weight)
              for i, ((c, acc, d, r), on) in enumerate(zip(rows, front))]
    return Tradeoff(
        format=TRADEOFF_FORMAT, method=method, constraint=constraint, metric=metric,
        sensitive_features=list(sensitive.columns), requires_sensitive=list(requires_sensitive),
        min_group_size=min_group_size, judged_groups=[str(g) for g in judged],
        excluded_groups=[str(g) for g in excluded], n_rows=len(y), n_judged_rows=int(keep.sum()),
        seed=seed, points=points,
    )
