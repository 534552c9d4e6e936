"""The closed set of result shapes, and the ``Results`` container of an assessment."""

from __future__ import annotations

import dataclasses

from rai._serialize import Result
from rai.results._core import (
    CalibrationBin,
    ColumnDrift,
    ColumnQuality,
    ConfusionMatrix,
    Distribution,
    DriftResult,
    ExcludedGroup,
    FairnessMetric,
    FairnessResult,
    GroupInfo,
    GroupPerformance,
    Interval,
    JudgedGap,
    PerformanceResult,
    QualityIssue,
    QualityResult,
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
import rai.results._monitoring  # noqa: F401  (registers the monitor's own sections)
from rai.results._errors import CohortFilter, ErrorCohort, ErrorHeatmap, ErrorResult, HeatmapAxis
from rai.results._stream import (
    Metric,
    PathDoc,
    Walker,
    document_paths,
    iter_stream,
    metric_stream,
    path_docs,
    register_section,
    registered_sections,
    render_paths_markdown,
)
from rai.results._explanations import (
    ExplanationResult,
    FeatureImportance,
    LocalAgreement,
    LocalExplanation,
    ShapeFunction,
    SurrogateResult,
)
# after the explanations: the order of registration is the order of docs/metrics.md
from rai.results._counterfactuals import Counterfactual, CounterfactualExample, CounterfactualResult, FlipRate

__all__ = [
    "Results",
    "Metric",
    "PathDoc",
    "Walker",
    "document_paths",
    "path_docs",
    "render_paths_markdown",
    "iter_stream",
    "metric_stream",
    "register_section",
    "registered_sections",
    "AnalyzerNote",
    "CalibrationBin",
    "ColumnDrift",
    "ColumnQuality",
    "ConfusionMatrix",
    "Distribution",
    "DriftResult",
    "ExcludedGroup",
    "FairnessMetric",
    "FairnessResult",
    "GroupInfo",
    "GroupPerformance",
    "Interval",
    "JudgedGap",
    "PerformanceResult",
    "QualityIssue",
    "QualityResult",
    "Counterfactual",
    "CounterfactualExample",
    "CounterfactualResult",
    "FlipRate",
    "CohortFilter",
    "ErrorCohort",
    "ErrorHeatmap",
    "ErrorResult",
    "HeatmapAxis",
    "ExplanationResult",
    "FeatureImportance",
    "LocalAgreement",
    "LocalExplanation",
    "ShapeFunction",
    "SurrogateResult",
    "CausalEffect",
    "CausalPolicy",
    "CausalResult",
    "GroupEffect",
    "Overlap",
    "PolicyRule",
    "Refutation",
]


@dataclasses.dataclass(frozen=True)
class AnalyzerNote(Result):
    """Why an analyzer did not run, or what it had to leave out."""

    analyzer: str
    level: str
    message: str


@dataclasses.dataclass(frozen=True, repr=False)
class Results(Result):
    """One slot per analyzer; ``None`` when that analyzer did not run (see ``notes``)."""

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.present())
        return f"Results({shown}, notes={len(self.notes)})"

    performance: PerformanceResult | None = None
    fairness: FairnessResult | None = None
    drift: DriftResult | None = None
    quality: QualityResult | None = None
    errors: ErrorResult | None = None
    explanations: ExplanationResult | None = None
    causal: CausalResult | None = None
    counterfactuals: CounterfactualResult | None = None
    notes: list[AnalyzerNote] = dataclasses.field(default_factory=list)

    def present(self) -> list[str]:
        """Names of the analyzers that produced a result."""
        return [f.name for f in dataclasses.fields(self) if f.name != "notes" and getattr(self, f.name) is not None]
