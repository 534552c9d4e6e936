"""Error analysis: which cohorts the model fails on, with statistical significance.

A shallow decision tree is fitted on the features to predict the error indicator
(classification: misclassified; regression: absolute error above a quantile). Each leaf
becomes a cohort with a readable rule on the original columns, its size, error rate, share
of all errors, and an exact binomial test of its error count against the overall error rate,
Benjamini-Hochberg-corrected across cohorts.

The analysis is *honest* by default: the tree is grown on a random half of the rows and the
tests use the other half, so a cohort found by searching is not also judged on the rows that
found it (in-sample p-values of a fitted tree are optimistic). Sizes, error rates and coverage
are reported on all rows.

Categorical columns are coded by their error rate on the fitting half before the tree sees
them, so one threshold split is the best two-way partition of the categories (Breiman's
ordering for a binary target) and reads back as ``column in {...}``.

The grown tree is pruned bottom-up: a split survives only if Fisher's exact test finds its two
sides' error rates different on the fitting half (Bonferroni over the features) and again on
the held-out half, so rules are not cut along noise.

Works in predictions-only mode: it needs only the target, the prediction and the features.
"""

from __future__ import annotations

import inspect
import json
import logging
import math
from typing import Any

import numpy as np
import pandas as pd

from rai._spec import ValidatedData
from rai.analyzers._base import Analyzer, check_param
from rai.explain._codec import display_labels
from rai.results._errors import (
    CohortFilter,
    ErrorCohort,
    ErrorHeatmap,
    ErrorResult,
    HeatmapAxis,
)

__all__ = ["MIN_LEAF_FLOOR", "MIN_ROWS", "ErrorAnalyzer", "cohort_mask"]

log = logging.getLogger(__name__)

#: Fewest rows the error analysis runs on; below it the result is marked insufficient.
MIN_ROWS = 50
#: Smallest leaf (in fitting rows) when ``min_leaf_size`` is given as a fraction.
MIN_LEAF_FLOOR = 20
MISSING = "(missing)"
#: Most categories spelled out in a rule's text (the filters always hold all of them).
RULE_MAX_VALUES = 12
OTHER = "(other)"

_OWNER = "ErrorAnalyzer"


