"""Golden files of the rendered outputs (Markdown summary, JUnit XML, console text).

Run with RAI_UPDATE_GOLDEN=1 to rewrite them after an intended change, and review the diff.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from rai.gate import render_junit, render_markdown, render_text

from .conftest import make_assessment
from .test_outputs import verdict

GOLDEN = Path(__file__).resolve().parent / "golden"


def normalise_junit(text: str) -> str:
    text = re.sub(r'timestamp="[^"]*"', 'timestamp="T"', text)
    text = re.sub(r'hostname="[^"]*"', 'hostname="H"', text)
    return re.sub(r'time="[0-9.]+"', 'time="0"', text)


@pytest.mark.parametrize(
    "name,render",
    [
        ("summary.md", lambda v: render_markdown(v)),
        ("gate.xml", lambda v: normalise_junit(render_junit(v))),
        ("console.txt", lambda v: render_text(v) + "\n"),
    ],
)
def test_golden(name, render):
    text = render(verdict(baseline=make_assessment(accuracy=0.84), name="golden policy"))
    path = GOLDEN / name
    if os.environ.get("RAI_UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")
