"""Decisions: a policy meets an assessment (and optionally a baseline) and gives a verdict.

Per number a check names (one, or one per group / column / feature when a qualifier is
omitted), the outcome is:

- ``insufficient evidence`` when the value is null or a group it depends on is marked
  insufficient (in the assessment or in the baseline), or the baseline has no value for it;
- otherwise ``pass`` / ``fail``: on the point estimate (``decide_on: point``), or on the
  confidence interval (``decide_on: ci``: fail only when no value in the interval meets the
  bound; a number without an interval is decided on its point estimate, and the reason says so).

A check's outcome is ``fail`` when any of its numbers fails, else ``insufficient evidence``
when any is, else ``pass``; ``skipped`` when it needs a baseline and none was given. Its
*effect* on the verdict follows ``severity`` and ``on_insufficient``: a failing ``error`` check
fails the gate (exit 1); a failing ``warn`` check only warns.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
from typing import Any

from rai.gate._paths import AbsentSection, Measurement, iter_metrics, resolve
from rai.gate._policy import Check, Policy

__all__ = [
    "Bound",
    "MeasuredOutcome",
    "CheckResult",
    "ComparisonRow",
    "Verdict",
    "evaluate",
    "compare",
    "PASS",
    "FAIL",
    "INSUFFICIENT",
    "SKIPPED",
]

PASS = "pass"
FAIL = "fail"
INSUFFICIENT = "insufficient evidence"
SKIPPED = "skipped"

#: Relative tolerance of comparisons, so floating-point rounding (0.85 - 0.01) never flips a verdict.
_RTOL = 1e-9


def fmt(value: Any) -> str:
    """A number for people: 4 significant digits, integers in full, booleans and null as words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.4g}"
    return str(value)


def fmt_interval(low: Any, high: Any) -> str:
    if low is None or high is None:
        return "-"
    return f"[{fmt(low)}, {fmt(high)}]"


@dataclasses.dataclass(frozen=True)
class Bound:
    """The condition a value must meet: ``value op threshold`` (``==`` / ``!=`` within ``tolerance``)."""

    op: str
    threshold: float | bool
    tolerance: float = 0.0
    #: the baseline value and tolerance this bound was derived from, for display
    baseline: float | bool | None = None
    baseline_tolerance: float | None = None

    def _eps(self) -> float:
        return _RTOL * max(1.0, abs(float(self.threshold)))

    def holds(self, x: float) -> bool:
        t, eps = float(self.threshold), self._eps()
        if self.op == ">=":
            return x >= t - eps
        if self.op == ">":
            return x > t
        if self.op == "<=":
            return x <= t + eps
        if self.op == "<":
            return x < t
        if self.op == "==":
            return abs(x - t) <= self.tolerance + eps
        return abs(x - t) > self.tolerance + eps  # !=

    def reachable(self, low: float, high: float) -> bool:
        """Whether some value in ``[low, high]`` meets the bound."""
        t, eps = float(self.threshold), self._eps()
        if self.op == ">=":
            return high >= t - eps
        if self.op == ">":
            return high > t
        if self.op == "<=":
            return low <= t + eps
        if self.op == "<":
            return low < t
        if self.op == "==":
            return high >= t - self.tolerance - eps and low <= t + self.tolerance + eps
        return not (low >= t - self.tolerance - eps and high <= t + self.tolerance + eps)  # !=

    def margin(self, x: float) -> float:
        """How far ``x`` is on the right side of the bound (negative: on the wrong side)."""
        t = float(self.threshold)
        if self.op in (">=", ">"):
            return x - t
        if self.op in ("<=", "<"):
            return t - x
        if self.op == "==":
            return self.tolerance - abs(x - t)
        return abs(x - t) - self.tolerance

    def text(self) -> str:
        if self.baseline is not None:
            if self.op == "==":
                return f"within {fmt(self.baseline_tolerance)} of baseline {fmt(self.baseline)}"
            sign = "-" if self.op in (">=", ">") else "+"
            return f"{self.op} {fmt(self.threshold)} (baseline {fmt(self.baseline)} {sign} {fmt(self.baseline_tolerance)})"
        return f"{self.op} {fmt(self.threshold)}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"op": self.op, "threshold": self.threshold}
        if self.baseline is not None:
            out.update(baseline=self.baseline, baseline_tolerance=self.baseline_tolerance)
        elif self.tolerance:
            out["tolerance"] = self.tolerance
        return out


