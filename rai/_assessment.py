"""The assessment: every result plus the provenance that makes it reproducible.

``assess`` is the one entry point that validates the inputs at the boundary, runs the
analyzers whose needs are met, and returns an ``Assessment``. ``Assessment.save`` writes
``assessment.json`` (validated against the packaged JSON Schema); ``Assessment.load`` reads
it back into the same objects.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from rai._exceptions import ConfigError, UnsupportedError
from rai._io import frame_sha256
from rai._model import ModelAdapter
from rai._provenance import Provenance
from rai._roles import ColumnRoles, describe_roles
from rai._serialize import Result
from rai._spec import DatasetSpec, ValidatedData, align_with_reference
from rai.results import AnalyzerNote, Results

__all__ = ["Assessment", "ModelInfo", "assess", "SCHEMA_VERSION", "PREDICTION_COLUMN", "SCORE_COLUMN"]

log = logging.getLogger(__name__)

SCHEMA_VERSION = "1.0"
#: Column names used when the predictions come from a model rather than from the data.
PREDICTION_COLUMN = "rai_prediction"
SCORE_COLUMN = "rai_score"


@dataclasses.dataclass(frozen=True)
class ModelInfo(Result):
    """What is known about the assessed model (nothing but its outputs in predictions-only mode).

    ``deployment_notes``: facts a deployment must know, from the model itself (e.g. a mitigated
    model that reads a sensitive feature at prediction time); the model card shows them.
    """

    kind: str
    source: str | None
    sha256: str | None
    feature_names: list[str] | None
    deployment_notes: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True, repr=False)
class Assessment(Result):
    """Results of the analyzers on one dataset, with the data contract and provenance.

    ``repr`` is a one-screen summary (as ``rai assess`` prints); ``to_dict()`` has everything,
    ``to_pandas()`` every number as one row of the metric stream.
    """

    schema_version: str
    spec: DatasetSpec
    task: str | None
    features: dict[str, str]
    n_rows: int
    n_reference_rows: int | None
    model: ModelInfo | None
    results: Results
    provenance: Provenance
    model_card: dict[str, Any] = dataclasses.field(default_factory=dict)
    roles: ColumnRoles | None = None

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False)

    def to_pandas(self) -> pd.DataFrame:
        """Every number of the assessment, one row per ``Metric`` of the metric stream.

        Qualifiers (``sensitive_feature``, ``group``, ``column``, ...) become columns.
        """
        from rai.results import metric_stream

        rows = []
        for m in metric_stream(self.to_dict()):
            row = {"path": m.path, **dict(m.qualifiers)}
            row.update(value=m.value, ci_low=m.ci_low, ci_high=m.ci_high, n=m.n, n_effective=m.n_effective,
                       insufficient=m.insufficient, reason=m.reason, headline=m.headline)
            rows.append(row)
        columns = ["path", "value", "ci_low", "ci_high", "n", "n_effective", "insufficient", "reason", "headline"]
        return pd.DataFrame(rows, columns=list(dict.fromkeys(["path", *(k for r in rows for k in r), *columns])))

    def __repr__(self) -> str:
        from rai.results._frames import assessment_lines

        reference = "" if self.n_reference_rows is None else f" against {self.n_reference_rows:,} reference rows"
        head = f"<Assessment: {self.task or 'no target'}, {self.n_rows:,} rows{reference}, {len(self.features)} features"
        lines = [head, *(f"  {line}" for line in assessment_lines(self))]
        lines.extend(f"  note: {n.analyzer} {n.level}: {n.message}" for n in self.results.notes)
        return "\n".join(lines) + ">"

    def save(self, path: str | Path) -> Path:
        """Write ``assessment.json`` into the folder ``path`` (created if missing) and return its path.

        A ``path`` ending in ``.json`` names the file itself.
        """
        from rai._location import assessment_target
        from rai._schema import validate_assessment_dict

        from rai._atomic import write_text

        path = assessment_target(path)
        data = self.to_dict()
        validate_assessment_dict(data)
        return write_text(path, json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n",
                          what="assessment")

    @classmethod
    def load(cls, path: str | Path) -> Assessment:
        """Read and validate an ``assessment.json`` (``path`` is the file or the folder holding it)."""
        from rai._location import assessment_file
        from rai._schema import validate_assessment_dict

        path = assessment_file(path)
        if not path.is_file():
            raise ConfigError(f"assessment file {str(path)!r} does not exist.")
        from rai._safe_json import read_json
        from rai._ranges import check_ranges

        data = read_json(path, "assessment file")
        if not isinstance(data, dict):
            raise ConfigError(f"{str(path)!r} must hold a JSON object; got {type(data).__name__}.")
        validate_assessment_dict(data)
        check_ranges(data.get("results"), f"assessment file {str(path)!r}")
        return cls.from_dict(data)


def _as_adapter(model: Any) -> ModelAdapter | None:
    if model is None or isinstance(model, ModelAdapter):
        return model
    return ModelAdapter.from_estimator(model)


def _add_model_outputs(frame: pd.DataFrame, spec: DatasetSpec, adapter: ModelAdapter) -> tuple[pd.DataFrame, DatasetSpec]:
    """Predictions (and scores for binary classifiers) from the model, as new columns."""
    features = [c for c in frame.columns if c not in set(spec.non_feature_columns)]
    X = adapter.inputs(frame, features)
    frame = frame.copy()
    classes = adapter.classes
    wants_score = spec.score is None and adapter.has_proba and classes is not None and len(classes) == 2
    prediction, proba = adapter.outputs(X, proba=wants_score)
    frame[PREDICTION_COLUMN] = prediction
    changes: dict[str, Any] = {"prediction": PREDICTION_COLUMN}
    if wants_score:
        positive = spec.positive_label
        if positive is None:
            probe = spec.validate(frame) if spec.target else None
            positive = probe.positive_label if probe is not None else classes[-1]
        idx = [i for i, c in enumerate(classes) if c == positive or str(c) == str(positive)]
        column = idx[0] if idx else len(classes) - 1
        frame[SCORE_COLUMN] = proba[:, column]
        changes["score"] = SCORE_COLUMN
    return frame, spec.replace(**changes)


def assess(
    data: pd.DataFrame,
    *,
    spec: DatasetSpec,
    reference: pd.DataFrame | None = None,
    model: Any = None,
    analyzers: list[Any] | None = None,
    seed: int = 0,
    options: dict[str, dict[str, Any]] | None = None,
    model_card: dict[str, Any] | None = None,
    provenance: dict[str, Any] | None = None,
    on_step: Callable[[str], None] | None = None,
    on_roles: Callable[[ColumnRoles], None] | None = None,
    apart: Any = False,
    early: dict[str, tuple[Any, Any]] | None = None,
) -> Assessment:
    """Validate the inputs, run the analyzers and return an ``Assessment``.

    Parameters
    ----------
    data:
        The table to assess (test data, or a production batch).
    spec:
        The data contract (which column is the target, prediction, score, sensitive feature).
    reference:
        The training / reference data for drift and quality, optional.
    model:
        A fitted estimator or ``ModelAdapter``, optional. Used for predictions when the data has
        no prediction column, and by the explanations analyzer.
    analyzers:
        The analyzers to run; default ``rai.analyzers.default_analyzers(options=options)``.
    seed:
        Seed of every random step (bootstrap, sampling), recorded in the provenance.
    options:
        Per-analyzer keyword parameters, e.g. ``{"fairness": {"min_group_size": 50}}``.
    model_card:
        Descriptive fields for the model card (owners, license, intended use, ...).
    provenance:
        Extra provenance fields from the caller (file hashes and sources of data, model, config).
    on_step:
        Called with the name of each analyzer before it runs (progress display).
    on_roles:
        Called with the column roles (and their warnings) once the inputs are validated, before
        any analyzer runs; without it the warnings are logged. Kept in ``Assessment.roles``.
    apart:
        Compute the analyzers that allow it (causal) in a child process while the others run
        here, when a core is free for it (``rai._apart``; the CLI does). The results are the
        same; off by default, since a child process sees none of this one's changes to modules.
        A ``rai._apart.Child`` started earlier (importing while the caller prepared the inputs)
        is used instead of a new one; it is closed when the assessment ends.
    early:
        Analyzers already computing apart (``start_early``), by name: the analyzer as sent and
        the future of its result; used for the analyzer configured alike.

    Notes
    -----
    A target, prediction, score or excluded column that the reference has and ``data`` lacks is
    expected (labels arrive later): the analyzers that need labels skip with a note, the rest run.
    """
    from rai._threads import limit_threads

    # thread pools sized once, to the cores free when the heavy work starts (rai/_threads.py)
    with limit_threads():
        return _assess(data, spec=spec, reference=reference, model=model, analyzers=analyzers, seed=seed,
                       options=options, model_card=model_card, provenance=provenance, on_step=on_step,
                       on_roles=on_roles, apart=apart, early=early or {})


def _assess(data: pd.DataFrame, *, spec: DatasetSpec, reference: pd.DataFrame | None, model: Any,
            analyzers: list[Any] | None, seed: int, options: dict[str, dict[str, Any]] | None,
            model_card: dict[str, Any] | None, provenance: dict[str, Any] | None,
            on_step: Callable[[str], None] | None, on_roles: Callable[[ColumnRoles], None] | None,
            apart: Any, early: dict[str, tuple[Any, Any]]) -> Assessment:
    from rai.analyzers import default_analyzers

    adapter = _as_adapter(model)
    if analyzers is None:
        analyzers = default_analyzers(options=options, model=adapter, seed=seed)
    with contextlib.ExitStack() as stack:
        # a child for the analyzers computed apart imports its libraries while the inputs are prepared
        child = _early_child(analyzers, stack, None if apart is True else apart) if apart else None
        data, spec, reference, cur_valid, ref_valid, awaiting = _prepare(data, spec, reference, adapter)
        roles = describe_roles(cur_valid, spec=spec, awaiting_labels=awaiting)
        if on_roles is not None:
            on_roles(roles)
        else:  # nobody shows them: the log does
            log_role_warnings(roles)
        children = _start_apart(analyzers, cur_valid, ref_valid, adapter, awaiting, child, early) if child else {}
        slots, notes = _run_analyzers(analyzers, cur_valid, ref_valid, adapter, awaiting, children, on_step)

    prov_fields = dict(provenance or {})
    # hash the tables only when the caller did not give the hashes of their files
    if "data_sha256" not in prov_fields:
        prov_fields["data_sha256"] = frame_sha256(data)
    if reference is not None and "reference_sha256" not in prov_fields:
        prov_fields["reference_sha256"] = frame_sha256(reference)
    if adapter is not None:
        prov_fields.setdefault("model_sha256", adapter.sha256)
        prov_fields.setdefault("model_source", adapter.source)
        for key, value in adapter.provenance.items():
            prov_fields.setdefault(key, value)
    prov_fields["seed"] = seed

    model_info = None
    if adapter is not None:
        model_info = ModelInfo(
            kind=adapter.kind,
            source=adapter.source,
            sha256=adapter.sha256,
            feature_names=list(adapter.feature_names) if adapter.feature_names is not None else None,
            deployment_notes=list(adapter.notes),
        )
    elif spec.prediction is not None:
        model_info = ModelInfo(kind="predictions only", source=None, sha256=None, feature_names=None)

    return Assessment(
        schema_version=SCHEMA_VERSION,
        spec=spec,
        task=cur_valid.task,
        features=dict(cur_valid.feature_types),
        n_rows=cur_valid.n_rows,
        n_reference_rows=None if ref_valid is None else ref_valid.n_rows,
        model=model_info,
        results=Results(**slots, notes=notes),
        provenance=Provenance.collect(**prov_fields),
        model_card=dict(model_card or {}),
        roles=roles,
    )


def log_role_warnings(roles: ColumnRoles) -> None:
    """The warnings about inferred roles, in the log (when no ``on_roles`` callback shows them)."""
    for warning in roles.warnings:
        log.warning("%s", warning)


def _prepare(data: pd.DataFrame, spec: DatasetSpec, reference: pd.DataFrame | None, adapter: ModelAdapter | None
             ) -> tuple[pd.DataFrame, DatasetSpec, pd.DataFrame | None, ValidatedData, ValidatedData | None, tuple[str, ...]]:
    """The tables with the model's outputs added, validated; and the output columns the data awaits."""
    if adapter is not None and spec.prediction is None and spec.target is not None and spec.target in data.columns:
        data, spec = _add_model_outputs(data, spec, adapter)
        if reference is not None:
            reference, _ = _add_model_outputs(reference, spec.replace(prediction=None, score=None), adapter)
    data_spec, awaiting = _spec_for_data(spec, data, reference)
    cur_valid = data_spec.validate(data, name="data")
    ref_valid = None
    if reference is not None:
        # the reference may lack labels and outputs (e.g. raw training features)
        ref_spec = spec.replace(**{role: getattr(spec, role) if getattr(spec, role) in reference.columns else None
                                   for role in ("target", "prediction", "score")})
        ref_valid = ref_spec.validate(reference, name="reference")
        cur_valid = align_with_reference(ref_valid, cur_valid)
    return data, spec, reference, cur_valid, ref_valid, awaiting


