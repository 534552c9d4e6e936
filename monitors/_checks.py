"""One check of a production batch against the reference, and the signals alert rules read.

The statistics come from the toolkit's analyzers (``rai.analyzers``: drift, quality, and
performance / fairness when the batch has labels and predictions) through
``rai._assessment.assess``; nothing here re-implements a statistic. This module only turns
their results into named numbers (signals) for the rules.

Signals (all floats; booleans are 0 / 1):

=================================  ===========================================================
``dataset_drift``                  1 when the share of drifted features reaches the drift share
``share_drifted``, ``n_drifted``   share and count of drifted features
``prediction_drift``               1 when the prediction or score column drifted
``target_drift``                   1 when the target (label) column drifted
``column_drift.<column>``          1 when that column drifted
``drift_statistic.<column>``       that column's drift statistic
``quality.max_missing_share``      largest missing share over the columns of the batch
``quality.duplicate_row_share``    share of duplicated rows
``quality.max_out_of_range_share`` largest share of numeric values outside the reference range
``quality.unseen_categories``      number of category values unseen in the reference
``performance.<metric>``           e.g. ``performance.accuracy``, when labels are present
``fairness.<metric>.<feature>``    the difference of a fairness metric, when labels are present
``attribution.ndcg``               with a model: NDCG of the batch's feature-importance ranking
                                   against the reference's (1 = same order; see _attribution.py)
``performance.estimated.<metric>`` estimated from the scores, no labels needed (see _depth.py)
``multivariate.<method>.<field>``  multivariate drift: statistic, threshold, drifted (_depth.py)
=================================  ===========================================================
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import pandas as pd

from rai.results import metric_stream
from rai._io import join_labels
from rai._spec import DatasetSpec

__all__ = ["CheckResult", "run_check", "signals_from", "profile_layout", "join_labels", "SIGNALS"]

log = logging.getLogger(__name__)

SIGNALS = (
    "dataset_drift",
    "share_drifted",
    "n_drifted",
    "prediction_drift",
    "target_drift",
    "column_drift.<column>",
    "drift_statistic.<column>",
    "quality.max_missing_share",
    "quality.duplicate_row_share",
    "quality.max_out_of_range_share",
    "quality.unseen_categories",
    "performance.<metric>",
    "fairness.<metric>.<feature>",
    "attribution.ndcg",
    "performance.estimated.<metric>",
    "multivariate.<method>.<field>",
)


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """The results of one check and the signals derived from them."""

    drift: Any
    quality: Any = None
    performance: Any = None
    fairness: Any = None
    signals: dict[str, float | None] = dataclasses.field(default_factory=dict)
    notes: list[str] = dataclasses.field(default_factory=list)
    n_reference: int | None = None
    n_current: int | None = None
    current_sha256: str | None = None
    attribution: Any = None
    estimated: Any = None  # monitors._cbpe.PerformanceEstimate
    multivariate: tuple[Any, ...] = ()  # monitors._multivariate.MultivariateDrift per method

    @classmethod
    def from_results(cls, *, drift: Any, quality: Any = None, performance: Any = None, fairness: Any = None,
                     notes: list[str] | None = None, current_sha256: str | None = None) -> CheckResult:
        return cls(
            drift=drift, quality=quality, performance=performance, fairness=fairness,
            signals=signals_from(drift=drift, quality=quality, performance=performance, fairness=fairness),
            notes=list(notes or []),
            n_reference=None if drift is None else drift.n_reference,
            n_current=None if drift is None else drift.n_current,
            current_sha256=current_sha256,
        )

    def assessment_dict(self) -> dict[str, Any]:
        """The check's results in the form of assessment.json, so the metric stream reads them."""
        from rai._serialize import to_jsonable

        from monitors._depth import depth_sections

        results = {k: to_jsonable(getattr(self, k)) for k in ("drift", "quality", "performance", "fairness")
                   if getattr(self, k) is not None}
        if self.attribution is not None:
            results["attribution"] = {"ndcg": self.attribution.ndcg, "method": self.attribution.method}
        results.update(depth_sections(self))
        return {"results": results}

    def column_results(self) -> list[dict[str, Any]]:
        if self.drift is None:
            return []
        out = []
        for c in list(self.drift.columns) + list(self.drift.prediction):
            out.append(
                {
                    "column": c.column, "role": c.role, "column_type": c.column_type, "method": c.method,
                    "statistic": _num(c.statistic), "threshold": _num(c.threshold), "p_value": _num(c.p_value),
                    "p_value_adjusted": _num(c.p_value_adjusted), "psi": _num(c.psi), "drifted": bool(c.drifted),
                }
            )
        return out

    def quality_issues(self) -> list[dict[str, Any]]:
        if self.quality is None:
            return []
        return [
            {"column": i.column, "kind": i.kind, "severity": i.severity, "message": i.message}
            for i in self.quality.issues
        ]


