"""Drift statistics as pure functions over column summaries, with evidently 0.7's semantics.

A :class:`Summary` is what the statistics need to know about one column of one table: its
non-missing, finite values either as raw sorted values or as exact counts of distinct values
(numeric), or as counts of category labels (categorical). Summaries are built from raw columns
(:func:`summarize_numeric`, :func:`summarize_categorical`) or from a stored profile
(``rai._profile``), so every statistic is written once and gives the same number on both paths.

The registry :data:`STATTESTS` maps evidently's method names to what evidently 0.7 does
(``evidently/legacy/calculations/stattests``):

==============  =========================================  ============  ==================
name            statistic (``score`` compared)             default thr.  drifted when
==============  =========================================  ============  ==================
ks              two-sample Kolmogorov-Smirnov (p-value)    0.05          p <= threshold
chisquare       chi-squared on category counts (p-value)   0.05          p <  threshold
z               two-proportion Z-test (p-value)            0.05          p <  threshold
wasserstein     Wasserstein-1 / std(reference)             0.1           d >= threshold
jensenshannon   Jensen-Shannon distance (natural log)      0.1           d >= threshold
psi             population stability index                0.1           d >= threshold
==============  =========================================  ============  ==================

:func:`default_method` is evidently's ``_get_default_stattest``: with at most 1000 non-missing
reference values, KS for numeric columns and chi-squared for categorical ones, Z-test when the
two tables together hold at most two distinct values (and chi-squared for numeric columns with
3 to 5); above 1000, normed Wasserstein for numeric columns and Jensen-Shannon for categorical
ones and for numeric columns with at most 5 distinct values.

Known property of evidently's ``chisquare`` (kept, since decisions must equal evidently's):
it is a goodness-of-fit test of the current counts against the reference *proportions taken
as exact*, not a two-sample test, so when the reference is small (it is only used for at most
1000 reference values) it reports drift more often than its nominal level, and a category
absent from the reference gives an infinite statistic and a p-value of 0. The Benjamini-
Hochberg correction of ``DriftAnalyzer`` does not change that; ``methods={"col": "z"}`` (binary)
or ``"jensenshannon"`` are alternatives.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import warnings
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import pandas as pd

__all__ = [
    "STATTESTS",
    "StatTest",
    "Summary",
    "binned_percents",
    "default_method",
    "psi_from_percents",
    "quantile_edges",
    "summarize_categorical",
    "summarize_numeric",
]

Kind = Literal["numeric", "categorical"]

#: Largest reference size for which evidently picks the statistical tests (KS, chi-squared, Z).
SMALL_REFERENCE = 1000
#: evidently bins a numeric column by value (not by range) when the reference has at most this many distinct values.
VALUE_BINNING_MAX_UNIQUE = 20
#: Integer-valued columns whose range is at most this wide are counted with ``np.bincount``.
_BINCOUNT_MAX_RANGE = 1 << 20


@dataclasses.dataclass(frozen=True, eq=False)
class Summary:
    """The non-missing (finite) values of one column, exactly.

    ``values`` are sorted; with ``counts=None`` each entry is one row (raw values), otherwise
    ``values`` are distinct and ``counts`` their frequencies. Categorical ``values`` are string
    labels. ``n_missing`` counts missing (and, for numeric columns, infinite) entries, which
    evidently drops before testing.
    """

    kind: Kind
    values: np.ndarray
    counts: np.ndarray | None
    n_missing: int = 0
    #: ``False`` when ``values`` / ``counts`` only approximate the column (a profile's binned
    #: sketch): then ``n_distinct`` and ``exact_std`` carry the exact figures the sketch cannot.
    exact: bool = True
    n_distinct: int | None = None
    exact_std: float | None = None
    exact_min: float | None = None
    exact_max: float | None = None
    #: For a sketch: the upper boundary of the bucket each entry of ``values`` stands for.
    upper: np.ndarray | None = None
    #: Of ``n_missing``, the +inf / -inf entries of a numeric column (reported, and judged, apart).
    n_infinite: int = 0

    @property
    def n(self) -> int:
        return int(self.values.size if self.counts is None else self.counts.sum())

    def as_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """Distinct values (sorted) and their counts."""
        if self.counts is not None:
            return self.values, self.counts
        v = self.values
        if v.size == 0:
            return v, np.zeros(0, dtype=np.int64)
        starts = np.flatnonzero(np.r_[True, v[1:] != v[:-1]])
        counts = np.diff(np.r_[starts, v.size]).astype(np.int64)
        return v[starts], counts

    @functools.cached_property
    def n_unique(self) -> int:
        if self.n_distinct is not None:
            return self.n_distinct
        if self.counts is not None:
            return int(self.values.size)
        v = self.values
        return 0 if v.size == 0 else int(np.count_nonzero(v[1:] != v[:-1]) + 1)

    def to_array(self) -> np.ndarray:
        """One entry per row (sorted); what scipy's KS test takes."""
        if self.counts is None:
            return self.values
        return np.repeat(self.values, self.counts)

    def std(self) -> float:
        """Population standard deviation (``ddof=0``, as ``np.std``)."""
        if self.exact_std is not None:
            return self.exact_std
        if self.counts is None:
            return float(np.std(self.values))
        w = self.counts.astype(np.float64)
        mean = float(np.dot(self.values, w) / w.sum())
        return float(math.sqrt(np.dot((self.values - mean) ** 2, w) / w.sum()))

    @property
    def min(self) -> float:
        return float(self.values[0]) if self.exact_min is None else self.exact_min

    @property
    def max(self) -> float:
        return float(self.values[-1]) if self.exact_max is None else self.exact_max


