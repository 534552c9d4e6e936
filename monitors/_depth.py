"""The monitor's deeper checks of a batch: performance estimated without labels, multivariate drift.

``run_check`` calls ``depth_checks`` after the analyzers; it adds to the ``CheckResult``

* ``estimated``: a ``PerformanceEstimate`` (``monitors._cbpe``) when the reference has labels and
  scores exist on both sides (the ``score`` column of the data contract, or a model's
  ``predict_proba``); realized values beside the estimates when the batch has its labels;
* ``multivariate``: one ``MultivariateDrift`` per method (``monitors._multivariate``) when the
  reference rows are at hand (not with a stored profile);

and their signals, ``performance.estimated.<metric>`` and ``multivariate.<method>.<field>``.
Options (the ``analyzers:`` section of rai.yaml): ``estimation: {n_samples, confidence, metrics,
threshold}`` and ``multivariate: {methods: [domain_classifier, pca_reconstruction],
domain_classifier: {...}, pca_reconstruction: {...}}`` (``methods: []`` turns it off).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import numpy as np
import pandas as pd

from rai._exceptions import ConfigError
from rai._spec import DatasetSpec

__all__ = ["depth_checks", "depth_metrics", "depth_sections", "depth_summary", "without_absent_target"]

log = logging.getLogger(__name__)

#: Below these sizes the reference chunks and the cross-validation folds are too small to mean anything.
MIN_REFERENCE_ROWS = 100
MIN_BATCH_ROWS = 20


def without_absent_target(spec: DatasetSpec, current: pd.DataFrame,
                          reference: pd.DataFrame | None) -> tuple[DatasetSpec, pd.DataFrame | None, list[str]]:
    """The contract for a batch whose labels have not arrived (the normal case): no target.

    The reference then loses its target column too, so both sides hold the same columns.
    """
    target = spec.target
    if target is None or target in current.columns:
        return spec, reference, []
    if reference is not None and target in reference.columns:
        reference = reference.drop(columns=[target])
    note = (f"the batch has no target column {target!r} (labels not arrived yet): performance is estimated "
            "from the scores; realized performance, fairness and target drift wait for the labels")
    return spec.replace(target=None), reference, [note]


def _options(options: dict[str, Any] | None, key: str) -> dict[str, Any]:
    value = (options or {}).get(key) or {}
    if not isinstance(value, dict):
        raise ConfigError(f"analyzers.{key} must be a mapping; got {value!r}.")
    return dict(value)


def _scores(spec: DatasetSpec, model: Any, reference: pd.DataFrame, current: pd.DataFrame,
            features: list[str]) -> tuple[np.ndarray, np.ndarray, tuple[Any, ...] | None] | None:
    """Scores of the reference and the batch (from the model, else the score column), and the classes."""
    if model is not None:
        from rai._model import ModelAdapter

        adapter = model if isinstance(model, ModelAdapter) else ModelAdapter.from_estimator(model)
        if not adapter.has_proba:
            return None
        ref = adapter.predict_proba(adapter.inputs(reference, features))
        cur = adapter.predict_proba(adapter.inputs(current, features))
        classes = tuple(adapter.classes) if adapter.classes is not None else None
        return ref, cur, classes
    if spec.score and spec.score in reference.columns and spec.score in current.columns:
        return reference[spec.score].to_numpy(float), current[spec.score].to_numpy(float), None
    return None


def _estimate(reference: pd.DataFrame, current: pd.DataFrame, *, spec: DatasetSpec, model: Any,
              features: list[str], options: dict[str, Any], seed: int) -> tuple[Any, list[str]]:
    from monitors._cbpe import CBPE

    if spec.target is None or spec.target not in reference.columns:
        return None, []
    scores = _scores(spec, model, reference, current, features)
    if scores is None:
        return None, ["performance estimation needs scores: a score column (--score) or a model with "
                      "predict_proba (--model)"]
    s_ref, s_cur, classes = scores
    if classes is not None and spec.positive_label is not None:
        classes = tuple(spec.positive_label if str(c) == str(spec.positive_label) else c for c in classes)
    estimator = CBPE(seed=seed, **options)
    y_ref = reference[spec.target].to_numpy()
    if classes is not None:
        # the model's labels may be typed differently from the table's (1 vs "1")
        by_text = {str(c): c for c in classes}
        y_ref = np.array([by_text.get(str(v), v) for v in y_ref.tolist()], dtype=object)
    positive = spec.positive_label
    if classes is not None and len(classes) == 2:
        positive = spec.positive_label if spec.positive_label in classes else classes[-1]
    estimator.fit(y_ref, s_ref, classes=classes, positive_label=positive)
    y_pred = None
    if spec.prediction and spec.prediction in current.columns:
        y_pred = _as_classes(current[spec.prediction], estimator.classes_)
    y_true = None
    if spec.target in current.columns:
        y_true = _as_classes(current[spec.target], estimator.classes_)
    return estimator.estimate(s_cur, y_pred=y_pred, y_true=y_true), []


def _as_classes(column: pd.Series, classes: tuple[Any, ...]) -> np.ndarray:
    by_text = {str(c): c for c in classes}
    return np.array([by_text.get(str(v), v) for v in column.tolist()], dtype=object)


def _detectors(options: dict[str, Any], *, features: list[str], categorical: list[str], seed: int) -> list[Any]:
    from monitors._multivariate import METHODS, DomainClassifierDrift, ReconstructionDrift

    methods = options.pop("methods", list(METHODS))
    if not isinstance(methods, list) or any(m not in METHODS for m in methods):
        raise ConfigError(f"analyzers.multivariate.methods must be a list of some of {list(METHODS)}; got {methods!r}.")
    unknown = sorted(set(options) - set(METHODS))
    if unknown:
        raise ConfigError(f"analyzers.multivariate: unknown key(s) {unknown}; expected 'methods' and per-method "
                          f"mappings {list(METHODS)}.")
    classes = {"domain_classifier": DomainClassifierDrift, "pca_reconstruction": ReconstructionDrift}
    detectors = []
    for name in methods:
        params = options.get(name) or {}
        try:
            detectors.append(classes[name](features=features, categorical=categorical, seed=seed, **params))
        except TypeError as exc:
            raise ConfigError(f"analyzers.multivariate.{name}: {exc}") from exc
    return detectors


@dataclasses.dataclass(frozen=True)
class _Plan:
    """The multivariate checks of one batch, ready to run here or in a child."""

    detectors: list[Any]
    reference: pd.DataFrame  # the samples of both sides, feature columns only
    current: pd.DataFrame
    note: str  # the descriptions' note on sampling
    unsaved: dict[str, str]  # method: key of the calibration to keep once computed

    def run(self) -> list[Any]:
        return run_detectors(self.detectors, self.reference, self.current, self.note)

    def keep(self, calibrations: Any, results: list[Any]) -> None:
        """The calibrations computed by ``results`` kept for the next checks against this reference."""
        for r in results:
            if r.method in self.unsaved:
                calibrations.save_calibration(self.unsaved[r.method], r.method, r.reference_chunks)


def _multivariate(reference: pd.DataFrame, current: pd.DataFrame, *, features: list[str], categorical: list[str],
                  options: dict[str, Any], seed: int, calibrations: Any = None) -> list[Any]:
    plan = _plan_multivariate(reference, current, features=features, categorical=categorical, options=options,
                              seed=seed, calibrations=calibrations)
    if plan is None:
        return []
    results = plan.run()
    plan.keep(calibrations, results)
    return results


def _plan_multivariate(reference: pd.DataFrame, current: pd.DataFrame, *, features: list[str], categorical: list[str],
                       options: dict[str, Any], seed: int, calibrations: Any = None) -> _Plan | None:
    """The plan, ``None`` when no method is on. ``calibrations`` (the monitor's ``Store``) gives the
    detectors what they measured on this same reference before, and keeps what they measure now."""
    from monitors._multivariate import MAX_ROWS, _sample, _sampled

    detectors = _detectors(dict(options), features=features, categorical=categorical, seed=seed)
    if not detectors:
        return None
    # random samples of both sides: 100,000 rows decide as well as a million (the PCA's mean error
    # has a standard error a 316th of the rows' spread; the classifier uses 3,000 a side), and the
    # encoders and samplers then work on a tenth of a million-row table
    note = _sampled(len(reference), len(current), MAX_ROWS)
    reference = _sample(reference, MAX_ROWS, seed)[features]  # rows first: no copy of the whole table
    current = _sample(current, MAX_ROWS, seed)[features]
    unsaved = {}
    for detector in detectors:
        if calibrations is None or not hasattr(detector, "calibration_key"):
            continue
        key = detector.calibration_key(reference, len(current))
        known = calibrations.calibration(key)
        if known is not None and len(known) != detector.n_chunks:
            log.warning("the calibration kept under %s… holds %d AUCs, expected n_chunks=%d; calibrating anew",
                        key[:12], len(known), detector.n_chunks)
            known = None
        if known is not None:
            detector.use_calibration(known)
        else:
            unsaved[detector.method] = key
    return _Plan(detectors, reference, current, note, unsaved)


def run_detectors(detectors: list[Any], reference: pd.DataFrame, current: pd.DataFrame, note: str) -> list[Any]:
    """Each detector fitted on the reference sample and computed on the window's (here or in a child)."""
    import sklearn  # noqa: F401  (loads the OpenMP runtime: threadpoolctl can only limit pools already loaded)

    from rai._threads import limit_threads

    # the classifier's OpenMP pool sized to the cores free now: with one thread per core on a busy
    # machine the threads spin waiting for cores others hold (a monitor run on 1M rows took 300 s
    # of CPU instead of 46 s at a load of 4 on 2 cores). BLAS is left alone: its thread count
    # changes the PCA's rounding in the last digits
    with limit_threads(user_api="openmp"):
        results = [detector.fit(reference).compute(current) for detector in detectors]
    return [dataclasses.replace(r, description=r.description + note) for r in results]


def runs_multivariate(options: dict[str, Any] | None) -> bool:
    """Whether the options leave any multivariate method on (``methods: []`` turns them off)."""
    return bool(_options(options, "multivariate").get("methods", True))


@dataclasses.dataclass(frozen=True)
class SentChecks:
    """Multivariate checks computing in a child: for which features, their plan, the future of their results."""

    features: tuple[str, ...]
    categorical: tuple[str, ...]
    plan: _Plan
    future: Any


def send_multivariate(child: Any, reference: pd.DataFrame, current: pd.DataFrame, *, features: list[str],
                      categorical: list[str], options: dict[str, Any] | None, seed: int,
                      calibrations: Any = None) -> SentChecks | None:
    """Start the multivariate checks in ``child`` (samples drawn here, fits there), to run while this
    process runs the per-column checks; ``None`` when there is nothing to send (they run here, or not)."""
    if not _runs_multivariate(reference, current, features):
        return None
    plan = _plan_multivariate(reference, current, features=features, categorical=categorical,
                              options=_options(options, "multivariate"), seed=seed, calibrations=calibrations)
    if plan is None:
        return None
    future = child.submit(run_detectors, plan.detectors, plan.reference, plan.current, plan.note)
    return None if future is None else SentChecks(tuple(features), tuple(categorical), plan, future)


def _runs_multivariate(reference: pd.DataFrame, current: pd.DataFrame, features: list[str]) -> bool:
    return len(reference) >= MIN_REFERENCE_ROWS and len(current) >= MIN_BATCH_ROWS and bool(features)


def depth_checks(result: Any, current: pd.DataFrame, *, reference: pd.DataFrame | None, spec: DatasetSpec,
                 model: Any = None, options: dict[str, Any] | None = None, seed: int = 0,
                 sent: SentChecks | None = None, calibrations: Any = None) -> Any:
    """``result`` (a ``CheckResult``) with the estimated performance and the multivariate drift added.

    ``sent``: the multivariate checks already computing in a child (``send_multivariate``); used
    when they were sent for the features the drift check found, computed here otherwise.
    ``calibrations``: where the detectors' reference calibrations are kept (the monitor's ``Store``).
    """
    if reference is None or result.drift is None:
        return result
    features = [c.column for c in result.drift.columns]
    categorical = [c.column for c in result.drift.columns if c.column_type == "categorical"]
    notes = list(result.notes)
    estimate, more = _estimate(reference, current, spec=spec, model=model, features=features,
                               options=_options(options, "estimation"), seed=seed)
    notes += more
    multivariate: list[Any] = []
    mv_options = _options(options, "multivariate")
    if not _runs_multivariate(reference, current, features):
        if mv_options.get("methods", True):
            notes.append(f"multivariate drift skipped: it needs at least {MIN_REFERENCE_ROWS} reference rows and "
                         f"{MIN_BATCH_ROWS} batch rows (got {len(reference)} and {len(current)})")
    else:
        def here() -> list[Any]:
            return _multivariate(reference, current, features=features, categorical=categorical, options=mv_options,
                                 seed=seed, calibrations=calibrations)

        if sent is not None and sent.features == tuple(features) and sent.categorical == tuple(categorical):
            from rai._apart import result_of

            multivariate = result_of(sent.future, sent.plan.run)  # the same plan run here if the child died
            sent.plan.keep(calibrations, multivariate)
        else:
            multivariate = here()
    signals = dict(result.signals)
    if estimate is not None:
        signals.update(estimate.signals())
    for m in multivariate:
        signals.update(m.signals())
    return dataclasses.replace(result, estimated=estimate, multivariate=tuple(multivariate), signals=signals,
                               notes=notes)


def depth_sections(check: Any) -> dict[str, Any]:
    """The deeper checks as result sections of the check's metric stream (walkers in _cbpe.py, _multivariate.py)."""
    out: dict[str, Any] = {}
    estimate = getattr(check, "estimated", None)
    if estimate is not None:
        out["performance_estimated"] = estimate.to_dict()
    if getattr(check, "multivariate", ()):
        out["multivariate"] = {m.method: m.to_dict() for m in check.multivariate}
    return out


def depth_summary(check: Any) -> dict[str, Any]:
    """What the run's summary (and so the history) keeps of the deeper checks."""
    estimate = getattr(check, "estimated", None)
    return {
        "performance_estimated": None if estimate is None else estimate.to_dict(),
        "multivariate": {m.method: m.to_dict() for m in getattr(check, "multivariate", ())},
    }


def depth_metrics(check: Any) -> list[Any]:
    """The deeper checks as metric-stream records (``rai.results.Metric``: value, interval, n),
    for consumers that judge paths rather than plain signals."""
    estimate = getattr(check, "estimated", None)
    records = [] if estimate is None else estimate.metric_records()
    for m in getattr(check, "multivariate", ()):
        records.extend(m.metric_records())
    return records
