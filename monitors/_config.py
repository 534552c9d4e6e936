"""The ``monitor:`` section of ``rai.yaml``, validated into frozen objects.

``rai._config`` keeps the section as a plain mapping; ``MonitorConfig.from_mapping`` checks
every key and value and names the path of what is wrong (``monitor.rules[1].cooldown``).
See ``docs/monitor.md`` for the keys.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rai._exceptions import ConfigError

from monitors._security import NetworkPolicy

__all__ = [
    "MonitorConfig",
    "Rule",
    "Endpoint",
    "DeliveryPolicy",
    "NetworkPolicy",
    "parse_duration",
    "DEFAULT_RULES",
    "RETRAINING_EVENT",
    "SEVERITIES",
]

#: CloudEvents ``type`` of the event a firing rule emits.
RETRAINING_EVENT = "io.rai.monitor.retraining.requested"
SEVERITIES = ("info", "warning", "critical")
OPERATORS = (">=", ">", "<=", "<", "==", "!=")
FORMATS = ("cloudevents", "github", "slack")

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
#: Longest duration accepted (10 years): beyond it a number is a typo or an attack, not a schedule.
MAX_DURATION = 10 * 365 * 86400.0
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0, None: 1.0}


def parse_duration(value: Any, where: str) -> float:
    """Seconds from ``90``, ``"90s"``, ``"15m"``, ``"24h"``, ``"7d"``."""
    if isinstance(value, bool):
        raise ConfigError(f"{where} must be a duration such as '24h', '15m' or a number of seconds; got {value!r}.")
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        m = _DURATION.match(str(value))
        if not m:
            raise ConfigError(
                f"{where} must be a duration such as '24h', '15m', '30s' or a number of seconds; got {value!r}."
            )
        seconds = float(m.group(1)) * _UNITS[m.group(2)]
    if seconds < 0:
        raise ConfigError(f"{where} must not be negative; got {value!r}.")
    if not math.isfinite(seconds) or seconds > MAX_DURATION:  # '1e999', '9999...9d': a wait no one meant
        raise ConfigError(f"{where} must be at most 10 years ({MAX_DURATION:.0f} s); got {value!r}.")
    return seconds


def _check_keys(raw: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}; expected some of {sorted(allowed)}.")


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where} must be a mapping; got {type(value).__name__} ({value!r}).")
    return dict(value)


def _number(value: Any, where: str, *, minimum: float | None = None, integer: bool = False) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if integer:
        ok = ok and float(value).is_integer()
    if not ok or (minimum is not None and value < minimum):
        kind = "an integer" if integer else "a number"
        bound = f" >= {minimum:g}" if minimum is not None else ""
        raise ConfigError(f"{where} must be {kind}{bound}; got {value!r}.")
    return int(value) if integer else float(value)


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where} must be true or false; got {value!r}.")
    return value


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where} must be a non-empty string; got {value!r}.")
    return value


#: The monitor's historic signal names, each an alias of a metric-stream path and its qualifiers.
SIGNAL_ALIASES = {
    "dataset_drift": "drift.dataset_drift",
    "share_drifted": "drift.share_drifted",
    "n_drifted": "drift.n_drifted",
    "prediction_drift": "drift.prediction_drift",
    "target_drift": "drift.target_drift",
    "quality.max_missing_share": "quality.max_missing_share",
    "quality.duplicate_row_share": "quality.duplicate_row_share",
    "quality.max_out_of_range_share": "quality.max_out_of_range_share",
    "quality.unseen_categories": "quality.unseen_categories",
    "attribution.ndcg": "attribution.ndcg",
}

#: An alert fires when its condition holds; the policy check it is judged as requires the opposite.
_NEGATED = {">=": "<", ">": "<=", "<=": ">", "<": ">=", "==": "!=", "!=": "=="}

#: Qualifier keys a rule may carry (those of a gate check).
RULE_QUALIFIERS = ("sensitive_feature", "group", "column", "feature", "method", "cohort", "treatment", "from_group", "to_group",
                   "class_label")


def signal_alias(signal: str, where: str = "signal") -> tuple[str, tuple[tuple[str, str], ...]]:
    """The metric path and qualifiers a historic signal name stands for (``column_drift.AGEP`` ->
    ``drift.columns.drifted`` with ``column: AGEP``)."""
    if signal in SIGNAL_ALIASES:
        return SIGNAL_ALIASES[signal], ()
    head, _, rest = signal.partition(".")
    if head == "column_drift" and rest:
        return "drift.columns.drifted", (("column", rest),)
    if head == "drift_statistic" and rest:
        return "drift.columns.statistic", (("column", rest),)
    if head == "performance" and rest and "." not in rest:
        return signal, ()
    if (head == "performance" and rest.startswith("estimated.") and rest.count(".") == 1) or (
            head == "multivariate" and rest.count(".") == 1):  # the deeper checks (monitors._depth)
        return signal, ()
    if head == "fairness" and rest.count(".") >= 1:
        name, _, feature = rest.partition(".")
        return f"fairness.{name}.difference", (("sensitive_feature", feature),)
    raise ConfigError(
        f"{where}: unknown signal {signal!r}; use `metric:` with a metric path (docs/metrics.md), or one of the "
        f"signal names {sorted(SIGNAL_ALIASES)}, column_drift.<column>, drift_statistic.<column>, performance.<metric>, "
        "fairness.<metric>.<feature>."
    )


@dataclasses.dataclass(frozen=True)
class Rule:
    """An alert rule: a policy check on a metric-stream path, over consecutive windows, with a cooldown.

    ``metric`` is a path of the metric stream (docs/metrics.md) and ``qualifiers`` pick its numbers,
    exactly as a gate check's; ``signal:`` names (``dataset_drift``, ``column_drift.<column>``,
    ``fairness.<metric>.<feature>``, ...) are aliases of paths (``SIGNAL_ALIASES``). The alert's
    condition is ``value <op> threshold`` (``op: "<", threshold: 0.8`` fires when the ratio is below
    0.8); it is judged by the gate as the check that requires the opposite, with the same
    ``decide_on`` (``ci``: fire only when the whole interval meets the condition) and
    ``on_insufficient`` (too little evidence never fires unless ``fail``). It fires when breached in
    ``consecutive`` windows in a row, then stays quiet for ``cooldown`` seconds.
    """

    name: str
    signal: str
    op: str = ">="
    threshold: float | bool = 1.0
    consecutive: int = 1
    cooldown: float = 86400.0
    severity: str = "warning"
    metric: str = ""
    qualifiers: tuple[tuple[str, str], ...] = ()
    decide_on: str = "point"
    on_insufficient: str = "warn"

    def __post_init__(self) -> None:
        if not self.metric:  # a rule built from a signal name: its path and qualifiers
            metric, quals = signal_alias(self.signal)
            object.__setattr__(self, "metric", metric)
            object.__setattr__(self, "qualifiers", quals)

    def as_check(self) -> Any:
        """The gate check this rule is judged as: it passes when the alert's condition does not hold."""
        from rai.gate import Check
        from rai.gate._policy import CORE_QUALIFIERS

        quals = dict(self.qualifiers)
        return Check(
            name=self.name, metric=self.metric, op=_NEGATED[self.op], threshold=self.threshold,
            decide_on=self.decide_on, on_insufficient=self.on_insufficient,
            extra_qualifiers=tuple((k, v) for k, v in self.qualifiers if k not in CORE_QUALIFIERS),
            **{k: v for k, v in quals.items() if k in CORE_QUALIFIERS},
        )

    @classmethod
    def from_mapping(cls, raw: Any, where: str) -> Rule:
        raw = _mapping(raw, where)
        _check_keys(raw, {"name", "signal", "metric", "op", "threshold", "consecutive", "cooldown", "severity",
                          "decide_on", "on_insufficient", *RULE_QUALIFIERS}, where)
        if ("signal" in raw) == ("metric" in raw):
            raise ConfigError(f"{where} needs exactly one of 'metric' (a metric path, docs/metrics.md) or 'signal' (an alias); "
                              f"got {'both' if 'signal' in raw else 'neither'}.")
        op = raw.get("op", ">=")
        if op not in OPERATORS:
            raise ConfigError(f"{where}.op must be one of {list(OPERATORS)}; got {op!r}.")
        severity = raw.get("severity", "warning")
        if severity not in SEVERITIES:
            raise ConfigError(f"{where}.severity must be one of {list(SEVERITIES)}; got {severity!r}.")
        decide_on = raw.get("decide_on", "point")
        if decide_on not in ("point", "ci"):
            raise ConfigError(f"{where}.decide_on must be one of ['point', 'ci']; got {decide_on!r}.")
        on_insufficient = raw.get("on_insufficient", "warn")
        if on_insufficient not in ("fail", "warn", "pass"):
            raise ConfigError(f"{where}.on_insufficient must be one of ['fail', 'warn', 'pass']; got {on_insufficient!r}.")
        quals = []
        for key in RULE_QUALIFIERS:
            if key in raw:
                value = raw[key]
                if isinstance(value, bool) or not isinstance(value, (str, int, float)) or str(value) == "":
                    raise ConfigError(f"{where}.{key} must be a name (text); got {value!r}.")
                quals.append((key, str(value)))
        threshold = raw.get("threshold", 1.0)
        if isinstance(threshold, bool):
            if op not in ("==", "!="):
                raise ConfigError(f"{where}.threshold may be true/false only with op == or !=; got op {op!r}.")
        else:
            threshold = _number(threshold, f"{where}.threshold")
        consecutive = int(_number(raw.get("consecutive", 1), f"{where}.consecutive", minimum=1, integer=True))
        cooldown = parse_duration(raw.get("cooldown", "24h"), f"{where}.cooldown")
        if "signal" in raw:
            signal = _str(raw.get("signal"), f"{where}.signal")
            metric, alias_quals = signal_alias(signal, f"{where}.signal")
            quals = [*alias_quals, *quals]
        else:
            metric = _str(raw.get("metric"), f"{where}.metric")
            from rai.gate import parse_metric_path

            try:
                parse_metric_path(metric)
            except ConfigError as exc:
                raise ConfigError(f"{where}.metric: {exc}") from None
            signal = metric + "".join(f" {k}={v}" for k, v in quals)
        return cls(
            name=_str(raw.get("name", signal), f"{where}.name"),
            signal=signal,
            op=op,
            threshold=threshold,
            consecutive=consecutive,
            cooldown=cooldown,
            severity=severity,
            metric=metric,
            qualifiers=tuple(quals),
            decide_on=decide_on,
            on_insufficient=on_insufficient,
        )


