"""Pin the public names, so a change to the API is a deliberate one."""

from __future__ import annotations

import subprocess
import sys

import rai


def test_top_level_names():
    assert sorted(rai.__all__) == sorted([
        "__version__", "Assessment", "DatasetSpec", "ModelAdapter", "ValidatedData", "assess", "load_config",
        "load_model", "read_table", "what_if", "RaiError", "UserInputError", "DataContractError", "ConfigError",
        "ModelLoadError", "UnsupportedError",
    ])
    for name in rai.__all__:
        assert getattr(rai, name) is not None


def test_exception_tree():
    assert issubclass(rai.DataContractError, rai.UserInputError)
    assert issubclass(rai.ConfigError, rai.UserInputError)
    assert issubclass(rai.ModelLoadError, rai.UserInputError)
    assert issubclass(rai.UserInputError, rai.RaiError)
    assert not issubclass(rai.UnsupportedError, rai.UserInputError)


def test_import_and_help_stay_light():
    # `rai --help` must not import the heavy libraries
    code = ("import sys; from rai.cli import cli; import click; "
            "heavy = [m for m in ('pandas', 'sklearn', 'shap', 'scipy', 'evidently', 'fairlearn') if m in sys.modules]; "
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
