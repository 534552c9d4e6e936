"""The MLflow commands stay light: their help (and `rai --help`) never imports mlflow or pandas."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("argv", [["--help"], ["mlflow", "log", "--help"], ["approve", "--help"],
                                  ["approvals", "--help"], ["assess", "--help"]])
def test_help_does_not_import_mlflow(argv):
    code = ("import sys; from rai.cli import cli\n"
            f"try:\n    cli.main(args={argv!r}, prog_name='rai', standalone_mode=False)\n"
            "except SystemExit:\n    pass\n"
            "print('HEAVY', [m for m in ('mlflow', 'pandas', 'sklearn') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "Usage: rai" in out.stdout
    assert out.stdout.strip().endswith("HEAVY []"), out.stdout[-300:]
