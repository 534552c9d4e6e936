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
    "AbsentSection",
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
DRIFT_SCALARS = ("share_drifted", "n_drifted", "dataset_drift", "n_columns", "drift_share_threshold", "prediction_drift", "target_drift")
QUALITY_SCALARS = ("duplicate_row_share", "duplicate_rows", "n_rows", "n_columns", "max_missing_share", "max_out_of_range_share", "unseen_categories")
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

    @property
    def stream_path(self) -> str:
        """The path of the metric-stream records it names (a column named in the path is a qualifier there)."""
        if self.kind == "drift.column":
            return f"drift.{self.part}.{self.name}"
        return self.text

    def check_qualifiers(self, given: dict[str, str]) -> None:
        """Raise ``ConfigError`` when a qualifier does not apply to this path, or a required one is missing."""
        if self.kind == "stream":  # a section's own path: its records say which qualifiers it has
            given = {}
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


class AbsentSection(ConfigError):
    """A check names a result section, or a number of a section, that the assessment does not have."""

    def __init__(self, message: str, *, section: str) -> None:
        super().__init__(message)
        self.section = section


def _unknown_path(text: str, why: str) -> ConfigError:
    close = difflib.get_close_matches(text, list(PATH_PATTERNS), n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return ConfigError(
        f"unknown metric path {text!r}: {why}.{hint} Paths look like {', '.join(PATH_PATTERNS[:5])}, ... "
        "(all of them in docs/gate.md)."
    )


#: Paths whose records come from a section other than their first part (the monitor's estimates).
_SECTION_OF = {"performance.estimated": "performance_estimated"}


def parse_metric_path(text: str) -> MetricPath:
    """Parse a metric path; raise ``ConfigError`` naming the path when it breaks the grammar."""
    parts = text.split(".")
    root, rest = parts[0], parts[1:]
    if root not in ROOTS:
        from rai.results import registered_sections

        sections = registered_sections()
        if root not in sections:
            raise _unknown_path(text, f"it must start with one of {list(dict.fromkeys([*ROOTS, *sections]))}")
    if not rest or any(p == "" for p in rest):
        raise _unknown_path(text, f"{root!r} needs a metric after the dot")
    if root not in ROOTS:  # a result section's own paths (counterfactuals, causal, ...), checked against its records
        return MetricPath(text, "stream", rest[-1], allowed=("*",))
    if root == "performance":
        if rest[0] == "estimated" and len(rest) == 2:  # the monitor's estimate without labels (monitors._cbpe)
            return MetricPath(text, "stream", rest[1], allowed=("*",))
        if rest[0] == "by_group":
            if len(rest) != 2:
                raise _unknown_path(text, "expected performance.by_group.<metric>")
            return MetricPath(text, "performance.by_group", rest[1], allowed=("sensitive_feature", "group"))
        if len(rest) != 1:
            raise _unknown_path(text, "expected performance.<metric> or performance.by_group.<metric>")
        return MetricPath(text, "performance", rest[0])
    if root == "fairness":
        if len(rest) == 3 and rest[1] == "all_groups" and rest[2] in ("difference", "ratio"):
            return MetricPath(text, "fairness.disparity", rest[0], rest[2], allowed=("sensitive_feature",))
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
            return MetricPath(text, f"errors.{rest[0]}", rest[1], allowed=("cohort",) if rest[0] == "cohorts" else ())
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
    #: too little evidence to judge it, and why (from the metric stream)
    insufficient: bool = False
    reason: str | None = None
    #: groups left out of it, each with why (a judged disparity's excluded groups)
    excluded: tuple[str, ...] = ()

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
            "insufficient": self.insufficient,
            "reason": self.reason,
            "excluded": list(self.excluded),
        }


#: How messages name a path's parts, by path kind.
_NAME_WORDS = {
    "performance": "performance metric",
    "performance.by_group": "performance metric",
    "fairness.disparity": "fairness metric",
    "fairness.by_group": "fairness metric",
    "errors.scalar": "number of the errors result",
}

#: Labels of a number without qualifiers, by path kind.
_PLAIN_LABELS = {"drift.scalar": "dataset", "quality.scalar": "table", "quality.issues": "table", "errors.scalar": "errors"}


def _stream(doc: dict[str, Any]) -> list[Any]:
    from rai.results import metric_stream

    return metric_stream(doc)