def _bound_from_baseline(check: Check, base: float | bool) -> Bound:
    tol = float(check.baseline_tolerance or 0.0)
    b = float(base)
    if check.op in (">=", ">"):
        return Bound(check.op, b - tol, baseline=base, baseline_tolerance=tol)
    if check.op in ("<=", "<"):
        return Bound(check.op, b + tol, baseline=base, baseline_tolerance=tol)
    return Bound("==", b, tolerance=tol, baseline=base, baseline_tolerance=tol)


@dataclasses.dataclass(frozen=True)
class MeasuredOutcome:
    """The decision on one number of a check."""

    measurement: Measurement
    outcome: str
    reason: str
    bound: Bound | None
    baseline: Measurement | None = None

    @property
    def margin(self) -> float | None:
        v = self.measurement.value
        if self.bound is None or v is None:
            return None
        return self.bound.margin(float(v))

    def to_dict(self) -> dict[str, Any]:
        out = self.measurement.to_dict()
        out.update(outcome=self.outcome, reason=self.reason, bound=None if self.bound is None else self.bound.to_dict())
        if self.baseline is not None:
            b = self.baseline
            out["baseline"] = {"value": b.value, "interval": [b.low, b.high] if b.has_interval else None}
        return out


def _decide_one(check: Check, m: Measurement, bound: Bound | None, base: Measurement | None, has_baseline: bool) -> MeasuredOutcome:
    if check.uses_baseline and not has_baseline:
        return MeasuredOutcome(m, SKIPPED, "needs a baseline assessment (--baseline); none given", None)
    if m.insufficient or (base is not None and base.insufficient):
        why = m.reason if m.insufficient else f"in the baseline: {base.reason}"  # type: ignore[union-attr]
        return MeasuredOutcome(m, INSUFFICIENT, why or "too little evidence to judge it", bound, base)
    if m.value is None:
        return MeasuredOutcome(m, INSUFFICIENT, "the value could not be computed (null in the assessment)", bound, base)
    if check.uses_baseline and (base is None or base.value is None):
        why = "the baseline has no value for it" if base is None else "the baseline value is null"
        return MeasuredOutcome(m, INSUFFICIENT, why, None, base)
    assert bound is not None
    value = float(m.value)
    point_ok = bound.holds(value)
    if check.decide_on == "ci":
        if not m.has_interval:
            note = "no interval in the assessment, decided on the point estimate: "
            ok = point_ok
            text = f"{note}{fmt(m.value)} {'meets' if ok else 'fails'} {bound.text()}"
        else:
            ok = bound.reachable(float(m.low), float(m.high))  # type: ignore[arg-type]
            iv = fmt_interval(m.low, m.high)
            if ok and point_ok:
                text = f"{fmt(m.value)} {iv} meets {bound.text()}"
            elif ok:
                text = f"point {fmt(m.value)} fails {bound.text()} but its interval {iv} reaches it (decide_on: ci)"
            else:
                text = f"the whole interval {iv} fails {bound.text()} (point {fmt(m.value)})"
    else:
        ok = point_ok
        text = f"{fmt(m.value)} {'meets' if ok else 'fails'} {bound.text()}"
    return MeasuredOutcome(m, PASS if ok else FAIL, text, bound, base)


def _dedupe(sizes: list[Any]) -> list[Any]:
    seen, out = set(), []
    for s in sizes:
        if s.label not in seen:
            seen.add(s.label)
            out.append(s)
    return out


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """The outcome of one check, and its effect on the verdict (``pass``, ``fail``, ``warn``, ``skip``)."""

    check: Check
    outcome: str
    effect: str
    reason: str
    details: tuple[MeasuredOutcome, ...]

    @functools.cached_property
    def shown(self) -> MeasuredOutcome:
        """The number that decided the outcome: the worst failure, else an insufficient one, else the closest pass."""
        same = [d for d in self.details if d.outcome == self.outcome] or list(self.details)
        with_margin = [d for d in same if d.margin is not None]
        if with_margin:
            return min(with_margin, key=lambda d: d.margin)  # type: ignore[arg-type,return-value]
        return same[0]

    @functools.cached_property
    def sizes(self) -> list[Any]:
        return _dedupe([s for d in self.details for s in d.measurement.sizes])

    def to_dict(self) -> dict[str, Any]:
        shown = self.shown
        m = shown.measurement
        return {
            **self.check.to_dict(),
            "outcome": self.outcome,
            "effect": self.effect,
            "reason": self.reason,
            "value": m.value,
            "interval": [m.low, m.high] if m.has_interval else None,
            "bound": None if shown.bound is None else shown.bound.to_dict(),
            "sizes": [s.to_dict() for s in self.sizes],
            "measurements": [d.to_dict() for d in self.details],
        }