#: Rules used when the config names none: dataset drift is critical, prediction drift a warning.
DEFAULT_RULES = (
    Rule(name="dataset-drift", signal="dataset_drift", op=">=", threshold=1.0, severity="critical"),
    Rule(name="prediction-drift", signal="prediction_drift", op=">=", threshold=1.0, severity="warning"),
)


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """A webhook receiver, with its payload format and event filter.

    ``format``: ``cloudevents`` (the CloudEvents 1.0 structured JSON event), ``github`` (a
    ``repository_dispatch`` body whose ``client_payload`` is the event) or ``slack`` (an
    incoming-webhook ``text`` message). Every request is signed per Standard Webhooks.
    ``events`` filters by rule name (empty: every rule); ``min_severity`` drops milder alerts.
    ``token_env`` names an environment variable holding a bearer token (e.g. for GitHub).
    """

    name: str
    url: str
    format: str = "cloudevents"
    events: tuple[str, ...] = ()
    min_severity: str = "info"
    timeout: float = 10.0
    allow_insecure_http: bool = False
    token_env: str | None = None

    def accepts(self, rule: Rule) -> bool:
        if self.events and rule.name not in self.events and rule.signal not in self.events:
            return False
        return SEVERITIES.index(rule.severity) >= SEVERITIES.index(self.min_severity)

    @classmethod
    def from_mapping(cls, raw: Any, where: str, index: int) -> Endpoint:
        if isinstance(raw, str):
            raw = {"url": raw}
        raw = _mapping(raw, where)
        _check_keys(
            raw, {"name", "url", "format", "events", "min_severity", "timeout", "allow_insecure_http", "token_env"}, where
        )
        fmt = raw.get("format", "cloudevents")
        if fmt not in FORMATS:
            raise ConfigError(f"{where}.format must be one of {list(FORMATS)}; got {fmt!r}.")
        events = raw.get("events") or ()
        if isinstance(events, str):
            events = [events]
        if not isinstance(events, (list, tuple)) or not all(isinstance(e, str) for e in events):
            raise ConfigError(f"{where}.events must be a list of rule names; got {events!r}.")
        sev = raw.get("min_severity", "info")
        if sev not in SEVERITIES:
            raise ConfigError(f"{where}.min_severity must be one of {list(SEVERITIES)}; got {sev!r}.")
        token_env = raw.get("token_env")
        if token_env is not None:
            token_env = _str(token_env, f"{where}.token_env")
        return cls(
            name=_str(raw.get("name", f"endpoint-{index}"), f"{where}.name"),
            url=_str(raw.get("url"), f"{where}.url"),
            format=fmt,
            events=tuple(events),
            min_severity=sev,
            timeout=_number(raw.get("timeout", 10.0), f"{where}.timeout", minimum=0.001),
            allow_insecure_http=_bool(raw.get("allow_insecure_http", False), f"{where}.allow_insecure_http"),
            token_env=token_env,
        )


