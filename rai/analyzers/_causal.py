"""Causal analysis: what happens to the outcome if a feature (the treatment) is changed.

For each treatment, the average effect on the outcome (the target by default) is estimated by
double machine learning with cross-fitting (``rai.analyzers._dml``), adjusting for every other
feature as a confounder. Around each effect:

* **heterogeneity**: the effect by sensitive group, and a shallow policy tree (EconML's
  ``PolicyTree``) of whom to treat, fitted on half the rows and valued on the other half;
* **refutations**: a shuffled (placebo) treatment whose effect must vanish, an added random
  confounder and a random data subset under which the effect must hold; each has its pass / fail;
* **honesty**: the assumptions are stated in the result and overlap is measured (propensity range
  of a categorical treatment, confounder-explained variance of a numeric one).

A treatment is a feature name, or a mapping ``{column, kind, control, values, drop}``: ``kind``
overrides the feature type, ``control`` picks the baseline level of a categorical treatment (default:
its most frequent level), ``values`` maps codes to numbers (e.g. ACS ``SCHL`` codes to years of
schooling; a code mapped to ``null`` drops its rows) and ``drop`` lists codes whose rows are left out
of that treatment's analysis (e.g. "not applicable").
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from rai._exceptions import ConfigError, DataContractError, UnsupportedError
from rai._spec import ValidatedData
from rai.analyzers._base import Analyzer, check_param
from rai.analyzers._causal_inputs import (
    Treatment,
    as_labels,
    encode_confounders,
    encode_heterogeneity,
    outcome_values,
    parse_treatments,
    treatment_values,
)
from rai.results._causal import (
    CausalEffect,
    CausalPolicy,
    CausalResult,
    GroupEffect,
    Overlap,
    PolicyRule,
    Refutation,
)

__all__ = ["ASSUMPTIONS", "CausalAnalyzer", "INSTALL_HINT"]

log = logging.getLogger(__name__)

_OWNER = "CausalAnalyzer"
INSTALL_HINT = "causal analysis needs EconML, a dependency of rai-toolkit missing here: pip install 'econml>=0.16,<0.18'"
ASSUMPTIONS = [
    "No unobserved confounding: every common cause of the treatment and the outcome is among the features.",
    "Overlap: every kind of row could have received every treatment value (see the overlap diagnostic).",
    "The features adjusted for are not themselves caused by the treatment (no mediators or colliders).",
    "The effect is linear in the treatment (numeric: per unit) and in the heterogeneity features.",
]
#: Share of rows outside [bound, 1 - bound] of propensity counted as extreme.
PROPENSITY_BOUND = 0.01


class CausalAnalyzer(Analyzer):
    """Average causal effects of treatments on the outcome, with intervals, refutations and heterogeneity.

    Parameters
    ----------
    treatments:
        Feature names, or mappings ``{column, kind: numeric|categorical, control, values}``.
    outcome:
        Outcome column; default the target.
    heterogeneity:
        Features the effect may vary with (the policy tree splits on them); default the sensitive features.
    max_rows:
        Rows analysed at most: a random subsample (drawn with ``seed``) above it; recorded in the result.
    cv:
        Cross-fitting folds.
    confidence_level:
        Of every interval.
    min_group_size:
        Fewest rows of a treatment level, of its control, or of a sensitive group to judge its effect.
    refute:
        Run the three refutations (each re-fits the estimator).
    subset_fraction:
        Share of the rows in the data-subset refutation.
    policy_depth:
        Depth of the policy tree (0: no policy tree).
    seed:
        Seed of the subsample, the folds, the boosted trees and the refutations.
    """

    name = "causal"
    opt_in = True  # costly, and meaningless without chosen treatments
    runs_apart = True  # ten seconds of one core on the demo: beside the other analyzers when a core is free
    apart_imports = ("rai.analyzers._causal", "rai.analyzers._dml", "econml.dml", "sklearn.ensemble")

    def __init__(
        self,
        *,
        treatments: list[Any] | tuple[Any, ...] = (),
        outcome: str | None = None,
        heterogeneity: list[str] | None = None,
        max_rows: int = 20_000,
        cv: int = 3,
        confidence_level: float = 0.95,
        min_group_size: int = 30,
        refute: bool = True,
        subset_fraction: float = 0.8,
        policy_depth: int = 2,
        seed: int = 0,
    ) -> None:
        self.treatments = treatments
        self.outcome = outcome
        self.heterogeneity = heterogeneity
        self.max_rows = max_rows
        self.cv = cv
        self.confidence_level = confidence_level
        self.min_group_size = min_group_size
        self.refute = refute
        self.subset_fraction = subset_fraction
        self.policy_depth = policy_depth
        self.seed = seed

    def unmet_need(self, data: ValidatedData) -> str | None:
        """Why the analysis cannot run on ``data`` (shown as a note), or ``None``."""
        if not self.treatments:
            return "no treatment given: set analyzers.causal.treatments in rai.yaml (e.g. [SCHL, MIL])"
        if self.outcome is None and not data.has_target:
            return "needs an outcome: a target column (--target) or analyzers.causal.outcome"
        return None

    # ---------------------------------------------------------------------------------- compute

    def check_inputs(self, data: ValidatedData) -> tuple[list[Treatment], str, list[str]]:
        """The treatments, the outcome and the heterogeneity features, checked against ``data``.

        Cheap: ``assess`` calls it before the fits start in a child process, so a wrong column
        is reported at once, not after the other analyzers ran.
        """
        self._check_params()
        treatments = parse_treatments(self.treatments)
        frame = data.frame
        outcome = self.outcome or data.spec.target
        if outcome not in frame.columns:
            raise DataContractError(f"The 'outcome' parameter of {_OWNER} names column {outcome!r}, which the data does not "
                                    f"have; columns: {list(frame.columns)!r}.")
        for t in treatments:
            if t.column not in data.features:
                raise DataContractError(f"analyzers.causal.treatments: {t.column!r} is not a feature of the data; "
                                        f"features: {list(data.features)!r}.")
            if t.column == outcome:
                raise ConfigError(f"analyzers.causal.treatments: {t.column!r} is the outcome itself.")
        hetero = list(self.heterogeneity if self.heterogeneity is not None else data.spec.sensitive)
        missing = [c for c in hetero if c not in frame.columns]
        if missing:
            raise DataContractError(f"The 'heterogeneity' parameter of {_OWNER} names {missing!r}, not in the data; "
                                    f"columns: {list(frame.columns)!r}.")
        return treatments, outcome, hetero

    def compute(self, data: ValidatedData) -> CausalResult:
        treatments, outcome, hetero = self.check_inputs(data)
        try:
            import econml  # noqa: F401
        except ImportError as exc:
            raise UnsupportedError(INSTALL_HINT) from exc
        frame = data.frame
        rng = np.random.default_rng(self.seed)
        y_all, binary, positive = outcome_values(frame[outcome], data, outcome)
        keep = ~pd.isna(y_all)
        rows = np.flatnonzero(keep)
        if len(rows) > self.max_rows:
            rows = np.sort(rng.choice(rows, size=self.max_rows, replace=False))
        sample = frame.iloc[rows].reset_index(drop=True)
        y = y_all[rows].astype(float)

        effects: list[CausalEffect] = []
        for t in treatments:
            effects.extend(self._treatment(t, sample, y, binary, data, hetero, rng))
        return CausalResult(
            outcome=outcome,
            outcome_kind="binary" if binary else "continuous",
            positive_label=None if positive is None else str(positive),
            effect_scale=(f"difference in the probability that {outcome} = {positive}" if binary
                          else f"difference in {outcome} (its own units)"),
            method="double machine learning with cross-fitting (EconML LinearDML)",
            nuisance_model=_dml().nuisance_description(),
            cv=self.cv,
            confidence_level=self.confidence_level,
            heterogeneity=hetero,
            assumptions=list(ASSUMPTIONS),
            n_rows=data.n_rows,
            n_used=len(sample),
            max_rows=self.max_rows,
            min_group_size=self.min_group_size,
            seed=self.seed,
            effects=effects,
        )

    def _check_params(self) -> None:
        check_param(_OWNER, "treatments", self.treatments, "a list of feature names or mappings",
                    isinstance(self.treatments, (list, tuple)))
        check_param(_OWNER, "max_rows", self.max_rows, "an integer >= 100",
                    isinstance(self.max_rows, int) and not isinstance(self.max_rows, bool) and self.max_rows >= 100)
        check_param(_OWNER, "cv", self.cv, "an integer >= 2", isinstance(self.cv, int) and self.cv >= 2)
        check_param(_OWNER, "confidence_level", self.confidence_level, "a number in (0, 1)",
                    isinstance(self.confidence_level, (int, float)) and 0 < self.confidence_level < 1)
        check_param(_OWNER, "min_group_size", self.min_group_size, "an integer >= 1",
                    isinstance(self.min_group_size, int) and self.min_group_size >= 1)
        check_param(_OWNER, "subset_fraction", self.subset_fraction, "a number in (0, 1)",
                    isinstance(self.subset_fraction, (int, float)) and 0 < self.subset_fraction < 1)
        check_param(_OWNER, "policy_depth", self.policy_depth, "an integer between 0 and 4",
                    isinstance(self.policy_depth, int) and 0 <= self.policy_depth <= 4)
        check_param(_OWNER, "heterogeneity", self.heterogeneity, "a list of column names or null",
                    self.heterogeneity is None or (isinstance(self.heterogeneity, (list, tuple))
                                                   and all(isinstance(c, str) for c in self.heterogeneity)))

    # -------------------------------------------------------------------------------- one treatment

    def _treatment(self, t: Treatment, sample: pd.DataFrame, y: np.ndarray, binary: bool, data: ValidatedData,
                   hetero: list[str], rng: np.random.Generator) -> list[CausalEffect]:
        kind = t.kind or ("numeric" if t.values else data.feature_types.get(t.column, "categorical"))
        T, ok = treatment_values(sample[t.column], t, kind)
        levels: list[str] | None = None
        insufficient_levels: dict[str, int] = {}
        if kind == "categorical":
            counts = pd.Series(T[ok]).value_counts()
            control = t.control if t.control is not None else str(counts.index[0])
            if control not in counts.index:
                raise DataContractError(f"analyzers.causal.treatments: control level {control!r} of {t.column!r} is not "
                                        f"among its values {sorted(counts.index)!r}.")
            small = {lvl: int(c) for lvl, c in counts.items() if c < self.min_group_size}
            if control in small:
                return [self._skipped(t, kind, lvl, control, int(counts.get(lvl, 0)), int(counts[control]), len(T) - int(ok.sum()),
                                      f"the control level has only {small[control]} rows (< {self.min_group_size})")
                        for lvl in counts.index if lvl != control]
            insufficient_levels = small
            ok &= ~np.isin(T, list(small))
            levels = [control] + sorted(lvl for lvl in counts.index if lvl != control and lvl not in small)
            if len(levels) < 2:
                raise UnsupportedError(f"treatment {t.column!r} has no level besides the control {control!r} "
                                       f"with at least {self.min_group_size} rows.")
        n_dropped = int(len(T) - ok.sum())
        sub = sample.loc[ok].reset_index(drop=True)
        T, y = T[ok], y[ok]
        if len(sub) < max(2 * self.min_group_size, 10 * self.cv):
            raise UnsupportedError(f"treatment {t.column!r}: only {len(sub)} rows with a treatment value; too few to estimate.")
        confounders = [c for c in data.features if c != t.column]
        W, W_cat = encode_confounders(sub, confounders, data.feature_types)
        hetero = [c for c in hetero if c != t.column]
        X, X_names, X_tree = encode_heterogeneity(sub, hetero, data.feature_types, self.min_group_size)

        dml = _dml()

        def fit(T_: np.ndarray, W_: np.ndarray, W_cat_: np.ndarray, rows: np.ndarray | None = None) -> Any:
            take = slice(None) if rows is None else rows
            return dml.fit_dml(y[take], T_[take], X=None if X is None else X[take], W=W_[take], W_categorical=W_cat_,
                               levels=levels, binary_outcome=binary, cv=self.cv,
                               confidence_level=self.confidence_level, seed=self.seed)

        jobs: list[tuple[Any, ...]] = [(T, W, W_cat)]
        if self.refute:  # the refutations' draws come first, so they do not depend on how the fits are scheduled
            n = len(T)
            placebo_T = rng.permutation(T)
            noise = rng.standard_normal(n)
            subset_rows = np.sort(rng.choice(n, size=int(round(self.subset_fraction * n)), replace=False))
            jobs += [(placebo_T, W, W_cat), (T, np.column_stack([W, noise]), np.append(W_cat, False)),
                     (T, W, W_cat, subset_rows)]
        from rai._threads import map_on_free_cores

        with dml.quiet():
            main, *refits = map_on_free_cores(fit, jobs)
        treated_levels: list[str | None] = levels[1:] if levels is not None else [None]
        contrasts = {lvl: main.contrast(lvl) for lvl in treated_levels}
        refutations = (self._refutations(contrasts, *refits, n=len(T), n_subset=len(subset_rows)) if self.refute
                       else {lvl: [] for lvl in treated_levels})
        overlap = _overlap(main, T, levels)

        out = []
        for i, lvl in enumerate(treated_levels):
            c = contrasts[lvl]
            n_treated = int((T == lvl).sum()) if lvl is not None else None
            n_control = int((T == levels[0]).sum()) if levels is not None else None
            refs = refutations[lvl]
            out.append(CausalEffect(
                treatment=t.column, kind=kind, level=lvl, control=None if levels is None else levels[0],
                effect=c.effect, ci_low=c.ci_low, ci_high=c.ci_high, stderr=c.stderr, p_value=c.p_value,
                method="LinearDML", n=len(sub), n_treated=n_treated, n_control=n_control, n_dropped=n_dropped,
                insufficient=False, reason=None, refuted=any(not r.passed for r in refs), refutations=refs,
                overlap=overlap[i],
                by_group=self._by_group(main, sub, T, lvl, [col for col in hetero if data.feature_types.get(col) != "numeric"]),
                policy=self._policy(main, lvl, X_tree, X_names, rng) if X_tree is not None else None,
                confounders=confounders,
            ))
        for lvl, count in sorted(insufficient_levels.items()):
            out.append(self._skipped(t, kind, lvl, levels[0], count, int((T == levels[0]).sum()), n_dropped,
                                     f"only {count} rows at this level (< {self.min_group_size})"))
        return out

    def _skipped(self, t: Treatment, kind: str, level: str, control: str, n_treated: int, n_control: int,
                 n_dropped: int, reason: str) -> CausalEffect:
        return CausalEffect(
            treatment=t.column, kind=kind, level=level, control=control, effect=None, ci_low=None, ci_high=None,
            stderr=None, p_value=None, method="LinearDML", n=n_treated + n_control, n_treated=n_treated,
            n_control=n_control, n_dropped=n_dropped, insufficient=True, reason=reason, refuted=False,
            refutations=[], overlap=None, by_group=[], policy=None, confounders=[],
        )

    def _refutations(self, contrasts: dict[Any, Any], placebo: Any, common: Any, subset: Any, *, n: int,
                     n_subset: int) -> dict[Any, list[Refutation]]:
        """Read the three refitted estimators (placebo treatment, random common cause, data subset)."""
        out: dict[Any, list[Refutation]] = {lvl: [] for lvl in contrasts}
        for lvl, orig in contrasts.items():
            p = placebo.contrast(lvl)
            out[lvl].append(Refutation(name="placebo_treatment", passed=p.contains(0.0), value=p.effect, ci_low=p.ci_low,
                                       ci_high=p.ci_high, criterion="the placebo effect's interval contains 0", n=n))
            c = common.contrast(lvl)
            out[lvl].append(Refutation(name="random_common_cause", passed=self._agree(orig, c), value=c.effect,
                                       ci_low=c.ci_low, ci_high=c.ci_high, n=n,
                                       criterion="re-estimated with a random confounder added, the effect does not differ "
                                                 "significantly from the original"))
            s = subset.contrast(lvl)
            out[lvl].append(Refutation(name="data_subset", passed=self._agree(orig, s), value=s.effect,
                                       ci_low=s.ci_low, ci_high=s.ci_high, n=n_subset,
                                       criterion=f"re-estimated on a random {self.subset_fraction:.0%} of the rows, the "
                                                 "effect does not differ significantly from the original"))
        return out

    def _agree(self, a: Any, b: Any) -> bool:
        """Two estimates agree: their difference is within the interval's z of its standard error.

        Each refit draws new cross-fitting folds, so the two are treated as independent (conservative).
        """
        from scipy.stats import norm

        if None in (a.effect, b.effect, a.stderr, b.stderr):
            return False
        z = float(norm.ppf(0.5 + self.confidence_level / 2))
        return abs(a.effect - b.effect) <= z * float(np.hypot(a.stderr, b.stderr))

    def _by_group(self, fit: Any, sub: pd.DataFrame, T: np.ndarray, level: str | None,
                  features: list[str]) -> list[GroupEffect]:
        """The average effect over each group's rows (the effect model is linear in the groups' indicators).

        A group is insufficient with fewer than ``min_group_size`` rows, or, for a level of a categorical
        treatment, fewer than that many rows at the level or at the control inside the group.
        """
        if fit.X is None:
            return []
        out = []
        for feature in features:
            groups = as_labels(sub[feature])
            for group, idx in sorted(groups.groupby(groups).indices.items()):
                count = len(idx)
                n_treated = None if level is None else int((T[idx] == level).sum())
                n_control = None if level is None else int((T[idx] == fit.levels[0]).sum())
                if min(count, n_treated if n_treated is not None else count,
                       n_control if n_control is not None else count) < self.min_group_size:
                    out.append(GroupEffect(sensitive_feature=feature, group=str(group), effect=None, ci_low=None,
                                           ci_high=None, p_value=None, count=count, n_treated=n_treated,
                                           insufficient=True))
                    continue
                c = fit.contrast(level, rows=idx)
                out.append(GroupEffect(sensitive_feature=feature, group=str(group), effect=c.effect, ci_low=c.ci_low,
                                       ci_high=c.ci_high, p_value=c.p_value, count=count, n_treated=n_treated,
                                       insufficient=False))
        return out

    def _policy(self, fit: Any, level: str | None, X_tree: np.ndarray, names: list[tuple[str, str, Any]],
                rng: np.random.Generator) -> CausalPolicy | None:
        if self.policy_depth == 0:
            return None
        from econml.policy import PolicyTree

        tau = fit.row_effects(level)
        n = len(tau)
        order = rng.permutation(n)
        fit_rows, eval_rows = np.sort(order[: n // 2]), np.sort(order[n // 2:])
        tree = PolicyTree(max_depth=self.policy_depth, min_samples_leaf=self.min_group_size, min_balancedness_tol=0.5,
                          honest=False, random_state=self.seed)
        rewards = np.column_stack([np.zeros(n), tau])
        tree.fit(X_tree[fit_rows], rewards[fit_rows])
        treat = tree.predict(X_tree[eval_rows]) == 1
        leaves = tree.apply(X_tree[eval_rows])
        tau_eval = tau[eval_rows]
        value = float(np.mean(np.where(treat, tau_eval, 0.0)))
        value_all = float(np.mean(tau_eval))
        rules = []
        for leaf, path in _leaf_rules(tree.tree_, names):
            in_leaf = leaves == leaf
            count = int(in_leaf.sum())
            action = "treat" if int(np.argmax(tree.tree_.value[leaf].reshape(-1))) == 1 else "do not treat"
            rules.append(PolicyRule(rule=path or "everyone", action=action, count=count,
                                    share=count / len(eval_rows), mean_effect=float(tau_eval[in_leaf].mean()) if count else None))
        return CausalPolicy(
            features=sorted({col for col, _, _ in names}),
            max_depth=self.policy_depth, rules=rules, treated_share=float(treat.mean()),
            value=value, value_treat_all=value_all, gain_over_all=value - value_all, gain_over_none=value,
            n_fit=len(fit_rows), n_eval=len(eval_rows),
            method="EconML PolicyTree on the fitted per-row effects of one half; valued with the effect model on the other half",
        )


# ------------------------------------------------------------------------------------ helpers


def _dml() -> Any:
    from rai.analyzers import _dml

    return _dml


def _overlap(fit: Any, T: np.ndarray, levels: list[str] | None) -> list[Overlap]:
    resid = fit.treatment_residuals()
    if levels is None:
        var_t = float(np.var(T))
        r2 = 1.0 - float(np.var(resid[:, 0])) / var_t if var_t > 0 else None
        return [Overlap(kind="residual_variance", propensity_min=None, propensity_max=None, share_extreme=None,
                        bound=None, treatment_r2=r2)]
    out = []
    for j, lvl in enumerate(levels[1:]):
        # the residual is indicator - propensity, so the cross-fitted propensity is indicator - residual
        p = (T == lvl).astype(float) - resid[:, j]
        extreme = float(np.mean((p < PROPENSITY_BOUND) | (p > 1 - PROPENSITY_BOUND)))
        out.append(Overlap(kind="propensity", propensity_min=float(p.min()), propensity_max=float(p.max()),
                           share_extreme=extreme, bound=PROPENSITY_BOUND, treatment_r2=None))
    return out


def _leaf_rules(tree: Any, names: list[tuple[str, str, Any]]) -> list[tuple[int, str]]:
    """Each leaf of a fitted tree with its path as readable conditions on the original columns."""
    out: list[tuple[int, str]] = []

    def cond(feature: int, threshold: float, left: bool) -> str:
        col, kind, lvl = names[feature]
        if kind == "numeric":
            return f"{col} <= {threshold:.4g}" if left else f"{col} > {threshold:.4g}"
        return f"{col} != {lvl}" if left else f"{col} = {lvl}"

    def walk(node: int, path: list[str]) -> None:
        left, right = tree.children_left[node], tree.children_right[node]
        if left == -1:
            out.append((node, " and ".join(path)))
            return
        f, thr = int(tree.feature[node]), float(tree.threshold[node])
        walk(left, path + [cond(f, thr, True)])
        walk(right, path + [cond(f, thr, False)])

    walk(0, [])
    return out