class ErrorAnalyzer(Analyzer):
    """Find the cohorts where the model errs most, with BH-corrected exact binomial p-values.

    Parameters
    ----------
    max_depth:
        Depth of the surrogate tree (at most ``2 ** max_depth`` cohorts).
    min_leaf_size:
        Smallest cohort, in rows of the fitting half: an int (absolute) or a float in (0, 1)
        (share of the fitting rows, at least ``MIN_LEAF_FLOOR`` rows).
    regression_error_quantile:
        For regression, a row is an error when its absolute error is above this quantile.
    heatmap_features:
        One or two columns for the error heat map; default the two the tree relies on most.
    heatmap_bins:
        Quantile bins of a numeric heat-map column.
    heatmap_max_categories:
        Most categories shown on a heat-map axis; the rest are pooled as ``(other)``.
    split_alpha:
        A split of the grown tree is kept only when its two sides' error rates differ at this
        level (Fisher's exact test on the fitting rows, Bonferroni-corrected for the number of
        features the split was chosen from); weaker splits are pruned bottom-up, so cohorts are
        not cut along noise. ``1.0`` keeps every split.
    confirm_alpha:
        With ``honest``, a kept split must also show a difference at this level on the held-out
        half (where it was not searched for), or it is pruned. In a simulation (4,000 rows, nine
        features, a planted cohort erring at 0.35 against 0.10, 60 seeds) the worst cohort's rule
        carried a noise condition in 19 runs with the first stage alone and in 3 with both; the
        planted conditions were found in all 60. ``1.0`` turns it off.
    honest:
        Grow the tree on one random half and test the cohorts on the other (default). With
        ``False`` both use every row and the p-values are optimistic.
    alpha:
        Level at which a corrected p-value marks a cohort ``significant``.
    alternative:
        Of the binomial test: ``"two-sided"``, ``"greater"`` (cohort errs more) or ``"less"``.
    seed:
        Seed of the half split and the tree.
    """

    name = "errors"
    needs_target = True

    def __init__(
        self,
        *,
        max_depth: int = 4,
        min_leaf_size: int | float = 0.01,  # noqa: PYI041 (an int is a row count, a float a share)
        regression_error_quantile: float = 0.9,
        heatmap_features: list[str] | None = None,
        heatmap_bins: int = 5,
        heatmap_max_categories: int = 10,
        split_alpha: float = 0.01,
        confirm_alpha: float = 0.05,
        honest: bool = True,
        alpha: float = 0.05,
        alternative: str = "two-sided",
        seed: int = 0,
    ) -> None:
        self.max_depth = max_depth
        self.min_leaf_size = min_leaf_size
        self.regression_error_quantile = regression_error_quantile
        self.heatmap_features = heatmap_features
        self.heatmap_bins = heatmap_bins
        self.heatmap_max_categories = heatmap_max_categories
        self.split_alpha = split_alpha
        self.confirm_alpha = confirm_alpha
        self.honest = honest
        self.alpha = alpha
        self.alternative = alternative
        self.seed = seed

    # -- validation ---------------------------------------------------------------------------

    def _check_params(self, data: ValidatedData) -> list[str]:
        def is_int(v: Any) -> bool:
            return isinstance(v, (int, np.integer)) and not isinstance(v, bool)

        check_param(_OWNER, "max_depth", self.max_depth, "an int in [1, 10]", is_int(self.max_depth) and 1 <= self.max_depth <= 10)
        m = self.min_leaf_size
        ok = (is_int(m) and m >= 1) or (isinstance(m, float) and 0 < m < 1)
        check_param(_OWNER, "min_leaf_size", m, "an int >= 1 (rows) or a float in (0, 1) (share of rows)", ok)
        q = self.regression_error_quantile
        check_param(
            _OWNER, "regression_error_quantile", q, "a float in (0, 1)",
            isinstance(q, (int, float)) and not isinstance(q, bool) and 0 < q < 1,
        )
        check_param(_OWNER, "heatmap_bins", self.heatmap_bins, "an int in [2, 50]", is_int(self.heatmap_bins) and 2 <= self.heatmap_bins <= 50)
        check_param(
            _OWNER, "heatmap_max_categories", self.heatmap_max_categories, "an int in [2, 100]",
            is_int(self.heatmap_max_categories) and 2 <= self.heatmap_max_categories <= 100,
        )
        check_param(
            _OWNER, "split_alpha", self.split_alpha, "a float in (0, 1]",
            isinstance(self.split_alpha, (int, float)) and not isinstance(self.split_alpha, bool) and 0 < self.split_alpha <= 1,
        )
        check_param(
            _OWNER, "confirm_alpha", self.confirm_alpha, "a float in (0, 1]",
            isinstance(self.confirm_alpha, (int, float)) and not isinstance(self.confirm_alpha, bool)
            and 0 < self.confirm_alpha <= 1,
        )
        check_param(_OWNER, "alpha", self.alpha, "a float in (0, 1)", isinstance(self.alpha, (int, float)) and 0 < self.alpha < 1)
        check_param(
            _OWNER, "alternative", self.alternative, "one of 'two-sided', 'greater', 'less'",
            self.alternative in ("two-sided", "greater", "less"),
        )
        check_param(_OWNER, "honest", self.honest, "a bool", isinstance(self.honest, bool))
        check_param(_OWNER, "seed", self.seed, "an int", is_int(self.seed))
        hf = self.heatmap_features
        if hf is None:
            return []
        if isinstance(hf, str):
            hf = [hf]
        check_param(
            _OWNER, "heatmap_features", self.heatmap_features, "a list of one or two feature names",
            isinstance(hf, (list, tuple)) and 1 <= len(hf) <= 2 and all(isinstance(c, str) for c in hf),
        )
        unknown = [c for c in hf if c not in data.features]
        check_param(
            _OWNER, "heatmap_features", self.heatmap_features,
            f"feature columns of the data ({list(data.features)[:20]}); {unknown} are not", not unknown,
        )
        return list(hf)

    # -- compute --------------------------------------------------------------------------------

    def compute(self, data: ValidatedData) -> ErrorResult:
        # kept on the table: the counterfactual analysis picks rows from the same cohorts without
        # growing the tree again (about 1 s on 200k rows)
        key = ("error analysis", repr([(name, getattr(self, name)) for name in _PARAMS]))
        result = data.summaries.get(key)
        if result is None:
            result = data.summaries[key] = self._compute(data)
        return result

    def _compute(self, data: ValidatedData) -> ErrorResult:
        heat_requested = self._check_params(data)
        task = data.task or "binary"
        y_true, y_pred = data.y_true, data.y_pred
        threshold: float | None = None
        if task == "regression":
            abs_err = np.abs(y_true.astype(float) - y_pred.astype(float))
            threshold = float(np.quantile(abs_err, self.regression_error_quantile))
            errors = abs_err > threshold
            definition = (
                f"absolute error above its {self.regression_error_quantile:g} quantile ({threshold:.6g})"
            )
        else:
            errors = np.asarray(pd.Series(y_true).to_numpy(dtype=object) != pd.Series(y_pred).to_numpy(dtype=object))
            definition = "misclassified (prediction differs from target)"
        errors = errors.astype(bool)
        n, n_err = len(errors), int(errors.sum())
        rate = n_err / n if n else 0.0
        features = list(data.features)
        empty = dict(
            task=task, n_rows=n, n_errors=n_err, error_rate=rate, error_definition=definition,
            error_threshold=threshold, cohorts=[], heatmap=None, tree_feature_importance={}, features=features,
            max_depth=int(self.max_depth), min_leaf_size=0, honest=self.honest, n_fit=0, n_test=0,
            alternative=self.alternative, alpha=float(self.alpha), split_alpha=float(self.split_alpha),
            confirm_alpha=float(self.confirm_alpha),
            correction="benjamini-hochberg", seed=int(self.seed),
        )
        if n < MIN_ROWS:
            return ErrorResult(
                status="insufficient_data",
                message=f"{n} rows is too few for error analysis; need at least {MIN_ROWS}.",
                **empty,
            )
        if n_err == 0:
            return ErrorResult(
                status="no_errors",
                message="every prediction is correct: there are no errors to analyse."
                if task != "regression"
                else "every absolute error is equal: there is no tail of large errors to analyse.",
                **empty,
            )
        if not features:
            return ErrorResult(
                status="insufficient_data",
                message="the data has no feature columns to describe cohorts with.",
                **empty,
            )

        rng = np.random.default_rng(self.seed)
        if self.honest:
            order = rng.permutation(n)
            fit_idx, test_idx = np.sort(order[: n // 2]), np.sort(order[n // 2 :])
        else:
            fit_idx = test_idx = np.arange(n)
        fit_mask = np.zeros(n, dtype=bool)
        fit_mask[fit_idx] = True

        columns = [_Column.build(data.frame[c], c, data.feature_types[c], errors, fit_mask) for c in features]
        X = np.column_stack([col.encoded for col in columns])
        min_leaf = self._resolve_min_leaf(len(fit_idx))

        from sklearn.tree import DecisionTreeClassifier

        tree = DecisionTreeClassifier(max_depth=self.max_depth, min_samples_leaf=min_leaf, random_state=self.seed)
        tree.fit(X[fit_idx], errors[fit_idx])
        importance = {
            features[i]: float(v) for i, v in sorted(enumerate(tree.feature_importances_), key=lambda t: (-t[1], t[0])) if v > 0
        }
        # prune splits the fitting half cannot back (Bonferroni over the features searched), then
        # splits the held-out half does not confirm: cohorts are not cut along noise
        kept = _prune(tree, X[fit_idx], errors[fit_idx], self.split_alpha / len(features))
        if self.honest:
            kept = _prune(tree, X[test_idx], errors[test_idx], self.confirm_alpha, start=kept)
        leaves = _pruned_leaf_of(tree, kept)[tree.apply(X)]
        cohorts = self._cohorts(data, tree, kept, columns, leaves, errors, test_idx, rate)
        heat_features = heat_requested or _default_heat_features(tree.feature_importances_, features)
        heatmap = _heatmap(
            data.frame, heat_features, data.feature_types, errors, self.heatmap_bins, self.heatmap_max_categories
        )
        empty.update(
            cohorts=cohorts, heatmap=heatmap, tree_feature_importance=importance, min_leaf_size=min_leaf,
            n_fit=len(fit_idx), n_test=len(test_idx),
        )
        return ErrorResult(status="ok", message=None, **empty)

    def _resolve_min_leaf(self, n_fit: int) -> int:
        m = self.min_leaf_size
        if isinstance(m, float):
            return max(MIN_LEAF_FLOOR, math.ceil(m * n_fit))
        return int(m)

    def _cohorts(
        self,
        data: ValidatedData,
        tree: Any,
        kept: set[int],
        columns: list[_Column],
        leaves: np.ndarray,
        errors: np.ndarray,
        test_idx: np.ndarray,
        overall: float,
    ) -> list[ErrorCohort]:
        from scipy.stats import binomtest, false_discovery_control

        n_err_total = int(errors.sum())
        test_mask = np.zeros(len(errors), dtype=bool)
        test_mask[test_idx] = True
        paths = _leaf_paths(tree, kept)
        sensitive = {s: data.sensitive_values(s).to_numpy() for s in data.spec.sensitive}
        rows: list[dict[str, Any]] = []
        for leaf, path in paths.items():
            in_leaf = leaves == leaf
            size = int(in_leaf.sum())
            if size == 0:
                continue
            k = int(errors[in_leaf].sum())
            t_in = in_leaf & test_mask
            t_size, t_err = int(t_in.sum()), int(errors[t_in].sum())
            p_raw = (
                float(binomtest(t_err, t_size, p=min(max(overall, 0.0), 1.0), alternative=self.alternative).pvalue)
                if t_size > 0
                else None
            )
            filters = _merge_path(path, columns)
            rows.append(
                dict(
                    rule=_rule_text(filters, columns),
                    filters=filters,
                    size=size,
                    n_errors=k,
                    error_rate=k / size,
                    error_coverage=k / n_err_total if n_err_total else 0.0,
                    p_value_raw=p_raw,
                    test_size=t_size,
                    test_errors=t_err,
                    metrics=_cohort_metrics(data, in_leaf),
                    group_makeup={s: _counts(v[in_leaf]) for s, v in sensitive.items()},
                    depth=len(path),
                    leaf=int(leaf),
                )
            )
        raw = [r["p_value_raw"] for r in rows if r["p_value_raw"] is not None]
        adjusted = iter(false_discovery_control(np.asarray(raw), method="bh").tolist() if raw else [])
        cohorts = []
        for r in rows:
            p_adj = float(next(adjusted)) if r["p_value_raw"] is not None else None
            cohorts.append(ErrorCohort(p_value=p_adj, significant=p_adj is not None and p_adj < self.alpha, **r))
        cohorts.sort(key=lambda c: (-c.error_rate, -c.size, c.leaf))
        return cohorts


# -- columns -----------------------------------------------------------------------------------


class _Column:
    """One feature as the tree sees it, and how to read a threshold on it back."""

    def __init__(self, name: str, kind: str, encoded: np.ndarray, order: list[str], has_missing: bool) -> None:
        self.name = name
        self.kind = kind
        self.encoded = encoded
        self.order = order  # categorical: category label of each code
        self.has_missing = has_missing

    @classmethod
    def build(cls, series: pd.Series, name: str, kind: str, errors: np.ndarray, fit_mask: np.ndarray) -> _Column:
        if kind == "numeric":
            values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
            # the tree works in float32: clip +-inf and huge values well inside its range (sums must
            # not overflow either); values beyond +-1e30 tie, which keeps every rule's meaning
            big = 1e30
            encoded = np.where(np.isnan(values), np.nan, np.clip(values, -big, big))
            return cls(name, "numeric", encoded, [], bool(np.isnan(values).any()))
        labels = _labels(series)
        # code categories by their error rate on the fitting rows (unseen there: the overall rate)
        fit = pd.DataFrame({"c": labels[fit_mask], "e": errors[fit_mask]})
        rates = fit.groupby("c", sort=True)["e"].mean()
        prior = float(errors[fit_mask].mean()) if fit_mask.any() else 0.0
        cats = sorted(pd.unique(labels).tolist())
        order = sorted(cats, key=lambda c: (float(rates.get(c, prior)), c))
        code = {c: i for i, c in enumerate(order)}
        encoded = pd.Series(labels).map(code).to_numpy(dtype=float)
        return cls(name, "categorical", encoded, order, MISSING in code)


def _labels(series: pd.Series) -> np.ndarray:
    """Every value as its display label (missing as ``(missing)``)."""
    return display_labels(series)


def _counts(values: np.ndarray) -> dict[str, int]:
    uniq, counts = np.unique(values.astype(str), return_counts=True)
    return {str(u): int(c) for u, c in zip(uniq, counts)}


# -- tree paths and rules ------------------------------------------------------------------------


def _prune(
    tree: Any, X_fit: np.ndarray, e_fit: np.ndarray, alpha: float, start: set[int] | None = None
) -> set[int]:
    """Internal nodes whose split is kept: bottom-up, a split with two leaf children is dropped
    unless Fisher's exact test on the given rows finds their error rates differ at ``alpha``
    (``alpha >= 1`` keeps every split). ``start`` is an already pruned set of internal nodes."""
    from scipy.stats import fisher_exact

    t = tree.tree_
    path = tree.decision_path(X_fit)
    n = np.asarray(path.sum(axis=0)).ravel().astype(int)
    e = np.asarray(path.T @ e_fit.astype(float)).ravel().round().astype(int)
    left, right = t.children_left, t.children_right
    kept = {i for i in range(t.node_count) if left[i] != -1} if start is None else set(start)
    for i in sorted(kept, reverse=True):  # children have larger ids than their parent
        a, b = int(left[i]), int(right[i])
        if a in kept or b in kept:
            continue
        if alpha >= 1:
            break
        table = [[e[a], n[a] - e[a]], [e[b], n[b] - e[b]]]
        if fisher_exact(table).pvalue > alpha:
            kept.discard(i)
    return kept


def _pruned_leaf_of(tree: Any, kept: set[int]) -> np.ndarray:
    """For every node of the grown tree, the leaf of the pruned tree it falls in."""
    t = tree.tree_
    out = np.arange(t.node_count)
    for i in range(t.node_count):  # parents come first, so their answer is ready
        for child in (t.children_left[i], t.children_right[i]):
            if child != -1:
                out[child] = child if (i in kept and out[i] == i) else out[i]
    return out


def _leaf_paths(tree: Any, kept: set[int]) -> dict[int, list[tuple[int, float, bool, bool]]]:
    """Leaf id -> the conditions on its path: (feature, threshold, went_left, missing_went_that_way)."""
    t = tree.tree_
    missing_left = getattr(t, "missing_go_to_left", None)
    out: dict[int, list[tuple[int, float, bool, bool]]] = {}
    stack: list[tuple[int, list[tuple[int, float, bool, bool]]]] = [(0, [])]
    while stack:
        node, path = stack.pop()
        left, right = int(t.children_left[node]), int(t.children_right[node])
        if node not in kept:
            out[node] = path
            continue
        f, thr = int(t.feature[node]), float(t.threshold[node])
        ml = bool(missing_left[node]) if missing_left is not None else False
        stack.append((left, path + [(f, thr, True, ml)]))
        stack.append((right, path + [(f, thr, False, not ml)]))
    return out


def _merge_path(path: list[tuple[int, float, bool, bool]], columns: list[_Column]) -> list[CohortFilter]:
    by_feature: dict[int, list[tuple[float, bool, bool]]] = {}
    for f, thr, left, missing in path:
        by_feature.setdefault(f, []).append((thr, left, missing))
    filters: list[CohortFilter] = []
    for f in sorted(by_feature, key=lambda i: [p[0] for p in path].index(i)):
        col = columns[f]
        conds = by_feature[f]
        if col.kind == "numeric":
            low, high = -math.inf, math.inf
            for thr, left, _ in conds:
                if left:
                    high = min(high, thr)
                else:
                    low = max(low, thr)
            include_missing = col.has_missing and all(m for _, _, m in conds)
            filters.append(
                CohortFilter(
                    column=col.name, kind="numeric", low=None if low == -math.inf else _round(low),
                    high=None if high == math.inf else _round(high), values=[], negate=False,
                    include_missing=include_missing,
                )
            )
        else:
            keep = np.ones(len(col.order), dtype=bool)
            codes = np.arange(len(col.order))
            for thr, left, _ in conds:
                keep &= (codes <= thr) if left else (codes > thr)
            inside = [c for c, k in zip(col.order, keep) if k and c != MISSING]
            outside = [c for c, k in zip(col.order, keep) if not k and c != MISSING]
            include_missing = MISSING in [c for c, k in zip(col.order, keep) if k]
            negate = len(outside) < len(inside)
            filters.append(
                CohortFilter(
                    column=col.name, kind="categorical", low=None, high=None,
                    values=sorted(outside if negate else inside), negate=negate, include_missing=include_missing,
                )
            )
    return filters


def _round(x: float) -> float:
    return float(f"{x:.10g}")


def _num(x: float) -> str:
    return f"{x:.6g}"


def _quote(v: str) -> str:
    return json.dumps(v, ensure_ascii=False)


def _rule_text(filters: list[CohortFilter], columns: list[_Column]) -> str:
    if not filters:
        return "all rows"
    has_missing = {c.name: c.has_missing for c in columns}
    parts = []
    for flt in filters:
        c = flt.column
        if flt.kind == "numeric":
            if flt.low is not None and flt.high is not None:
                text = f"{_num(flt.low)} < {c} <= {_num(flt.high)}"
            elif flt.high is not None:
                text = f"{c} <= {_num(flt.high)}"
            else:
                text = f"{c} > {_num(flt.low)}"
            if flt.include_missing:
                text = f"({text} or {c} is missing)"
        else:
            vals = flt.values
            if not vals:
                text = f"{c} is missing" if not flt.negate else f"{c} is not missing"
            elif len(vals) == 1:
                text = f"{c} {'!=' if flt.negate else '=='} {_quote(vals[0])}"
            else:
                shown = ", ".join(_quote(v) for v in vals[:RULE_MAX_VALUES])
                if len(vals) > RULE_MAX_VALUES:
                    shown += f", ... {len(vals) - RULE_MAX_VALUES} more"
                text = f"{c} {'not in' if flt.negate else 'in'} {{{shown}}}"
            if vals and has_missing[c]:
                if flt.include_missing and not flt.negate:
                    text = f"({text} or {c} is missing)"
                elif flt.negate and not flt.include_missing:
                    text = f"({text} and {c} is not missing)"
        parts.append(text)
    return " and ".join(parts)


def cohort_mask(frame: pd.DataFrame, filters: list[CohortFilter]) -> np.ndarray:
    """Rows of ``frame`` that satisfy every filter (a cohort's machine-readable rule)."""
    mask = np.ones(len(frame), dtype=bool)
    for flt in filters:
        s = frame[flt.column]
        missing = s.isna().to_numpy()
        if flt.kind == "numeric":
            x = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
            ok = np.ones(len(x), dtype=bool)
            if flt.low is not None:
                ok &= x > flt.low
            if flt.high is not None:
                ok &= x <= flt.high
        else:
            labels = _labels(s)
            ok = np.isin(labels, flt.values)
            if flt.negate:
                ok = ~ok
        ok = np.where(missing, flt.include_missing, ok & ~missing)
        mask &= ok
    return mask


# -- cohort metrics --------------------------------------------------------------------------------


def _cohort_metrics(data: ValidatedData, mask: np.ndarray) -> dict[str, float | None]:
    y, p = data.y_true[mask], data.y_pred[mask]
    if data.task == "regression":
        err = p.astype(float) - y.astype(float)
        return {
            "mae": float(np.mean(np.abs(err))),
            "rmse": float(np.sqrt(np.mean(err**2))),
            "mean_error": float(np.mean(err)),
        }
    y_o, p_o = y.astype(object), p.astype(object)
    out: dict[str, float | None] = {"accuracy": float(np.mean(y_o == p_o))}
    if data.task == "binary":
        pos = data.positive_label
        yt, yp = y_o == pos, p_o == pos
        tp, fp = int(np.sum(yt & yp)), int(np.sum(~yt & yp))
        fn, tn = int(np.sum(yt & ~yp)), int(np.sum(~yt & ~yp))
        out.update(
            selection_rate=float(np.mean(yp)),
            precision=_ratio(tp, tp + fp),
            recall=_ratio(tp, tp + fn),
            false_positive_rate=_ratio(fp, fp + tn),
            false_negative_rate=_ratio(fn, fn + tp),
        )
    return out


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


# -- heat map ------------------------------------------------------------------------------------


def _default_heat_features(importances: np.ndarray, features: list[str]) -> list[str]:
    order = sorted(range(len(features)), key=lambda i: (-importances[i], i))
    used = [features[i] for i in order if importances[i] > 0]
    if len(used) >= 2:
        return used[:2]
    rest = [features[i] for i in order if features[i] not in used]
    return (used + rest)[: min(2, len(features))]


def _axis(series: pd.Series, name: str, kind: str, bins: int, max_categories: int) -> tuple[HeatmapAxis, np.ndarray]:
    if kind == "numeric":
        x = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
        finite = x[np.isfinite(x)]  # +-inf fall into the outer bins
        edges = np.unique(np.quantile(finite, np.linspace(0, 1, bins + 1))) if finite.size else np.array([])
        if len(edges) >= 2:
            # bins (e0, e1], ..., the first closed on the left: numpy's searchsorted gives it directly
            idx = np.clip(np.searchsorted(edges, x, side="left") - 1, 0, len(edges) - 2)
            labels = [f"[{_num(edges[0])}, {_num(edges[1])}]"] + [
                f"({_num(edges[i])}, {_num(edges[i + 1])}]" for i in range(1, len(edges) - 1)
            ]
            codes = np.where(np.isnan(x), len(labels), idx)
            if np.isnan(x).any():
                labels.append(MISSING)
            return HeatmapAxis(feature=name, kind="numeric", labels=labels, edges=[float(e) for e in edges]), codes
        kind = "categorical"  # constant numeric column: one category
    labels_all = _labels(series)
    uniq, counts = np.unique(labels_all.astype(str), return_counts=True)
    ranked = [u for _, u in sorted(zip(-counts, uniq))]
    keep = ranked[:max_categories] if len(ranked) > max_categories else ranked
    keep_sorted = sorted(keep)
    if len(ranked) > max_categories:
        keep_sorted.append(OTHER)
    code = {c: i for i, c in enumerate(keep_sorted)}
    other = code.get(OTHER, -1)
    codes = np.array([code.get(v, other) for v in labels_all.astype(str)], dtype=int)
    return HeatmapAxis(feature=name, kind="categorical", labels=keep_sorted, edges=[]), codes


def _heatmap(
    frame: pd.DataFrame,
    features: list[str],
    types: dict[str, str],
    errors: np.ndarray,
    bins: int,
    max_categories: int,
) -> ErrorHeatmap | None:
    if not features:
        return None
    axes, codes = zip(*(_axis(frame[f], f, types[f], bins, max_categories) for f in features))
    n0 = len(axes[0].labels)
    n1 = len(axes[1].labels) if len(axes) == 2 else 1
    flat = codes[0] * n1 + (codes[1] if len(axes) == 2 else 0)
    count = np.bincount(flat, minlength=n0 * n1).reshape(n0, n1)
    errs = np.bincount(flat, weights=errors.astype(float), minlength=n0 * n1).reshape(n0, n1).astype(int)
    rate = [[(int(e) / int(c)) if c else None for e, c in zip(er, cr)] for er, cr in zip(errs, count)]
    return ErrorHeatmap(
        features=list(features),
        axes=list(axes),
        count=count.astype(int).tolist(),
        errors=errs.tolist(),
        error_rate=rate,
    )


#: The parameters that decide an error analysis (the key of its result kept on the table).
_PARAMS = tuple(inspect.signature(ErrorAnalyzer.__init__).parameters)[1:]