def _early_child(analyzers: list[Any], stack: contextlib.ExitStack, started: Any = None) -> Any:
    """A child process importing what the analyzers computed apart need (``started``, a ``Child``
    the caller started earlier, or a new one), or ``None`` (none of them, or no free core). It is
    stopped when the assessment ends, if it still runs."""
    from rai._apart import Child
    from rai._threads import free_cores, limit_threads

    apart = [a for a in analyzers if getattr(a, "runs_apart", False)]
    if not apart:
        if started is not None:
            started.close()
        return None
    child = started if started is not None else Child.start([m for a in apart for m in a.apart_imports])
    if child is not None:
        stack.callback(child.close)
        # this process's thread pools leave the child its core from now on: OpenMP threads that
        # wait for a core the child holds spin (the demo spent 6 s more CPU that way)
        stack.enter_context(limit_threads(max(1, free_cores() - 1)))
    return child


def _start_apart(analyzers: list[Any], cur_valid: ValidatedData, ref_valid: ValidatedData | None, adapter: Any,
                 awaiting: tuple[str, ...], child: Any, early: dict[str, tuple[Any, Any]]) -> dict[str, Any]:
    """The futures of the analyzers computed apart (``rai._apart``), by name: those sent earlier
    (``early``) when configured alike, the first other in the child started early, any other in a
    new one."""
    from rai._apart import start_apart

    futures = {}
    if early:  # the caller's child computes what was sent early: it takes no more work
        child = None
    for analyzer in analyzers:
        if getattr(analyzer, "runs_apart", False) and not _unmet_need(analyzer, cur_valid, ref_valid, adapter, awaiting):
            sent, future = early.get(analyzer.name, (None, None))
            if future is not None and vars(sent) == vars(analyzer):
                futures[analyzer.name] = future
                continue
            check = getattr(analyzer, "check_inputs", None)
            if check is not None:  # a wrong column reported now, not once the other analyzers are done
                check(cur_valid)
            future = start_apart(analyzer, cur_valid, child)
            child = None  # used (or closed, when the inputs could not be sent)
            if future is not None:
                futures[analyzer.name] = future
    return futures