@dataclasses.dataclass(frozen=True)
class DeliveryPolicy:
    """Retries of the outbox: exponential backoff with full jitter, bounded attempts.

    The wait before attempt ``n + 1`` is uniform in ``[0, min(backoff_max, backoff_base * 2**(n-1))]``
    (full jitter), or what ``Retry-After`` asks when the receiver sends it. After
    ``max_attempts`` failed attempts the delivery is dead-lettered. ``max_wait`` bounds how long
    ``run`` keeps retrying in-process before leaving the rest to ``deliver`` / ``serve``. A lease on
    a delivery in flight lasts ``lease`` seconds (default: the endpoint timeout plus 30 s).
    """

    max_attempts: int = 8
    backoff_base: float = 2.0
    backoff_max: float = 3600.0
    max_wait: float = 60.0
    lease: float | None = None

    @classmethod
    def from_mapping(cls, raw: Any, where: str) -> DeliveryPolicy:
        raw = _mapping(raw, where)
        _check_keys(raw, {"max_attempts", "backoff_base", "backoff_max", "max_wait", "lease"}, where)
        lease = raw.get("lease")
        return cls(
            max_attempts=int(_number(raw.get("max_attempts", 8), f"{where}.max_attempts", minimum=1, integer=True)),
            backoff_base=parse_duration(raw.get("backoff_base", 2.0), f"{where}.backoff_base"),
            backoff_max=parse_duration(raw.get("backoff_max", 3600.0), f"{where}.backoff_max"),
            max_wait=parse_duration(raw.get("max_wait", 60.0), f"{where}.max_wait"),
            lease=None if lease is None else parse_duration(lease, f"{where}.lease"),
        )


