"""Analyzers: one module each, a registry of names, and the default preset.

The registry is a plain dict from a result slot to ``"module:Class"``; classes are imported
only when used, so ``rai --help`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

from rai._exceptions import ConfigError
from rai.analyzers._base import Analyzer, check_param

__all__ = ["Analyzer", "ANALYZERS", "get_analyzer_class", "default_analyzers", "check_param"]

ANALYZERS: dict[str, str] = {
    "performance": "rai.analyzers._performance:PerformanceAnalyzer",
    "fairness": "rai.analyzers._fairness:FairnessAnalyzer",
    "drift": "rai.analyzers._drift:DriftAnalyzer",
    "quality": "rai.analyzers._quality:QualityAnalyzer",
    "errors": "rai.analyzers._errors:ErrorAnalyzer",
    "explanations": "rai.analyzers._explanations:ExplanationAnalyzer",
    "causal": "rai.analyzers._causal:CausalAnalyzer",
    "counterfactuals": "rai.analyzers._counterfactuals:CounterfactualAnalyzer",
}


def get_analyzer_class(name: str) -> type[Analyzer]:
    if name not in ANALYZERS:
        raise ConfigError(f"unknown analyzer {name!r}; expected one of {sorted(ANALYZERS)}.")
    module, _, cls = ANALYZERS[name].partition(":")
    return getattr(importlib.import_module(module), cls)


def default_analyzers(
    *,
    options: dict[str, dict[str, Any]] | None = None,
    enabled: list[str] | None = None,
    model: Any = None,
    seed: int = 0,
) -> list[Analyzer]:
    """The default preset: every registered analyzer, with per-analyzer options from the config.

    An opt-in analyzer (causal) joins the default list only when ``options`` configures it.

    ``options`` maps an analyzer name to its keyword parameters (the ``analyzers:`` section of
    ``rai.yaml``); ``enabled`` restricts the list. Analyzers whose needs are not met (no target,
    no reference, no model) are skipped by ``assess`` with a note, not here.
    """
    options = options or {}
    unknown = sorted(set(options) - set(ANALYZERS))
    if unknown:
        raise ConfigError(f"analyzers: unknown analyzer(s) {unknown}; expected names from {sorted(ANALYZERS)}.")
    names = list(ANALYZERS) if enabled is None else list(enabled)
    out: list[Analyzer] = []
    for name in names:
        cls = get_analyzer_class(name)
        if enabled is None and cls.opt_in and name not in options:
            continue
        params = dict(options.get(name) or {})
        _check_booleans(cls, name, params)
        if "seed" in _init_params(cls):
            params.setdefault("seed", seed)
        if cls.needs_model:
            params.setdefault("model", model)
        try:
            out.append(cls(**params))
        except TypeError as exc:
            raise ConfigError(f"analyzers.{name}: {exc}") from exc
    return out


def _check_booleans(cls: type, name: str, params: dict[str, Any]) -> None:
    """A flag whose default is a boolean takes a YAML boolean: ``bool("false")`` would be true."""
    import inspect

    for param in inspect.signature(cls.__init__).parameters.values():
        if isinstance(param.default, bool) and param.name in params and not isinstance(params[param.name], bool):
            raise ConfigError(
                f"analyzers.{name}.{param.name} must be true or false (a YAML boolean, unquoted); "
                f"got {params[param.name]!r}."
            )


def _init_params(cls: type) -> set[str]:
    import inspect

    return set(inspect.signature(cls.__init__).parameters)
