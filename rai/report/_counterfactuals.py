"""Report context of the counterfactual section: example rows with their changes, and the flip test.

Plain dictionaries only (see ``rai.report._context``): per example row its original values, each
counterfactual's changes (column, before, after) and the prediction before and after; the flip
rates as chart items with their intervals, one chart per sensitive feature. No verdict here:
the policy judges ``counterfactuals.*`` through the gate.
"""

from __future__ import annotations

import dataclasses
from typing import Any

__all__ = ["CounterfactualLimits", "counterfactuals_context"]


@dataclasses.dataclass(frozen=True)
class CounterfactualLimits:
    """Caps that keep the section within the reports' size budget."""

    examples: int = 50
    card_examples: int = 8
    columns: int = 60
    pairs_per_feature: int = 80
    text: int = 120


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _clip(text: Any, limit: int) -> str:
    s = "" if text is None else str(text)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def counterfactuals_context(
    section: dict[str, Any] | None, summaries: list[str], limits: CounterfactualLimits | None = None
) -> dict[str, Any] | None:
    """The section's context from ``results.counterfactuals`` (its JSON form), or ``None`` when absent."""
    if not section:
        return None
    limits = limits or CounterfactualLimits()
    features = [str(f) for f in section.get("features") or []]
    shown = features[: limits.columns]
    if len(features) > limits.columns:
        summaries.append(f"Counterfactuals: {len(features)} input columns; the first {limits.columns} are shown per row.")
    examples = []
    raw = list(section.get("examples") or [])
    if len(raw) > limits.examples:
        summaries.append(f"Counterfactuals: {len(raw)} example rows; the first {limits.examples} are shown.")
    for e in raw[: limits.examples]:
        values = e.get("values") or {}
        cfs = []
        for cf in e.get("counterfactuals") or []:
            changed = [str(c) for c in cf.get("changed") or []]
            after = cf.get("values") or {}
            cfs.append({
                "prediction": _clip(cf.get("prediction"), limits.text),
                "score": _num(cf.get("score")),
                "distance": _num(cf.get("distance")),
                "n_changed": len(changed),
                "changes": [{"feature": _clip(c, limits.text), "before": _clip(values.get(c), limits.text),
                             "after": _clip(after.get(c), limits.text)} for c in changed],
                "cells": [{"value": _clip(after.get(f), limits.text), "changed": f in changed} for f in shown],
            })
        examples.append({
            "row": e.get("row"),
            "row_id": _clip(e.get("row_id"), limits.text) if e.get("row_id") is not None else None,
            "reason": _clip(e.get("reason"), 2 * limits.text),
            "prediction": _clip(e.get("prediction"), limits.text),
            "score": _num(e.get("score")),
            "desired": _clip(e.get("desired"), limits.text),
            "message": e.get("message"),
            "diversity": _num(e.get("diversity")),
            "values": [_clip(values.get(f), limits.text) for f in shown],
            "counterfactuals": cfs,
        })
    flips: dict[str, list[dict[str, Any]]] = {}
    for f in section.get("flip_test") or []:
        flips.setdefault(str(f.get("sensitive_feature")), []).append({
            "label": f"{f.get('from_group')} → {f.get('to_group')}",
            "value": _num(f.get("flip_rate")), "low": _num(f.get("ci_low")), "high": _num(f.get("ci_high")),
            "count": f.get("n"), "n_flipped": f.get("n_flipped"), "insufficient": bool(f.get("insufficient")),
            "reason": f.get("reason"),
        })
    flip_features = []
    for feature, pairs in flips.items():
        pairs.sort(key=lambda p: (p["insufficient"], -(p["value"] or 0.0)))
        if len(pairs) > limits.pairs_per_feature:
            summaries.append(f"Flip test: {len(pairs)} group pairs of {feature}; the {limits.pairs_per_feature} highest rates are shown.")
        flip_features.append({"feature": feature, "pairs": pairs[: limits.pairs_per_feature],
                              "n_insufficient": sum(p["insufficient"] for p in pairs)})
    return {
        "method": section.get("method"),
        "task": section.get("task"),
        "columns": shown,
        "immutable": list(section.get("immutable") or []),
        "monotone": dict(section.get("monotone") or {}),
        "ranges": dict(section.get("ranges") or {}),
        "plausibility": section.get("plausibility"),
        "per_row": section.get("per_row"),
        "n_rows": section.get("n_rows"),
        "n_counterfactuals": section.get("n_counterfactuals"),
        "n_without": sum(1 for e in raw if not e.get("counterfactuals")),
        "validity": _num(section.get("validity")),
        "coverage": _num(section.get("coverage")),
        "mean_changed": _num(section.get("mean_changed")),
        "mean_distance": _num(section.get("mean_distance")),
        "mean_diversity": _num(section.get("mean_diversity")),
        "seconds_per_row": _num(section.get("seconds_per_row")),
        "confidence_level": _num(section.get("confidence_level")),
        "min_group_size": section.get("min_group_size"),
        "examples": examples,
        "card_examples": examples[: limits.card_examples],
        "card_examples_more": max(0, len(examples) - limits.card_examples),
        "flip": flip_features,
        "notes": [_clip(n, 4 * limits.text) for n in section.get("notes") or []][:20],
    }