_TOP = {
    "name", "store", "schedule", "reference", "current", "profile", "rules", "webhooks",
    "delivery", "network", "source", "engine",
}


@dataclasses.dataclass(frozen=True)
class MonitorConfig:
    """A validated ``monitor:`` section. Immutable; ``update()`` returns a copy."""

    name: str = "default"
    store: str = "sqlite:///rai-monitor.db"
    schedule: str | None = None
    reference: Path | None = None
    current: Path | None = None
    profile: Path | None = None
    rules: tuple[Rule, ...] = DEFAULT_RULES
    webhooks: tuple[Endpoint, ...] = ()
    delivery: DeliveryPolicy = DeliveryPolicy()
    network: NetworkPolicy = NetworkPolicy()
    source: str | None = None  # CloudEvents source; default /rai/monitors/<name>
    engine: str = "pandas"  # where profiles are computed: "pandas" or "spark" (rai._spark)

    @property
    def event_source(self) -> str:
        return self.source or f"/rai/monitors/{self.name}"

    def update(self, **changes: Any) -> MonitorConfig:
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_mapping(cls, raw: Any, *, base: Path | None = None, where: str = "monitor") -> MonitorConfig:
        """Validate the ``monitor:`` mapping; relative paths are taken from ``base``."""
        raw = _mapping(raw, where)
        _check_keys(raw, _TOP, where)

        def path(key: str) -> Path | None:
            value = raw.get(key)
            if value is None:
                return None
            p = Path(_str(value, f"{where}.{key}"))
            return p if p.is_absolute() or base is None else base / p

        store = _str(raw.get("store", cls.store), f"{where}.store")
        if "://" not in store:
            raise ConfigError(
                f"{where}.store must be a SQLAlchemy URL such as 'sqlite:///monitor.db' or "
                f"'postgresql+psycopg://user@host/db'; got {store!r}."
            )
        if store.startswith("sqlite:///") and base is not None and not store.startswith("sqlite:////"):
            rel = store[len("sqlite:///"):]
            if rel and rel != ":memory:":
                store = "sqlite:///" + str(base / rel)
        schedule = raw.get("schedule")
        if schedule is not None:
            from monitors._schedule import validate_cron

            schedule = validate_cron(_str(schedule, f"{where}.schedule"), f"{where}.schedule")
        rules_raw = raw.get("rules")
        if rules_raw is None:
            rules = DEFAULT_RULES
        else:
            if not isinstance(rules_raw, list):
                raise ConfigError(f"{where}.rules must be a list of rules; got {rules_raw!r}.")
            rules = tuple(Rule.from_mapping(r, f"{where}.rules[{i}]") for i, r in enumerate(rules_raw))
            names = [r.name for r in rules]
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise ConfigError(f"{where}.rules: rule names must be unique; {dupes} appear more than once.")
        hooks_raw = raw.get("webhooks") or []
        if isinstance(hooks_raw, (str, Mapping)):
            hooks_raw = [hooks_raw]
        if not isinstance(hooks_raw, list):
            raise ConfigError(f"{where}.webhooks must be a list of endpoints; got {hooks_raw!r}.")
        hooks = tuple(Endpoint.from_mapping(h, f"{where}.webhooks[{i}]", i) for i, h in enumerate(hooks_raw))
        names = [h.name for h in hooks]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ConfigError(f"{where}.webhooks: endpoint names must be unique; {dupes} appear more than once.")
        net = _mapping(raw.get("network"), f"{where}.network")
        _check_keys(net, {"allow_insecure_http", "allow_private", "allow_networks"}, f"{where}.network")
        nets = net.get("allow_networks") or []
        if not isinstance(nets, list) or not all(isinstance(n, str) for n in nets):
            raise ConfigError(f"{where}.network.allow_networks must be a list of CIDR networks; got {nets!r}.")
        network = NetworkPolicy(
            allow_insecure_http=_bool(net.get("allow_insecure_http", False), f"{where}.network.allow_insecure_http"),
            allow_private=_bool(net.get("allow_private", False), f"{where}.network.allow_private"),
            allow_networks=tuple(nets),
        )
        network.networks()  # validates the CIDRs
        return cls(
            name=_str(raw.get("name", "default"), f"{where}.name"),
            store=store,
            schedule=schedule,
            reference=path("reference"),
            current=path("current"),
            profile=path("profile"),
            rules=rules,
            webhooks=hooks,
            delivery=DeliveryPolicy.from_mapping(raw.get("delivery"), f"{where}.delivery"),
            network=network,
            source=None if raw.get("source") is None else _str(raw.get("source"), f"{where}.source"),
            engine=_engine(raw.get("engine", "pandas"), f"{where}.engine"),
        )


def _engine(value: Any, where: str) -> str:
    if value not in ("pandas", "spark"):
        raise ConfigError(f"{where} must be 'pandas' or 'spark'; got {value!r}.")
    return value
