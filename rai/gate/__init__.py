"""The release gate: a policy turns an assessment into a verdict for CI.

    policy.yaml ─► Policy ─┐
    assessment.json ───────┼─► evaluate() ─► Verdict ─► exit code, JUnit XML, Markdown, annotations, JSON
    baseline (champion) ───┘

Example
-------
>>> from rai.gate import parse_policy, evaluate, load_assessment_dict   # doctest: +SKIP
>>> policy = parse_policy({"version": 1, "checks": [
...     {"metric": "performance.accuracy", "op": ">=", "threshold": 0.8}]})
>>> verdict = evaluate(policy, load_assessment_dict("out/assessment.json"))
>>> verdict.exit_code
0

This package imports neither pandas nor scikit-learn: gating a JSON file is fast.
"""

from __future__ import annotations

from importlib import resources

from rai.gate._decide import (
    FAIL,
    INSUFFICIENT,
    PASS,
    SKIPPED,
    Bound,
    CheckResult,
    ComparisonRow,
    MeasuredOutcome,
    Verdict,
    compare,
    evaluate,
)
from rai.gate._junit import render_junit
from rai.gate._markdown import (
    MAX_SUMMARY_BYTES,
    append_step_summary,
    escape_data,
    escape_property,
    github_annotations,
    render_markdown,
    render_text,
)
from rai.gate._paths import (
    PATH_PATTERNS,
    AbsentSection,
    Measurement,
    MetricPath,
    Size,
    iter_metrics,
    parse_metric_path,
    resolve,
)
from rai.gate._policy import (
    Check,
    Policy,
    load_policy,
    parse_policy,
    policy_from_config,
)

__all__ = [
    "Check",
    "Policy",
    "load_policy",
    "parse_policy",
    "policy_from_config",
    "MetricPath",
    "Measurement",
    "Size",
    "parse_metric_path",
    "resolve",
    "iter_metrics",
    "PATH_PATTERNS",
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
    "render_junit",
    "render_markdown",
    "render_text",
    "github_annotations",
    "escape_data",
    "escape_property",
    "append_step_summary",
    "MAX_SUMMARY_BYTES",
    "preset_policy_text",
    "default_policy",
    "AbsentSection",
    "load_assessment_dict",
]


def default_policy():
    """The policy that ships with the package: the one ``rai gate --init`` writes, used when none is given."""
    return parse_policy(_yaml_load(preset_policy_text()), source="default policy (rai gate --init)")


def _yaml_load(text: str):
    import yaml

    return yaml.safe_load(text)


def preset_policy_text() -> str:
    """The commented starting policy that ``rai gate --init`` writes."""
    return resources.files("rai.gate").joinpath("preset_policy.yaml").read_text(encoding="utf-8")


def load_assessment_dict(path: str, *, what: str = "assessment", validate: bool = True) -> dict:
    """Read an ``assessment.json`` as a dict, checked against the packaged schema, without pandas.

    Raises ``ConfigError`` naming the file when it is missing, not JSON, or off the schema.
    """
    import json
    from pathlib import Path

    from rai._exceptions import ConfigError

    p = Path(path)
    if not p.is_file():
        hint = " (it is a folder: pass the assessment.json inside it)" if p.is_dir() else ""
        raise ConfigError(f"{what} file {str(p)!r} does not exist{hint}.")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{what} file {str(p)!r} is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("results"), dict):
        raise ConfigError(f"{what} file {str(p)!r} is not an assessment: expected a JSON object with 'results' (from rai assess).")
    if validate:
        from rai._schema import validate_assessment_dict

        try:
            validate_assessment_dict(data)
        except FileNotFoundError:  # schema not packaged (development tree): the resolver still guards every read
            pass
        except ConfigError as exc:
            raise ConfigError(f"{what} file {str(p)!r}: {exc}") from None
    return data