def _num(v: Any) -> float | None:
    import math

    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def signals_from(*, drift: Any = None, quality: Any = None, performance: Any = None, fairness: Any = None,
                 attribution: Any = None) -> dict[str, float | None]:
    """The historic signal names, each read from the metric stream through its alias (``SIGNAL_ALIASES``)."""
    from monitors._config import signal_alias

    check = CheckResult(drift=drift, quality=quality, performance=performance, fairness=fairness, attribution=attribution)
    stream = metric_stream(check.assessment_dict())
    by_key = {(m.path, m.qualifiers): m.value for m in stream}
    names: list[str] = []
    if drift is not None:
        names += ["dataset_drift", "share_drifted", "n_drifted", "prediction_drift", "target_drift"]
        for c in list(drift.columns) + list(drift.prediction):
            names += [f"column_drift.{c.column}", f"drift_statistic.{c.column}"]
    if quality is not None:
        names += ["quality.max_missing_share", "quality.duplicate_row_share", "quality.max_out_of_range_share", "quality.unseen_categories"]
    if performance is not None:
        names += [f"performance.{name}" for name in performance.overall]
    if fairness is not None:
        names += [f"fairness.{m.name}.{m.sensitive_feature}" for m in fairness.metrics
                  if m.name in ("demographic_parity", "equalized_odds", "equal_opportunity")]
    if attribution is not None:
        names.append("attribution.ndcg")
    out: dict[str, float | None] = {}
    for name in names:
        path, quals = signal_alias(name)
        value = by_key.get((path, quals))
        if value is None and path.startswith("drift.columns."):  # prediction / score / target columns
            value = by_key.get((path.replace("drift.columns.", "drift.prediction.", 1), quals))
        out[name] = _num(value)
    return out


def run_check(
    current: pd.DataFrame,
    *,
    reference: pd.DataFrame | None = None,
    profile: Any = None,
    spec: DatasetSpec = DatasetSpec(),
    options: dict[str, dict[str, Any]] | None = None,
    seed: int = 0,
    model: Any = None,
    current_sha256: str | None = None,
    child: Any = None,
    calibrations: Any = None,
) -> CheckResult:
    """Check one batch against the reference (a table, or a stored profile).

    Drift and quality always run; performance and fairness run when the batch has the target
    and the prediction columns (labels may arrive later: join them in before the check).
    ``options`` are per-analyzer keyword parameters (the ``analyzers:`` section of ``rai.yaml``).
    With a ``model`` (a fitted estimator or ``ModelAdapter``) and a reference table, feature
    attribution drift is computed too (``options["attribution"]``: ``n_rows``).
    ``current_sha256`` is the hash recorded for the batch (e.g. of the file it was read from);
    by default the table's content is hashed. ``child``, a ``rai._apart.Child`` started early
    (as ``rai monitor run`` starts it), computes the multivariate checks while the
    analyzers run here; the caller closes it. ``calibrations`` (the monitor's ``Store``) keeps what
    the multivariate detectors measure on the reference alone, reused by later checks against it.
    """
    from rai._io import frame_sha256

    if profile is not None:
        return _run_check_on_profile(current, profile=profile, spec=spec, options=options, seed=seed,
                                     current_sha256=current_sha256)
    if reference is None:
        from rai._exceptions import ConfigError

        raise ConfigError("a check needs a reference: pass --reference FILE (or monitor.reference / monitor.profile in rai.yaml).")
    from rai._assessment import assess
    from rai.analyzers import default_analyzers

    from monitors._depth import depth_checks, send_multivariate, without_absent_target

    full_spec, full_reference = spec, reference
    spec, reference, label_notes = without_absent_target(spec, current, reference)
    names = ["drift", "quality"]
    has_labels = spec.target is not None and spec.target in current.columns and (
        spec.prediction is not None and spec.prediction in current.columns
    )
    if has_labels:
        names += ["performance"]
        if spec.sensitive:
            names += ["fairness"]
    analyzer_options = {k: v for k, v in (options or {}).items() if k in names}
    analyzers = default_analyzers(options=analyzer_options, enabled=names, seed=seed)
    current_sha256 = current_sha256 or frame_sha256(current)
    sent = []

    def on_roles(roles: Any) -> None:
        """Once the features are known, before the analyzers: the multivariate checks sent to the child."""
        from rai._assessment import log_role_warnings

        log_role_warnings(roles)
        kinds = {*roles.numeric, *roles.categorical}
        features = [c for c in full_reference.columns if c in kinds]
        sent.append(send_multivariate(child, full_reference, current, features=features,
                                      categorical=list(roles.categorical), options=options, seed=seed,
                                      calibrations=calibrations))

    # the check keeps the results, not the assessment: its reference hash would go unused
    assessment = assess(current, spec=spec, reference=reference, analyzers=analyzers, seed=seed,
                        provenance={"data_sha256": current_sha256, "reference_sha256": None},
                        on_roles=on_roles if child is not None else None)
    r = assessment.results
    notes = label_notes + [f"{n.analyzer}: {n.level}: {n.message}" for n in r.notes]
    result = dataclasses.replace(
        CheckResult.from_results(
            drift=r.drift, quality=r.quality, performance=r.performance, fairness=r.fairness, notes=notes,
            current_sha256=current_sha256,
        ),
        n_reference=len(reference),
        n_current=len(current),
    )
    if model is not None:
        from monitors._attribution import attribution_drift

        features = [c.column for c in r.drift.columns]
        categorical = [c.column for c in r.drift.columns if c.column_type == "categorical"]
        attr = attribution_drift(model, reference, current, features=features, categorical=categorical,
                                 positive_label=spec.positive_label, seed=seed,
                                 **((options or {}).get("attribution") or {}))
        result = dataclasses.replace(result, attribution=attr,
                                     signals={**result.signals, **signals_from(attribution=attr)})
    return depth_checks(result, current, reference=full_reference, spec=full_spec, model=model, options=options,
                        seed=seed, sent=sent[0] if sent else None, calibrations=calibrations)


