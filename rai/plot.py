"""Charts of results for notebooks: fairness by group, drift per column, error cohorts, importance.

Each function draws one result onto a matplotlib ``Axes`` (a new figure when ``ax`` is not
given) and returns the ``Axes``. They draw what the analyzers computed and decide nothing:
a column is red because its result says ``drifted``, a group is hollow because its result says
``insufficient``. matplotlib is an optional extra: ``pip install "rai-toolkit[plot]"``.

>>> import rai.plot                                                   # doctest: +SKIP
>>> rai.plot.fairness(assessment.results.fairness, metric="false_positive_rate")   # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from rai._exceptions import ConfigError, UnsupportedError

__all__ = ["fairness", "drift", "error_cohorts", "importance"]

#: colours: a neutral one for what is fine or unjudged, one that draws the eye for a flagged row
_NEUTRAL = "#4c72b0"
_FLAGGED = "#c44e52"
_MUTED = "#9a9a9a"


def _axes(ax: Any, height: float) -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # the optional extra is not installed
        raise UnsupportedError('rai.plot needs matplotlib: pip install "rai-toolkit[plot]"') from exc
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=(7, max(2.0, height)), layout="constrained")
    return ax


def fairness(result: Any, *, metric: str = "selection_rate", sensitive_feature: str | None = None, ax: Any = None) -> Any:
    """One metric by group with its confidence interval; groups too small to judge drawn hollow.

    ``result`` is a ``FairnessResult``; ``sensitive_feature`` defaults to the first one.
    """
    feature = sensitive_feature or result.sensitive_features[0]
    chosen = [m for m in result.metrics if m.name == metric and m.sensitive_feature == feature]
    if not chosen:
        names = sorted({m.name for m in result.metrics if m.by_group})
        features = sorted({m.sensitive_feature for m in result.metrics})
        raise ConfigError(f"rai.plot.fairness: no metric {metric!r} by {feature!r}; expected a metric from {names} "
                          f"and a sensitive feature from {features}.")
    m = chosen[0]
    groups = [g for g, v in m.by_group.items() if v is not None]
    ax = _axes(ax, 0.45 * len(groups) + 1.2)
    for y, group in enumerate(groups):
        value = m.by_group[group]
        ci = m.by_group_ci.get(group)
        small = group in m.insufficient_groups
        if ci is not None and ci.low is not None and ci.high is not None:
            ax.plot([ci.low, ci.high], [y, y], color=_MUTED if small else _NEUTRAL, linewidth=2)
        ax.plot([value], [y], "o", markersize=7, color=_MUTED if small else _NEUTRAL,
                markerfacecolor="white" if small else _NEUTRAL)
    ax.set_yticks(range(len(groups)), [f"{g} (too few rows)" if g in m.insufficient_groups else g for g in groups])
    ax.invert_yaxis()
    ax.set_xlabel(f"{metric.replace('_', ' ')} with {result.confidence_level:.0%} interval")
    ax.set_title(f"{metric.replace('_', ' ')} by {feature}")
    ax.grid(axis="x", alpha=0.3)
    return ax


def drift(result: Any, *, ax: Any = None) -> Any:
    """The drift statistic of every feature column; drifted columns in red, the threshold as a tick.

    ``result`` is a ``DriftResult``. Test-based methods (p-values) show the test statistic with
    the p-value written beside it, since their threshold applies to the p-value.
    """
    columns = list(result.columns)
    ax = _axes(ax, 0.3 * len(columns) + 1.2)
    for y, c in enumerate(columns):
        colour = _FLAGGED if c.drifted else _NEUTRAL
        ax.barh(y, c.statistic or 0.0, color=colour, height=0.6)
        if c.p_value is None:
            ax.plot([c.threshold], [y], "|", color="black", markersize=12)
        else:
            p = c.p_value_adjusted if c.p_value_adjusted is not None else c.p_value
            ax.annotate(f"p={p:.2g}", (c.statistic or 0.0, y), xytext=(3, -3), textcoords="offset points", fontsize=7)
    ax.set_yticks(range(len(columns)), [f"{c.column} ({c.method})" for c in columns])
    ax.invert_yaxis()
    ax.set_xlabel("drift statistic (tick: the method's threshold)")
    ax.set_title(f"drift: {result.n_drifted} of {result.n_columns} columns (red: drifted)")
    ax.grid(axis="x", alpha=0.3)
    return ax


def error_cohorts(result: Any, *, ax: Any = None) -> Any:
    """Error rate of every cohort beside the overall rate; significant cohorts in red.

    ``result`` is an ``ErrorResult``.
    """
    cohorts = list(result.cohorts)
    ax = _axes(ax, 0.4 * len(cohorts) + 1.2)
    for y, c in enumerate(cohorts):
        ax.barh(y, c.error_rate, color=_FLAGGED if c.significant else _NEUTRAL, height=0.6)
        ax.annotate(f"{c.size} rows", (c.error_rate, y), xytext=(3, -3), textcoords="offset points", fontsize=7)
    ax.axvline(result.error_rate, color="black", linestyle="--", linewidth=1, label=f"overall {result.error_rate:.3f}")
    ax.set_yticks(range(len(cohorts)), [c.rule for c in cohorts])
    ax.invert_yaxis()
    ax.set_xlabel("error rate")
    ax.set_title("error cohorts (red: significantly above the overall rate)")
    ax.legend(loc="lower right")
    return ax


def importance(result: Any, *, top: int = 15, ax: Any = None) -> Any:
    """Global feature importance, the ``top`` features; ``result`` is an ``ExplanationResult``."""
    if not isinstance(top, int) or isinstance(top, bool) or top < 1:
        raise ConfigError(f"The 'top' parameter of rai.plot.importance must be a positive integer. Got {top!r} instead.")
    features = sorted(result.global_importance, key=lambda f: f.rank)[:top]
    ax = _axes(ax, 0.3 * len(features) + 1.2)
    ax.barh(range(len(features)), [f.importance for f in features], color=_NEUTRAL, height=0.6)
    ax.set_yticks(range(len(features)), [f.feature for f in features])
    ax.invert_yaxis()
    method = features[0].method if features else result.explainer
    ax.set_xlabel(f"importance ({method})")
    ax.set_title("global feature importance")
    return ax
