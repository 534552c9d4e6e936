"""rai: responsible-AI assessments, offline reports, CI release gates and drift monitoring.

The public API is the names in ``__all__``; they are imported on first use so that
``import rai`` (and ``rai --help``) stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

from rai._version import __version__

__all__ = [
    "__version__",
    "Assessment",
    "DatasetSpec",
    "ModelAdapter",
    "ValidatedData",
    "assess",
    "load_config",
    "load_model",
    "read_table",
    "what_if",
    "RaiError",
    "UserInputError",
    "DataContractError",
    "ConfigError",
    "ModelLoadError",
    "UnsupportedError",
]

_LAZY = {
    "Assessment": "rai._assessment",
    "assess": "rai._assessment",
    "DatasetSpec": "rai._spec",
    "ValidatedData": "rai._spec",
    "ModelAdapter": "rai._model",
    "load_model": "rai._model",
    "load_config": "rai._config",
    "read_table": "rai._io",
    "what_if": "rai._what_if",
    "RaiError": "rai._exceptions",
    "UserInputError": "rai._exceptions",
    "DataContractError": "rai._exceptions",
    "ConfigError": "rai._exceptions",
    "ModelLoadError": "rai._exceptions",
    "UnsupportedError": "rai._exceptions",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'rai' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