def _run_check_on_profile(
    current: pd.DataFrame, *, profile: Any, spec: DatasetSpec, options: dict[str, Any] | None, seed: int = 0,
    current_sha256: str | None = None,
) -> CheckResult:
    """Drift against a stored reference ``Profile`` (rai._profile); quality and, with labels,
    performance / fairness of the batch on its own (they need no reference rows)."""
    from rai._assessment import assess
    from rai._exceptions import DataContractError
    from rai._io import frame_sha256
    from rai.analyzers import default_analyzers

    options = dict(options or {})
    missing = [c for c in profile.columns if c not in current.columns]
    if missing:
        raise DataContractError(
            f"the batch lacks column(s) {missing[:10]} that the reference profile holds; "
            f"columns present: {[str(c) for c in current.columns][:20]}."
        )
    # the profile decides the columns and their types, as a reference table would
    kinds = profile.kinds
    cur_spec = spec.replace(
        categorical=tuple(c for c, k in kinds.items() if k == "categorical" and profile.roles.get(c) == "feature"),
        numeric=tuple(c for c, k in kinds.items() if k == "numeric" and profile.roles.get(c) == "feature"),
        exclude=tuple(dict.fromkeys(tuple(spec.exclude) + tuple(
            c for c in current.columns if c not in kinds and c not in spec.non_feature_columns))),
    )
    names = ["quality"]
    has_labels = cur_spec.target in current.columns and cur_spec.prediction in current.columns if cur_spec.target and cur_spec.prediction else False
    if has_labels:
        names += ["performance"] + (["fairness"] if cur_spec.sensitive else [])
    analyzers = default_analyzers(options={k: v for k, v in options.items() if k in names}, enabled=names, seed=seed)
    current_sha256 = current_sha256 or frame_sha256(current)
    assessment = assess(current, spec=cur_spec, analyzers=analyzers, seed=seed, provenance={"data_sha256": current_sha256})
    drift = profile.compare(current[profile.columns], **(options.get("drift") or {}))
    r = assessment.results
    notes = [f"{n.analyzer}: {n.level}: {n.message}" for n in r.notes]
    notes.append("drift computed against a stored reference profile; quality checks without reference ranges")
    return dataclasses.replace(
        CheckResult.from_results(drift=drift, quality=r.quality, performance=r.performance, fairness=r.fairness,
                                 notes=notes, current_sha256=current_sha256),
        n_reference=profile.n_rows,
        n_current=len(current),
    )


def profile_layout(path: Any, spec: DatasetSpec, *, head_rows: int = 50_000) -> tuple[dict[str, str], dict[str, str]]:
    """Column types and roles for profiling ``path``: the data contract checked on its first rows.

    Only the head is read (the first Parquet row group, or ``head_rows`` CSV rows), so a
    file of any size can then be streamed by ``rai._profile.profile_file``.
    """
    from pathlib import Path

    from rai._exceptions import DataContractError
    from rai._io import read_table
    from rai.analyzers._drift import _column_roles

    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise DataContractError(f"file {str(path)!r} does not exist.")
    if suffix in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        try:
            head = pq.ParquetFile(path).read_row_group(0).to_pandas()
        except Exception as exc:  # corrupt or not Parquet
            raise DataContractError(f"cannot read {str(path)!r} as Parquet: {type(exc).__name__}: {exc}") from exc
    elif suffix in (".csv", ".tsv", ".txt"):
        read_table(path)  # the reader's checks (duplicated names, encoding) on the whole header
        head = pd.read_csv(path, nrows=head_rows, sep="\t" if suffix == ".tsv" else ",", skipinitialspace=True)
    else:
        raise DataContractError(f"file {str(path)!r} has suffix {suffix!r}; expected .csv, .tsv or .parquet.")
    valid = spec.validate(head, name="reference")
    layout = _column_roles(valid)
    return {c: k for c, _, k in layout}, {c: r for c, r, _ in layout}


