"""The gate policy: a versioned YAML file of checks, parsed into frozen objects.

The format is documented in ``docs/gate.md`` and described by the JSON Schema
``rai/schemas/policy.schema.json`` (``rai schema policy``). Parsing validates everything that
can be known without an assessment: keys, operators, severities, and the grammar of each
metric path (``rai.gate._paths``). Whether a metric, group or feature exists is checked when the
policy meets an assessment.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from pathlib import Path
from typing import Any

from rai._exceptions import ConfigError
from rai.gate._paths import MetricPath, parse_metric_path

__all__ = [
    "Check",
    "Policy",
    "load_policy",
    "parse_policy",
    "policy_from_config",
    "OPS",
    "SEVERITIES",
    "DECIDE_ON",
    "ON_INSUFFICIENT",
    "POLICY_VERSION",
]

POLICY_VERSION = 1
OPS = (">=", ">", "<=", "<", "==", "!=")
SEVERITIES = ("error", "warn")
DECIDE_ON = ("point", "ci")
ON_INSUFFICIENT = ("fail", "warn", "pass")

_TOP_KEYS = ("version", "name", "description", "defaults", "checks", "absent")
#: What a check whose result section is absent (its analyzer did not run) gives: an input error, or skipped.
ABSENT = ("error", "skip")

#: Qualifiers of the core paths, and those that result sections of their own add.
CORE_QUALIFIERS = ("sensitive_feature", "group", "column", "feature", "method")
EXTRA_QUALIFIERS = ("cohort", "treatment", "from_group", "to_group", "class_label")
_DEFAULT_KEYS = ("severity", "decide_on", "on_insufficient")
_CHECK_KEYS = (
    "name",
    "metric",
    "op",
    "threshold",
    "baseline_tolerance",
    "severity",
    "decide_on",
    "on_insufficient",
    "sensitive_feature",
    "group",
    "column",
    "feature",
    "method",
    "description",
    *EXTRA_QUALIFIERS,
)


@dataclasses.dataclass(frozen=True)
class Check:
    """One check of a policy: ``metric op threshold`` (or ``op`` against the baseline).

    ``threshold`` is an absolute bound; ``baseline_tolerance`` makes the bound relative to the
    same metric in the baseline assessment (``>=``: value >= baseline - tolerance; ``<=``:
    value <= baseline + tolerance; ``==``: within tolerance of the baseline). Exactly one of the
    two is set. The qualifiers (``sensitive_feature``, ``group``, ``column``, ``feature``,
    ``method``) pick one number out of a path; an omitted qualifier means "every one".
    """

    name: str
    metric: str
    op: str
    threshold: float | bool | None = None
    baseline_tolerance: float | None = None
    severity: str = "error"
    decide_on: str = "point"
    on_insufficient: str = "warn"
    sensitive_feature: str | None = None
    group: str | None = None
    column: str | None = None
    feature: str | None = None
    method: str | None = None
    description: str | None = None
    #: 1-based position in the policy file, for messages.
    index: int = 0
    #: qualifiers of other result sections (treatment, from_group, ...), in policy order
    extra_qualifiers: tuple[tuple[str, str], ...] = ()

    @property
    def path(self) -> MetricPath:
        return parse_metric_path(self.metric)

    @property
    def uses_baseline(self) -> bool:
        return self.baseline_tolerance is not None

    @property
    def qualifiers(self) -> dict[str, str]:
        """The qualifiers that are set, in a fixed order."""
        out = {n: getattr(self, n) for n in CORE_QUALIFIERS if getattr(self, n) is not None}
        out.update(self.extra_qualifiers)
        return out

    @property
    def where(self) -> str:
        """How messages name this check: ``check 3 ('parity by sex', fairness.demographic_parity.ratio)``."""
        return f"check {self.index} ({self.name!r}, {self.metric})"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "metric": self.metric, "op": self.op}
        if self.threshold is not None:
            out["threshold"] = self.threshold
        if self.baseline_tolerance is not None:
            out["baseline_tolerance"] = self.baseline_tolerance
        out.update(self.qualifiers)
        out.update(severity=self.severity, decide_on=self.decide_on, on_insufficient=self.on_insufficient)
        if self.description:
            out["description"] = self.description
        return out


@dataclasses.dataclass(frozen=True)
class Policy:
    """A parsed policy file."""

    checks: tuple[Check, ...]
    version: int = POLICY_VERSION
    name: str | None = None
    description: str | None = None
    source: str | None = None
    #: ``skip``: a check on a section the assessment does not have (e.g. fairness of a data-only run) is skipped
    absent: str = "error"

    @property
    def needs_baseline(self) -> bool:
        return any(c.uses_baseline for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "name": self.name,
            "description": self.description,
            "source": self.source,
            "checks": [c.to_dict() for c in self.checks],
        }


def _suggest(word: str, options: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(str(word), list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _unknown_keys(mapping: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
    unknown = [k for k in mapping if k not in allowed]
    if unknown:
        key = unknown[0]
        raise ConfigError(
            f"{where}: unknown key {key!r}{_suggest(key, allowed)}; expected keys from {list(allowed)}."
        )


def _choice(value: Any, options: tuple[str, ...], key: str, where: str) -> str:
    if value not in options:
        raise ConfigError(f"{where}: {key!r} must be one of {list(options)}; got {value!r}.")
    return value


def _label(value: Any, key: str, where: str) -> str | None:
    """Group, column and feature names: strings; YAML numbers (``group: 1``) are read as their text."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ConfigError(
            f"{where}: {key!r} must be a name (text); got the boolean {value!r}. Quote it in YAML, e.g. {key}: \"yes\"."
        )
    if isinstance(value, (int, float, str)):
        text = str(value)
        if not text:
            raise ConfigError(f"{where}: {key!r} must not be empty.")
        return text
    raise ConfigError(f"{where}: {key!r} must be a name (text); got {type(value).__name__} {value!r}.")


