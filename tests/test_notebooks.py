"""Every notebook under notebooks/ runs top to bottom without an error."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.chdir(tmp_path)
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_stored_with_its_outputs(path):
    # notebooks/regenerate.py executes them in place, so a reader on GitHub sees tables and charts
    import nbformat

    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code), f"{path.name}: run notebooks/regenerate.py"
    assert not [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
    charts = sum("image/png" in o.get("data", {}) for c in code for o in c.get("outputs", []))
    drawn = len(re.findall(r"rai\.plot\.\w+\(", "".join(c.source for c in code)))
    assert charts >= drawn, f"{path.name} draws {drawn} chart(s) with rai.plot but stores {charts}"