class _Resolver:
    """Resolves one check's path in one assessment's metric stream (``role`` names it in messages)."""

    def __init__(self, doc: dict[str, Any], check: Any, role: str, stream: list[Any] | None = None) -> None:
        self.doc = doc if isinstance(doc, dict) else {}
        self.stream = stream
        self.check = check
        self.role = role
        results = self.doc.get("results")
        self.results = results if isinstance(results, dict) else {}

    def fail(self, why: str) -> ConfigError:
        return ConfigError(f"{self.check.where}: {why}")

    def slot(self, name: str) -> None:
        if isinstance(self.results.get(name), dict):
            return
        reason = ""
        for note in self.results.get("notes") or []:
            if isinstance(note, dict) and note.get("analyzer") == name and note.get("message"):
                reason = f" ({note.get('level', 'note')}: {note['message']})"
                break
        raise AbsentSection(f"{self.check.where}: the {self.role} has no {name} result: the {name} analyzer did not run{reason}",
                            section=name)

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

    def _name_options(self, stream: list[Any], target: str) -> list[str]:
        """The other names a path could have had: stream paths equal to ``target`` but for one part."""
        parts = target.split(".")
        found: dict[str, None] = {}
        for m in stream:
            other = m.path.split(".")
            if len(other) != len(parts):
                continue
            diff = [i for i, (a, b) in enumerate(zip(parts, other)) if a != b]
            if len(diff) == 1 and diff[0] > 0:
                found.setdefault(other[diff[0]], None)
        return list(found)

    def _what(self, path: MetricPath, key: str, chosen: dict[str, str]) -> str:
        if key == "sensitive_feature":
            return f"sensitive feature of fairness.{path.name}" if path.kind.startswith("fairness") else "sensitive feature"
        if key == "group":
            return f"group of {chosen.get('sensitive_feature')!r}"
        if key == "column":
            if path.kind.startswith("drift"):
                return "drift column" if path.part == "columns" else "drift prediction column"
            return "quality column" if path.kind.startswith("quality") else "column"
        if key == "method":
            return "explanation method" if path.kind == "explanations" else "method"
        return key.replace("_", " ")

    def resolve(self, path: MetricPath) -> list[Measurement]:
        root = _SECTION_OF.get(path.text.rsplit(".", 1)[0], path.text.split(".")[0])
        self.slot(root)
        stream = self.stream if self.stream is not None else _stream(self.doc)
        records = [m for m in stream if m.path == path.stream_path]
        if not records:
            # the section ran but has no such number (a metric this task does not have, a typo):
            # an input error, or a skipped check under a policy with `absent: skip`
            try:
                options = self._name_options(stream, path.stream_path)
                if path.kind in _NAME_WORDS:
                    self.pick(options, path.name, _NAME_WORDS[path.kind])
                raise self.fail(f"metric path {path.stream_path!r} is not in the {self.role}"
                                f" (paths of {root}: {_listing(sorted({m.path for m in stream if m.path.split('.')[0] == root}))})")
            except ConfigError as exc:
                raise AbsentSection(str(exc), section=root) from None
        wanted = {k: v for k, v in _qualifiers_of(self.check).items() if v is not None}
        if path.column is not None:
            wanted["column"] = path.column
        chosen: dict[str, str] = {}
        for key in _qualifier_order(records):
            if key not in wanted:
                continue
            options = _unique(m.qualifier(key) for m in records)
            self.pick(options, wanted[key], self._what(path, key, chosen))
            chosen[key] = wanted[key]
            records = [m for m in records if m.qualifier(key) == wanted[key]]
        missing = [k for k in wanted if k not in chosen]
        if missing and path.kind == "stream":
            raise self.fail(f"{missing[0]!r} does not apply to metric path {path.text!r} "
                            f"(it takes {sorted({k for m in records for k, _ in m.qualifiers})})")
        # an omitted qualifier means every one; where the path also has a number without it
        # (quality.issues: the table's count beside each column's), that number is the one meant
        exact = [m for m in records if {k for k, _ in m.qualifiers} == set(chosen)]
        if exact:
            records = exact
        return [self._measurement(m, path) for m in records]

    def _measurement(self, m: Any, path: MetricPath) -> Measurement:
        quals = dict(m.qualifiers)
        named = [k for k, _ in m.qualifiers if k in path.allowed or k == "column" or path.kind == "stream"]
        key = tuple(quals[k] for k in named)
        if "sensitive_feature" in quals and "group" in quals:
            label = f"{quals['sensitive_feature']}={quals['group']}"
        elif "feature" in quals and "method" in quals:
            label = f"{quals['feature']} by {quals['method']}"
        elif "cohort" in quals:
            label = f"cohort {quals['cohort']}"
        elif "column" in quals:
            label = f"column {quals['column']}"
        elif "sensitive_feature" in quals and len(quals) == 1:
            label = quals["sensitive_feature"]
        elif quals:
            label = ", ".join(f"{k}={v}" for k, v in m.qualifiers)
        elif path.kind in ("errors.worst_cohort", "errors.cohorts"):
            label = m.sizes[0][0] if m.sizes else (m.reason or "no cohorts")
        else:
            label = _PLAIN_LABELS.get(path.kind, "overall")
        sizes = tuple(Size(lbl, count, bool(small)) for lbl, count, small in m.sizes)
        return Measurement(key, label, m.value, m.ci_low, m.ci_high, sizes,
                           insufficient=m.insufficient, reason=m.reason, excluded=m.excluded)


def _qualifiers_of(check: Any) -> dict[str, str | None]:
    given = getattr(check, "qualifiers", None)
    if isinstance(given, dict):
        return dict(given)
    return {k: getattr(check, k, None) for k in _QUALIFIERS}


def _qualifier_order(records: list[Any]) -> list[str]:
    seen: dict[str, None] = {}
    for m in records:
        for k, _ in m.qualifiers:
            seen.setdefault(k, None)
    order = [k for k in ("sensitive_feature", "group", "column", "feature", "method") if k in seen]
    return order + [k for k in seen if k not in order]


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


def resolve(doc: dict[str, Any], check: Any, *, role: str = "assessment", stream: list[Any] | None = None) -> list[Measurement]:
    """The numbers ``check`` names in the assessment dict ``doc`` (read from its metric stream).

    ``stream`` is the document's metric stream when the caller already has it. Raises
    ``ConfigError`` (naming the check and the path) when the path, a group, a column or a
    feature is absent: an absent number is bad input, never a pass.
    """
    return _Resolver(doc, check, role, stream).resolve(parse_metric_path(check.metric))


# --------------------------------------------------------------------------------------------
# enumeration, for the champion comparison


def iter_metrics(doc: dict[str, Any]) -> Iterator[Any]:
    """Every number of an assessment dict: its metric stream (``rai.results.Metric`` records)."""
    return iter(_stream(doc) if isinstance(doc, dict) else [])
