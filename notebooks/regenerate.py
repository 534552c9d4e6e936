"""Execute the notebooks in place, so they are stored with their outputs (tables, charts).

    python notebooks/regenerate.py                 # every notebook
    python notebooks/regenerate.py 01_assessment   # some of them (name without .ipynb)

Each runs in a fresh temporary folder (what it writes is thrown away) with the repository on
PYTHONPATH; the suite executes them again (tests/test_notebooks.py), so stored outputs can age
but a notebook that stopped working cannot.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def regenerate(path: Path, *, timeout: int = 1800) -> None:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="rai-notebook-") as folder:
        NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": folder}}).execute()
    nbformat.write(nb, path)


def main(names: list[str]) -> None:
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE.parent), os.environ.get("PYTHONPATH")]))
    paths = [HERE / f"{n.removesuffix('.ipynb')}.ipynb" for n in names] or sorted(HERE.glob("*.ipynb"))
    for path in paths:
        print(f"executing {path.name}", flush=True)
        regenerate(path)


if __name__ == "__main__":
    main(sys.argv[1:])
