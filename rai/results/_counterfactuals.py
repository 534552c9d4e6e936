"""Result shapes of the counterfactual analysis, and its metric-stream walker.

A counterfactual is the row after the smallest change (on the ORIGINAL input columns) that
makes the model reach the desired outcome; every one reported was re-predicted by the model
and reached it. ``values`` are display strings (``1.0`` shows as ``1``), as in the local
explanations. ``distance`` is the range-normalised L1 distance to the original row (a numeric
column counts ``|change| / reference range``, a categorical column 1 when it changes).

The flip test sets one sensitive attribute of every row of one group to another group's value,
nothing else, and counts the rows whose predicted label changes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from rai._serialize import Result
from rai.results._stream import Metric, PathDoc, document_paths, register_section

__all__ = ["Counterfactual", "CounterfactualExample", "CounterfactualResult", "FlipRate"]


@dataclasses.dataclass(frozen=True)
class Counterfactual(Result):
    """One changed row that reaches the desired outcome (re-predicted by the model).

    ``score`` is the model's probability of the desired class (``None`` for a regressor or a
    model without ``predict_proba``).
    """

    values: dict[str, str]
    changed: list[str]
    prediction: str
    score: float | None
    distance: float


@dataclasses.dataclass(frozen=True)
class CounterfactualExample(Result):
    """One queried row: its values, the model's decision, and the counterfactuals found for it.

    ``reason`` says why the row was chosen (``worst error cohort``, ``near the decision
    boundary`` or ``requested``). ``desired`` is the outcome searched for (a class label, or
    ``[low, high]`` for a regressor). When none is found, ``message`` says why. ``diversity``
    is the mean pairwise distance between the counterfactuals (``None`` with fewer than two).
    """

    row: int
    row_id: str | None
    reason: str
    values: dict[str, str]
    prediction: str
    score: float | None
    desired: str
    counterfactuals: list[Counterfactual]
    message: str | None
    diversity: float | None


@dataclasses.dataclass(frozen=True)
class FlipRate(Result):
    """Share of ``from_group`` rows whose prediction changes when only the sensitive attribute is set to ``to_group``.

    ``ci_low`` / ``ci_high`` are a percentile bootstrap interval; ``insufficient`` when ``n`` is
    under the analysis' ``min_group_size`` (``reason`` says so).
    """

    sensitive_feature: str
    from_group: str
    to_group: str
    n: int
    n_flipped: int
    flip_rate: float
    ci_low: float | None
    ci_high: float | None
    insufficient: bool
    reason: str | None


@dataclasses.dataclass(frozen=True)
class CounterfactualResult(Result):
    """Counterfactual examples with their quality figures, and the sensitive-attribute flip test.

    ``validity`` is the share of the search's counterfactuals that reach the desired outcome when
    predicted once more; those that miss are dropped (``notes`` counts them), so every returned
    counterfactual is valid. ``coverage`` is the share of queried rows with at least one. ``mean_changed`` (sparsity) and
    ``mean_distance`` average over the returned counterfactuals; ``seconds_per_row`` is the
    search time divided by the rows queried (rows are searched together, in batched model calls).
    """

    method: str
    task: str
    features: list[str]
    immutable: list[str]
    monotone: dict[str, str]
    ranges: dict[str, list[str]]
    plausibility: str
    per_row: int
    examples: list[CounterfactualExample]
    n_rows: int
    n_counterfactuals: int
    validity: float | None
    coverage: float
    mean_changed: float | None
    mean_distance: float | None
    mean_diversity: float | None
    n_candidates: int
    model_calls: int
    seconds: float
    seconds_per_row: float
    flip_test: list[FlipRate]
    flip_sample: int
    n_bootstrap: int
    confidence_level: float
    min_group_size: int
    seed: int
    notes: list[str] = dataclasses.field(default_factory=list)


@register_section("counterfactuals")
def _walk(section: dict[str, Any]) -> Iterator[Metric]:
    n_rows = section.get("n_rows")
    n_cf = section.get("n_counterfactuals")
    none_found = not n_cf
    yield Metric(
        path="counterfactuals.validity", value=section.get("validity"), n=n_cf, headline=not none_found,
        insufficient=none_found, reason="no counterfactual was found" if none_found else None,
    )
    yield Metric(path="counterfactuals.coverage", value=section.get("coverage"), n=n_rows)
    for key in ("mean_changed", "mean_distance", "mean_diversity"):
        value = section.get(key)
        yield Metric(
            path=f"counterfactuals.{key}", value=value, n=n_cf,
            insufficient=value is None, reason="no counterfactual was found" if value is None else None,
        )
    yield Metric(path="counterfactuals.seconds_per_row", value=section.get("seconds_per_row"), n=n_rows)
    for f in section.get("flip_test") or []:
        yield Metric(
            path="counterfactuals.flip_rate",
            value=f.get("flip_rate"),
            qualifiers=(
                ("sensitive_feature", str(f.get("sensitive_feature"))),
                ("from_group", str(f.get("from_group"))),
                ("to_group", str(f.get("to_group"))),
            ),
            ci_low=f.get("ci_low"),
            ci_high=f.get("ci_high"),
            n=f.get("n"),
            n_effective=f.get("n"),
            insufficient=bool(f.get("insufficient")),
            reason=f.get("reason"),
        )


_NONE = "no counterfactual was found"
document_paths("counterfactuals", [
    PathDoc("counterfactuals.validity", (), "share of the search's counterfactuals that reach the desired outcome when predicted once more (the others are dropped, so every returned one is valid; n = counterfactuals returned)", _NONE),
    PathDoc("counterfactuals.coverage", (), "share of queried rows with at least one counterfactual", "never"),
    PathDoc("counterfactuals.mean_changed", (), "mean number of columns a counterfactual changes (sparsity)", _NONE),
    PathDoc("counterfactuals.mean_distance", (), "mean range-normalised L1 distance of a counterfactual to its row (numeric change / reference range, 1 per changed category)", _NONE),
    PathDoc("counterfactuals.mean_diversity", (), "mean pairwise distance between the counterfactuals of a row", "no row has two counterfactuals"),
    PathDoc("counterfactuals.seconds_per_row", (), "search time divided by the rows queried", "never"),
    PathDoc("counterfactuals.flip_rate", ("sensitive_feature", "from_group", "to_group"), "share of from_group's rows whose prediction changes when only the sensitive attribute is set to to_group, with a bootstrap interval", "from_group has fewer rows than `min_group_size`"),
])
