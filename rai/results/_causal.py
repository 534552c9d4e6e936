"""Result shapes of the causal analysis: what happens to the outcome if a feature is changed.

One ``CausalEffect`` is one contrast: a one-unit increase of a numeric treatment, or one level of a
categorical treatment against its control level. Each carries its interval and p-value, its
refutations (each with its own pass / fail, part of the evidence rather than a policy verdict),
the overlap diagnostic, the effect by sensitive group and a shallow policy tree of who benefits.
An effect is only as good as the assumptions listed in ``CausalResult.assumptions``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any, Literal

from rai._serialize import Result
from rai.results._stream import Metric, PathDoc, document_paths, register_section

__all__ = ["CausalEffect", "CausalPolicy", "CausalResult", "GroupEffect", "Overlap", "PolicyRule", "Refutation"]


@dataclasses.dataclass(frozen=True)
class Refutation(Result):
    """The effect re-estimated after a change that should (or should not) move it.

    ``placebo_treatment``: the treatment shuffled; passes when the interval of ``value`` contains 0.
    ``random_common_cause``: an independent random confounder added, and ``data_subset``: a random
    subset of the rows; each passes when the re-estimate does not differ significantly from the
    original (difference within z of the two standard errors combined, at the result's confidence level). ``criterion`` says which applied; ``n`` the rows of the re-estimate.
    """

    name: Literal["placebo_treatment", "random_common_cause", "data_subset"]
    passed: bool
    value: float | None
    ci_low: float | None
    ci_high: float | None
    criterion: str
    n: int


@dataclasses.dataclass(frozen=True)
class GroupEffect(Result):
    """The average effect over the rows of one group of one sensitive feature.

    ``n_treated``: rows of the group at the treated level (categorical treatments; ``None`` for numeric).
    """

    sensitive_feature: str
    group: str
    effect: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    count: int
    insufficient: bool
    n_treated: int | None = None


@dataclasses.dataclass(frozen=True)
class PolicyRule(Result):
    """One leaf of the policy tree: whom it covers and what it recommends."""

    rule: str
    action: Literal["treat", "do not treat"]
    count: int
    share: float
    mean_effect: float | None


@dataclasses.dataclass(frozen=True)
class CausalPolicy(Result):
    """A shallow tree that chooses whom to treat, and what it gains.

    The tree is fitted on ``n_fit`` rows and its value estimated on the other ``n_eval`` rows, from
    the fitted effect model (``method``). ``gain_over_all`` is the policy's mean outcome change minus
    that of treating everyone; ``gain_over_none`` minus that of treating no one (zero cost assumed).
    """

    features: list[str]
    max_depth: int
    rules: list[PolicyRule]
    treated_share: float
    value: float | None
    value_treat_all: float | None
    gain_over_all: float | None
    gain_over_none: float | None
    n_fit: int
    n_eval: int
    method: str


@dataclasses.dataclass(frozen=True)
class Overlap(Result):
    """Whether treated and untreated rows look alike given the confounders.

    Binary / categorical treatments: the cross-fitted propensity of the treated level (``kind``
    ``propensity``), its range and the share of rows outside [``bound``, 1 - ``bound``].
    Numeric treatments: ``treatment_r2``, the share of the treatment's variance the confounders
    explain (near 1: almost no variation left to learn the effect from).
    """

    kind: Literal["propensity", "residual_variance"]
    propensity_min: float | None
    propensity_max: float | None
    share_extreme: float | None
    bound: float | None
    treatment_r2: float | None


@dataclasses.dataclass(frozen=True)
class CausalEffect(Result):
    """The average effect on the outcome of changing one treatment, adjusting for the other features.

    ``level`` / ``control`` name the contrast of a categorical treatment (``None`` for a numeric one,
    whose effect is per one-unit increase). ``refuted`` is true when a refutation failed; such an
    effect is shown as refuted, never hidden and never a headline. ``insufficient`` (with
    ``reason``) when the treated or control rows are too few to estimate it.
    """

    treatment: str
    kind: Literal["numeric", "categorical"]
    level: str | None
    control: str | None
    effect: float | None
    ci_low: float | None
    ci_high: float | None
    stderr: float | None
    p_value: float | None
    method: str
    n: int
    n_treated: int | None
    n_control: int | None
    n_dropped: int
    insufficient: bool
    reason: str | None
    refuted: bool
    refutations: list[Refutation]
    overlap: Overlap | None
    by_group: list[GroupEffect]
    policy: CausalPolicy | None
    confounders: list[str]


@dataclasses.dataclass(frozen=True)
class CausalResult(Result):
    """Causal effects of the chosen treatments on the outcome, by double machine learning.

    ``effect_scale`` says what an effect measures (a difference in the probability of the positive
    outcome, or in outcome units). The analysis ran on ``n_used`` of ``n_rows`` rows (a random
    subsample of at most ``max_rows``, drawn with ``seed``).
    """

    outcome: str
    outcome_kind: Literal["binary", "continuous"]
    positive_label: str | None
    effect_scale: str
    method: str
    nuisance_model: str
    cv: int
    confidence_level: float
    heterogeneity: list[str]
    assumptions: list[str]
    n_rows: int
    n_used: int
    max_rows: int
    min_group_size: int
    seed: int
    effects: list[CausalEffect]


def _quals(e: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    q = [("treatment", str(e["treatment"]))]
    if e.get("level") is not None:
        q.append(("level", str(e["level"])))
    return tuple(q)


@register_section("causal")
def _walk(section: dict[str, Any]) -> Iterator[Metric]:
    """``causal.effect``, ``causal.p_value``, ``causal.effect_by_group``, ``causal.refutation.*``,
    ``causal.policy.*`` and ``causal.overlap.*``, qualified by ``treatment`` (and ``level``)."""
    for e in section.get("effects") or []:
        q = _quals(e)
        insufficient, reason = bool(e.get("insufficient")), e.get("reason")
        n, n_eff = e.get("n"), e.get("n_treated") if e.get("n_treated") is not None else e.get("n")
        yield Metric("causal.effect", e.get("effect"), q, e.get("ci_low"), e.get("ci_high"), n, n_eff,
                     insufficient, reason, headline=not insufficient and not e.get("refuted"))
        yield Metric("causal.p_value", e.get("p_value"), q, n=n, n_effective=n_eff, insufficient=insufficient, reason=reason)
        yield Metric("causal.refuted", bool(e.get("refuted")), q, n=n, n_effective=n_eff)
        for r in e.get("refutations") or []:
            rq = (*q, ("refutation", str(r["name"])))
            yield Metric("causal.refutation.passed", bool(r.get("passed")), rq, n=r.get("n"))
            yield Metric("causal.refutation.value", r.get("value"), rq, r.get("ci_low"), r.get("ci_high"), n=r.get("n"))
        for g in e.get("by_group") or []:
            gq = (*q, ("sensitive_feature", str(g["sensitive_feature"])), ("group", str(g["group"])))
            n_eff = g.get("n_treated") if g.get("n_treated") is not None else g.get("count")
            yield Metric("causal.effect_by_group", g.get("effect"), gq, g.get("ci_low"), g.get("ci_high"), g.get("count"),
                         n_eff, bool(g.get("insufficient")),
                         "too few rows in the group (or at the treated or control level inside it)"
                         if g.get("insufficient") else None)
        ov = e.get("overlap") or {}
        for key in ("propensity_min", "propensity_max", "share_extreme", "treatment_r2"):
            if ov.get(key) is not None:
                yield Metric(f"causal.overlap.{key}", ov[key], q, n=n)
        pol = e.get("policy")
        if pol:
            for key in ("gain_over_all", "gain_over_none", "treated_share"):
                yield Metric(f"causal.policy.{key}", pol.get(key), q, n=pol.get("n_eval"), n_effective=pol.get("n_eval"),
                             insufficient=insufficient, reason=reason)


_FEW = "the treated level or its control has fewer than min_group_size rows (no estimate)"
document_paths("causal", [
    PathDoc("causal.effect", ("treatment", "level"),
            "average effect on the outcome of +1 unit of a numeric treatment, or of a level vs the control level "
            "(`level`), by double machine learning, with its interval; a headline only when no refutation failed", _FEW),
    PathDoc("causal.p_value", ("treatment", "level"), "p-value of the effect (null: no effect)", _FEW),
    PathDoc("causal.refuted", ("treatment", "level"), "true when one of the effect's refutations failed", "always judged"),
    PathDoc("causal.refutation.passed", ("treatment", "level", "refutation"),
            "whether one refutation passed (`refutation`: placebo_treatment, random_common_cause, data_subset)",
            "always judged"),
    PathDoc("causal.refutation.value", ("treatment", "level", "refutation"),
            "the effect re-estimated under the refutation, with its interval", "always judged"),
    PathDoc("causal.effect_by_group", ("treatment", "level", "sensitive_feature", "group"),
            "average effect over the rows of one group, with its interval",
            "the group has fewer than min_group_size rows, or fewer at the treated or control level inside it"),
    PathDoc("causal.overlap.<field>", ("treatment", "level"),
            "overlap diagnostic: propensity_min, propensity_max, share_extreme (categorical treatments), "
            "treatment_r2 (numeric ones)", "always judged"),
    PathDoc("causal.policy.<field>", ("treatment", "level"),
            "policy tree of whom to treat: gain_over_all, gain_over_none, treated_share (valued on held-out rows)", _FEW),
])
