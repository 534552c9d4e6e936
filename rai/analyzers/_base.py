"""The analyzer contract (scikit-learn style).

``__init__`` only stores keyword-only parameters; ``fit(reference)`` learns what it needs
from the reference and returns ``self`` (learned state ends in ``_``); ``compute(data)``
returns one frozen result. Validation happens in ``fit`` / ``compute``, never in ``__init__``.
"""

from __future__ import annotations

import abc
from typing import Any, ClassVar

from rai._exceptions import ConfigError
from rai._spec import ValidatedData

__all__ = ["Analyzer", "check_param"]


class Analyzer(abc.ABC):
    #: The slot of ``Results`` this analyzer fills.
    name: ClassVar[str]
    #: Needs a target column (and a prediction, from the data or a model).
    needs_target: ClassVar[bool] = False
    #: Needs a reference table passed to ``fit``.
    needs_reference: ClassVar[bool] = False
    #: Costly, and reads no reference: computed in a child process beside the others when a core
    #: is free (``rai._apart``).
    runs_apart: ClassVar[bool] = False
    #: Modules such a child imports while the inputs are still being prepared.
    apart_imports: ClassVar[tuple[str, ...]] = ()
    #: Needs a model (``ModelAdapter``) passed as the ``model`` parameter.
    needs_model: ClassVar[bool] = False
    #: Runs by default only when configured (``analyzers.<name>`` in rai.yaml) or named (``--only``).
    opt_in: ClassVar[bool] = False

    def fit(self, reference: ValidatedData) -> Analyzer:
        """Learn from the reference data; the default keeps it as ``reference_``."""
        self.reference_ = reference
        return self

    @abc.abstractmethod
    def compute(self, data: ValidatedData) -> Any:
        """Analyze ``data`` and return this analyzer's frozen result."""

    def get_params(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if not k.endswith("_") and not k.startswith("_")}

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items() if k != "model")
        return f"{type(self).__name__}({params})"


def check_param(owner: str, name: str, value: Any, expected: str, ok: bool) -> None:
    """Raise the one parameter-error format: "The 'x' parameter of F must be ... Got ... instead."."""
    if not ok:
        raise ConfigError(f"The {name!r} parameter of {owner} must be {expected}. Got {value!r} instead.")
