from __future__ import annotations

import dataclasses

import pytest

from rai.cli import main


@dataclasses.dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def rai(capsys):
    """Run the CLI in-process: returns exit code, stdout and stderr."""

    def run(*args: str) -> Run:
        with pytest.raises(SystemExit) as exc:
            main([str(a) for a in args])
        captured = capsys.readouterr()
        return Run(code=exc.value.code, out=captured.out, err=captured.err)

    return run