def start_early(child: Any, *, spec: DatasetSpec, options: dict[str, dict[str, Any]] | None, seed: int,
                data: pd.DataFrame, reference: pd.DataFrame | None = None,
                enabled: Sequence[str] | None = None) -> dict[str, tuple[Any, Any]]:
    """Send ``child`` the analyzers computed apart that need no model, before there is one (the
    first in ``child``, any other in a new one, as ``assess`` would).

    ``rai demo`` starts the causal analysis this way while it trains its model. The result is
    ``assess``'s ``early``: each analyzer as sent and the future of its result. ``assess`` checks
    that it builds the same analyzer; the data must be the tables it is given, before the model's
    outputs are added (analyzers that need no model do not read them).
    """
    from rai.analyzers import default_analyzers

    analyzers = default_analyzers(options=options, enabled=enabled, seed=seed)
    apart = [a for a in analyzers if getattr(a, "runs_apart", False) and not a.needs_model]
    if not apart:
        return {}
    _, _, _, cur_valid, ref_valid, awaiting = _prepare(data, spec, reference, None)
    futures = _start_apart(apart, cur_valid, ref_valid, None, awaiting, child, {})
    return {a.name: (a, futures[a.name]) for a in apart if a.name in futures}


def _run_analyzers(analyzers: list[Any], cur_valid: ValidatedData, ref_valid: ValidatedData | None, adapter: Any,
                   awaiting: tuple[str, ...], apart: dict[str, Any],
                   on_step: Callable[[str], None] | None) -> tuple[dict[str, Any], list[AnalyzerNote]]:
    """Each analyzer's result by slot, and the notes of those that skipped or could not run."""
    from rai._apart import result_of

    slots: dict[str, Any] = {}
    notes: list[AnalyzerNote] = []
    # the ones computing apart last: the others run while they do
    for analyzer in sorted(analyzers, key=lambda a: a.name in apart):
        name = analyzer.name
        reason = _unmet_need(analyzer, cur_valid, ref_valid, adapter, awaiting)
        if reason:
            notes.append(AnalyzerNote(analyzer=name, level="skipped", message=reason))
            log.info("skipping %s: %s", name, reason)
            continue
        if on_step is not None:
            on_step(name)
        try:
            if name in apart:
                result = result_of(apart[name], analyzer.compute, cur_valid)
            else:
                if ref_valid is not None:
                    analyzer.fit(ref_valid)
                result = analyzer.compute(cur_valid)
        except UnsupportedError as exc:
            notes.append(AnalyzerNote(analyzer=name, level="unsupported", message=str(exc)))
            log.warning("%s could not run: %s", name, exc)
            continue
        if isinstance(result, tuple):  # an analyzer may return (result, notes)
            result, extra = result
            notes.extend(extra)
        slots[name] = result
    return slots, notes