def _number(value: Any, key: str, where: str, *, allow_bool: bool = False) -> float | bool:
    if isinstance(value, bool):
        if allow_bool:
            return value
        raise ConfigError(f"{where}: {key!r} must be a number; got {value!r}.")
    if isinstance(value, (int, float)):
        value = float(value)
        if not math.isfinite(value):
            raise ConfigError(f"{where}: {key!r} must be a finite number; got {value!r}.")
        return value
    raise ConfigError(f"{where}: {key!r} must be a number; got {type(value).__name__} {value!r}.")


def _parse_check(raw: Any, index: int, defaults: dict[str, str], source: str) -> Check:
    where = f"{source}: checks[{index - 1}]"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: each check must be a mapping with 'metric', 'op' and 'threshold'; got {raw!r}.")
    if isinstance(raw.get("name"), str) and raw["name"].strip():
        where = f"{source}: checks[{index - 1}] ({raw['name']!r})"
    _unknown_keys(raw, _CHECK_KEYS, where)
    metric = raw.get("metric")
    if not isinstance(metric, str) or not metric.strip():
        raise ConfigError(f"{where}: 'metric' is required and must be a metric path such as 'performance.accuracy'; got {metric!r}.")
    metric = metric.strip()
    try:
        path = parse_metric_path(metric)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    if "op" not in raw:
        raise ConfigError(f"{where}: 'op' is required; expected one of {list(OPS)}.")
    op = _choice(raw["op"], OPS, "op", where)
    has_threshold = raw.get("threshold") is not None
    has_tolerance = raw.get("baseline_tolerance") is not None
    if has_threshold == has_tolerance:
        raise ConfigError(
            f"{where}: give exactly one of 'threshold' (an absolute bound) or 'baseline_tolerance' "
            f"(a bound relative to the --baseline assessment); got {'both' if has_threshold else 'neither'}."
        )
    threshold: float | bool | None = None
    tolerance: float | None = None
    if has_threshold:
        threshold = _number(raw["threshold"], "threshold", where, allow_bool=op in ("==", "!="))
    else:
        tolerance = float(_number(raw["baseline_tolerance"], "baseline_tolerance", where))
        if tolerance < 0:
            raise ConfigError(f"{where}: 'baseline_tolerance' must be >= 0; got {tolerance!r}.")
        if op == "!=":
            raise ConfigError(f"{where}: 'baseline_tolerance' works with >=, >, <=, < or ==; got op '!='.")
    severity = _choice(raw.get("severity", defaults["severity"]), SEVERITIES, "severity", where)
    decide_on = _choice(raw.get("decide_on", defaults["decide_on"]), DECIDE_ON, "decide_on", where)
    on_insufficient = _choice(raw.get("on_insufficient", defaults["on_insufficient"]), ON_INSUFFICIENT, "on_insufficient", where)
    quals = {k: _label(raw.get(k), k, where) for k in CORE_QUALIFIERS}
    extra = tuple((k, _label(raw[k], k, where)) for k in EXTRA_QUALIFIERS if raw.get(k) is not None)
    try:
        path.check_qualifiers({**{k: v for k, v in quals.items() if v is not None}, **dict(extra)})
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    description = raw.get("description")
    if description is not None and not isinstance(description, str):
        raise ConfigError(f"{where}: 'description' must be text; got {description!r}.")
    name = raw.get("name")
    if name is None:
        name = metric + "".join(f" {k}={v}" for k, v in [*quals.items(), *extra] if v is not None)
    elif not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where}: 'name' must be non-empty text; got {name!r}.")
    return Check(
        name=name.strip(),
        metric=metric,
        op=op,
        threshold=threshold,
        baseline_tolerance=tolerance,
        severity=severity,
        decide_on=decide_on,
        on_insufficient=on_insufficient,
        description=description,
        index=index,
        extra_qualifiers=extra,  # type: ignore[arg-type]
        **quals,
    )


