"""Shared fixtures: small generated tables (fast), and the bundled ACS demo data."""

from __future__ import annotations

import os

# pytest -n 2 runs two workers on two cores: one thread each, or OpenMP / BLAS threads
# oversubscribe the machine and spin (a demo model took 200 s instead of 4 s)
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from pathlib import Path  # noqa: E402

import dataclasses  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

#: ../shared beside the project (or $RAI_SHARED_DIR, e.g. from a git worktree elsewhere): optional
#: extra data for tests, skipped when absent
SHARED = Path(os.environ.get("RAI_SHARED_DIR") or Path(__file__).resolve().parents[1].parent / "shared")


def shared_file(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not available (../shared is optional)")
    return path


def make_binary(n: int = 2000, *, seed: int = 0, bias: float = 0.0) -> pd.DataFrame:
    """A binary task with a sensitive feature; ``bias`` raises group 'b's positive predictions."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.normal(size=n)
    color = rng.choice(["red", "green", "blue"], size=n)
    group = rng.choice(["a", "b"], size=n, p=[0.6, 0.4])
    logit = 1.5 * x1 - x2 + (color == "red") * 0.5
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    score = 1 / (1 + np.exp(-(logit + rng.normal(scale=0.8, size=n) + bias * (group == "b"))))
    return pd.DataFrame({"x1": x1, "x2": x2, "color": color, "group": group, "y": y,
                         "score": score, "pred": (score >= 0.5).astype(int)})


@pytest.fixture
def binary_frame() -> pd.DataFrame:
    return make_binary()


@pytest.fixture(scope="session")
def adult_csv() -> Path:
    return shared_file("datasets", "adult", "adult.csv")


@dataclasses.dataclass
class Run:
    """What one in-process CLI call gave."""

    code: int
    out: str
    err: str


@pytest.fixture
def rai(capsys):
    """Run the CLI in-process: returns exit code, stdout and stderr."""
    from rai.cli import main

    def run(*args: object) -> Run:
        with pytest.raises(SystemExit) as exc:
            main([str(a) for a in args])
        captured = capsys.readouterr()
        return Run(code=exc.value.code, out=captured.out, err=captured.err)

    return run