def _effect(check: Check, outcome: str) -> str:
    if outcome == PASS:
        return "pass"
    if outcome == SKIPPED:
        return "skip"
    if outcome == INSUFFICIENT:
        if check.on_insufficient == "pass":
            return "pass"
        if check.on_insufficient == "warn":
            return "warn"
    return "fail" if check.severity == "error" else "warn"


def _evaluate_check(check: Check, doc: dict[str, Any], base_doc: dict[str, Any] | None,
                    streams: tuple[list[Any], list[Any] | None]) -> CheckResult:
    measurements = resolve(doc, check, role="assessment", stream=streams[0])
    base_by_key: dict[tuple[str, ...], Measurement] = {}
    if check.uses_baseline and base_doc is not None:
        base_by_key = {b.key: b for b in resolve(base_doc, check, role="baseline assessment", stream=streams[1])}
    details = []
    for m in measurements:
        base = base_by_key.get(m.key) if check.uses_baseline else None
        if not check.uses_baseline:
            bound: Bound | None = Bound(check.op, check.threshold)  # type: ignore[arg-type]
        elif base is not None and base.value is not None:
            bound = _bound_from_baseline(check, base.value)
        else:
            bound = None
        details.append(_decide_one(check, m, bound, base, base_doc is not None))
    outcomes = {d.outcome for d in details}
    outcome = next(o for o in (FAIL, INSUFFICIENT, SKIPPED, PASS) if o in outcomes)
    result = CheckResult(check, outcome, _effect(check, outcome), "", tuple(details))
    shown = result.shown
    reason = shown.reason
    if len(details) > 1:
        n = sum(1 for d in details if d.outcome == outcome)
        reason = f"{shown.measurement.label}: {reason} ({n} of {len(details)} {'is' if n == 1 else 'are'} {outcome})"
    elif shown.measurement.label not in ("overall", "dataset", "table", "errors"):
        reason = f"{shown.measurement.label}: {reason}"
    return dataclasses.replace(result, reason=reason)


def _evaluate_or_skip(policy: Policy, check: Check, doc: dict[str, Any], base_doc: dict[str, Any] | None,
                      streams: tuple[list[Any], list[Any] | None]) -> CheckResult:
    try:
        return _evaluate_check(check, doc, base_doc, streams)
    except AbsentSection as exc:
        if policy.absent != "skip":
            raise
        why = str(exc).split(": ", 1)[-1]
        not_run = MeasuredOutcome(Measurement((), f"not in the {exc.section} result", None), SKIPPED, why, None)
        return CheckResult(check, SKIPPED, "skip", why, (not_run,))


@dataclasses.dataclass(frozen=True)
class ComparisonRow:
    """One number shared by the assessment and the baseline (the champion)."""

    path: str
    qualifiers: tuple[tuple[str, str], ...]
    baseline: float | bool | None
    baseline_low: float | None
    baseline_high: float | None
    value: float | bool | None
    low: float | None
    high: float | None
    headline: bool

    @property
    def label(self) -> str:
        quals = ", ".join(f"{k}={v}" for k, v in self.qualifiers)
        return f"{self.path} ({quals})" if quals else self.path

    @property
    def delta(self) -> float | None:
        if self.value is None or self.baseline is None:
            return None
        return float(self.value) - float(self.baseline)

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.path,
            **{k: v for k, v in self.qualifiers},
            "baseline": self.baseline,
            "baseline_interval": [self.baseline_low, self.baseline_high] if self.baseline_low is not None and self.baseline_high is not None else None,
            "value": self.value,
            "interval": [self.low, self.high] if self.low is not None and self.high is not None else None,
            "delta": self.delta,
        }


def compare(assessment: Any, baseline: Any, *, streams: tuple[list[Any], list[Any]] | None = None) -> list[ComparisonRow]:
    """Every number the two assessments share, side by side (headline numbers first)."""
    cur, base_stream = streams or (list(iter_metrics(_as_dict(assessment))), list(iter_metrics(_as_dict(baseline))))
    base = {m.key: m for m in base_stream}
    rows = []
    for m in cur:
        b = base.get(m.key)
        if b is None or (b.value is None and m.value is None):
            continue
        rows.append(ComparisonRow(m.path, m.qualifiers, b.value, b.ci_low, b.ci_high, m.value, m.ci_low, m.ci_high, m.headline))
    return sorted(rows, key=lambda r: not r.headline)


