"""Assessments for the gate tests, built from the result dataclasses (so their shape is the real one).

The numbers are chosen by hand so every expected outcome can be worked out on paper:

- performance: accuracy 0.85 [0.83, 0.87], roc_auc 0.90 [0.88, 0.92], 1000 rows;
  by group SEX 1 (n=520, accuracy 0.86), SEX 2 (n=480, 0.84); RACE A (n=600, 0.86),
  B (n=380, 0.85), C (n=20, insufficient, 0.70).
- fairness (min group size 30): SEX selection rates 1: 0.50, 2: 0.35 -> difference 0.15
  [0.09, 0.21], ratio 0.70 [0.60, 0.80]; RACE A 0.45, B 0.42, C 0.20 (insufficient).
  equalized_odds SEX difference 0.08 [0.03, 0.13], ratio 0.85 [0.75, 0.95].
- drift: AGEP 0.05 (not drifted), SCHL 0.15 (drifted), MAR 0.02 -> share 1/3.
- quality: 1000 rows, 10 duplicates (0.01), one issue on AGEP.
- errors: cohorts "AGEP > 60" (100 rows, error rate 0.40) and "AGEP <= 60" (900, 0.12); overall 0.15.
- explanations (shap): AGEP 0.30, SCHL 0.20, SEX 0.10, RACE 0.05, MAR 0.01.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from rai._assessment import SCHEMA_VERSION, Assessment, ModelInfo
from rai._provenance import Provenance
from rai._spec import DatasetSpec
from rai.results import (
    ColumnDrift,
    ColumnQuality,
    DriftResult,
    ErrorCohort,
    ErrorResult,
    ExplanationResult,
    FairnessMetric,
    FeatureImportance,
    FairnessResult,
    GroupInfo,
    GroupPerformance,
    Interval,
    PerformanceResult,
    QualityIssue,
    QualityResult,
    Results,
)

HERE = Path(__file__).resolve().parent
JUNIT_XSD = HERE / "junit-10.xsd"

GROUPS = {
    "SEX": {"1": (520, False), "2": (480, False)},
    "RACE": {"A": (600, False), "B": (380, False), "C": (20, True)},
}


def _perf(accuracy: float, acc_ci: tuple[float, float]) -> PerformanceResult:
    group_acc = {("SEX", "1"): 0.86, ("SEX", "2"): 0.84, ("RACE", "A"): 0.86, ("RACE", "B"): 0.85, ("RACE", "C"): 0.70}
    by_group = [
        GroupPerformance(
            sensitive_feature=f,
            group=g,
            count=GROUPS[f][g][0],
            insufficient=GROUPS[f][g][1],
            metrics={"accuracy": acc},
            ci={"accuracy": Interval(acc - 0.03, acc + 0.03)},
        )
        for (f, g), acc in group_acc.items()
    ]
    return PerformanceResult(
        task="binary",
        n_rows=1000,
        positive_label="1",
        overall={"accuracy": accuracy, "roc_auc": 0.90, "log_loss": None},
        ci={"accuracy": Interval(*acc_ci), "roc_auc": Interval(0.88, 0.92)},
        by_group=by_group,
        confusion_matrix=None,
        calibration=[],
        confidence_level=0.95,
        n_bootstrap=200,
        seed=0,
    )


def _fair_metric(name: str, feature: str, by_group: dict[str, float], diff: float, ratio: float,
                 dci: tuple[float, float], rci: tuple[float, float]) -> FairnessMetric:
    return FairnessMetric(
        name=name,
        sensitive_feature=feature,
        by_group=by_group,
        by_group_ci={g: Interval(v - 0.04, v + 0.04) for g, v in by_group.items()},
        difference=diff,
        ratio=ratio,
        ci_low=dci[0],
        ci_high=dci[1],
        ratio_ci_low=rci[0],
        ratio_ci_high=rci[1],
        insufficient_groups=[g for g, (_, small) in GROUPS[feature].items() if small],
    )


def _fairness(sex_rates: tuple[float, float]) -> FairnessResult:
    r1, r2 = sex_rates
    lo, hi = min(r1, r2), max(r1, r2)
    metrics = [
        _fair_metric("selection_rate", "SEX", {"1": r1, "2": r2}, hi - lo, lo / hi, (hi - lo - 0.06, hi - lo + 0.06), (lo / hi - 0.1, lo / hi + 0.1)),
        _fair_metric("demographic_parity", "SEX", {"1": r1, "2": r2}, hi - lo, lo / hi, (hi - lo - 0.06, hi - lo + 0.06), (lo / hi - 0.1, lo / hi + 0.1)),
        _fair_metric("equalized_odds", "SEX", {}, 0.08, 0.85, (0.03, 0.13), (0.75, 0.95)),
        _fair_metric("selection_rate", "RACE", {"A": 0.45, "B": 0.42, "C": 0.20}, 0.25, 0.20 / 0.45, (0.05, 0.45), (0.2, 0.8)),
        _fair_metric("demographic_parity", "RACE", {"A": 0.45, "B": 0.42, "C": 0.20}, 0.25, 0.20 / 0.45, (0.05, 0.45), (0.2, 0.8)),
        _fair_metric("equalized_odds", "RACE", {}, 0.30, 0.5, (0.1, 0.5), (0.3, 0.7)),
    ]
    groups = [GroupInfo(f, g, n, small) for f, gs in GROUPS.items() for g, (n, small) in gs.items()]
    return FairnessResult(
        sensitive_features=["SEX", "RACE"], metrics=metrics, groups=groups, min_group_size=30,
        confidence_level=0.95, n_bootstrap=200, seed=0,
    )


def _col_drift(column: str, statistic: float, drifted: bool, role: str = "feature") -> ColumnDrift:
    return ColumnDrift(
        column=column, role=role, column_type="numeric", method="wasserstein", statistic=statistic,
        threshold=0.1, p_value=None, p_value_adjusted=None, drifted=drifted, psi=statistic / 2,
        n_reference=2000, n_current=1000, distribution=None,
    )


def _drift() -> DriftResult:
    columns = [_col_drift("AGEP", 0.05, False), _col_drift("SCHL", 0.15, True), _col_drift("MAR", 0.02, False)]
    return DriftResult(
        columns=columns, prediction=[_col_drift("prediction", 0.01, False, role="prediction")], n_columns=3,
        n_drifted=1, share_drifted=1 / 3, dataset_drift=False, drift_share_threshold=0.5, correction="none",
        n_reference=2000, n_current=1000,
    )


def _quality() -> QualityResult:
    cols = [
        ColumnQuality(column=c, dtype="float64", column_type="numeric", n_missing=m, missing_share=m / 1000, n_unique=50,
                      constant=False, type_mismatch_count=0, out_of_range_count=0, out_of_range_share=0.0,
                      unseen_categories=[], unseen_count=0)
        for c, m in (("AGEP", 30), ("SCHL", 0), ("MAR", 0))
    ]
    return QualityResult(
        n_rows=1000, n_columns=3, duplicate_rows=10, duplicate_row_share=0.01, duplicated_columns=[], columns=cols,
        issues=[QualityIssue(column="AGEP", kind="missing", severity="warning", message="3% missing")],
    )


def _cohort(rule: str, size: int, error_rate: float, coverage: float, p_value: float) -> ErrorCohort:
    n_errors = round(size * error_rate)
    return ErrorCohort(
        rule=rule, filters=[], size=size, n_errors=n_errors, error_rate=error_rate, error_coverage=coverage,
        p_value=p_value, p_value_raw=p_value, test_size=size // 2, test_errors=n_errors // 2, significant=p_value < 0.05,
        metrics={}, group_makeup={}, depth=1, leaf=1,
    )


def build_assessment(*, accuracy: float = 0.85, acc_ci: tuple[float, float] = (0.83, 0.87),
                     sex_rates: tuple[float, float] = (0.50, 0.35), with_extras: bool = True) -> Assessment:
    """An ``Assessment`` with the hand-picked numbers of the module docstring."""
    errors = explanations = None
    if with_extras:
        errors = ErrorResult(
            task="binary", status="ok", message=None, n_rows=1000, n_errors=150, error_rate=0.15,
            error_definition="misclassified", error_threshold=None,
            cohorts=[_cohort("AGEP > 60", 100, 0.40, 0.267, 0.001), _cohort("AGEP <= 60", 900, 0.12, 0.733, 0.2)],
            heatmap=None, tree_feature_importance={"AGEP": 1.0}, features=["AGEP"], max_depth=3, min_leaf_size=30,
            honest=True, n_fit=500, n_test=500, alternative="greater", alpha=0.05, split_alpha=0.05,
            correction="benjamini-hochberg", seed=0,
        )
        ranked = (("AGEP", 0.30), ("SCHL", 0.20), ("SEX", 0.10), ("RACE", 0.05), ("MAR", 0.01))
        explanations = ExplanationResult(
            task="binary", model_kind="sklearn", explainer="tree", shap_method="tree", output_space="probability",
            explained_output="1", explained_classes=["1"],
            global_importance=[FeatureImportance(feature=f, importance=v, method="shap", rank=i + 1, share=v / 0.66)
                               for i, (f, v) in enumerate(ranked)],
            local=[], agreement=[], surrogate=None, n_rows=1000, sample_size=500, background_size=None,
            background_source="none", lime_samples=0, top_k=3, seed=0, additivity_max_error=None, notes=[],
        )
    results = Results(
        performance=_perf(accuracy, acc_ci), fairness=_fairness(sex_rates), drift=_drift(), quality=_quality(),
        errors=errors, explanations=explanations,
    )
    return Assessment(
        schema_version=SCHEMA_VERSION,
        spec=DatasetSpec(target="y", prediction="pred", sensitive=("SEX", "RACE")),
        task="binary",
        features={"AGEP": "numeric", "SCHL": "numeric", "MAR": "numeric", "SEX": "categorical", "RACE": "categorical"},
        n_rows=1000,
        n_reference_rows=2000,
        model=ModelInfo(kind="predictions only", source=None, sha256=None, feature_names=None),
        results=results,
        provenance=Provenance(rai_version="test", created_at="2026-01-01T00:00:00+00:00", data_sha256="0" * 64),
    )


def make_assessment(**kwargs: Any) -> dict[str, Any]:
    """The assessment as the dict ``assessment.json`` holds."""
    return build_assessment(**kwargs).to_dict()


def policy(*checks: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"version": 1, **top, "checks": list(checks)}


def write_json(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def assessment() -> dict[str, Any]:
    return copy.deepcopy(_CACHED)


_CACHED = make_assessment()
