"""The metric stream: every number of an assessment as one typed record.

The gate, the report, the monitor's rules and events, and the MLflow log read an assessment only
through this stream, so they cannot disagree about a number, its interval or whether the evidence
behind it is sufficient. Each result section registers one *walker*, a function from that
section's JSON form (``assessment.to_dict()["results"][section]``) to ``Metric`` records; walkers
read the JSON form so that the stream of a saved ``assessment.json`` is the stream of the live
object, and so that gating a file imports neither pandas nor scikit-learn.

>>> from rai.results import metric_stream                      # doctest: +SKIP
>>> for m in metric_stream(assessment.to_dict()):              # doctest: +SKIP
...     print(m.path, m.qualifiers, m.value, m.ci_low, m.ci_high, m.insufficient)

A path follows the grammar of ``docs/gate.md`` (``fairness.demographic_parity.judged.ratio``);
qualifiers (``sensitive_feature``, ``group``, ``column``, ``feature``, ``method``, ``treatment``,
...) pick one number where a path names many.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any

__all__ = [
    "Metric",
    "Walker",
    "PathDoc",
    "iter_stream",
    "metric_stream",
    "register_section",
    "registered_sections",
    "document_paths",
    "path_docs",
    "render_paths_markdown",
]


@dataclasses.dataclass(frozen=True)
class Metric:
    """One number of an assessment, with its uncertainty and the evidence behind it.

    ``n`` counts the rows behind the number; ``n_effective`` the denominator that sufficiency is
    judged on (actual positives for a true-positive rate, predicted positives for precision, ...).
    ``insufficient`` with ``reason`` says the evidence is too thin to judge it; such a number is
    never a headline and never decides a check on its own.
    """

    path: str
    value: float | bool | None
    qualifiers: tuple[tuple[str, str], ...] = ()
    ci_low: float | None = None
    ci_high: float | None = None
    n: int | None = None
    n_effective: int | None = None
    insufficient: bool = False
    reason: str | None = None
    headline: bool = False
    #: groups (or other parts) left out of the number, each with why (e.g. too few actual positives)
    excluded: tuple[str, ...] = ()
    #: the sizes behind the number, each ``(label, count, too small)``: the groups a disparity compares
    sizes: tuple[tuple[str, int | None, bool], ...] = ()

    def qualifier(self, key: str) -> str | None:
        """The value of one qualifier, or ``None``."""
        return dict(self.qualifiers).get(key)

    @property
    def key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        """Identity of the number across assessments (to pair it with a baseline)."""
        return (self.path, self.qualifiers)

    @property
    def label(self) -> str:
        quals = ", ".join(f"{k}={v}" for k, v in self.qualifiers)
        return f"{self.path} ({quals})" if quals else self.path

    @property
    def has_interval(self) -> bool:
        return self.ci_low is not None and self.ci_high is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "qualifiers": dict(self.qualifiers),
            "value": self.value,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "n": self.n,
            "n_effective": self.n_effective,
            "insufficient": self.insufficient,
            "reason": self.reason,
            "headline": self.headline,
            "excluded": list(self.excluded),
            "sizes": [list(s) for s in self.sizes],
        }


#: A walker turns one result section (its JSON form) into metric records.
Walker = Callable[[dict[str, Any]], Iterable[Metric]]

_WALKERS: dict[str, Walker] = {}


def register_section(section: str) -> Callable[[Walker], Walker]:
    """Register the walker of one result section (``results.<section>`` of assessment.json).

    Each section has exactly one walker; it is defined beside the result dataclasses it reads.
    """

    def decorate(walker: Walker) -> Walker:
        if section in _WALKERS and _WALKERS[section] is not walker:
            raise RuntimeError(f"result section {section!r} already has a metric-stream walker")
        _WALKERS[section] = walker
        return walker

    return decorate


@dataclasses.dataclass(frozen=True)
class PathDoc:
    """What one path of the stream means, which qualifiers pick its numbers, and when it is insufficient."""

    path: str
    qualifiers: tuple[str, ...]
    meaning: str
    sufficiency: str = "always judged"


_DOCS: dict[str, list[PathDoc]] = {}


def document_paths(section: str, docs: list[PathDoc]) -> None:
    """Describe the paths a section's walker yields (``docs/metrics.md`` is generated from these)."""
    _DOCS[section] = list(docs)


def path_docs() -> dict[str, list[PathDoc]]:
    """Every documented path, by section, in registration order."""
    registered_sections()
    return {s: list(_DOCS.get(s, [])) for s in _WALKERS}


def render_paths_markdown() -> str:
    """``docs/metrics.md``: every path of the metric stream (``rai metrics --paths`` prints it too)."""
    lines = [
        "# Metric paths",
        "",
        "<!-- generated from the code by `rai metrics --paths`; a test keeps this file equal to it -->",
        "",
        "Every number of an assessment is one record of the **metric stream**: a path, qualifiers that pick",
        "one number where a path has many, the value, its interval (`ci_low`, `ci_high`), `n` (rows behind",
        "it), `n_effective` (the denominator its sufficiency is judged on), and `insufficient` with the",
        "reason. The release gate, the report's check list, the monitor's rules and the MLflow log all read",
        "this stream and judge it with the same policy (docs/gate.md), so they cannot disagree.",
        "`rai metrics --assessment out/assessment.json` prints it (`--format table|json|csv`).",
        "",
        "A number marked insufficient is never a headline and never decides a check on its own: the check",
        "gives *insufficient evidence* and `on_insufficient` decides its effect.",
    ]
    for section, docs in path_docs().items():
        lines += ["", f"## {section}", "", "| path | qualifiers | meaning | insufficient when |", "|---|---|---|---|"]
        for d in docs:
            quals = ", ".join(f"`{q}`" for q in d.qualifiers) or "-"
            lines.append(f"| `{d.path}` | {quals} | {d.meaning} | {d.sufficiency} |")
    return "\n".join(lines) + "\n"


def registered_sections() -> list[str]:
    """Sections that have a walker, in registration order."""
    import rai.results  # noqa: F401  (importing the result modules registers their walkers)

    return list(_WALKERS)


def metric_stream(doc: dict[str, Any]) -> list[Metric]:
    """Every number of an assessment dict (``Assessment.to_dict()`` or a loaded assessment.json)."""
    results = doc.get("results") if isinstance(doc, dict) else None
    if not isinstance(results, dict):
        return []
    out: list[Metric] = []
    for section in registered_sections():
        value = results.get(section)
        if isinstance(value, dict):
            out.extend(_finite(m) for m in _WALKERS[section](value))
    return out


def iter_stream(doc: dict[str, Any], path: str) -> Iterator[Metric]:
    """The records of one path."""
    return (m for m in metric_stream(doc) if m.path == path)


def _finite(metric: Metric) -> Metric:
    # A non-finite number is never a value: JSON cannot hold it, and no comparison with it means anything.
    v = metric.value
    if isinstance(v, float) and not math.isfinite(v):
        return dataclasses.replace(metric, value=None, insufficient=True, reason="the value is not a finite number")
    return metric