def summarize_numeric(column: pd.Series | np.ndarray) -> Summary:
    """Summary of a numeric column: drop missing and infinite values, then count or sort.

    Integer-valued columns with a small range are counted with ``np.bincount`` (linear time);
    others are sorted.
    """
    x = _as_numeric_array(column)
    if x.dtype.kind in "iu":
        finite = x
        n_missing = 0
    else:
        x = x.astype(np.float64, copy=False)
        mask = np.isfinite(x)
        n_missing = int(x.size - np.count_nonzero(mask))
        finite = x if n_missing == 0 else x[mask]
    n_infinite = int(np.count_nonzero(np.isinf(x))) if n_missing else 0
    if finite.size == 0:
        return Summary("numeric", np.zeros(0), None, n_missing, n_infinite=n_infinite)
    lo, hi = finite.min(), finite.max()
    if finite.dtype.kind in "iu":
        integral = True
    else:
        head = finite[:1024]  # most continuous columns show a fraction in their first values
        integral = bool(
            abs(lo) < 2**52 and abs(hi) < 2**52 and np.array_equal(head, np.floor(head))
            and np.array_equal(finite, np.floor(finite))
        )
    if integral and float(hi) - float(lo) <= _BINCOUNT_MAX_RANGE and float(hi) - float(lo) <= 4 * finite.size:
        offset = (finite - lo).astype(np.int64)
        counts = np.bincount(offset)
        nz = np.flatnonzero(counts)
        values = nz.astype(np.float64) + float(lo)
        return Summary("numeric", values, counts[nz].astype(np.int64), n_missing, n_infinite=n_infinite)
    return Summary("numeric", np.sort(finite.astype(np.float64, copy=False)), None, n_missing, n_infinite=n_infinite)