def parse_policy(doc: Any, *, source: str = "policy") -> Policy:
    """Validate a policy document (the parsed YAML) and return a ``Policy``.

    Raises
    ------
    ConfigError
        Naming the file, the check (by position and name) and the key that is wrong.
    """
    if not isinstance(doc, dict):
        raise ConfigError(
            f"{source}: a policy must be a mapping with 'version: 1' and a list of 'checks'; got {type(doc).__name__} {doc!r:.80}."
        )
    _unknown_keys(doc, _TOP_KEYS, source)
    if "version" not in doc:
        raise ConfigError(f"{source}: 'version' is required; this toolkit reads policy version {POLICY_VERSION}.")
    version = doc["version"]
    if version != POLICY_VERSION or isinstance(version, bool):
        raise ConfigError(f"{source}: 'version' must be {POLICY_VERSION}; got {version!r}.")
    for key in ("name", "description"):
        if doc.get(key) is not None and not isinstance(doc[key], str):
            raise ConfigError(f"{source}: {key!r} must be text; got {doc[key]!r}.")
    raw_defaults = doc.get("defaults") or {}
    if not isinstance(raw_defaults, dict):
        raise ConfigError(f"{source}: 'defaults' must be a mapping of {list(_DEFAULT_KEYS)}; got {raw_defaults!r}.")
    _unknown_keys(raw_defaults, _DEFAULT_KEYS, f"{source}: defaults")
    defaults = {
        "severity": _choice(raw_defaults.get("severity", "error"), SEVERITIES, "severity", f"{source}: defaults"),
        "decide_on": _choice(raw_defaults.get("decide_on", "point"), DECIDE_ON, "decide_on", f"{source}: defaults"),
        "on_insufficient": _choice(
            raw_defaults.get("on_insufficient", "warn"), ON_INSUFFICIENT, "on_insufficient", f"{source}: defaults"
        ),
    }
    raw_checks = doc.get("checks")
    if not isinstance(raw_checks, list) or not raw_checks:
        raise ConfigError(f"{source}: 'checks' must be a non-empty list of checks; got {raw_checks!r}.")
    checks = tuple(_parse_check(raw, i, defaults, source) for i, raw in enumerate(raw_checks, start=1))
    seen: dict[str, int] = {}
    for check in checks:
        if check.name in seen:
            raise ConfigError(
                f"{source}: checks[{check.index - 1}] has the same name {check.name!r} as checks[{seen[check.name] - 1}]; "
                "check names must be unique (they name the JUnit test cases)."
            )
        seen[check.name] = check.index
    return Policy(
        checks=checks,
        version=version,
        name=doc.get("name"),
        description=doc.get("description"),
        source=source,
        absent=_choice(doc.get("absent", "error"), ABSENT, "absent", source),
    )


def _read_yaml(path: Path, what: str) -> Any:
    import yaml

    if not path.is_file():
        hint = " (it is a folder)" if path.is_dir() else ""
        raise ConfigError(f"{what} file {str(path)!r} does not exist{hint} (tried {str(path.resolve())!r}).")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{what} file {str(path)!r} is not UTF-8 text: {exc}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{what} file {str(path)!r} is not valid YAML{at}: {problem}") from None


def load_policy(path: str | Path) -> Policy:
    """Read and validate a policy YAML file."""
    path = Path(path)
    return parse_policy(_read_yaml(path, "policy"), source=str(path))


def policy_from_config(path: str | Path) -> tuple[Policy, Path | None]:
    """The policy of a ``rai.yaml``'s ``gate:`` section, and its ``baseline`` when it names one.

    The section either names a policy file (``gate: {policy: policy.yaml, baseline: champion.json}``)
    or holds the policy inline (``gate: {version: 1, checks: [...]}``). Paths are relative to the
    config file's folder.
    """
    path = Path(path)
    doc = _read_yaml(path, "config")
    if not isinstance(doc, dict) or not isinstance(doc.get("gate"), dict):
        raise ConfigError(f"config file {str(path)!r} has no 'gate:' section (a mapping); add one or pass --policy.")
    section = dict(doc["gate"])
    baseline = section.pop("baseline", None)
    base = path.parent
    baseline_path = None
    if baseline is not None:
        if not isinstance(baseline, str):
            raise ConfigError(f"{path}: gate.baseline must be a file path; got {baseline!r}.")
        baseline_path = Path(baseline) if Path(baseline).is_absolute() else base / baseline
    if "policy" in section:
        ref = section.pop("policy")
        if section:
            raise ConfigError(f"{path}: gate: with 'policy: FILE' the only other key allowed is 'baseline'; got {sorted(section)}.")
        if not isinstance(ref, str):
            raise ConfigError(f"{path}: gate.policy must be a file path; got {ref!r}.")
        policy_path = Path(ref) if Path(ref).is_absolute() else base / ref
        return load_policy(policy_path), baseline_path
    return parse_policy(section, source=f"{path}: gate"), baseline_path
