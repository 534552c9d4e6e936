"""The toolkit's exceptions, one small tree.

    RaiError                      base of everything the toolkit raises on purpose
    ├── UserInputError            the user's input is wrong: CLI exit code 2, no traceback
    │   ├── DataContractError     a table breaks the data contract (missing column, bad target, ...)
    │   ├── ConfigError           rai.yaml / policy / flags are malformed
    │   ├── ModelLoadError        a model file cannot be loaded (or is unsafe without --trust-model)
    │   └── OutputError           an output cannot be written (folder under a file, read-only, not ours to overwrite)
    ├── UnsupportedError          a valid request the toolkit cannot serve (e.g. model type for an explainer)
    └── InternalError             a bug in the toolkit

Messages name the column or parameter, what was expected and what came.
"""

from __future__ import annotations

__all__ = [
    "RaiError",
    "UserInputError",
    "DataContractError",
    "ConfigError",
    "ModelLoadError",
    "OutputError",
    "UnsupportedError",
    "InternalError",
]


class RaiError(Exception):
    """Base of every exception the toolkit raises on purpose."""


class UserInputError(RaiError):
    """The user's input is wrong; the CLI exits with code 2 and prints only the message."""


class DataContractError(UserInputError):
    """A table does not satisfy the data contract (columns, types, target values)."""


class ConfigError(UserInputError):
    """A configuration file, policy or option is malformed."""


class ModelLoadError(UserInputError):
    """A model file cannot be loaded, or would need --trust-model to be unpickled."""


class OutputError(UserInputError):
    """An output file or folder cannot be written: nothing is left half-written behind."""


class UnsupportedError(RaiError):
    """The request is valid but not supported (e.g. an explainer for this model type)."""


class InternalError(RaiError):
    """A bug in the toolkit: please report it."""
