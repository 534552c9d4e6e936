"""Range checks for a loaded assessment: a rate outside [0, 1] is a corrupt file, not a result.

JSON Schema checks types; it cannot know that ``accuracy: 7.5`` is impossible, and a gate that
reads it would pass ``accuracy >= 0.9``. Every field named like a proportion, wherever it sits in
``results``, must be a number in [0, 1] (or null); the same holds for the ``low`` / ``high`` of an
interval filed under such a name (``performance.ci.accuracy``).
"""

from __future__ import annotations

from typing import Any

from rai._exceptions import ConfigError

__all__ = ["PROPORTIONS", "check_ranges"]

#: Field names whose values are shares, rates or probabilities.
PROPORTIONS = frozenset({
    "accuracy", "balanced_accuracy", "precision", "recall", "f1", "specificity", "roc_auc", "brier",
    "false_positive_rate", "false_negative_rate", "true_positive_rate", "true_negative_rate",
    "selection_rate", "base_rate", "error_rate", "positive_rate", "calibration_error",
    "share", "share_drifted", "missing_share", "duplicate_row_share", "out_of_range_share",
    "error_coverage", "p_value", "p_value_raw", "p_value_adjusted", "confidence_level",
})
_SLACK = 1e-9  # floating-point rounding of a rate computed as a ratio


def _numbers(value: Any, path: str) -> list[tuple[str, Any]]:
    """The numbers filed under a proportion's name: itself, an interval's ends, a (nested) list's items."""
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [(path, value)]
    if isinstance(value, dict):
        return [(f"{path}.{k}", v) for k, v in value.items()
                if k in ("low", "high") and isinstance(v, (int, float)) and not isinstance(v, bool)]
    if isinstance(value, list):
        return [pair for i, v in enumerate(value) if isinstance(v, (int, float, list))
                for pair in _numbers(v, f"{path}[{i}]")]
    return []


def check_ranges(results: Any, where: str) -> None:
    """Raise ``ConfigError`` at the first proportion outside [0, 1], naming its JSON path."""
    stack: list[tuple[Any, str]] = [(results, "results")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                here = f"{path}.{key}"
                if key in PROPORTIONS:
                    for at, v in _numbers(value, here):
                        if not -_SLACK <= v <= 1 + _SLACK:
                            raise ConfigError(f"{where}: {at} is {v!r}; a proportion must lie between 0 and 1.")
                if isinstance(value, (dict, list)):
                    stack.append((value, here))
        elif isinstance(node, list):
            stack.extend((v, f"{path}[{i}]") for i, v in enumerate(node))