@dataclasses.dataclass(frozen=True)
class Verdict:
    """The gate's verdict: every check's result, and the champion comparison when a baseline was given."""

    policy: Policy
    results: tuple[CheckResult, ...]
    comparison: tuple[ComparisonRow, ...] | None = None
    assessment_source: str | None = None
    baseline_source: str | None = None
    assessment_info: dict[str, Any] = dataclasses.field(default_factory=dict)
    baseline_info: dict[str, Any] | None = None
    created_at: str = ""
    duration_s: float = 0.0

    @property
    def passed(self) -> bool:
        return not any(r.effect == "fail" for r in self.results)

    @property
    def status(self) -> str:
        return "passed" if self.passed else "failed"

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    @property
    def counts(self) -> dict[str, int]:
        by_outcome = {o: sum(1 for r in self.results if r.outcome == o) for o in (PASS, FAIL, INSUFFICIENT, SKIPPED)}
        return {
            "checks": len(self.results),
            "passed": by_outcome[PASS],
            "failed": by_outcome[FAIL],
            "insufficient": by_outcome[INSUFFICIENT],
            "skipped": by_outcome[SKIPPED],
            "blocking": sum(1 for r in self.results if r.effect == "fail"),
            "warnings": sum(1 for r in self.results if r.effect == "warn"),
        }

    def headline(self) -> str:
        c = self.counts
        if self.passed:
            text = f"Release gate passed: {c['passed']} of {c['checks']} checks passed"
        else:
            text = f"Release gate failed: {c['blocking']} of {c['checks']} checks block the release"
        extras = []
        if c["warnings"]:
            extras.append(f"{c['warnings']} warning{'s' if c['warnings'] != 1 else ''}")
        if c["insufficient"]:
            extras.append(f"{c['insufficient']} with insufficient evidence")
        if c["skipped"]:
            extras.append(f"{c['skipped']} skipped")
        return text + (f" ({', '.join(extras)})" if extras else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "rai-gate-verdict",
            "version": 1,
            "status": self.status,
            "exit_code": self.exit_code,
            "headline": self.headline(),
            "created_at": self.created_at,
            "policy": {"name": self.policy.name, "source": self.policy.source, "version": self.policy.version},
            "assessment": {"path": self.assessment_source, **self.assessment_info},
            "baseline": None if self.baseline_source is None and self.baseline_info is None else {"path": self.baseline_source, **(self.baseline_info or {})},
            "counts": self.counts,
            "checks": [r.to_dict() for r in self.results],
            "comparison": None if self.comparison is None else [r.to_dict() for r in self.comparison],
        }


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    from rai._exceptions import ConfigError

    raise ConfigError(f"an assessment must be an Assessment or its dict (assessment.json); got {type(value).__name__}.")


def _info(doc: dict[str, Any]) -> dict[str, Any]:
    prov = doc.get("provenance") if isinstance(doc.get("provenance"), dict) else {}
    model = doc.get("model") if isinstance(doc.get("model"), dict) else {}
    return {
        "created_at": prov.get("created_at"),
        "rai_version": prov.get("rai_version"),
        "data_sha256": prov.get("data_sha256"),
        "model_sha256": (model or {}).get("sha256") or prov.get("model_sha256"),
        "git_commit": prov.get("git_commit"),
        "n_rows": doc.get("n_rows"),
    }


def evaluate(
    policy: Policy,
    assessment: Any,
    *,
    baseline: Any = None,
    assessment_source: str | None = None,
    baseline_source: str | None = None,
) -> Verdict:
    """Decide every check of ``policy`` on ``assessment`` (an ``Assessment`` or its dict).

    Raises
    ------
    ConfigError
        When a check names a metric, group, column or feature absent from the assessment
        (or from the baseline, for checks relative to it).
    """
    import time

    start = time.perf_counter()
    doc = _as_dict(assessment)
    base_doc = None if baseline is None else _as_dict(baseline)
    # the metric stream of each document, read once: every check and the comparison use it
    streams = (list(iter_metrics(doc)), None if base_doc is None else list(iter_metrics(base_doc)))
    results = tuple(_evaluate_or_skip(policy, check, doc, base_doc, streams) for check in policy.checks)
    comparison = None if base_doc is None else tuple(compare(doc, base_doc, streams=streams))  # type: ignore[arg-type]
    return Verdict(
        policy=policy,
        results=results,
        comparison=comparison,
        assessment_source=assessment_source,
        baseline_source=baseline_source,
        assessment_info=_info(doc),
        baseline_info=None if base_doc is None else _info(base_doc),
        created_at=_dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat(),
        duration_s=time.perf_counter() - start,
    )
