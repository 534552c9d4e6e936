"""A realistic assessment built from the result dataclasses, and variants for the edge cases.

The numbers follow the shape of the ACS employment demo (a binary classifier, SEX and RAC1P
as sensitive features, drift between 2015 and 2018); the error analysis and explanations
use the result shapes of ``rai.results`` (``ErrorResult``, ``ExplanationResult``).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rai._assessment import Assessment, ModelInfo
from rai._provenance import Provenance
from rai._spec import DatasetSpec
from rai.results import (
    AnalyzerNote,
    CalibrationBin,
    CohortFilter,
    ColumnDrift,
    ColumnQuality,
    ConfusionMatrix,
    Distribution,
    DriftResult,
    ErrorCohort,
    ErrorHeatmap,
    ErrorResult,
    ExplanationResult,
    FairnessMetric,
    FairnessResult,
    FeatureImportance,
    GroupInfo,
    GroupPerformance,
    HeatmapAxis,
    Interval,
    LocalAgreement,
    LocalExplanation,
    PerformanceResult,
    QualityIssue,
    QualityResult,
    Results,
    ShapeFunction,
    SurrogateResult,
)

HERE = Path(__file__).parent
SCHEMA_PATH = HERE / "data" / "model_card.schema.v0.0.2.json"
GOLDEN = HERE / "golden"

FULL_CARD = {
    "name": "ACS employment classifier",
    "version": "1.2.0",
    "version_date": "2026-11-01",
    "owners": [{"name": "Responsible AI team", "contact": "rai@example.org"}, "Model Risk <mrm@example.org>"],
    "license": "Apache-2.0",
    "references": ["https://www.census.gov/programs-surveys/acs/microdata.html"],
    "model_architecture": "HistGradientBoostingClassifier (scikit-learn)",
    "intended_use": ["Research on employment prediction", "Demonstrating responsible-AI reporting"],
    "intended_users": ["Data scientists", "Model risk reviewers"],
    "out_of_scope_uses": ["Decisions about individual people (hiring, credit, benefits)"],
    "training_data": "ACS PUMS 2015, Massachusetts, persons aged 16-90.",
    "evaluation_data": "ACS PUMS 2018, Massachusetts, same population definition.",
    "limitations": ["Trained on one state; other states are out of distribution."],
    "ethical_considerations": [
        {"name": "Disparate selection rates by race", "mitigation_strategy": "Report per-group rates with intervals; do not automate decisions."}
    ],
    "caveats_and_recommendations": ["Re-assess on every new survey year."],
}


def _dist_numeric(rng: np.random.Generator, shift: float) -> Distribution:
    edges = list(np.round(np.linspace(16, 90, 11), 3))
    ref = rng.multinomial(5000, np.full(10, 0.1))
    p = np.exp(-0.5 * ((np.arange(10) - 4.5 - shift) / 3) ** 2)
    cur = rng.multinomial(5000, p / p.sum())
    return Distribution(kind="numeric", edges=[float(e) for e in edges], categories=[],
                        reference_counts=[int(x) for x in ref], current_counts=[int(x) for x in cur])


def _dist_categorical(cats: list[str], rng: np.random.Generator) -> Distribution:
    k = len(cats)
    ref = rng.multinomial(5000, np.full(k, 1 / k))
    cur = rng.multinomial(5000, np.linspace(1, 2, k) / np.linspace(1, 2, k).sum())
    return Distribution(kind="categorical", edges=[], categories=cats,
                        reference_counts=[int(x) for x in ref], current_counts=[int(x) for x in cur])


def build_assessment(
    *,
    payload: str | None = None,
    n_columns: int = 6,
    n_cohorts: int = 5,
    n_groups: int = 3,
    model_card: dict[str, Any] | None = None,
    errors: bool = True,
    explanations: bool = True,
    fairness: bool = True,
) -> Assessment:
    """A realistic binary-classification assessment.

    ``payload`` (markup / script) is put into column names, group names and model-card text;
    ``n_columns`` / ``n_cohorts`` / ``n_groups`` grow the lists for the size-budget tests.
    """
    rng = np.random.default_rng(7)
    tag = payload or ""
    base_cols = ["AGEP", "SCHL", "MAR", "COW", "WKHP", "POBP"]
    columns = [f"{c}{tag}" for c in base_cols[:n_columns]] + [f"col_{i}{tag}" for i in range(max(0, n_columns - len(base_cols)))]
    sex = f"SEX{tag}"
    race = f"RAC1P{tag}"
    races = [f"1{tag}", "2", "6", "8", "9"][: max(2, min(n_groups, 5))] + [f"g{i}{tag}" for i in range(max(0, n_groups - 5))]

    ci = lambda v, w=0.01: Interval(low=round(v - w, 4), high=round(v + w, 4))
    overall = {"accuracy": 0.8123, "precision": 0.7904, "recall": 0.8367, "f1": 0.8129, "roc_auc": 0.8891,
               "log_loss": 0.4012, "brier": 0.1311, "calibration_error": 0.0213, "selection_rate": 0.4871}
    by_group = []
    for feature, groups in ((sex, ["1", f"2{tag}"]), (race, races)):
        for j, g in enumerate(groups):
            count = 40 if j == len(groups) - 1 and feature == race else 4000 - 300 * j
            acc = 0.82 - 0.02 * j
            by_group.append(GroupPerformance(
                sensitive_feature=feature, group=g, count=count, insufficient=count < 50,
                metrics={"accuracy": acc, "selection_rate": 0.52 - 0.04 * j, "true_positive_rate": 0.85 - 0.03 * j},
                ci={"accuracy": ci(acc, 0.012), "selection_rate": ci(0.52 - 0.04 * j), "true_positive_rate": ci(0.85 - 0.03 * j)},
            ))
    performance = PerformanceResult(
        task="binary", n_rows=10000, positive_label="True", overall=overall,
        ci={k: ci(v) for k, v in overall.items()}, by_group=by_group,
        confusion_matrix=ConfusionMatrix(labels=["False", "True"], matrix=[[4312, 817], [1060, 3811]]),
        calibration=[CalibrationBin(low=i / 10, high=(i + 1) / 10, count=1000, mean_score=i / 10 + 0.05,
                                    positive_rate=i / 10 + 0.04) for i in range(10)],
        confidence_level=0.95, n_bootstrap=200, seed=0,
    )

    metrics = []
    groups_info = []
    for feature, groups in ((sex, ["1", f"2{tag}"]), (race, races)):
        counts = {g: (40 if j == len(groups) - 1 and feature == race else 4000 - 300 * j) for j, g in enumerate(groups)}
        insufficient = [g for g, c in counts.items() if c < 50]
        for g, c in counts.items():
            groups_info.append(GroupInfo(sensitive_feature=feature, group=g, count=c, insufficient=c < 50))
        sel = {g: round(0.52 - 0.06 * j, 4) for j, g in enumerate(groups)}
        tpr = {g: round(0.85 - 0.03 * j, 4) for j, g in enumerate(groups)}
        judged = [g for g in groups if g not in insufficient]
        for name, values in (("selection_rate", sel), ("true_positive_rate", tpr),
                             ("demographic_parity", sel), ("equal_opportunity", tpr)):
            vals = [values[g] for g in judged]
            diff = round(max(vals) - min(vals), 4)
            ratio = round(min(vals) / max(vals), 4)
            metrics.append(FairnessMetric(
                name=name, sensitive_feature=feature, by_group=dict(values),
                by_group_ci={g: ci(v, 0.015) for g, v in values.items()},
                difference=diff, ratio=ratio, ci_low=round(max(diff - 0.02, 0), 4), ci_high=round(diff + 0.02, 4),
                ratio_ci_low=round(ratio - 0.03, 4), ratio_ci_high=round(min(ratio + 0.03, 1), 4),
                insufficient_groups=insufficient,
            ))
    fairness_result = FairnessResult(sensitive_features=[sex, race], metrics=metrics, groups=groups_info,
                                     min_group_size=50, confidence_level=0.95, n_bootstrap=200, seed=0)

    drift_cols = []
    for i, c in enumerate(columns):
        numeric = i % 2 == 0
        drifted = i in (0, 3)
        drift_cols.append(ColumnDrift(
            column=c, role="feature", column_type="numeric" if numeric else "categorical",
            method="wasserstein" if numeric else "jensenshannon", statistic=0.18 if drifted else 0.02 + 0.001 * (i % 50),
            threshold=0.1, p_value=None, p_value_adjusted=None, drifted=drifted, psi=0.21 if drifted else 0.01,
            n_reference=20000, n_current=10000,
            distribution=_dist_numeric(rng, 1.5 if drifted else 0) if numeric
            else _dist_categorical([f"c{k}{tag}" for k in range(4)], rng),
        ))
    n_drifted = sum(c.drifted for c in drift_cols)
    drift = DriftResult(
        columns=drift_cols,
        prediction=[ColumnDrift(column="rai_score", role="score", column_type="numeric", method="wasserstein",
                                statistic=0.07, threshold=0.1, p_value=None, p_value_adjusted=None, drifted=False,
                                psi=0.04, n_reference=20000, n_current=10000,
                                distribution=_dist_numeric(rng, 0.3))],
        n_columns=len(drift_cols), n_drifted=n_drifted, share_drifted=n_drifted / len(drift_cols),
        dataset_drift=n_drifted / len(drift_cols) >= 0.5, drift_share_threshold=0.5, correction="benjamini-hochberg",
        n_reference=20000, n_current=10000,
    )

    quality = QualityResult(
        n_rows=10000, n_columns=len(columns) + 3, duplicate_rows=12, duplicate_row_share=0.0012, duplicated_columns=[],
        columns=[ColumnQuality(column=c, dtype="float64" if i % 2 == 0 else "object",
                               column_type="numeric" if i % 2 == 0 else "categorical",
                               n_missing=25 if i == 1 else 0, missing_share=0.0025 if i == 1 else 0.0,
                               n_unique=50, constant=False, type_mismatch_count=0,
                               out_of_range_count=7 if i == 0 else 0, out_of_range_share=0.0007 if i == 0 else 0.0,
                               unseen_categories=[f"new{tag}"] if i == 3 else [], unseen_count=3 if i == 3 else 0)
                 for i, c in enumerate(columns)],
        issues=[QualityIssue(column=columns[0], kind="out_of_range", severity="warning",
                             message=f"7 values of {columns[0]} outside the reference range [16, 95]"),
                QualityIssue(column=None, kind="duplicate_rows", severity="info", message="12 duplicate rows (0.12%)")],
    )

    col_a, col_b = columns[0], columns[min(2, len(columns) - 1)]
    cohorts = []
    for k in range(n_cohorts):
        rate = round(0.41 - 0.2 * k / max(n_cohorts, 1), 4)
        size = 800 - (k % 700)
        if k == 0:
            rule = f"{col_a} > 62.5 and {col_b} in {{\"5{tag}\"}}"
            filters = [CohortFilter(column=col_a, kind="numeric", low=62.5, high=None, values=[], negate=False, include_missing=False),
                       CohortFilter(column=col_b, kind="categorical", low=None, high=None, values=[f"5{tag}"], negate=False, include_missing=False)]
        else:
            c = columns[k % len(columns)]
            rule = f"{c} <= {20 + k}.5"
            filters = [CohortFilter(column=c, kind="numeric", low=None, high=20.5 + k, values=[], negate=False, include_missing=k % 3 == 0)]
        padj = min(1.0, 3e-12 * (10 ** min(k, 11)))
        cohorts.append(ErrorCohort(
            rule=rule, filters=filters, size=size, n_errors=int(size * rate), error_rate=rate,
            error_coverage=round(0.17 / (1 + k), 4), p_value=padj, p_value_raw=padj / 3,
            test_size=size // 2, test_errors=int(size * rate) // 2, significant=padj < 0.05,
            metrics={"accuracy": round(1 - rate, 4), "selection_rate": 0.5},
            group_makeup={sex: {"1": size // 2, f"2{tag}": size - size // 2}}, depth=2, leaf=k,
        ))
    heat = ErrorHeatmap(
        features=[col_a, col_b],
        axes=[HeatmapAxis(feature=col_a, kind="numeric", labels=["16-30", "30-45", "45-60", "60-90"], edges=[16.0, 30.0, 45.0, 60.0, 90.0]),
              HeatmapAxis(feature=col_b, kind="categorical", labels=[f"a{tag}", "b", "c"], edges=[])],
        count=[[500, 400, 300], [700, 500, 400], [600, 600, 300], [300, 200, 0]],
        errors=[[50, 48, 27], [105, 90, 44], [120, 132, 57], [105, 60, 0]],
        error_rate=[[0.1, 0.12, 0.09], [0.15, 0.18, 0.11], [0.2, 0.22, 0.19], [0.35, 0.3, None]],
    )
    errors_result = ErrorResult(
        task="binary", status="ok", message=None, n_rows=10000, n_errors=1877, error_rate=0.1877,
        error_definition="misclassified", error_threshold=None, cohorts=cohorts, heatmap=heat,
        tree_feature_importance={col_a: 0.6, col_b: 0.4}, features=list(columns), max_depth=3, min_leaf_size=50,
        honest=True, n_fit=5000, n_test=5000, alternative="greater", alpha=0.05, split_alpha=0.05,
        correction="fdr_bh", seed=0,
    )
    local = []
    agreement = []
    for r in (3, 17):
        for m in ("shap", "lime"):
            local.append(LocalExplanation(
                row=r, row_id=None, method=m,
                contributions={c: round((0.2 if m == "shap" else 0.15) / (i + 1) * (-1) ** i, 4) for i, c in enumerate(columns)},
                prediction=round(0.83 - 0.1 * r / 17, 4), base_value=0.45 if m == "shap" else 0.5, output_value=0.6,
                output="True", output_space="probability", reason="worst error" if r == 3 else "typical",
                feature_values={c: f"v{i}{tag}" for i, c in enumerate(columns)},
            ))
        agreement.append(LocalAgreement(row=r, top_k=3, shap_top=columns[:3], lime_top=columns[:3], overlap=1.0, top1_agree=True))
    explanations_result = ExplanationResult(
        task="binary", model_kind="sklearn", explainer="TreeExplainer", shap_method="tree", output_space="log-odds",
        explained_output="True", explained_classes=["True"],
        global_importance=[FeatureImportance(feature=c, importance=round(0.3 / (i + 1), 4), method="shap", rank=i + 1,
                                             share=round(0.3 / (i + 1) / 0.7, 4)) for i, c in enumerate(columns)],
        local=local, agreement=agreement,
        surrogate=SurrogateResult(
            method="ebm", fidelity=0.93, fidelity_metric="accuracy", n_train=2000, n_test=500, intercept=[-0.2],
            shapes=[ShapeFunction(feature=col_a, kind="numeric", edges=[16.0, 25.0, 35.0, 45.0, 55.0, 65.0, 75.0, 90.0],
                                  categories=[], scores=[-0.8, -0.2, 0.3, 0.4, 0.35, 0.1, -0.5], output=None, importance=0.4),
                    ShapeFunction(feature=col_b, kind="categorical", edges=[], categories=["1", "2", f"3{tag}", "5"],
                                  scores=[0.3, -0.1, -0.2, -0.4], output=None, importance=0.2)],
            params={"max_bins": 32}),
        n_rows=10000, sample_size=500, background_size=None, background_source="tree path", lime_samples=1000,
        top_k=3, seed=0, additivity_max_error=1.2e-7, notes=[],
    )
    notes = [AnalyzerNote(analyzer="drift", level="info", message=f"column {columns[-1]} compared on 20 bins")]
    prov = Provenance(
        rai_version="0.1.0", created_at="2026-11-23T12:00:00+00:00",
        data_sha256="a" * 64, data_source="acs_2018.parquet", reference_sha256="b" * 64,
        reference_source="acs_2015.parquet", model_sha256="c" * 64, model_source="model.skops",
        config_sha256="d" * 64, config_source="rai.yaml", seed=0,
        packages={"numpy": "2.4.0", "pandas": "2.3.3", "scikit-learn": "1.9.0", "fairlearn": "0.15.0"},
        python="3.11.2", platform="Linux-x86_64", git_commit="0123456789abcdef0123456789abcdef01234567",
    )
    card = copy.deepcopy(FULL_CARD) if model_card is None else model_card
    if payload:
        card = dict(card, name=f"Model {payload}", limitations=[f"Limit {payload}"],
                    intended_use=f"Use {payload}", owners=[{"name": f"Owner {payload}", "contact": payload}])
    return Assessment(
        schema_version="1.0",
        spec=DatasetSpec(target="ESR", prediction=None, score=None, sensitive=(sex, race)).replace(
            prediction="rai_prediction", score="rai_score"),
        task="binary",
        features={c: ("numeric" if i % 2 == 0 else "categorical") for i, c in enumerate(columns)},
        n_rows=10000,
        n_reference_rows=20000,
        model=ModelInfo(kind="sklearn", source="model.skops", sha256="c" * 64, feature_names=list(columns)),
        results=Results(performance=performance, fairness=fairness_result if fairness else None,
                        drift=drift, quality=quality,
                        errors=errors_result if errors else None,
                        explanations=explanations_result if explanations else None,
                        notes=notes + ([] if fairness else [AnalyzerNote(
                            analyzer="fairness", level="skipped",
                            message="needs at least one sensitive feature (--sensitive)")])),
        provenance=prov,
        model_card=card,
    )


@pytest.fixture
def assessment() -> Assessment:
    return build_assessment()


@pytest.fixture
def mct_schema() -> dict[str, Any]:
    import json

    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
