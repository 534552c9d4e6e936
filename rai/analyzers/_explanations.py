"""Explanations: what drives the model's decisions, globally and for chosen rows.

* Global importance: mean absolute SHAP value per ORIGINAL input column over a seeded sample.
  Tree SHAP through the model's scikit-learn pipeline where shap supports the final estimator
  (expanded columns summed back onto their input column), otherwise shap's permutation
  explainer on a bounded sample and background. Exact Tree SHAP costs trees x leaves x
  depth^2 per row; the sample is cut to fit ``tree_budget`` (estimated seconds, computed from
  the tree sizes, not timed, so a re-run explains the same rows).
* Local explanations for a few rows (default: the worst errors and typical rows): SHAP values
  and LIME weights for the same rows, with the overlap of their top-k columns.
* A glass-box surrogate: an Explainable Boosting Machine fitted to the model's predictions,
  with its held-out fidelity and its shape functions.

All library calls go through ``rai.explain``. Seeds, sample and background sizes are recorded
in the result.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import pandas as pd

from rai._exceptions import UnsupportedError
from rai._model import ModelAdapter
from rai._spec import ValidatedData
from rai.analyzers._base import Analyzer, check_param
from rai.results._explanations import (
    ExplanationResult,
    FeatureImportance,
    LocalAgreement,
    LocalExplanation,
    SurrogateResult,
)

__all__ = ["MIN_ROWS", "ExplanationAnalyzer"]

log = logging.getLogger(__name__)

#: Fewest rows the explanations run on.
MIN_ROWS = 50
#: Rows of the reference (or data) LIME learns its sampling distribution from.
LIME_TRAINING_ROWS = 1000
#: Most error rows scored by the model when looking for the worst errors to explain locally.
ERROR_CANDIDATES = 20000
#: Correct rows sampled when looking for typical rows to explain locally.
TYPICAL_CANDIDATES = 2000

_OWNER = "ExplanationAnalyzer"


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


class ExplanationAnalyzer(Analyzer):
    """SHAP global importance, SHAP and LIME local explanations, and an EBM surrogate.

    Parameters
    ----------
    model:
        The fitted model, a ``rai._model.ModelAdapter`` or an estimator / pipeline.
    sample_size:
        Rows explained with Tree SHAP for the global importance (cut to fit ``tree_budget``).
    agnostic_sample_size:
        Rows explained when the model-agnostic permutation explainer is used.
    background_size:
        Background rows of the permutation explainer's masker.
    n_permutations:
        Permutations per row of the permutation explainer (each costs ``2 * n_features + 1``
        model calls on the background).
    tree_budget:
        Estimated seconds of exact Tree SHAP allowed for the global sample; below
        ``rai.explain.MIN_TREE_ROWS`` affordable rows the approximate (Saabas) attribution is used.
    algorithm:
        ``"auto"`` (linear SHAP for a linear final model, Tree SHAP for trees, otherwise the
        permutation explainer), ``"linear"``, ``"tree"`` or ``"permutation"``.
    n_local:
        Rows explained locally when ``rows`` is not given: half the worst errors, half typical rows.
    rows:
        Positions (0-based) of the rows to explain locally, instead of the default choice.
    top_k:
        Columns compared between SHAP and LIME per row.
    lime_samples:
        Perturbed samples LIME draws per row.
    surrogate:
        Fit the EBM surrogate.
    surrogate_sample_size:
        Rows the surrogate is fitted and tested on (a quarter held out).
    surrogate_outer_bags:
        Bagging rounds of the EBM. One by default: the surrogate's shape functions are reported
        without the bags' spread, and a second bag doubled its cost for the same fidelity
        (one bag against two: UCI Adult 0.986 and 0.985, the ACS demo 0.958 and 0.958).
    seed:
        Seed of every sample, of LIME, of shap and of the EBM.
    """

    name = "explanations"
    needs_target = True
    needs_model = True

    def __init__(
        self,
        *,
        model: Any = None,
        sample_size: int = 1000,
        agnostic_sample_size: int = 200,
        background_size: int = 50,
        n_permutations: int = 2,
        tree_budget: float = 5.0,
        algorithm: str = "auto",
        n_local: int = 6,
        rows: list[int] | None = None,
        top_k: int = 5,
        lime_samples: int = 2000,
        surrogate: bool = True,
        surrogate_sample_size: int = 5000,
        surrogate_outer_bags: int = 1,
        seed: int = 0,
    ) -> None:
        self.model = model
        self.sample_size = sample_size
        self.agnostic_sample_size = agnostic_sample_size
        self.background_size = background_size
        self.n_permutations = n_permutations
        self.tree_budget = tree_budget
        self.algorithm = algorithm
        self.n_local = n_local
        self.rows = rows
        self.top_k = top_k
        self.lime_samples = lime_samples
        self.surrogate = surrogate
        self.surrogate_sample_size = surrogate_sample_size
        self.surrogate_outer_bags = surrogate_outer_bags
        self.seed = seed

    def _check_params(self, data: ValidatedData) -> ModelAdapter:
        for name, low in (
            ("sample_size", 1), ("agnostic_sample_size", 1), ("background_size", 1), ("n_permutations", 1),
            ("n_local", 0), ("top_k", 1), ("lime_samples", 100), ("surrogate_sample_size", 100),
            ("surrogate_outer_bags", 1),
        ):
            value = getattr(self, name)
            check_param(_OWNER, name, value, f"an int >= {low}", _is_int(value) and value >= low)
        check_param(_OWNER, "seed", self.seed, "an int", _is_int(self.seed))
        check_param(
            _OWNER, "tree_budget", self.tree_budget, "a positive number of seconds",
            isinstance(self.tree_budget, (int, float)) and not isinstance(self.tree_budget, bool) and self.tree_budget > 0,
        )
        check_param(
            _OWNER, "algorithm", self.algorithm, "one of 'auto', 'linear', 'tree', 'permutation'",
            self.algorithm in ("auto", "linear", "tree", "permutation"),
        )
        check_param(_OWNER, "surrogate", self.surrogate, "a bool", isinstance(self.surrogate, bool))
        if self.rows is not None:
            ok = isinstance(self.rows, (list, tuple)) and all(_is_int(r) and 0 <= r < data.n_rows for r in self.rows)
            check_param(_OWNER, "rows", self.rows, f"a list of row positions in [0, {data.n_rows - 1}]", ok)
        model = self.model
        check_param(
            _OWNER, "model", model, "a fitted model (a ModelAdapter or an estimator with 'predict')",
            model is not None and (isinstance(model, ModelAdapter) or hasattr(model, "predict")),
        )
        return model if isinstance(model, ModelAdapter) else ModelAdapter.from_estimator(model)

    def compute(self, data: ValidatedData) -> ExplanationResult:
        from rai.explain import single_threaded

        with single_threaded():
            return self._compute(data)

    def _compute(self, data: ValidatedData) -> ExplanationResult:
        from rai.explain import (
            ADDITIVITY_TOLERANCE,
            ModelOutput,
            TreeShap,
            display_value,
            shap_explainer,
        )

        adapter = self._check_params(data)
        if data.n_rows < MIN_ROWS:
            raise UnsupportedError(
                f"explanations need at least {MIN_ROWS} rows to sample a background and fit a surrogate; "
                f"the data has {data.n_rows}."
            )
        task = data.task or "binary"
        X = adapter.inputs(data.frame, data.features)
        features = tuple(str(c) for c in X.columns)
        categorical = [
            c for c in features
            if data.feature_types.get(c) == "categorical"
            or not (pd.api.types.is_numeric_dtype(X[c]) and not pd.api.types.is_bool_dtype(X[c]))
        ]
        output = ModelOutput.resolve(adapter, task=task, classes=data.classes, positive_label=data.positive_label)

        rows, reasons, pool, pool_output, pool_k = self._local_rows(data, X, output)
        k_of = dict(zip(pool.tolist(), pool_k.tolist()))
        explained_of = {r: pool_output[i] for i, r in enumerate(pool.tolist())}

        background, background_source = self._background(X)
        notes: list[str] = []
        explainer, fallback_notes = shap_explainer(
            output,
            background,
            categorical=categorical,
            algorithm=self.algorithm,  # type: ignore[arg-type]
            background_size=self.background_size,
            n_permutations=self.n_permutations,
            seed=self.seed,
        )
        notes.extend(fallback_notes)
        try:
            attr, size, local_explainer = self._global_attributions(explainer, X, output, features, notes)
            if attr.method != "permutation" and not (
                attr.additivity_max_error is not None and attr.additivity_max_error <= ADDITIVITY_TOLERANCE
            ):
                raise UnsupportedError(
                    f"{attr.method} SHAP's values do not add up to the model's output (largest gap {attr.additivity_max_error})"
                )
        except UnsupportedError as exc:
            if not isinstance(explainer, TreeShap) or self.algorithm in ("tree", "linear"):
                raise
            notes.append(f"{'linear' if explainer.method == 'linear' else 'Tree'} SHAP not used ({exc}); fell back to the model-agnostic permutation explainer.")
            log.warning("explanations: %s", notes[-1])
            explainer, _ = shap_explainer(
                output, background, categorical=categorical, algorithm="permutation",
                background_size=self.background_size, n_permutations=self.n_permutations, seed=self.seed,
            )
            attr, size, local_explainer = self._global_attributions(explainer, X, output, features, notes)
        importance = np.abs(attr.values).mean(axis=(0, 2))
        total = float(importance.sum())
        order = sorted(range(len(features)), key=lambda j: (-importance[j], j))
        method = f"shap_{attr.method}"
        global_importance = [
            FeatureImportance(
                feature=features[j], importance=float(importance[j]), method=method, rank=r + 1,
                share=float(importance[j] / total) if total > 0 else 0.0,
            )
            for r, j in enumerate(order)
        ]

        local: list[LocalExplanation] = []
        agreement: list[LocalAgreement] = []
        top_k = min(self.top_k, len(features))
        if rows:
            frame_rows = X.iloc[rows]
            local_attr = local_explainer.explain(frame_rows)
            lime = self._lime(output, background, frame_rows, categorical, [k_of[r] for r in rows], notes)
            for i, row in enumerate(rows):
                k = k_of[row]
                label = output.labels[k]
                row_id = None if data.spec.id is None else display_value(data.frame[data.spec.id].iloc[row])
                values = {f: display_value(v) for f, v in frame_rows.iloc[i].items()}
                shap_contrib = {f: float(local_attr.values[i, j, k]) for j, f in enumerate(features)}
                base = float(local_attr.base_values[i, k])
                local.append(
                    LocalExplanation(
                        row=int(row), row_id=row_id, method="shap", contributions=shap_contrib,
                        prediction=float(explained_of[row][k]), base_value=base,
                        output_value=base + float(sum(shap_contrib.values())), output=label,
                        output_space=local_attr.output_space, reason=reasons[i], feature_values=values,
                    )
                )
                if lime is None:
                    continue
                weights = lime[i]
                local.append(
                    LocalExplanation(
                        row=int(row), row_id=row_id, method="lime", contributions=dict(weights.weights),
                        prediction=float(explained_of[row][k]), base_value=weights.intercept,
                        output_value=weights.local_prediction, output=label,
                        output_space="prediction" if task == "regression" else "probability",
                        reason=reasons[i], feature_values=values,
                    )
                )
                s_top = _top(shap_contrib, top_k)
                l_top = _top(weights.weights, top_k)
                agreement.append(
                    LocalAgreement(
                        row=int(row), top_k=top_k, shap_top=s_top, lime_top=l_top,
                        overlap=len(set(s_top) & set(l_top)) / top_k, top1_agree=s_top[0] == l_top[0],
                    )
                )

        surrogate = self._surrogate(X, output, task, categorical, notes) if self.surrogate else None
        return ExplanationResult(
            task=task,
            model_kind=adapter.kind,
            explainer=attr.explainer,
            shap_method=attr.method,
            output_space=attr.output_space,
            explained_output=output.description,
            explained_classes=[] if task == "regression" else list(output.labels),
            global_importance=global_importance,
            local=local,
            agreement=agreement,
            surrogate=surrogate,
            n_rows=data.n_rows,
            sample_size=int(size),
            background_size=attr.background_size,
            background_source=background_source,
            lime_samples=int(self.lime_samples),
            lime_training_rows=len(background),
            top_k=int(top_k),
            seed=int(self.seed),
            additivity_max_error=attr.additivity_max_error,
            notes=notes,
        )

    # -- pieces -------------------------------------------------------------------------------------

    def _global_attributions(
        self, explainer: Any, X: pd.DataFrame, output: Any, features: tuple[str, ...], notes: list[str]
    ) -> tuple[Any, int, Any]:
        """SHAP on the global sample (cut to the tree budget), and the explainer for local rows."""
        from rai.explain import MIN_TREE_ROWS, TREE_UNITS_PER_SECOND, TreeShap

        from rai.explain import LinearShap

        rng = np.random.default_rng(self.seed)
        local_explainer = explainer
        if isinstance(explainer, LinearShap):  # exact and one matrix product: no budget to keep
            size = min(self.sample_size, len(X))
        elif isinstance(explainer, TreeShap):
            size = min(self.sample_size, len(X))
            per_row = explainer.cost_per_row()
            affordable = int(self.tree_budget * TREE_UNITS_PER_SECOND // max(per_row, 1.0))
            if affordable < size:
                if affordable >= MIN_TREE_ROWS:
                    notes.append(
                        f"the trees are large ({per_row:.3g} Tree SHAP units per row): the global sample was cut "
                        f"from {size} to {affordable} rows to stay within tree_budget={self.tree_budget:g}s."
                    )
                    size = affordable
                else:
                    notes.append(
                        f"the trees are too large for exact Tree SHAP on {MIN_TREE_ROWS}+ rows within "
                        f"tree_budget={self.tree_budget:g}s ({per_row:.3g} units per row): the global importance "
                        f"uses the approximate (Saabas) attribution on {size} rows."
                    )
                    explainer = TreeShap(output, features, approximate=True)
                    if per_row * max(self.n_local, len(self.rows or [])) > self.tree_budget * TREE_UNITS_PER_SECOND:
                        local_explainer = explainer
        else:
            size = min(self.agnostic_sample_size, len(X))
        sample = np.sort(rng.choice(len(X), size=size, replace=False))
        return explainer.explain(X.iloc[sample]), size, local_explainer

    def _background(self, X: pd.DataFrame) -> tuple[pd.DataFrame, str]:
        """Rows that stand for the training distribution: the reference when ``fit`` saw one."""
        ref = getattr(self, "reference_", None)
        source, frame = "data", X
        if ref is not None and all(c in ref.frame.columns for c in X.columns) and ref.n_rows >= MIN_ROWS:
            source, frame = "reference", ref.frame[list(X.columns)]
        rng = np.random.default_rng(self.seed + 1)
        n = min(len(frame), max(LIME_TRAINING_ROWS, self.background_size))
        take = np.sort(rng.choice(len(frame), size=n, replace=False))
        return frame.iloc[take].reset_index(drop=True), source

    def _local_rows(
        self, data: ValidatedData, X: pd.DataFrame, output: Any
    ) -> tuple[list[int], list[str], np.ndarray, np.ndarray, np.ndarray]:
        """Rows to explain locally, with the model's explained outputs on a pool of candidates.

        The worst errors are the rows the assessment counts as wrong (target vs. prediction column)
        where the model gives the true class the lowest probability (regression: the largest
        absolute error); typical rows are correctly predicted rows whose output is closest to the
        median output of a seeded sample. Only the pool (errors plus the sample) is predicted, so
        the cost does not grow with the whole table.
        """
        from rai.explain import display_labels, display_value

        n = len(X)
        rng = np.random.default_rng(self.seed + 3)
        task = output.task
        if task == "regression":
            wrong = np.ones(n, dtype=bool)
        else:
            truth = display_labels(data.y_true)
            wrong = display_labels(data.y_pred) != truth
        requested = [] if self.rows is None else list(dict.fromkeys(int(r) for r in self.rows))
        errors_pool = np.flatnonzero(wrong) if task != "regression" else np.arange(n)
        if len(errors_pool) > ERROR_CANDIDATES:
            errors_pool = np.sort(rng.choice(errors_pool, size=ERROR_CANDIDATES, replace=False))
        right = np.flatnonzero(~wrong) if (~wrong).any() else np.arange(n)
        typical_pool = np.sort(rng.choice(right, size=min(len(right), TYPICAL_CANDIDATES), replace=False))
        pool = np.unique(np.concatenate([errors_pool, typical_pool, np.asarray(requested, dtype=int)]))
        frame = X.iloc[pool]
        if task == "regression":
            values = output(frame)
            k = np.zeros(len(pool), dtype=int)
            badness = np.abs(values[:, 0] - data.y_true[pool].astype(float))
        else:
            proba = output.all_probabilities(frame)
            classes = [display_value(c) for c in output.adapter.classes]
            index = {c: i for i, c in enumerate(classes)}
            true_col = np.array([index.get(t, 0) for t in truth[pool]])
            badness = 1.0 - proba[np.arange(len(pool)), true_col]
            values = proba[:, list(output.columns)]
            k = proba.argmax(axis=1) if task == "multiclass" else np.zeros(len(pool), dtype=int)
        if requested:
            return requested, ["requested"] * len(requested), pool, values, k
        n_worst = math.ceil(self.n_local / 2)
        where = {r: i for i, r in enumerate(pool.tolist())}
        err_pos = [where[r] for r in errors_pool.tolist()]
        worst_rows = [int(pool[i]) for i in sorted(err_pos, key=lambda i: (-badness[i], pool[i]))[:n_worst]]
        own = values[np.arange(len(pool)), k]
        typ_pos = [where[r] for r in typical_pool.tolist()]
        median = float(np.median(own[typ_pos]))
        chosen = set(worst_rows)
        typical_rows = [
            int(pool[i]) for i in sorted(typ_pos, key=lambda i: (abs(own[i] - median), pool[i])) if int(pool[i]) not in chosen
        ][: self.n_local - len(worst_rows)]
        rows = worst_rows + typical_rows
        return rows, ["worst error"] * len(worst_rows) + ["typical"] * len(typical_rows), pool, values, k

    def _lime(
        self,
        output: Any,
        background: pd.DataFrame,
        rows: pd.DataFrame,
        categorical: list[str],
        outputs: list[int],
        notes: list[str],
    ) -> list[Any] | None:
        from rai.explain import lime_weights

        try:
            return lime_weights(
                output, background, rows, categorical=categorical, outputs=outputs,
                num_samples=self.lime_samples, seed=self.seed,
            )
        except (ValueError, IndexError, np.linalg.LinAlgError) as exc:
            notes.append(f"LIME could not explain the rows ({type(exc).__name__}: {exc}); only SHAP is reported.")
            log.warning("explanations: %s", notes[-1])
            return None

    def _surrogate(
        self, X: pd.DataFrame, output: Any, task: str, categorical: list[str], notes: list[str]
    ) -> SurrogateResult | None:
        from rai.explain import fit_ebm_surrogate

        rng = np.random.default_rng(self.seed + 2)
        n = min(len(X), self.surrogate_sample_size)
        take = np.sort(rng.choice(len(X), size=n, replace=False))
        sample = X.iloc[take].reset_index(drop=True)
        if task == "regression":
            target = output(sample)[:, 0]
        else:
            target = np.asarray(output.adapter.classes, dtype=object)[output.all_probabilities(sample).argmax(axis=1)]
        try:
            fit = fit_ebm_surrogate(
                sample, target, task=task,
                categorical=categorical, seed=self.seed, outer_bags=self.surrogate_outer_bags,
            )
        except UnsupportedError as exc:
            notes.append(f"no surrogate: {exc}")
            return None
        return SurrogateResult(
            method="ebm",
            fidelity=fit.fidelity,
            fidelity_metric=fit.fidelity_metric,  # type: ignore[arg-type]
            n_train=fit.n_train,
            n_test=fit.n_test,
            intercept=fit.intercept,
            shapes=list(fit.shapes),
            params={k: int(v) for k, v in fit.params.items()},
        )


def _top(contributions: dict[str, float], k: int) -> list[str]:
    return [f for f, _ in sorted(contributions.items(), key=lambda t: (-abs(t[1]), t[0]))[:k]]
