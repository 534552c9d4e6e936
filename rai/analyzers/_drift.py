"""Data drift between a reference and the current data, per column, with evidently 0.7's semantics.

The method of each column, its statistic and its threshold are evidently 0.7's defaults (see
``rai.analyzers._stattests``); the statistics are computed vectorised over whole columns from
exact column summaries (sorted values, value counts), so a reference can also be a stored
:class:`rai._profile.Profile`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from rai._exceptions import ConfigError, DataContractError
from rai._spec import ValidatedData, _infer_feature_type
from rai.analyzers._base import Analyzer, check_param
from rai.analyzers._summaries import column_summary
from rai.analyzers._stattests import (
    STATTESTS,
    Kind,
    Summary,
    default_method,
    quantile_edges,
    run,
    summarize_categorical,
    summarize_numeric,
)
from rai.analyzers._stattests import (
    psi as psi_stat,
)
from rai.results._core import ColumnDrift, Distribution, DriftResult

__all__ = ["OTHER_CATEGORY", "DriftAnalyzer"]

logger = logging.getLogger(__name__)

#: Label of the bar that sums the categories beyond ``max_categories`` in a chart.
OTHER_CATEGORY = "(other)"
CORRECTIONS = ("bh", "none")
#: Run columns on several threads only when the tables are at least this long.
_PARALLEL_MIN_ROWS = 50_000


@dataclasses.dataclass(frozen=True)
class _RefColumn:
    name: str
    role: str
    kind: Kind
    summary: Summary
    chart_edges: np.ndarray | None
    psi_edges: np.ndarray | None


class DriftAnalyzer(Analyzer):
    """Per-column drift between the reference (``fit``) and the data (``compute``).

    Method choice, statistics and thresholds follow evidently 0.7's ``DataDriftPreset``
    defaults (``get_default_stattest``), on the non-missing, finite values of each column:

    * reference of at most 1000 values: ``ks`` (Kolmogorov-Smirnov) for numeric columns,
      ``chisquare`` for categorical ones and numeric ones with 3 to 5 distinct values, ``z``
      (two-proportion Z-test) when both tables hold at most 2 distinct values; drifted when
      the p-value is below 0.05 (``ks``: at or below, as evidently);
    * larger reference: ``wasserstein`` (Wasserstein-1 distance divided by the reference
      standard deviation) for numeric columns with more than 5 distinct values,
      ``jensenshannon`` (distance, natural log) otherwise; drifted at a statistic >= 0.1.

    **Correction for many columns.** With ``correction="bh"`` (default) the p-values of the
    columns that used a test are adjusted with Benjamini-Hochberg (features as one family, the
    prediction / score / target columns as another) and a test-based column is drifted when
    its *adjusted* p-value is below its threshold (at or below for ``ks``). Distance-based
    columns are unaffected. With ``correction="none"`` every decision equals evidently's.

    Dataset drift: ``share_drifted >= drift_share`` over the feature columns (evidently's
    rule). Prediction, score and target columns present in both tables are reported in
    ``DriftResult.prediction`` and not counted.

    A column with no value left in the current data (all missing) while the reference has
    values is reported as drifted with no statistic; a column empty in the reference cannot
    be judged and is reported as not drifted with no statistic.

    Parameters
    ----------
    drift_share:
        Share of drifted feature columns at which the dataset counts as drifted.
    correction:
        ``"bh"`` (Benjamini-Hochberg) or ``"none"``.
    methods:
        Method per column (``{"age": "psi"}``) or one method for all columns: ``ks``,
        ``chisquare``, ``z``, ``wasserstein``, ``jensenshannon``, ``psi``.
    thresholds:
        Threshold per column, or one for all; defaults are the method's (0.05 for p-values,
        0.1 for distances).
    psi_bins:
        PSI of every column is reported next to the drift statistic. Categorical columns and
        numeric ones with at most 20 distinct reference values are binned by value (as
        evidently). Other numeric columns: an int gives that many equal-frequency bins of the
        reference (reproducible from a reference profile); ``"sturges"`` gives evidently's
        Sturges bins over both tables.
    max_categories:
        Categories shown in a categorical column's chart; the rest are summed as ``(other)``.
    histogram_bins:
        Equal-width bins over the reference range for numeric charts (widened to the current
        range when values fall outside).
    n_jobs:
        Threads summarising columns of large tables (numpy sorts release the GIL). Default
        ``None``: the cores free when the check starts (``rai._threads.free_cores``), so a busy
        machine gets one thread and an idle one all of its cores.
    infinite_tolerance:
        +inf / -inf values are left out of the statistic (as evidently does) but counted
        (``n_infinite_reference`` / ``n_infinite_current``); a column whose share of them in the
        current data exceeds the reference's by more than this is drifted whatever the statistic.
    """

    name = "drift"
    needs_reference = True

    def __init__(
        self,
        *,
        drift_share: float = 0.5,
        correction: str = "bh",
        methods: Mapping[str, str] | str | None = None,
        thresholds: Mapping[str, float] | float | None = None,
        psi_bins: int | str = 10,
        max_categories: int = 20,
        histogram_bins: int = 20,
        n_jobs: int | None = None,
        infinite_tolerance: float = 0.01,
    ) -> None:
        self.drift_share = drift_share
        self.infinite_tolerance = infinite_tolerance
        self.correction = correction
        self.methods = methods
        self.thresholds = thresholds
        self.psi_bins = psi_bins
        self.max_categories = max_categories
        self.histogram_bins = histogram_bins
        self.n_jobs = n_jobs

    # ------------------------------------------------------------------------------------
    def _validate_params(self) -> None:
        owner = type(self).__name__
        check_param(owner, "drift_share", self.drift_share, "a number in (0, 1]",
                    isinstance(self.drift_share, (int, float)) and not isinstance(self.drift_share, bool) and 0 < self.drift_share <= 1)
        check_param(owner, "correction", self.correction, f"one of {list(CORRECTIONS)}", self.correction in CORRECTIONS)
        check_param(owner, "psi_bins", self.psi_bins, "an int >= 2 or 'sturges'",
                    self.psi_bins == "sturges" or (isinstance(self.psi_bins, int) and not isinstance(self.psi_bins, bool) and self.psi_bins >= 2))
        for name in ("max_categories", "histogram_bins"):
            value = getattr(self, name)
            check_param(owner, name, value, "an int >= 1", isinstance(value, int) and not isinstance(value, bool) and value >= 1)
        check_param(owner, "infinite_tolerance", self.infinite_tolerance, "a number in [0, 1]",
                    _is_number(self.infinite_tolerance) and 0 <= self.infinite_tolerance <= 1)
        check_param(owner, "n_jobs", self.n_jobs, "None or an int >= 1", self.n_jobs is None or (
                    isinstance(self.n_jobs, int) and not isinstance(self.n_jobs, bool) and self.n_jobs >= 1))
        methods = self.methods
        if methods is not None:
            items = [("*", methods)] if isinstance(methods, str) else list(dict(methods).items()) if isinstance(methods, Mapping) else None
            check_param(owner, "methods", methods, "a method name or a dict column -> method name", items is not None)
            for column, method in items or []:
                check_param(owner, "methods", methods, f"made of method names from {sorted(STATTESTS)} "
                            f"(column {column!r} has {method!r})", method in STATTESTS)
        thresholds = self.thresholds
        if thresholds is not None:
            if isinstance(thresholds, Mapping):
                for column, value in thresholds.items():
                    check_param(owner, "thresholds", thresholds, f"a dict column -> positive number (column {column!r} has {value!r})",
                                _is_number(value) and value > 0)
            else:
                check_param(owner, "thresholds", thresholds, "a positive number or a dict column -> positive number",
                            _is_number(thresholds) and thresholds > 0)

    def _method_for(self, column: str) -> str | None:
        if self.methods is None:
            return None
        if isinstance(self.methods, str):
            return self.methods
        return self.methods.get(column)

    def _threshold_for(self, column: str, method: str) -> float:
        if isinstance(self.thresholds, Mapping) and column in self.thresholds:
            return float(self.thresholds[column])
        if self.thresholds is not None and not isinstance(self.thresholds, Mapping):
            return float(self.thresholds)
        return STATTESTS[method].default_threshold

    # ------------------------------------------------------------------------------------
    def fit(self, reference: Any) -> DriftAnalyzer:
        """Summarise the reference (a ``ValidatedData`` or a ``rai._profile.Profile``)."""
        self._validate_params()
        columns = _column_roles(reference)
        known = {name for name, _, _ in columns}
        for param in ("methods", "thresholds"):
            value = getattr(self, param)
            if isinstance(value, Mapping):
                unknown = sorted(set(value) - known)
                if unknown:
                    raise ConfigError(
                        f"The {param!r} parameter of DriftAnalyzer names column(s) {unknown} that are not in the "
                        f"reference; expected columns from {sorted(known)[:20]}."
                    )
        summaries = _summaries(reference, [(name, kind) for name, _, kind in columns], self._jobs(reference))
        ref_columns: dict[str, _RefColumn] = {}
        for name, role, kind in columns:
            summary = summaries[name]
            method = self._method_for(name)
            if method is not None and kind not in STATTESTS[method].column_types:
                raise ConfigError(
                    f"The 'methods' parameter of DriftAnalyzer gives {method!r} for column {name!r}, which is {kind}; "
                    f"{method!r} applies to {' and '.join(STATTESTS[method].column_types)} columns only."
                )
            ref_columns[name] = _RefColumn(
                name=name,
                role=role,
                kind=kind,
                summary=summary,
                chart_edges=_chart_edges(summary, self.histogram_bins) if kind == "numeric" and summary.n else None,
                psi_edges=(
                    quantile_edges(summary, self.psi_bins)
                    if kind == "numeric" and summary.n and isinstance(self.psi_bins, int)
                    else None
                ),
            )
        self.reference_columns_ = ref_columns
        self.n_reference_ = _n_rows(reference)
        return self

    def compute(self, data: Any) -> DriftResult:
        """Drift of ``data`` (a ``ValidatedData`` or a ``Profile``) against the fitted reference."""
        if not hasattr(self, "reference_columns_"):
            raise ConfigError("DriftAnalyzer needs a reference: call fit(reference) before compute(data).")
        present = set(_available_columns(data))
        refs = list(self.reference_columns_.values())
        missing = [c.name for c in refs if c.role == "feature" and c.name not in present]
        if missing:
            raise DataContractError(
                f"{_data_name(data)}: feature column(s) {missing[:10]} of the reference are not in the data; "
                f"expected the same feature columns in both tables."
            )
        refs = [c for c in refs if c.name in present]
        cur = _summaries(data, [(c.name, c.kind) for c in refs], self._jobs(data))
        rows = [self._compare(ref, cur[ref.name]) for ref in refs]
        features = self._decide([r for r, ref in zip(rows, refs) if ref.role == "feature"])
        outputs = self._decide([r for r, ref in zip(rows, refs) if ref.role != "feature"])
        n_drifted = sum(c.drifted for c in features)
        share = n_drifted / len(features) if features else 0.0
        logger.info("drift: %d of %d feature columns drifted (share %.3f, correction %s)",
                    n_drifted, len(features), share, self.correction)
        return DriftResult(
            columns=features,
            prediction=outputs,
            n_columns=len(features),
            n_drifted=n_drifted,
            share_drifted=share,
            dataset_drift=bool(features) and share >= self.drift_share,
            drift_share_threshold=float(self.drift_share),
            correction=self.correction,
            n_reference=self.n_reference_,
            n_current=_n_rows(data),
        )

    # ------------------------------------------------------------------------------------
    def _jobs(self, data: Any) -> int:
        if _n_rows(data) < _PARALLEL_MIN_ROWS or not isinstance(data, ValidatedData):
            return 1
        if self.n_jobs is None:
            from rai._threads import free_cores

            return free_cores()
        from rai._cpu import usable_cores

        return min(self.n_jobs, usable_cores())

    def _compare(self, ref: _RefColumn, cur: Summary) -> _Row:
        r = ref.summary
        method = self._method_for(ref.name) or default_method(r, cur, ref.kind)
        threshold = self._threshold_for(ref.name, method)
        statistic: float | None = None
        p_value: float | None = None
        psi: float | None = None
        empty_current = cur.n == 0 and r.n > 0
        if r.n and cur.n:
            statistic, p_value = run(method, r, cur, ref.kind)
            psi_edges = None if self.psi_bins == "sturges" else ref.psi_edges
            psi = psi_stat(r, cur, ref.kind, psi_edges)[0]
        distribution = _distribution(ref, cur, self.max_categories) if (r.n or cur.n) else None
        return _Row(
            column=ref.name,
            role=ref.role,
            kind=ref.kind,
            method=method,
            statistic=_finite_or_none(statistic),
            p_value=_finite_or_none(p_value),
            threshold=threshold,
            psi=_finite_or_none(psi),
            empty_current=empty_current,
            n_reference=r.n,
            n_current=cur.n,
            distribution=distribution,
            infinite=(r.n_infinite, r.n + r.n_missing, cur.n_infinite, cur.n + cur.n_missing),
        )

    def _decide(self, rows: list[_Row]) -> list[ColumnDrift]:
        tested = [i for i, row in enumerate(rows) if STATTESTS[row.method].kind == "p_value" and row.p_value is not None]
        adjusted: dict[int, float] = {}
        if self.correction == "bh" and tested:
            from scipy import stats

            ps = np.array([rows[i].p_value for i in tested], dtype=np.float64)
            adjusted = dict(zip(tested, stats.false_discovery_control(ps, method="bh").tolist()))
        out = []
        for i, row in enumerate(rows):
            test = STATTESTS[row.method]
            if row.statistic is None and row.p_value is None:
                drifted = row.empty_current
            elif test.kind == "p_value":
                score = adjusted.get(i, row.p_value) if self.correction == "bh" else row.p_value
                drifted = score is not None and test.drifted(score, row.threshold)
            else:
                drifted = row.statistic is not None and test.drifted(row.statistic, row.threshold)
            inf_ref, rows_ref, inf_cur, rows_cur = row.infinite
            if inf_cur and inf_cur / max(rows_cur, 1) > inf_ref / max(rows_ref, 1) + self.infinite_tolerance:
                drifted = True  # infinite values the reference did not have, beyond the tolerance
            out.append(
                ColumnDrift(
                    column=row.column,
                    role=row.role,
                    column_type=row.kind,
                    method=row.method,
                    statistic=row.statistic,
                    threshold=row.threshold,
                    p_value=row.p_value,
                    p_value_adjusted=adjusted.get(i) if i in adjusted else None,
                    drifted=bool(drifted),
                    psi=row.psi,
                    n_reference=row.n_reference,
                    n_current=row.n_current,
                    distribution=row.distribution,
                    n_infinite_reference=inf_ref,
                    n_infinite_current=inf_cur,
                )
            )
        return out


@dataclasses.dataclass(frozen=True)
class _Row:
    column: str
    role: str
    kind: Kind
    method: str
    statistic: float | None
    p_value: float | None
    threshold: float
    psi: float | None
    empty_current: bool
    n_reference: int
    n_current: int
    distribution: Distribution | None
    #: (infinite in the reference, its rows, infinite in the current data, its rows)
    infinite: tuple[int, int, int, int] = (0, 0, 0, 0)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) and np.isfinite(value)


def _finite_or_none(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if np.isnan(value) else value  # inf stays (a category unseen in the reference); JSON writes it as null


# ----------------------------------------------------------------------------------------------
# inputs: ValidatedData or a profile


def _is_profile(data: Any) -> bool:
    return hasattr(data, "summary") and hasattr(data, "columns") and not isinstance(data, ValidatedData)


def _n_rows(data: Any) -> int:
    return int(data.n_rows)


def _data_name(data: Any) -> str:
    return getattr(data, "name", "data")


def _available_columns(data: Any) -> list[str]:
    if _is_profile(data):
        return list(data.columns)
    return [str(c) for c in data.frame.columns]


def _column_roles(reference: Any) -> list[tuple[str, str, Kind]]:
    """(column, role, kind) for the features and the output columns of the reference."""
    if _is_profile(reference):
        return [(name, reference.roles.get(name, "feature"), reference.kinds[name]) for name in reference.columns]
    out: list[tuple[str, str, Kind]] = [(c, "feature", reference.feature_types[c]) for c in reference.features]
    spec = reference.spec
    for role, column in (("prediction", spec.prediction), ("score", spec.score), ("target", spec.target)):
        if column is None or column not in reference.frame.columns:
            continue
        if role == "score" or reference.task == "regression":
            kind: Kind = "numeric"
        elif reference.task in ("binary", "multiclass"):
            kind = "categorical"
        else:
            kind = _infer_feature_type(reference.frame[column])
        out.append((column, role, kind))
    return out


def _summaries(data: Any, columns: list[tuple[str, Kind]], n_jobs: int) -> dict[str, Summary]:
    if _is_profile(data):
        return {name: data.summary(name) for name, _ in columns}
    if not isinstance(data, ValidatedData):  # a bare table-like object: nothing to share the summaries with
        frame = data.frame

        def one(item: tuple[str, Kind]) -> tuple[str, Summary]:
            name, kind = item
            series = frame[name]
            return name, summarize_numeric(series) if kind == "numeric" else summarize_categorical(series)
    else:
        def one(item: tuple[str, Kind]) -> tuple[str, Summary]:
            return item[0], column_summary(data, *item)

    if n_jobs > 1 and len(columns) > 1:
        with ThreadPoolExecutor(max_workers=n_jobs) as pool:
            return dict(pool.map(one, columns))
    return dict(map(one, columns))


# ----------------------------------------------------------------------------------------------
# charts


def _chart_edges(summary: Summary, n_bins: int) -> np.ndarray:
    lo, hi = summary.min, summary.max
    if lo == hi:
        return np.array([lo - 0.5, hi + 0.5])
    return np.linspace(lo, hi, n_bins + 1)


def _hist_closed(summary: Summary, edges: np.ndarray) -> list[int]:
    if summary.n == 0:
        return [0] * (edges.size - 1)
    if summary.counts is None:
        v = summary.values
        pos = np.searchsorted(v, edges, side="left")
        counts = np.diff(pos)
        counts[-1] += np.searchsorted(v, edges[-1], side="right") - pos[-1]
        return [int(c) for c in counts]
    return [int(c) for c in np.rint(np.histogram(summary.values, edges, weights=summary.counts.astype(np.float64))[0])]


def _distribution(ref: _RefColumn, cur: Summary, max_categories: int) -> Distribution:
    r = ref.summary
    if ref.kind == "numeric":
        edges = ref.chart_edges if ref.chart_edges is not None else _chart_edges(cur, 20)
        if cur.n:
            if cur.min < edges[0]:
                edges = np.r_[cur.min, edges]
            if cur.max > edges[-1]:
                edges = np.r_[edges, cur.max]
        return Distribution(
            kind="numeric",
            edges=[float(e) for e in edges],
            categories=[],
            reference_counts=_hist_closed(r, edges),
            current_counts=_hist_closed(cur, edges),
        )
    rv, rc = r.as_counts()
    cv, cc = cur.as_counts()
    ref_counts = dict(zip(rv.tolist(), rc.tolist()))
    cur_counts = dict(zip(cv.tolist(), cc.tolist()))
    labels = sorted(set(ref_counts) | set(cur_counts), key=lambda k: (-(ref_counts.get(k, 0) + cur_counts.get(k, 0)), str(k)))
    shown, rest = labels[:max_categories], labels[max_categories:]
    categories = [str(k) for k in shown]
    reference_counts = [int(ref_counts.get(k, 0)) for k in shown]
    current_counts = [int(cur_counts.get(k, 0)) for k in shown]
    if rest:
        categories.append(OTHER_CATEGORY)
        reference_counts.append(int(sum(ref_counts.get(k, 0) for k in rest)))
        current_counts.append(int(sum(cur_counts.get(k, 0) for k in rest)))
    return Distribution(kind="categorical", edges=[], categories=categories,
                        reference_counts=reference_counts, current_counts=current_counts)
