"""SHAP attributions on the ORIGINAL input columns, through whatever the model is.

Three explainers behind one ``explain(frame) -> Attributions`` call:

* ``LinearShap``: shap's ``LinearExplainer`` (exact for a linear model with independent
  features: coefficient times distance from the background mean, in the model's margin) on the
  final linear model of a pipeline (logistic regression, ridge, ...), after its preprocessing;
* ``TreeShap``: shap's ``TreeExplainer`` (path-dependent, exact) on the final tree model of a
  scikit-learn pipeline, after the pipeline's own preprocessing; for both, attributions of expanded
  columns (one-hot and the like) are summed back onto the input column each came from.
* ``PermutationShap``: shap's model-agnostic permutation explainer over the original columns,
  with an independent masker on a bounded background sample.

``shap_explainer`` picks by model family (linear, then trees) and falls back to permutation,
saying why. The exact explainers cost microseconds per row; the permutation explainer costs
``n_permutations * (2 * n_features + 1)`` model calls on the background per row, which is why
the analyzer explains only ``agnostic_sample_size`` rows with it.
Explanations are of ``ModelOutput``: class probabilities, or the regression prediction. Tree
models explain their raw output (log-odds for boosted classifiers, probability for forests);
which one it was is detected by checking additivity against the model and recorded.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import logging
import warnings
from collections.abc import Iterator
from typing import Any, Literal

import numpy as np
import pandas as pd

from rai._exceptions import UnsupportedError
from rai.explain._codec import TabularCodec
from rai.explain._mapping import MappingError, source_columns
from rai.explain._output import ModelOutput

__all__ = [
    "ADDITIVITY_TOLERANCE",
    "Attributions", "LinearShap", "PermutationShap", "TreeShap", "shap_explainer", "tree_cost_per_row",
]

log = logging.getLogger(__name__)

#: Tree-SHAP work units (trees x leaves x depth^2) done per second on one core, measured on
#: the ACS demo models; used to turn ``tree_budget`` seconds into a row count deterministically.
TREE_UNITS_PER_SECOND = 4e9
#: Fewest rows exact Tree SHAP is run on; below that the approximate (Saabas) attribution is used.
MIN_TREE_ROWS = 50
#: Largest gap between base value + attributions and the model's output that Tree SHAP may show
#: before its values are distrusted and the permutation explainer is used instead.
ADDITIVITY_TOLERANCE = 1e-5

Algorithm = Literal["auto", "linear", "tree", "permutation"]


@dataclasses.dataclass(frozen=True)
class Attributions:
    """Attributions of ``n`` rows to ``F`` original columns for ``K`` outputs.

    ``base_values[i, k] + values[i, :, k].sum()`` equals the explained output of row ``i`` in
    ``output_space`` (up to ``additivity_max_error``).
    """

    values: np.ndarray
    base_values: np.ndarray
    features: tuple[str, ...]
    method: str
    output_space: str
    explainer: str
    background_size: int | None
    additivity_max_error: float | None


class TreeShap:
    """shap's ``TreeExplainer`` on the final estimator, after the pipeline's preprocessing."""

    method = "tree"

    def __init__(
        self,
        output: ModelOutput,
        features: tuple[str, ...],
        *,
        approximate: bool = False,
        probe: pd.DataFrame | None = None,
    ) -> None:
        shap = _import("shap")

        model = output.adapter.model
        steps = getattr(model, "steps", None)
        if steps:
            pre = model[:-1] if len(steps) > 1 else None
            final = steps[-1][1]
        else:
            pre, final = None, model
        self.output = output
        self.features = features
        self.pre = pre
        self.final = final
        self.approximate = approximate
        self._build(shap, final, probe)
        if pre is not None:
            try:
                self.sources = source_columns(pre, features)
            except MappingError as exc:
                raise UnsupportedError(f"cannot trace the pipeline's columns back to its inputs: {exc}") from exc
        else:
            self.sources = list(range(len(features)))
        if probe is not None:  # fail now (and let the caller fall back) if the inputs cannot be prepared
            try:
                width = self._transform(probe.head(5)).shape[1]
            except UnsupportedError:
                raise
            except Exception as exc:
                raise UnsupportedError(f"the pipeline's preprocessing failed on the data: {exc}") from exc
            if width != len(self.sources):
                raise UnsupportedError(
                    f"the preprocessing outputs {width} columns but {len(self.sources)} were traced to inputs."
                )
        self.description = self._describe() + f" on {type(final).__name__}" + (
            f" after {type(pre).__name__}" if pre is not None else "")

    def _build(self, shap: Any, final: Any, probe: pd.DataFrame | None) -> None:
        try:
            with _quiet():
                self.explainer = shap.TreeExplainer(final, feature_perturbation="tree_path_dependent")
        except Exception as exc:  # shap signals "unsupported model" with several exception types
            raise UnsupportedError(f"shap.TreeExplainer does not support {type(final).__name__}: {exc}") from exc

    def _describe(self) -> str:
        return f"shap.TreeExplainer(tree_path_dependent{', approximate' if self.approximate else ''})"

    def _raw_values(self, X: np.ndarray) -> Any:
        return self.explainer.shap_values(X, check_additivity=False, approximate=self.approximate)

    def _method(self) -> str:
        return "tree_approximate" if self.approximate else "tree"

    def cost_per_row(self) -> float:
        return tree_cost_per_row(self.explainer)

    def _transform(self, frame: pd.DataFrame) -> np.ndarray:
        if self.pre is None:
            numeric = frame.apply(pd.to_numeric, errors="coerce") if any(
                not pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns
            ) else frame
            if numeric.isna().to_numpy().sum() > frame.isna().to_numpy().sum():
                raise UnsupportedError(
                    f"{type(self.final).__name__} is given non-numeric columns directly; Tree SHAP needs "
                    f"numbers (put the encoder in a Pipeline)."
                )
            return numeric.to_numpy(dtype=float)
        out = self.pre.transform(frame)
        if hasattr(out, "toarray"):
            out = out.toarray()
        return np.asarray(out, dtype=float)

    def explain(self, frame: pd.DataFrame) -> Attributions:
        X = self._transform(frame)
        if X.shape[1] != len(self.sources):
            raise UnsupportedError(
                f"the preprocessing outputs {X.shape[1]} columns but {len(self.sources)} were traced to inputs."
            )
        with _quiet():
            raw = self._raw_values(X)
        sv = np.stack(raw, axis=-1) if isinstance(raw, list) else np.asarray(raw, dtype=float)
        if sv.ndim == 2:
            sv = sv[:, :, None]
        ev = np.atleast_1d(np.asarray(self.explainer.expected_value, dtype=float)).reshape(-1)
        sv, ev = self._select_outputs(sv, ev)
        grouping = np.zeros((len(self.sources), len(self.features)))
        grouping[np.arange(len(self.sources)), self.sources] = 1.0
        values = np.einsum("njk,jf->nfk", sv, grouping)
        base = np.broadcast_to(ev, (len(frame), ev.shape[0])).copy()
        space, err = _detect_space(self.output, frame, base + values.sum(axis=1))
        return Attributions(
            values=values,
            base_values=base,
            features=self.features,
            method=self._method(),
            output_space=space,
            explainer=self.description,
            background_size=None,
            additivity_max_error=err,
        )

    def _select_outputs(self, sv: np.ndarray, ev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        out = self.output
        n_model = sv.shape[2]
        if out.task == "regression":
            if n_model != 1:
                raise UnsupportedError(f"Tree SHAP returned {n_model} outputs for a regressor; expected one.")
            return sv, ev[:1]
        n_classes = len(out.adapter.classes or [])
        if out.task == "binary":
            col = out.proba_column(0)
            if n_model == 1:  # one margin, for classes_[1]
                return (sv, ev) if col == 1 else (-sv, -ev)
            if n_model == n_classes:
                return sv[:, :, [col]], ev[[col]]
        elif n_model == n_classes:
            return sv, ev
        raise UnsupportedError(f"Tree SHAP returned {n_model} outputs for a {n_classes}-class model.")


class LinearShap(TreeShap):
    """shap's ``LinearExplainer`` on the final linear model, after the pipeline's preprocessing.

    Exact and cheap (one matrix product): the attribution of an input is its coefficient times
    its distance from the background mean, in the model's margin (log-odds for a logistic
    regression), summed back onto the original columns like ``TreeShap``'s.
    """

    method = "linear"

    def __init__(self, output: ModelOutput, features: tuple[str, ...], *, probe: pd.DataFrame) -> None:
        super().__init__(output, features, probe=probe)

    def _build(self, shap: Any, final: Any, probe: pd.DataFrame | None) -> None:
        if not (hasattr(final, "coef_") and hasattr(final, "intercept_")) or probe is None:
            raise UnsupportedError(f"{type(final).__name__} is not a fitted linear model (no coef_ / intercept_).")
        try:
            background = self._transform(probe)
            with _quiet():
                self.explainer = shap.LinearExplainer(final, background)
        except UnsupportedError:
            raise
        except Exception as exc:
            raise UnsupportedError(f"shap.LinearExplainer does not support {type(final).__name__}: {exc}") from exc

    def _describe(self) -> str:
        return "shap.LinearExplainer(independent, background mean)"

    def _raw_values(self, X: np.ndarray) -> Any:
        return self.explainer.shap_values(X)

    def _method(self) -> str:
        return "linear"

    def cost_per_row(self) -> float:
        return float(len(self.sources))


class PermutationShap:
    """shap's permutation explainer over the original columns (any model with the right outputs)."""

    method = "permutation"

    def __init__(
        self,
        output: ModelOutput,
        background: pd.DataFrame,
        *,
        categorical: list[str],
        background_size: int,
        n_permutations: int,
        seed: int,
    ) -> None:
        self.output = output
        self.features = tuple(str(c) for c in background.columns)
        self.codec = TabularCodec.fit(background, categorical)
        rng = np.random.default_rng(seed)
        take = rng.choice(len(background), size=min(background_size, len(background)), replace=False)
        self.background = self.codec.encode(background.iloc[np.sort(take)])
        self.n_permutations = n_permutations
        self.seed = seed
        self.description = (
            f"shap.PermutationExplainer over {len(self.features)} input columns, independent masker on "
            f"{len(self.background)} background rows, {n_permutations} permutation(s) per row"
        )

    def explain(self, frame: pd.DataFrame) -> Attributions:
        shap = _import("shap")

        codec, output = self.codec, self.output

        def f(matrix: np.ndarray) -> np.ndarray:
            return output(codec.decode(matrix))

        masker = shap.maskers.Independent(self.background, max_samples=len(self.background))
        explainer = shap.PermutationExplainer(f, masker, seed=self.seed)
        max_evals = self.n_permutations * (2 * len(self.features) + 1)
        with _quiet():
            exp = explainer(self.codec.encode(frame), max_evals=max_evals, silent=True)
        values = np.asarray(exp.values, dtype=float)
        base = np.asarray(exp.base_values, dtype=float)
        if values.ndim == 2:
            values = values[:, :, None]
        if base.ndim == 1:
            base = base[:, None]
        space, err = _detect_space(output, frame, base + values.sum(axis=1))
        return Attributions(
            values=values,
            base_values=base,
            features=self.features,
            method="permutation",
            output_space=space,
            explainer=self.description,
            background_size=len(self.background),
            additivity_max_error=err,
        )