def _as_numeric_array(column: pd.Series | np.ndarray) -> np.ndarray:
    if not isinstance(column, pd.Series):
        x = np.asarray(column)
        return x if x.dtype.kind in "iuf" else x.astype(np.float64)
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        return pd.to_numeric(column.astype(object), errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    if pd.api.types.is_extension_array_dtype(dtype):
        return column.to_numpy(dtype=np.float64, na_value=np.nan)
    return column.to_numpy()


def label_values(values: Any) -> np.ndarray:
    """String labels of category values: ``1``, ``1.0`` and ``"1"`` name the same category."""
    out = []
    for v in values:
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            out.append(str(int(v)))
        elif isinstance(v, (bool, np.bool_)):
            out.append(str(bool(v)))
        else:
            out.append(str(v))
    return np.asarray(out, dtype=object)


def summarize_categorical(column: pd.Series) -> Summary:
    """Summary of a categorical column: counts per label, missing values dropped."""
    try:
        vc = column.value_counts(dropna=True, sort=False)
    except TypeError:  # unhashable cells (lists, dicts): count their text
        vc = column.astype(str).where(column.notna()).value_counts(dropna=True, sort=False)
    n_missing = len(column) - int(vc.sum())  # value_counts counts every non-missing value
    vc = vc[vc.to_numpy() > 0]  # pandas categoricals list unused categories with a zero count
    labels = label_values(vc.index)
    counts = vc.to_numpy().astype(np.int64)
    if len(set(labels)) != labels.size:  # two raw values with one label (1 and "1"): add them up
        merged = pd.Series(counts).groupby(labels).sum()
        labels, counts = merged.index.to_numpy(dtype=object), merged.to_numpy().astype(np.int64)
    order = np.argsort(labels.astype(str), kind="stable")
    return Summary("categorical", labels[order], counts[order], n_missing)


# ---------------------------------------------------------------------------------------------
# method choice


def default_method(reference: Summary, current: Summary, kind: Kind) -> str:
    """evidently 0.7's ``_get_default_stattest`` for a numeric or categorical column."""
    n_values = n_union(reference, current, cap=5)
    if reference.n <= SMALL_REFERENCE:
        if kind == "numeric" and n_values > 5:
            return "ks"
        return "chisquare" if n_values > 2 else "z"
    if kind == "numeric" and n_values > 5:
        return "wasserstein"
    return "jensenshannon"


def n_union(reference: Summary, current: Summary, *, cap: int | None = None) -> int:
    """Distinct values over both tables; with ``cap``, any count above ``cap`` may be returned as is."""
    if cap is not None and (reference.n_unique > cap or current.n_unique > cap):
        return max(reference.n_unique, current.n_unique)
    rv, _ = reference.as_counts()
    cv, _ = current.as_counts()
    return int(pd.Index(rv).union(pd.Index(cv)).size)


# ---------------------------------------------------------------------------------------------
# the statistics; each returns (statistic, p_value or None)


def _aligned_counts(reference: Summary, current: Summary) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rv, rc = reference.as_counts()
    cv, cc = current.as_counts()
    keys = pd.Index(rv).union(pd.Index(cv))
    r = np.zeros(keys.size, dtype=np.int64)
    c = np.zeros(keys.size, dtype=np.int64)
    r[keys.get_indexer(rv)] = rc
    c[keys.get_indexer(cv)] = cc
    return keys.to_numpy(), r, c


def ks(reference: Summary, current: Summary) -> tuple[float, float]:
    """Two-sided two-sample KS test (scipy's ``ks_2samp``, method ``auto``): (D, p-value)."""
    with warnings.catch_warnings():
        # scipy falls back from the exact to the asymptotic p-value on large samples, as in evidently
        warnings.filterwarnings("ignore", "ks_2samp: Exact calculation unsuccessful", RuntimeWarning)
        from scipy import stats  # scipy.stats takes longer to import than a large drift check: only when a test runs

        res = stats.ks_2samp(reference.to_array(), current.to_array())
    return float(res.statistic), float(res.pvalue)


def chisquare(reference: Summary, current: Summary) -> tuple[float, float]:
    """Chi-squared goodness of fit of the current counts to the reference proportions."""
    _, r, c = _aligned_counts(reference, current)
    k_norm = current.n / reference.n
    f_exp = r * k_norm
    from scipy import stats

    with np.errstate(divide="ignore", invalid="ignore"):
        res = stats.chisquare(c, f_exp)
    return float(res.statistic), float(res.pvalue)


def z(reference: Summary, current: Summary) -> tuple[float, float]:
    """Two-proportion Z-test on "first value (sorted) vs the rest", as evidently (normal approximation)."""
    keys, r, c = _aligned_counts(reference, current)
    if keys.size == 1:
        return 0.0, 1.0
    n1, n2 = reference.n, current.n
    p1 = float(n1 - r[0]) / n1
    p2 = float(n2 - c[0]) / n2
    pooled = float(p1 * n1 + p2 * n2) / (n1 + n2)
    z_stat = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
    from scipy import stats

    p_value = 2 * (1 - stats.norm.cdf(np.abs(z_stat)))
    return float(z_stat), float(p_value)


def wasserstein_distance(reference: Summary, current: Summary) -> float:
    """Wasserstein-1 distance between the two empirical distributions (exact).

    Raw sorted values: the integral of |quantile difference| over the merged quantile grid,
    in linear time without sorting. Counted values: the integral of |CDF difference|.
    """
    nu, nv = reference.n, current.n
    if reference.counts is None and current.counts is None and float(nu) * float(nv) < 2.0**62:
        return _w1_sorted(reference.values, current.values)
    uv, uc = (reference.values, None) if reference.counts is None else reference.as_counts()
    vv, vc = (current.values, None) if current.counts is None else current.as_counts()
    nu, nv = reference.n, current.n
    allv = np.concatenate([uv, vv])
    order = np.argsort(allv, kind="stable")  # both halves are sorted: a linear merge
    x = allv[order]
    # integer CDF differences scaled by nu * nv, exact
    wu = np.full(uv.size, nv, dtype=np.int64) if uc is None else uc.astype(np.int64) * nv
    wv = np.full(vv.size, -nu, dtype=np.int64) if vc is None else vc.astype(np.int64) * -nu
    cdf_diff = np.cumsum(np.concatenate([wu, wv])[order])
    return float(np.dot(np.abs(cdf_diff[:-1]).astype(np.float64), np.diff(x)) / (float(nu) * float(nv)))


def _w1_sorted(u: np.ndarray, v: np.ndarray) -> float:
    """W1 of two sorted samples: sum over the merged grid {i/n} U {j/m} of |u_q - v_q| dt."""
    n, m = u.size, v.size
    if n == m:
        return float(np.mean(np.abs(u - v)))
    # breakpoints on the integer scale L = n * m: u's at i * m (i = 1..n), v's at j * n (j = 1..m);
    # each one's rank in the merged order is known in closed form (ties: u first)
    i = np.arange(1, n + 1, dtype=np.int64)
    j = np.arange(1, m + 1, dtype=np.int64)
    t = np.empty(n + m, dtype=np.int64)
    t[(i - 1) + (i * m - 1) // n] = i * m
    t[(j - 1) + (j * n) // m] = j * n
    dt = np.diff(t, prepend=0)
    iu = (t + m - 1) // m - 1  # the quantile interval (t - dt, t] lies in u's step iu and v's step iv
    iv = (t + n - 1) // n - 1
    return float(np.dot(dt.astype(np.float64), np.abs(u[iu] - v[iv])) / (float(n) * float(m)))


def wasserstein(reference: Summary, current: Summary) -> tuple[float, None]:
    """Wasserstein-1 distance normed by the reference standard deviation (at least 0.001)."""
    norm = max(reference.std(), 0.001)
    return wasserstein_distance(reference, current) / norm, None


def sturges_edges(lo: float, hi: float, n: int) -> np.ndarray:
    """``np.histogram_bin_edges(data, bins="sturges")`` from the data's min, max and size."""
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
        return np.linspace(lo, hi, 2)
    width = (hi - lo) / (np.log2(n) + 1.0)
    n_bins = int(np.ceil((hi - lo) / width))
    return np.linspace(lo, hi, n_bins + 1, endpoint=True)


def _hist(summary: Summary, edges: np.ndarray) -> np.ndarray:
    """Counts per bin, numpy's rule (right edge closed on the last bin)."""
    v, c = summary.as_counts() if summary.counts is not None else (summary.values, None)
    if c is None:  # sorted raw values: count by searching the edges
        pos = np.searchsorted(v, edges, side="left")
        counts = np.diff(pos).astype(np.float64)
        counts[-1] += np.searchsorted(v, edges[-1], side="right") - pos[-1]
        return counts
    return np.histogram(v, edges, weights=c.astype(np.float64))[0]


def binned_percents(
    reference: Summary,
    current: Summary,
    kind: Kind,
    *,
    fill_zeroes: bool,
    edges: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """evidently's ``get_binned_data``: shares per bin (numeric, > 20 distinct reference values) or per value.

    Numeric bins are Sturges bins over both tables, unless ``edges`` (inner cut points of
    reference-defined bins, open at both ends) are given. With ``fill_zeroes`` empty bins get a
    small share, as evidently does for PSI.
    """
    if kind == "numeric" and reference.n_unique > VALUE_BINNING_MAX_UNIQUE:
        if edges is None:
            bins = sturges_edges(min(reference.min, current.min), max(reference.max, current.max), reference.n + current.n)
            rp = _hist(reference, bins) / reference.n
            cp = _hist(current, bins) / current.n
        else:
            rp = _open_hist(reference, edges) / reference.n
            cp = _open_hist(current, edges) / current.n
    else:
        _, r, c = _aligned_counts(reference, current)
        rp = r / reference.n
        cp = c / current.n
    if fill_zeroes:
        rp, cp = _fill_zeroes(rp), _fill_zeroes(cp)
    return rp, cp


def _open_hist(summary: Summary, inner_edges: np.ndarray) -> np.ndarray:
    """Counts in the bins (-inf, e1], (e1, e2], ..., (ek, inf)."""
    if summary.counts is None:
        pos = np.searchsorted(summary.values, inner_edges, side="right")
        return np.diff(np.r_[0, pos, summary.values.size]).astype(np.float64)
    idx = np.searchsorted(inner_edges, summary.values, side="left")
    return np.bincount(idx, weights=summary.counts.astype(np.float64), minlength=inner_edges.size + 1)


def _fill_zeroes(p: np.ndarray) -> np.ndarray:
    p = p.astype(np.float64).copy()
    nonzero = p[p != 0]
    if nonzero.size == 0:
        return p
    smallest = nonzero.min()
    np.place(p, p == 0, smallest / 10**6 if smallest <= 0.0001 else 0.0001)
    return p


def jensenshannon(reference: Summary, current: Summary, kind: Kind = "categorical") -> tuple[float, None]:
    """Jensen-Shannon distance (natural log) between the binned shares."""
    rp, cp = binned_percents(reference, current, kind, fill_zeroes=False)
    # scipy.spatial.distance.jensenshannon's formula (natural log), written out: importing
    # scipy.spatial takes longer than a drift check of a million rows
    p, q = rp / rp.sum(), cp / cp.sum()
    m = (p + q) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        js = np.sum(np.where(p > 0, p * np.log(p / m), 0.0)) + np.sum(np.where(q > 0, q * np.log(q / m), 0.0))
    return float(np.sqrt(max(js, 0.0) / 2)), None


def psi_from_percents(rp: np.ndarray, cp: np.ndarray) -> float:
    return float(np.sum((rp - cp) * np.log(rp / cp)))


def psi(reference: Summary, current: Summary, kind: Kind = "categorical", edges: np.ndarray | None = None) -> tuple[float, None]:
    """Population stability index on evidently's bins (or on reference-defined ``edges``)."""
    rp, cp = binned_percents(reference, current, kind, fill_zeroes=True, edges=edges)
    return psi_from_percents(rp, cp), None


def quantile_edges(summary: Summary, n_bins: int) -> np.ndarray:
    """Inner cut points of ``n_bins`` equal-frequency bins of the reference (inverted-CDF quantiles).

    Computed from exact counts, so raw data and a profile with exact counts give the same edges.
    Repeated cut points are merged.
    """
    if summary.counts is None and summary.exact:  # raw sorted values: the k-th quantile is values[ceil(k n / B) - 1]
        v = summary.values
        if v.size == 0:
            return np.zeros(0)
        idx = np.ceil(np.arange(1, n_bins) * (v.size / n_bins)).astype(np.int64) - 1
        edges = np.unique(v[np.clip(idx, 0, v.size - 1)])
        return edges[edges < v[-1]]
    v, c = summary.as_counts()
    if v.size == 0:
        return np.zeros(0)
    cum = np.cumsum(c)
    targets = np.arange(1, n_bins) * (cum[-1] / n_bins)
    idx = np.minimum(np.searchsorted(cum, targets, side="left"), v.size - 1)
    if summary.upper is not None:  # a sketch: cut at bucket boundaries, so every bucket lies in one bin
        edges = np.unique(summary.upper[idx])
        return edges[edges < summary.max]
    edges = np.unique(v[idx])
    return edges[edges < v[-1]]


# ---------------------------------------------------------------------------------------------
# registry


@dataclasses.dataclass(frozen=True)
class StatTest:
    """One drift method: what it computes and how its score is judged (evidently's rule)."""

    name: str
    display_name: str
    kind: Literal["p_value", "distance"]
    default_threshold: float
    column_types: tuple[str, ...]
    func: Callable[..., tuple[float, float | None]]
    inclusive: bool

    def drifted(self, score: float, threshold: float) -> bool:
        """``score`` is the p-value for tests and the statistic for distances."""
        if self.kind == "p_value":
            return bool(score <= threshold) if self.inclusive else bool(score < threshold)
        return bool(score >= threshold)


STATTESTS: dict[str, StatTest] = {
    "ks": StatTest("ks", "K-S p_value", "p_value", 0.05, ("numeric",), ks, inclusive=True),
    "chisquare": StatTest("chisquare", "chi-square p_value", "p_value", 0.05, ("categorical", "numeric"), chisquare, inclusive=False),
    "z": StatTest("z", "Z-test p_value", "p_value", 0.05, ("categorical", "numeric"), z, inclusive=False),
    "wasserstein": StatTest("wasserstein", "Wasserstein distance (normed)", "distance", 0.1, ("numeric",), wasserstein, inclusive=True),
    "jensenshannon": StatTest(
        "jensenshannon", "Jensen-Shannon distance", "distance", 0.1, ("categorical", "numeric"), jensenshannon, inclusive=True
    ),
    "psi": StatTest("psi", "PSI", "distance", 0.1, ("categorical", "numeric"), psi, inclusive=True),
}


def run(method: str, reference: Summary, current: Summary, kind: Kind) -> tuple[float, float | None]:
    """Compute ``method`` on two summaries: (statistic, p-value or None)."""
    test = STATTESTS[method]
    if method in ("jensenshannon", "psi"):
        return test.func(reference, current, kind)
    return test.func(reference, current)
