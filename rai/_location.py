"""Where an assessment lives: a folder holding ``assessment.json``, or the file itself.

Every command and function that takes an assessment accepts both, so ``save("out/")`` and
``rai report --assessment out/`` meet. Light on purpose: the gate imports it without pandas.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["ASSESSMENT_FILE", "assessment_file", "assessment_target"]

ASSESSMENT_FILE = "assessment.json"


def assessment_file(path: str | Path) -> Path:
    """The ``assessment.json`` to read: ``path`` itself, or the one inside it when it is a folder."""
    path = Path(path)
    return path / ASSESSMENT_FILE if path.is_dir() else path


def assessment_target(path: str | Path) -> Path:
    """The file to write: ``path`` when it ends in ``.json``, else ``assessment.json`` inside the folder."""
    path = Path(path)
    return path if path.suffix.lower() == ".json" else path / ASSESSMENT_FILE
