"""Metric paths: the grammar that names every number of an assessment, and its resolution.

A path is dotted text; qualifiers on the check (``sensitive_feature``, ``group``, ``column``,
``feature``, ``method``) pick one number where a path names many. An omitted qualifier means
"every one": the check then holds for each of them (see ``docs/gate.md``).

======================================  ===========================================  ==================
path                                    number                                       qualifiers
======================================  ===========================================  ==================
performance.<metric>                    overall value (accuracy, roc_auc, f1, ...)   -
performance.n_rows                      rows assessed                                -
performance.by_group.<metric>           value in a group                             sensitive_feature, group
fairness.<name>.difference | .ratio     disparity across the groups of a feature     sensitive_feature
fairness.<name>.by_group                the group-level metric (selection_rate, ...)  sensitive_feature, group
drift.share_drifted | n_drifted |       dataset-level drift                          -
  dataset_drift | n_columns
drift.columns.<field>                   a feature column's drift figure              column
drift.columns.<column>.<field>          the same, column named in the path           -
drift.prediction.<field>                prediction / score / target drift            column
quality.duplicate_row_share |           table-level quality                          -
  duplicate_rows | n_rows | n_columns
quality.issues                          number of quality issues                     column
quality.columns.<field>                 a column's quality figure                    column
errors.worst_cohort.<field>             the cohort with the highest error rate       -
errors.cohorts.<field>                  every error cohort                           -
errors.<key>                            a top-level number of the errors result      -
explanations.rank_of                    rank of a feature in global importance       feature (required), method
explanations.importance_of              its global importance                        feature (required), method
explanations.share_of                   its share of the total importance            feature (required), method
======================================  ===========================================  ==================

``<field>`` of drift: statistic, p_value, p_value_adjusted, psi, drifted, threshold; of quality
columns: missing_share, n_missing, n_unique, constant, type_mismatch_count, out_of_range_count,
out_of_range_share, unseen_count; of error cohorts: error_rate, error_coverage, size, n_errors,
p_value. ``errors.worst_cohort`` is the cohort with the highest error rate (ties: the larger); no
cohort at all is insufficient evidence.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterator
from typing import Any

from rai._exceptions import ConfigError

__all__ = [
    "MetricPath",
    "Measurement",
    "Size",
    "parse_metric_path",
    "resolve",
    "iter_metrics",
    "ROOTS",
    "DRIFT_FIELDS",
    "QUALITY_COLUMN_FIELDS",
    "COHORT_FIELDS",
    "PATH_PATTERNS",
]

ROOTS = ("performance", "fairness", "drift", "quality", "errors", "explanations")
DRIFT_FIELDS = ("statistic", "p_value", "p_value_adjusted", "psi", "drifted", "threshold")
DRIFT_SCALARS = ("share_drifted", "n_drifted", "dataset_drift", "n_columns", "drift_share_threshold")
QUALITY_SCALARS = ("duplicate_row_share", "duplicate_rows", "n_rows", "n_columns")
QUALITY_COLUMN_FIELDS = (
    "missing_share",
    "n_missing",
    "n_unique",
    "constant",
    "type_mismatch_count",
    "out_of_range_count",
    "out_of_range_share",
    "unseen_count",
)
COHORT_FIELDS = ("error_rate", "error_coverage", "size", "n_errors", "p_value")
FAIRNESS_STATS = ("difference", "ratio", "by_group")
EXPLANATION_PATHS = ("rank_of", "importance_of", "share_of")

#: The grammar, for messages and documentation.
PATH_PATTERNS = (
    "performance.<metric>",
    "performance.by_group.<metric>",
    "fairness.<name>.difference",
    "fairness.<name>.ratio",
    "fairness.<name>.by_group",
    *(f"drift.{s}" for s in DRIFT_SCALARS),
    "drift.columns.<field>",
    "drift.columns.<column>.<field>",
    "drift.prediction.<field>",
    *(f"quality.{s}" for s in QUALITY_SCALARS),
    "quality.issues",
    "quality.columns.<field>",
    "errors.worst_cohort.<field>",
    "errors.cohorts.<field>",
    "errors.<key>",
    "explanations.rank_of",
    "explanations.importance_of",
    "explanations.share_of",
)

_QUALIFIERS = ("sensitive_feature", "group", "column", "feature", "method")


@dataclasses.dataclass(frozen=True)
class MetricPath:
    """A parsed metric path.

    ``kind`` is one of: ``performance``, ``performance.by_group``, ``fairness.disparity``,
    ``fairness.by_group``, ``drift.scalar``, ``drift.column``, ``quality.scalar``, ``quality.issues``,
    ``quality.column``, ``errors.worst_cohort``, ``errors.cohorts``, ``errors.scalar``,
    ``explanations``.
    """

    text: str
    kind: str
    #: metric / fairness name / scalar name / field
    name: str
    #: fairness statistic (difference, ratio, by_group), drift section (columns, prediction), explanation query
    part: str | None = None
    #: a column named inside the path (drift.columns.<column>.<field>)
    column: str | None = None
    allowed: tuple[str, ...] = ()
    required: tuple[str, ...] = ()

    def check_qualifiers(self, given: dict[str, str]) -> None:
        """Raise ``ConfigError`` when a qualifier does not apply to this path, or a required one is missing."""
        for key in given:
            if key not in self.allowed:
                hint = ""
                if key in ("sensitive_feature", "group") and self.kind == "performance":
                    hint = f"; for a group's value use performance.by_group.{self.name}"
                elif key == "column" and self.column is not None:
                    hint = f"; the path already names column {self.column!r}"
                allowed = f"it takes {list(self.allowed)}" if self.allowed else "it takes no qualifier"
                raise ConfigError(f"{key!r} does not apply to metric path {self.text!r} ({allowed}){hint}.")
        for key in self.required:
            if key not in given:
                raise ConfigError(f"metric path {self.text!r} needs {key!r} (e.g. {key}: SEX).")
        if "group" in given and "sensitive_feature" not in given:
            raise ConfigError(f"'group' needs 'sensitive_feature' too (which feature's group {given['group']!r} is).")


def _unknown_path(text: str, why: str) -> ConfigError:
    close = difflib.get_close_matches(text, list(PATH_PATTERNS), n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return ConfigError(
        f"unknown metric path {text!r}: {why}.{hint} Paths look like {', '.join(PATH_PATTERNS[:5])}, ... "
        "(all of them in docs/gate.md)."
    )


def parse_metric_path(text: str) -> MetricPath:
    """Parse a metric path; raise ``ConfigError`` naming the path when it breaks the grammar."""
    parts = text.split(".")
    root, rest = parts[0], parts[1:]
    if root not in ROOTS:
        raise _unknown_path(text, f"it must start with one of {list(ROOTS)}")
    if not rest or any(p == "" for p in rest):
        raise _unknown_path(text, f"{root!r} needs a metric after the dot")
    if root == "performance":
        if rest[0] == "by_group":
            if len(rest) != 2:
                raise _unknown_path(text, "expected performance.by_group.<metric>")
            return MetricPath(text, "performance.by_group", rest[1], allowed=("sensitive_feature", "group"))
        if len(rest) != 1:
            raise _unknown_path(text, "expected performance.<metric> or performance.by_group.<metric>")
        return MetricPath(text, "performance", rest[0])
    if root == "fairness":
        if len(rest) != 2 or rest[1] not in FAIRNESS_STATS:
            raise _unknown_path(text, f"expected fairness.<name>.<{'|'.join(FAIRNESS_STATS)}>")
        if rest[1] == "by_group":
            return MetricPath(text, "fairness.by_group", rest[0], "by_group", allowed=("sensitive_feature", "group"))
        return MetricPath(text, "fairness.disparity", rest[0], rest[1], allowed=("sensitive_feature",))
    if root == "drift":
        if rest[0] in ("columns", "prediction"):
            tail = ".".join(rest[1:])
            if not tail:
                raise _unknown_path(text, f"expected drift.{rest[0]}.<field> with <field> one of {list(DRIFT_FIELDS)}")
            column, _, field = tail.rpartition(".")
            if field not in DRIFT_FIELDS:
                raise _unknown_path(text, f"the drift field must be one of {list(DRIFT_FIELDS)}; got {field!r}")
            if column:
                return MetricPath(text, "drift.column", field, rest[0], column=column)
            return MetricPath(text, "drift.column", field, rest[0], allowed=("column",))
        if len(rest) != 1 or rest[0] not in DRIFT_SCALARS:
            raise _unknown_path(text, f"expected drift.<{'|'.join(DRIFT_SCALARS)}>, drift.columns.<field> or drift.prediction.<field>")
        return MetricPath(text, "drift.scalar", rest[0])
    if root == "quality":
        if rest[0] == "columns":
            if len(rest) != 2 or rest[1] not in QUALITY_COLUMN_FIELDS:
                raise _unknown_path(text, f"expected quality.columns.<field> with <field> one of {list(QUALITY_COLUMN_FIELDS)}")
            return MetricPath(text, "quality.column", rest[1], allowed=("column",))
        if rest == ["issues"]:
            return MetricPath(text, "quality.issues", "issues", allowed=("column",))
        if len(rest) != 1 or rest[0] not in QUALITY_SCALARS:
            raise _unknown_path(text, f"expected quality.<{'|'.join(QUALITY_SCALARS)}>, quality.issues or quality.columns.<field>")
        return MetricPath(text, "quality.scalar", rest[0])
    if root == "errors":
        if rest[0] in ("worst_cohort", "cohorts"):
            if len(rest) != 2 or rest[1] not in COHORT_FIELDS:
                raise _unknown_path(text, f"expected errors.{rest[0]}.<field> with <field> one of {list(COHORT_FIELDS)}")
            return MetricPath(text, f"errors.{rest[0]}", rest[1])
        if len(rest) != 1:
            raise _unknown_path(text, "expected errors.worst_cohort.<field>, errors.cohorts.<field> or errors.<key>")
        return MetricPath(text, "errors.scalar", rest[0])
    # explanations
    if len(rest) != 1 or rest[0] not in EXPLANATION_PATHS:
        raise _unknown_path(text, f"expected explanations.<{'|'.join(EXPLANATION_PATHS)}>")
    return MetricPath(text, "explanations", rest[0], rest[0], allowed=("feature", "method"), required=("feature",))


# --------------------------------------------------------------------------------------------
# resolution


@dataclasses.dataclass(frozen=True)
class Size:
    """The size of something a number depends on (a group, the reference, a cohort)."""

    label: str
    count: int | None
    insufficient: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "count": self.count, "insufficient": self.insufficient}


@dataclasses.dataclass(frozen=True)
class Measurement:
    """One number a check is decided on, with its interval and the sizes behind it."""

    #: identity within the check, to pair it with the baseline (e.g. ("SEX", "2"))
    key: tuple[str, ...]
    #: human-readable, e.g. "SEX=2", "column AGEP", "overall"
    label: str
    value: float | bool | None
    low: float | None = None
    high: float | None = None
    sizes: tuple[Size, ...] = ()

    @property
    def has_interval(self) -> bool:
        return self.low is not None and self.high is not None

    @property
    def insufficient_sizes(self) -> list[Size]:
        return [s for s in self.sizes if s.insufficient]

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "value": self.value,
            "interval": [self.low, self.high] if self.has_interval else None,
            "sizes": [s.to_dict() for s in self.sizes],
        }


class _Resolver:
    """Resolves one check's path in one assessment (``role`` names it in messages)."""

    def __init__(self, doc: dict[str, Any], check: Any, role: str) -> None:
        self.doc = doc
        self.check = check
        self.role = role
        results = doc.get("results") if isinstance(doc, dict) else None
        self.results = results if isinstance(results, dict) else {}

    def fail(self, why: str) -> ConfigError:
        return ConfigError(f"{self.check.where}: {why}")

    def slot(self, name: str) -> dict[str, Any]:
        value = self.results.get(name)
        if not isinstance(value, dict):
            reason = ""
            for note in self.results.get("notes") or []:
                if isinstance(note, dict) and note.get("analyzer") == name and note.get("message"):
                    reason = f" ({note.get('level', 'note')}: {note['message']})"
                    break
            return_msg = f"the {self.role} has no {name} result: the {name} analyzer did not run{reason}"
            raise self.fail(return_msg)
        return value

    def pick(self, options: list[str], wanted: str | None, what: str) -> list[str]:
        """``[wanted]`` when it is among ``options``, all options when ``wanted`` is None."""
        if wanted is None:
            if not options:
                raise self.fail(f"the {self.role} has no {what} for this path")
            return options
        if wanted not in options:
            close = [o for o in options if str(o).casefold() == wanted.casefold()]
            close = close or difflib.get_close_matches(wanted, [str(o) for o in options], n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise self.fail(f"{what} {wanted!r} is not in the {self.role}{hint} (it has {_listing(options)})")
        return [wanted]

    # -- per kind --------------------------------------------------------------------------

    def resolve(self, path: MetricPath) -> list[Measurement]:
        method = getattr(self, "_" + path.kind.replace(".", "_"))
        return method(path)

    def _performance(self, path: MetricPath) -> list[Measurement]:
        perf = self.slot("performance")
        n = perf.get("n_rows")
        sizes = (Size("all rows", n),)
        if path.name == "n_rows":
            return [Measurement((), "overall", n, sizes=sizes)]
        overall = perf.get("overall") or {}
        self.pick(sorted(overall), path.name, "performance metric")
        ci = (perf.get("ci") or {}).get(path.name) or {}
        return [Measurement((), "overall", overall[path.name], ci.get("low"), ci.get("high"), sizes)]

    def _performance_by_group(self, path: MetricPath) -> list[Measurement]:
        perf = self.slot("performance")
        rows = [r for r in perf.get("by_group") or [] if isinstance(r, dict)]
        features = self.pick(_unique(r.get("sensitive_feature") for r in rows), self.check.sensitive_feature, "sensitive feature")
        out = []
        for feature in features:
            frows = [r for r in rows if r.get("sensitive_feature") == feature]
            groups = set(self.pick(_unique(r.get("group") for r in frows), self.check.group, f"group of {feature!r}"))
            for row in frows:
                if row.get("group") not in groups:
                    continue
                metrics = row.get("metrics") or {}
                if path.name not in metrics:
                    self.pick(sorted(metrics), path.name, f"performance metric (in group {feature}={row['group']})")
                ci = (row.get("ci") or {}).get(path.name) or {}
                size = Size(f"{feature}={row['group']}", row.get("count"), bool(row.get("insufficient")))
                out.append(
                    Measurement(
                        (feature, row["group"]), size.label, metrics[path.name], ci.get("low"), ci.get("high"), (size,)
                    )
                )
        return out

    def _fairness_entries(self, path: MetricPath) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        fair = self.slot("fairness")
        metrics = [m for m in fair.get("metrics") or [] if isinstance(m, dict)]
        self.pick(_unique(m.get("name") for m in metrics), path.name, "fairness metric")
        named = [m for m in metrics if m.get("name") == path.name]
        features = set(self.pick(
            _unique(m.get("sensitive_feature") for m in named), self.check.sensitive_feature, f"sensitive feature of fairness.{path.name}"
        ))
        return fair, [m for m in named if m.get("sensitive_feature") in features]

    def _group_size(self, fair: dict[str, Any], feature: str, group: str, entry: dict[str, Any]) -> Size:
        info = next(
            (g for g in fair.get("groups") or [] if g.get("sensitive_feature") == feature and g.get("group") == group),
            {},
        )
        insufficient = bool(info.get("insufficient")) or group in (entry.get("insufficient_groups") or [])
        return Size(f"{feature}={group}", info.get("count"), insufficient)

    def _fairness_disparity(self, path: MetricPath) -> list[Measurement]:
        fair, entries = self._fairness_entries(path)
        out = []
        for entry in entries:
            feature = entry["sensitive_feature"]
            # a disparity compares every group of the feature (equalized odds lists none in by_group)
            groups = _unique(g.get("group") for g in fair.get("groups") or [] if g.get("sensitive_feature") == feature)
            groups = _unique([*groups, *(entry.get("by_group") or {}), *(entry.get("insufficient_groups") or [])])
            sizes = tuple(self._group_size(fair, feature, g, entry) for g in groups)
            if path.part == "difference":
                low, high = entry.get("ci_low"), entry.get("ci_high")
            else:
                low, high = entry.get("ratio_ci_low"), entry.get("ratio_ci_high")
            out.append(Measurement((feature,), feature, entry.get(path.part), low, high, sizes))
        return out

    def _fairness_by_group(self, path: MetricPath) -> list[Measurement]:
        fair, entries = self._fairness_entries(path)
        out = []
        for entry in entries:
            feature = entry["sensitive_feature"]
            by_group = entry.get("by_group") or {}
            ci = entry.get("by_group_ci") or {}
            for group in self.pick(list(by_group), self.check.group, f"group of {feature!r}"):
                size = self._group_size(fair, feature, group, entry)
                interval = ci.get(group) or {}
                out.append(Measurement((feature, group), size.label, by_group[group], interval.get("low"), interval.get("high"), (size,)))
        return out

    def _drift_scalar(self, path: MetricPath) -> list[Measurement]:
        drift = self.slot("drift")
        sizes = (Size("reference rows", drift.get("n_reference")), Size("current rows", drift.get("n_current")))
        return [Measurement((), "dataset", drift.get(path.name), sizes=sizes)]

    def _drift_column(self, path: MetricPath) -> list[Measurement]:
        drift = self.slot("drift")
        rows = [r for r in drift.get(path.part) or [] if isinstance(r, dict)]
        wanted = path.column if path.column is not None else self.check.column
        what = "column" if path.part == "columns" else "prediction column"
        names = set(self.pick([r.get("column") for r in rows], wanted, f"drift {what}"))
        out = []
        for row in rows:
            if row.get("column") not in names:
                continue
            sizes = (Size("reference rows", row.get("n_reference")), Size("current rows", row.get("n_current")))
            out.append(Measurement((row["column"],), f"column {row['column']}", row.get(path.name), sizes=sizes))
        return out

    def _quality_scalar(self, path: MetricPath) -> list[Measurement]:
        quality = self.slot("quality")
        return [Measurement((), "table", quality.get(path.name), sizes=(Size("rows", quality.get("n_rows")),))]

    def _quality_issues(self, path: MetricPath) -> list[Measurement]:
        quality = self.slot("quality")
        issues = [i for i in quality.get("issues") or [] if isinstance(i, dict)]
        sizes = (Size("rows", quality.get("n_rows")),)
        column = self.check.column
        if column is not None:
            self.pick([c.get("column") for c in quality.get("columns") or []], column, "quality column")
            n = sum(1 for i in issues if i.get("column") == column)
            return [Measurement((column,), f"column {column}", n, sizes=sizes)]
        return [Measurement((), "table", len(issues), sizes=sizes)]

    def _quality_column(self, path: MetricPath) -> list[Measurement]:
        quality = self.slot("quality")
        rows = [c for c in quality.get("columns") or [] if isinstance(c, dict)]
        names = set(self.pick([c.get("column") for c in rows], self.check.column, "quality column"))
        sizes = (Size("rows", quality.get("n_rows")),)
        return [
            Measurement((c["column"],), f"column {c['column']}", c.get(path.name), sizes=sizes)
            for c in rows
            if c.get("column") in names
        ]

    def _cohorts(self) -> list[dict[str, Any]]:
        errors = self.slot("errors")
        return [c for c in errors.get("cohorts") or [] if isinstance(c, dict)]

    def _cohort_measurement(self, cohort: dict[str, Any], field: str, key: tuple[str, ...]) -> Measurement:
        rule = str(cohort.get("rule", "?"))
        size = Size(f"cohort {rule}", cohort.get("size"), bool(cohort.get("insufficient", False)))
        return Measurement(key, f"cohort {rule}", cohort.get(field), sizes=(size,))

    def _no_cohorts(self) -> list[Measurement]:
        """No cohort (e.g. no errors to analyse): nothing to judge, which is insufficient evidence, not bad input."""
        errors = self.slot("errors")
        why = errors.get("message") or errors.get("status") or "no cohorts"
        return [Measurement((), f"no cohorts ({why})", None)]

    def _errors_worst_cohort(self, path: MetricPath) -> list[Measurement]:
        cohorts = [c for c in self._cohorts() if isinstance(c.get("error_rate"), (int, float))]
        if not cohorts:
            return self._no_cohorts()
        worst = max(cohorts, key=lambda c: (c["error_rate"], c.get("size") or 0))
        return [self._cohort_measurement(worst, path.name, ())]

    def _errors_cohorts(self, path: MetricPath) -> list[Measurement]:
        cohorts = self._cohorts()
        if not cohorts:
            return self._no_cohorts()
        return [self._cohort_measurement(c, path.name, (str(c.get("rule", i)),)) for i, c in enumerate(cohorts)]

    def _errors_scalar(self, path: MetricPath) -> list[Measurement]:
        errors = self.slot("errors")
        numbers = sorted(k for k, v in errors.items() if _num(v))
        self.pick(numbers, path.name, "number of the errors result")
        return [Measurement((), "errors", errors[path.name])]

    def _explanations(self, path: MetricPath) -> list[Measurement]:
        expl = self.slot("explanations")
        rows = [r for r in expl.get("global_importance") or [] if isinstance(r, dict)]
        if not rows:
            raise self.fail(f"the {self.role}'s explanations result has no global_importance")
        methods = self.pick(_unique(str(r.get("method")) for r in rows), self.check.method, "explanation method")
        feature = self.check.feature
        all_features = _unique(r.get("feature") for r in rows)
        self.pick(all_features, feature, "feature")
        out = []
        for method in methods:
            ranked = [r for r in rows if str(r.get("method")) == method and isinstance(r.get("importance"), (int, float))]
            mine = [r for r in ranked if r.get("feature") == feature]
            if not mine:
                continue  # this method did not rate the feature
            importance = mine[0]["importance"]
            if path.name == "importance_of":
                value: float | None = importance
            elif path.name == "share_of":
                total = sum(float(r["importance"]) for r in ranked)
                value = float(importance) / total if total > 0 else None
            else:  # competition ranking: 1 + features strictly more important
                value = 1 + sum(1 for r in ranked if r["importance"] > importance)
            out.append(Measurement((method,), f"{feature} by {method}", value, sizes=(Size("features ranked", len(ranked)),)))
        if not out:
            raise self.fail(f"no explanation method of the {self.role} rates feature {feature!r} with a number")
        return out


def _unique(values: Any) -> list[Any]:
    seen: dict[Any, None] = {}
    for v in values:
        if v is not None:
            seen.setdefault(v, None)
    return list(seen)


def _listing(options: list[str], limit: int = 20) -> str:
    shown = ", ".join(repr(o) for o in options[:limit])
    more = f", ... ({len(options) - limit} more)" if len(options) > limit else ""
    return f"[{shown}{more}]" if options else "none"


def resolve(doc: dict[str, Any], check: Any, *, role: str = "assessment") -> list[Measurement]:
    """The numbers ``check`` names in the assessment dict ``doc``.

    Raises ``ConfigError`` (naming the check and the path) when the path, a group, a column or a
    feature is absent: an absent number is bad input, never a pass.
    """
    return _Resolver(doc, check, role).resolve(parse_metric_path(check.metric))


# --------------------------------------------------------------------------------------------
# enumeration, for the champion comparison


@dataclasses.dataclass(frozen=True)
class MetricValue:
    """One number of an assessment, addressed by path and qualifiers."""

    path: str
    qualifiers: tuple[tuple[str, str], ...]
    value: float | bool | None
    low: float | None = None
    high: float | None = None
    headline: bool = False

    @property
    def key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        return (self.path, self.qualifiers)

    @property
    def label(self) -> str:
        quals = ", ".join(f"{k}={v}" for k, v in self.qualifiers)
        return f"{self.path} ({quals})" if quals else self.path


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def iter_metrics(doc: dict[str, Any]) -> Iterator[MetricValue]:
    """Every number of an assessment dict that a metric path reaches, headline numbers first within each section."""
    results = doc.get("results") if isinstance(doc, dict) else None
    if not isinstance(results, dict):
        return
    perf = results.get("performance")
    if isinstance(perf, dict):
        ci = perf.get("ci") or {}
        for name, value in (perf.get("overall") or {}).items():
            c = ci.get(name) or {}
            yield MetricValue(f"performance.{name}", (), value, c.get("low"), c.get("high"), headline=True)
        for row in perf.get("by_group") or []:
            quals = (("sensitive_feature", row.get("sensitive_feature")), ("group", row.get("group")))
            for name, value in (row.get("metrics") or {}).items():
                c = (row.get("ci") or {}).get(name) or {}
                yield MetricValue(f"performance.by_group.{name}", quals, value, c.get("low"), c.get("high"))
    fair = results.get("fairness")
    if isinstance(fair, dict):
        for m in fair.get("metrics") or []:
            quals = (("sensitive_feature", m.get("sensitive_feature")),)
            name = m.get("name")
            yield MetricValue(f"fairness.{name}.difference", quals, m.get("difference"), m.get("ci_low"), m.get("ci_high"), True)
            yield MetricValue(f"fairness.{name}.ratio", quals, m.get("ratio"), m.get("ratio_ci_low"), m.get("ratio_ci_high"), True)
            for group, value in (m.get("by_group") or {}).items():
                c = (m.get("by_group_ci") or {}).get(group) or {}
                yield MetricValue(f"fairness.{name}.by_group", (*quals, ("group", group)), value, c.get("low"), c.get("high"))
    drift = results.get("drift")
    if isinstance(drift, dict):
        for name in ("share_drifted", "n_drifted"):
            if _num(drift.get(name)):
                yield MetricValue(f"drift.{name}", (), drift[name], headline=True)
        for section in ("columns", "prediction"):
            for row in drift.get(section) or []:
                for field in ("statistic", "psi"):
                    if _num(row.get(field)):
                        yield MetricValue(f"drift.{section}.{field}", (("column", row.get("column")),), row[field])
    quality = results.get("quality")
    if isinstance(quality, dict):
        if _num(quality.get("duplicate_row_share")):
            yield MetricValue("quality.duplicate_row_share", (), quality["duplicate_row_share"], headline=True)
        yield MetricValue("quality.issues", (), len(quality.get("issues") or []), headline=True)
        for row in quality.get("columns") or []:
            if _num(row.get("missing_share")):
                yield MetricValue("quality.columns.missing_share", (("column", row.get("column")),), row["missing_share"])
    errors = results.get("errors")
    if isinstance(errors, dict):
        if _num(errors.get("error_rate")):
            yield MetricValue("errors.error_rate", (), errors["error_rate"], headline=True)
        cohorts = [c for c in errors.get("cohorts") or [] if isinstance(c, dict) and _num(c.get("error_rate"))]
        if cohorts:
            worst = max(cohorts, key=lambda c: (c["error_rate"], c.get("size") or 0))
            yield MetricValue("errors.worst_cohort.error_rate", (), worst["error_rate"], headline=True)
    expl = results.get("explanations")
    if isinstance(expl, dict):
        rows = [r for r in expl.get("global_importance") or [] if isinstance(r, dict) and _num(r.get("importance"))]
        for method in _unique(str(r.get("method")) for r in rows):
            ranked = [r for r in rows if str(r.get("method")) == method]
            for r in ranked:
                rank = 1 + sum(1 for o in ranked if o["importance"] > r["importance"])
                quals = (("feature", r.get("feature")), ("method", method))
                yield MetricValue("explanations.rank_of", quals, rank)
