"""Counterfactuals: the smallest changes that flip the model's decision, and a flip test.

For a sample of rows (default: half from the worst error cohorts, half nearest the decision
boundary) the analyzer searches, with ``rai.analyzers._cf_search``, up to ``per_row`` diverse
counterfactuals that reach the desired outcome: binary, the other class; multiclass,
``desired_class`` (default: the row's most probable other class); regression, a value inside
``desired_range``. Every counterfactual returned was re-predicted by the model and reached it.

Sensitive features and the ``immutable`` columns never change; ``ranges`` bound a column
(``[low, high]`` for a number, a list of allowed categories); ``monotone`` lets a numeric column
move one way only (``{"AGEP": "increase"}``); changed values stay plausible: categories seen in
the reference, numbers inside its range unless ``allow_outside_range``.

The flip test (``rai.analyzers._flip``) sets one sensitive attribute to each other group and
counts changed predictions, with bootstrap intervals.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import pandas as pd

from rai._exceptions import UnsupportedError
from rai._model import ModelAdapter
from rai._spec import ValidatedData
from rai.analyzers._base import Analyzer, check_param
from rai.results._counterfactuals import Counterfactual, CounterfactualExample, CounterfactualResult

__all__ = ["CounterfactualAnalyzer"]

_OWNER = "CounterfactualAnalyzer"


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) and math.isfinite(float(v))


class CounterfactualAnalyzer(Analyzer):
    """Diverse, valid, sparse counterfactuals for chosen rows, and the sensitive-attribute flip test.

    Parameters
    ----------
    model:
        The fitted model, a ``ModelAdapter`` or an estimator / pipeline with ``predict``.
    rows:
        How many rows to query (an int), or their positions (a list of 0-based ints).
    per_row:
        Most counterfactuals returned per row.
    immutable:
        Columns that never change, in addition to the sensitive features.
    immutable_sensitive:
        Keep the sensitive features immutable (default).
    monotone:
        ``{column: "increase" | "decrease"}`` for numeric columns that may move one way only.
    ranges:
        ``{column: [low, high]}`` for a numeric column, ``{column: [allowed categories]}`` for a categorical one.
    allow_outside_range:
        Let numbers leave the reference's range (categories always stay among the reference's).
    desired_class:
        Multiclass: the class to reach (default: each row's most probable other class).
    desired_range:
        Regression: ``[low, high]`` the prediction must reach (required for a regressor).
    max_changes:
        Most columns a counterfactual may change (default: no limit).
    pool_size:
        Reference rows predicted once and used as neighbours and as the source of new values.
    neighbours:
        Nearest pool rows with the desired outcome whose values are tried per row.
    flip_test:
        Run the sensitive-attribute flip test.
    flip_sample:
        Most rows per group in the flip test.
    n_bootstrap, confidence_level:
        Bootstrap replicates and level of the flip rates' intervals.
    min_group_size:
        A flip rate over fewer rows is marked insufficient.
    seed:
        Seed of the row choice, the pool, the search and the bootstrap.
    """

    name = "counterfactuals"
    needs_model = True

    def __init__(
        self,
        *,
        model: Any = None,
        rows: int | list[int] = 20,
        per_row: int = 3,
        immutable: list[str] | None = None,
        immutable_sensitive: bool = True,
        monotone: dict[str, str] | None = None,
        ranges: dict[str, list[Any]] | None = None,
        allow_outside_range: bool = False,
        desired_class: Any = None,
        desired_range: list[float] | None = None,
        max_changes: int | None = None,
        pool_size: int = 2000,
        neighbours: int = 12,
        flip_test: bool = True,
        flip_sample: int = 1000,
        n_bootstrap: int = 200,
        confidence_level: float = 0.95,
        min_group_size: int = 30,
        seed: int = 0,
    ) -> None:
        self.model = model
        self.rows = rows
        self.per_row = per_row
        self.immutable = immutable
        self.immutable_sensitive = immutable_sensitive
        self.monotone = monotone
        self.ranges = ranges
        self.allow_outside_range = allow_outside_range
        self.desired_class = desired_class
        self.desired_range = desired_range
        self.max_changes = max_changes
        self.pool_size = pool_size
        self.neighbours = neighbours
        self.flip_test = flip_test
        self.flip_sample = flip_sample
        self.n_bootstrap = n_bootstrap
        self.confidence_level = confidence_level
        self.min_group_size = min_group_size
        self.seed = seed

    # -- parameters ------------------------------------------------------------------------------

    def _check_params(self, data: ValidatedData) -> ModelAdapter:
        for name, low in (("per_row", 1), ("pool_size", 10), ("neighbours", 1), ("flip_sample", 1),
                          ("n_bootstrap", 0), ("min_group_size", 1)):
            value = getattr(self, name)
            check_param(_OWNER, name, value, f"an int >= {low}", _is_int(value) and value >= low)
        check_param(_OWNER, "seed", self.seed, "an int", _is_int(self.seed))
        if isinstance(self.rows, (list, tuple)):
            ok = len(self.rows) > 0 and all(_is_int(r) and 0 <= r < data.n_rows for r in self.rows)
            check_param(_OWNER, "rows", self.rows, f"an int >= 1 or a list of row positions in [0, {data.n_rows - 1}]", ok)
        else:
            check_param(_OWNER, "rows", self.rows, "an int >= 1 or a list of row positions", _is_int(self.rows) and self.rows >= 1)
        check_param(_OWNER, "max_changes", self.max_changes, "None or an int >= 1",
                    self.max_changes is None or (_is_int(self.max_changes) and self.max_changes >= 1))
        check_param(_OWNER, "confidence_level", self.confidence_level, "a number in (0, 1)",
                    _is_num(self.confidence_level) and 0 < self.confidence_level < 1)
        for name in ("immutable_sensitive", "allow_outside_range", "flip_test"):
            check_param(_OWNER, name, getattr(self, name), "a bool", isinstance(getattr(self, name), bool))
        if self.desired_range is not None:
            r = self.desired_range
            ok = isinstance(r, (list, tuple)) and len(r) == 2 and all(_is_num(v) for v in r) and r[0] <= r[1]
            check_param(_OWNER, "desired_range", r, "[low, high] with low <= high", ok)
        model = self.model
        check_param(_OWNER, "model", model, "a fitted model (a ModelAdapter or an estimator with 'predict')",
                    model is not None and (isinstance(model, ModelAdapter) or hasattr(model, "predict")))
        return model if isinstance(model, ModelAdapter) else ModelAdapter.from_estimator(model)

    def _constraints(self, features: list[str], types: dict[str, str], sensitive: tuple[str, ...]) -> Any:
        from rai._exceptions import ConfigError
        from rai.analyzers._cf_search import Constraints

        known = set(features)

        def columns(name: str, value: Any) -> None:
            unknown = [c for c in value if c not in known]
            if unknown:
                raise ConfigError(
                    f"The {name!r} parameter of {_OWNER} must name model input columns ({features[:20]}). "
                    f"Got {unknown} instead."
                )

        immutable = list(self.immutable or [])
        check_param(_OWNER, "immutable", self.immutable, "a list of column names",
                    isinstance(immutable, list) and all(isinstance(c, str) for c in immutable))
        columns("immutable", immutable)
        if self.immutable_sensitive:
            immutable += [c for c in sensitive if c in known]
        monotone = dict(self.monotone or {})
        check_param(_OWNER, "monotone", self.monotone, "a mapping of column to 'increase' or 'decrease'",
                    all(d in ("increase", "decrease") for d in monotone.values()))
        columns("monotone", list(monotone))
        not_numeric = [c for c in monotone if types.get(c) != "numeric"]
        check_param(_OWNER, "monotone", self.monotone, "a mapping over numeric columns", not not_numeric)
        numeric_ranges: dict[str, tuple[float, float]] = {}
        allowed: dict[str, frozenset[str]] = {}
        from rai.explain import display_value

        for column, spec in (self.ranges or {}).items():
            columns("ranges", [column])
            if types.get(column) == "numeric":
                ok = isinstance(spec, (list, tuple)) and len(spec) == 2 and all(_is_num(v) for v in spec) and spec[0] <= spec[1]
                check_param(_OWNER, f"ranges.{column}", spec, "[low, high] (a numeric column)", ok)
                numeric_ranges[column] = (float(spec[0]), float(spec[1]))
            else:
                check_param(_OWNER, f"ranges.{column}", spec, "a list of allowed categories",
                            isinstance(spec, (list, tuple)) and len(spec) > 0)
                allowed[column] = frozenset(display_value(v) for v in spec)
        return Constraints(
            immutable=frozenset(immutable), monotone=monotone, numeric_ranges=numeric_ranges,
            categorical_allowed=allowed, allow_outside_range=self.allow_outside_range,
        )

    # -- compute ---------------------------------------------------------------------------------

    def compute(self, data: ValidatedData) -> CounterfactualResult:
        from rai.explain import single_threaded

        with single_threaded():
            return self._compute(data)

    def _compute(self, data: ValidatedData) -> CounterfactualResult:
        from rai.analyzers._cf_rows import choose_rows
        from rai.analyzers._cf_search import Encoding, search
        from rai.analyzers._flip import flip_test
        from rai.explain import display_labels, display_value

        adapter = self._check_params(data)
        X = adapter.inputs(data.frame, data.features)
        features = [str(c) for c in X.columns]
        types = {c: data.feature_types.get(c) or ("numeric" if _numeric(X[c]) else "categorical") for c in features}
        constraints = self._constraints(features, types, data.spec.sensitive)
        task, classes = self._task(data, adapter)
        rng = np.random.default_rng(self.seed)
        notes: list[str] = []

        ref = getattr(self, "reference_", None)
        if ref is not None and all(c in ref.frame.columns for c in features):
            reference, plausibility = ref.frame[features], "reference"
        else:
            reference, plausibility = X, "data"
            notes.append("no reference table: plausible values (categories, numeric ranges) come from the assessed data.")

        rows, reasons = choose_rows(self.rows, data, X, adapter, task, self.desired_range, self.seed, rng)
        start = time.perf_counter()  # the search's time: pool, candidates, checks (not the choice of rows)
        query = X.iloc[rows].reset_index(drop=True)
        pool_take = np.sort(rng.choice(len(reference), size=min(self.pool_size, len(reference)), replace=False))
        pool_frame = reference.iloc[pool_take].reset_index(drop=True)
        categorical = {c for c in features if types[c] == "categorical"}
        enc = Encoding(reference, [pool_frame, query], categorical)
        pool_codes, X0 = enc.frame_codes

        both = adapter.predict(enc.decode(np.concatenate([X0, pool_codes])))  # one call: each costs a pipeline pass
        before, pool_pred = both[: len(query)], both[len(query):]
        desired = self._desired(adapter, query, before, task, classes)
        reached = _Reached(adapter, task, desired, self.desired_range)
        pool_reached = np.stack([reached.check(pool_pred, np.full(len(pool_pred), i)) for i in range(len(rows))])

        outcome = search(
            enc, X0, pool_codes, pool_reached, constraints, reached,
            per_row=self.per_row, neighbours=self.neighbours, max_changes=self.max_changes, rng=rng,
        )
        # the check: every counterfactual is predicted once more, as returned; a miss is dropped
        flat = np.concatenate(outcome.chosen) if any(len(c) for c in outcome.chosen) else np.zeros((0, len(features)), int)
        owner = np.concatenate([np.full(len(c), i) for i, c in enumerate(outcome.chosen)]) if len(flat) else np.zeros(0, int)
        frame_cf = enc.decode(flat)
        cf_pred = adapter.predict(frame_cf) if len(flat) else np.zeros(0)
        ok = reached.check(cf_pred, owner) if len(flat) else np.zeros(0, bool)
        if len(flat) and not ok.all():
            notes.append(f"{int((~ok).sum())} counterfactual(s) did not reach the desired outcome when re-predicted and were dropped.")
        # the queried rows decoded like the counterfactuals, so the two concatenate with one dtype per column
        scores = self._scores(adapter, pd.concat([frame_cf, enc.decode(X0)], ignore_index=True),
                              np.concatenate([desired[owner], desired]), task, classes)
        cf_score, row_score = (None, None) if scores is None else (scores[: len(flat)], scores[len(flat):])
        seconds = time.perf_counter() - start

        examples = []
        id_col = data.spec.id
        dist = enc.distance(flat, X0[owner]) if len(flat) else np.zeros(0)
        cf_display = np.column_stack([enc.display[j][flat[:, j]] for j in range(len(features))]) if len(flat) else None
        x_display = np.column_stack([enc.display[j][X0[:, j]] for j in range(len(features))])
        pred_labels = display_labels(cf_pred) if task != "regression" else None
        for i, r in enumerate(rows):
            mine = np.flatnonzero((owner == i) & ok) if len(flat) else np.zeros(0, int)
            cfs = [
                Counterfactual(
                    values=dict(zip(features, cf_display[k].tolist())),
                    changed=[features[j] for j in np.flatnonzero(flat[k] != X0[i])],
                    prediction=pred_labels[k] if pred_labels is not None else f"{float(cf_pred[k]):.6g}",
                    score=None if cf_score is None else cf_score[k],
                    distance=float(dist[k]),
                )
                for k in mine
            ]
            div = None
            if len(mine) >= 2:
                pairs = [(a, b) for ai, a in enumerate(mine) for b in mine[ai + 1:]]
                div = float(np.mean([enc.distance(flat[[a]], flat[[b]])[0] for a, b in pairs]))
            examples.append(CounterfactualExample(
                row=int(r),
                row_id=None if id_col is None else display_value(data.frame[id_col].iloc[r]),
                reason=reasons[i],
                values=dict(zip(features, x_display[i].tolist())),
                prediction=display_value(before[i]),
                score=None if row_score is None else row_score[i],
                desired=_desired_text(desired[i], task, self.desired_range),
                counterfactuals=cfs,
                message=None if cfs else self._none_message(constraints, features, outcome.candidates),
                diversity=div,
            ))

        flips, flip_notes = [], []
        if self.flip_test and data.spec.sensitive:
            flips, flip_notes = flip_test(
                adapter, data, sample=self.flip_sample, n_bootstrap=self.n_bootstrap,
                confidence_level=self.confidence_level, min_group_size=self.min_group_size,
                rng=np.random.default_rng(self.seed + 1),
            )
        returned = [cf for e in examples for cf in e.counterfactuals]
        n_cf = len(returned)
        divs = [e.diversity for e in examples if e.diversity is not None]
        return CounterfactualResult(
            method="batched constraint-aware search (reference neighbours and single-column grid, greedy sparsity, diversity selection)",
            task=task,
            features=features,
            immutable=sorted(constraints.immutable),
            monotone=dict(constraints.monotone),
            ranges={c: [display_value(v) for v in (self.ranges or {})[c]] for c in (self.ranges or {})},
            plausibility=plausibility if not self.allow_outside_range else f"{plausibility} categories; any number",
            per_row=int(self.per_row),
            examples=examples,
            n_rows=len(rows),
            n_counterfactuals=n_cf,
            validity=float(ok.mean()) if len(flat) else None,
            coverage=sum(1 for e in examples if e.counterfactuals) / len(examples),
            mean_changed=float(np.mean([len(cf.changed) for cf in returned])) if n_cf else None,
            mean_distance=float(np.mean([cf.distance for cf in returned])) if n_cf else None,
            mean_diversity=float(np.mean(divs)) if divs else None,
            n_candidates=int(outcome.candidates),
            model_calls=int(outcome.model_calls) + 3,
            seconds=float(seconds),
            seconds_per_row=float(seconds / len(rows)),
            flip_test=flips,
            flip_sample=int(self.flip_sample),
            n_bootstrap=int(self.n_bootstrap),
            confidence_level=float(self.confidence_level),
            min_group_size=int(self.min_group_size),
            seed=int(self.seed),
            notes=notes + flip_notes,
        )

    # -- pieces ----------------------------------------------------------------------------------

    def _task(self, data: ValidatedData, adapter: ModelAdapter) -> tuple[str, list[Any] | None]:
        classes = adapter.classes
        if classes is None and data.classes and data.task in ("binary", "multiclass"):
            classes = list(data.classes)
        task = data.task or (None if classes is None else ("binary" if len(classes) == 2 else "multiclass"))
        task = task or "regression"
        if task == "regression" and self.desired_range is None:
            raise UnsupportedError(
                "counterfactuals of a regressor need a target range: set analyzers.counterfactuals.desired_range: [low, high]."
            )
        if task != "regression" and classes is None:
            raise UnsupportedError("counterfactuals of a classifier need its classes (the model has no 'classes_').")
        if task == "multiclass" and self.desired_class is None and not adapter.has_proba:
            raise UnsupportedError(
                "multiclass counterfactuals need desired_class, or a model with predict_proba to pick each row's next class."
            )
        if self.desired_class is not None and task != "regression":
            from rai.explain import display_value

            names = [display_value(c) for c in classes]
            check_param(_OWNER, "desired_class", self.desired_class, f"one of the model's classes {names}",
                        display_value(self.desired_class) in names)
        return task, classes

    def _desired(self, adapter: ModelAdapter, query: pd.DataFrame, before: np.ndarray, task: str,
                 classes: list[Any] | None) -> np.ndarray:
        """The outcome each row should reach (a class label as shown; a regressor: unused)."""
        from rai.explain import display_labels, display_value

        n = len(query)
        if task == "regression":
            return np.zeros(n, dtype=object)
        names = np.array([display_value(c) for c in classes], dtype=object)
        now = display_labels(before)
        if self.desired_class is not None:
            return np.full(n, display_value(self.desired_class), dtype=object)
        if task == "binary":
            return np.where(now == names[0], names[1], names[0])
        proba = adapter.predict_proba(query)
        proba = np.where(names[None, :] == now[:, None], -np.inf, proba)
        return names[proba.argmax(axis=1)]

    def _scores(self, adapter: ModelAdapter, frame: pd.DataFrame, desired: np.ndarray, task: str,
                classes: list[Any] | None) -> list[float | None] | None:
        """The model's probability of each row's desired class."""
        from rai.explain import display_value

        if task == "regression" or not adapter.has_proba or len(frame) == 0:
            return None
        proba = adapter.predict_proba(frame)
        index = {display_value(c): k for k, c in enumerate(classes)}
        return [float(proba[i, index[d]]) for i, d in enumerate(desired)]

    def _none_message(self, constraints: Any, features: list[str], tried: int) -> str:
        mutable = [c for c in features if c not in constraints.immutable]
        if not mutable:
            return "every input column is immutable: nothing may change."
        return (f"no candidate reached the desired outcome within the constraints ({tried} candidates tried over "
                f"{len(mutable)} mutable columns).")


class _Reached:
    """Whether model outputs reach each row's desired outcome; ``__call__`` predicts a frame first."""

    def __init__(self, adapter: ModelAdapter, task: str, desired: np.ndarray, desired_range: list[float] | None) -> None:
        self.adapter = adapter
        self.task = task
        self.desired = desired
        self.range = desired_range

    def check(self, pred: np.ndarray, owner: np.ndarray) -> np.ndarray:
        from rai.explain import display_labels

        if self.task == "regression":
            lo, hi = self.range  # type: ignore[misc]
            values = np.asarray(pred, dtype=float)
            return (values >= lo) & (values <= hi)
        return display_labels(pred) == self.desired[owner]

    def __call__(self, frame: pd.DataFrame, owner: np.ndarray) -> np.ndarray:
        return self.check(self.adapter.predict(frame), owner)


def _numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


def _desired_text(desired: Any, task: str, desired_range: list[float] | None) -> str:
    if task == "regression":
        lo, hi = desired_range  # type: ignore[misc]
        return f"[{lo:g}, {hi:g}]"
    return str(desired)