def _import(name: str) -> Any:
    """Import an explainer library with its import-time warnings silenced."""
    with _quiet():
        return importlib.import_module(name)


def tree_cost_per_row(explainer: Any) -> float:
    """Deterministic estimate of Tree SHAP work per row: trees x leaves x depth^2."""
    model = explainer.model
    nodes = np.asarray(getattr(model, "num_nodes", [1]), dtype=float)
    n_trees = len(getattr(model, "trees", None) or nodes)
    leaves = (float(np.mean(nodes)) + 1) / 2
    depth = float(getattr(model, "max_depth", 1) or 1)
    return n_trees * leaves * depth**2


def shap_explainer(
    output: ModelOutput,
    background: pd.DataFrame,
    *,
    categorical: list[str],
    algorithm: Algorithm = "auto",
    background_size: int = 100,
    n_permutations: int = 2,
    seed: int = 0,
) -> tuple[TreeShap | PermutationShap, list[str]]:
    """The explainer to use, and notes on why it is not Tree SHAP when it falls back."""
    notes: list[str] = []
    features = tuple(str(c) for c in background.columns)
    linear_reason = "not tried"
    if algorithm in ("auto", "linear"):
        try:
            return LinearShap(output, features, probe=background), notes
        except UnsupportedError as exc:
            if algorithm == "linear":
                raise
            linear_reason = str(exc)
    if algorithm in ("auto", "tree"):
        try:
            return TreeShap(output, features, probe=background), notes
        except UnsupportedError as exc:
            if algorithm == "tree":
                raise
            notes.append(f"neither linear nor Tree SHAP applies ({linear_reason}; {exc}); "
                         "fell back to the model-agnostic permutation explainer.")
            log.info("explanations: %s", notes[-1])
    return (
        PermutationShap(
            output,
            background,
            categorical=categorical,
            background_size=background_size,
            n_permutations=n_permutations,
            seed=seed,
        ),
        notes,
    )


def _detect_space(output: ModelOutput, frame: pd.DataFrame, totals: np.ndarray) -> tuple[str, float | None]:
    """Which output the attributions add up to, and the largest deviation from it."""
    if len(frame) == 0:
        return ("prediction" if output.task == "regression" else "probability"), None
    target = output(frame)
    errors: dict[str, float] = {}
    if output.task == "regression":
        errors["prediction"] = float(np.max(np.abs(totals - target)))
    else:
        errors["probability"] = float(np.max(np.abs(totals - target)))
        # margins are compared after mapping them to probabilities: the log-odds of a probability
        # within 1e-13 of 0 or 1 cannot be recovered from it (a margin of 30 reads back as 27.6)
        if output.task == "binary":
            implied = 1.0 / (1.0 + np.exp(-totals))
        else:  # softmax margins are shift-invariant
            e = np.exp(totals - totals.max(axis=1, keepdims=True))
            implied = e / e.sum(axis=1, keepdims=True)
        errors["log-odds"] = float(np.max(np.abs(implied - target)))
    best = min(errors, key=errors.get)
    return best, errors[best]


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence the deprecation and user warnings shap / numba / lime / matplotlib emit on import and call."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", UserWarning)
        yield
