"""The monitor's own result sections of a check's metric stream: attribution drift, performance
estimated without labels, multivariate drift.

Their walkers are registered here, with the other sections, so that the set of paths (and
docs/metrics.md) never depends on which package was imported first.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rai.results._stream import Metric, PathDoc, document_paths, register_section

__all__: list[str] = []


@register_section("attribution")
def _walk_attribution(section: dict[str, Any]) -> Iterator[Metric]:
    """NDCG of a batch's feature-importance ranking against the reference's."""
    yield Metric("attribution.ndcg", section.get("ndcg"), headline=True)


document_paths("attribution", [
    PathDoc("attribution.ndcg", (), "monitor only: NDCG of a batch's feature-importance ranking against the reference's (1 = same order)", "never"),
])


@register_section("performance_estimated")
def _walk_estimates(section: dict[str, Any]) -> Iterator[Metric]:
    """``performance.estimated.<metric>``: estimated without labels, with the interval of its label draws."""
    n = section.get("n")
    for name, m in (section.get("metrics") or {}).items():
        value = m.get("value")
        yield Metric(f"performance.estimated.{name}", value, ci_low=m.get("ci_low"), ci_high=m.get("ci_high"),
                     n=n, n_effective=n, insufficient=value is None,
                     reason=None if value is not None else "undefined on this window (no expected positive)")


document_paths("performance_estimated", [
    PathDoc("performance.estimated.<metric>", (), "monitor only: accuracy, precision, recall, f1 or roc_auc estimated "
            "from the scores without labels (CBPE), with the interval of labels drawn from the calibrated scores",
            "when the metric is undefined on the window"),
])


@register_section("multivariate")
def _walk_multivariate(section: dict[str, Any]) -> Iterator[Metric]:
    """``multivariate.<method>.<field>`` of each method that ran on the window."""
    for method, m in section.items():
        n = m.get("n_current")
        yield Metric(f"multivariate.{method}.statistic", m.get("statistic"), ci_low=m.get("ci_low"),
                     ci_high=m.get("ci_high"), n=n, n_effective=n, headline=True)
        yield Metric(f"multivariate.{method}.threshold", m.get("threshold"), n=m.get("n_reference"))
        yield Metric(f"multivariate.{method}.drifted", m.get("drifted"), n=n)


document_paths("multivariate", [
    PathDoc("multivariate.<method>.statistic", (), "monitor only: the statistic of domain_classifier (cross-validated "
            "ROC AUC, reference vs window) or pca_reconstruction (mean reconstruction error), with its interval", "never"),
    PathDoc("multivariate.<method>.threshold", (), "monitor only: its threshold, calibrated on reference chunks", "never"),
    PathDoc("multivariate.<method>.drifted", (), "monitor only: true when the statistic is beyond its threshold", "never"),
])