def _spec_for_data(spec: DatasetSpec, data: pd.DataFrame, reference: pd.DataFrame | None) -> tuple[DatasetSpec, tuple[str, ...]]:
    """The contract ``data`` is checked against, and the output columns it still awaits.

    An output or excluded column the reference has and the batch lacks is expected (labels come
    later), so it is dropped from the batch's contract instead of refused.
    """
    if reference is None:
        return spec, ()
    later = {c for c in (*spec.output_columns, *spec.exclude) if c not in data.columns and c in reference.columns}
    if not later:
        return spec, ()
    awaiting = tuple(c for c in spec.output_columns if c in later)
    changes: dict[str, Any] = {role: None for role in ("target", "prediction", "score") if getattr(spec, role) in later}
    changes["exclude"] = tuple(c for c in spec.exclude if c not in later)
    return spec.replace(**changes), awaiting


def _unmet_need(analyzer: Any, data: ValidatedData, reference: ValidatedData | None, model: ModelAdapter | None,
                awaiting: tuple[str, ...] = ()) -> str | None:
    if analyzer.needs_target and awaiting and not (analyzer.needs_model and model is None):
        what = "labels" if data.spec.target is None and awaiting else "outputs"
        return (f"waits for {what}: {', '.join(repr(c) for c in awaiting)} in the reference but not in this data "
                f"(join labels when they arrive with --labels)")
    if analyzer.needs_target and (not data.has_target or not data.has_prediction):
        return "needs a target column and a prediction column (or a model)"
    if analyzer.needs_reference and reference is None:
        return "needs a reference table (--reference)"
    if analyzer.needs_model and model is None:
        return "needs a model (--model)"
    if getattr(analyzer, "needs_sensitive", False) and not data.spec.sensitive:
        return "needs at least one sensitive feature (--sensitive)"
    own = getattr(analyzer, "unmet_need", None)  # an analyzer's own needs (e.g. causal: treatments, an outcome)
    return own(data) if own is not None else None


