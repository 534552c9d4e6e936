"""A data-only `rai assess` imports only what it runs: no model, explanation or plotting library."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd

#: Libraries a run without a model or labels has no use for (scipy.stats: the drift tests of
#: small references only; above 1000 reference values drift uses distances computed with numpy).
HEAVY = ("shap", "lime", "interpret", "sklearn", "skops", "matplotlib", "econml", "mlflow", "fairlearn",
         "evidently", "jinja2", "scipy.stats", "scipy.sparse", "scipy.spatial")

_RUN = """
import json, sys
from rai.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _table(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "age": rng.normal(40, 10, n),
        "hours": rng.integers(10, 60, n),
        "city": rng.choice(["a", "b", "c"], n),
    })


def test_data_only_assess_imports_no_heavy_library(tmp_path):
    _table(2000, 1).to_parquet(tmp_path / "ref.parquet")
    _table(2000, 2).to_parquet(tmp_path / "cur.parquet")
    proc = subprocess.run(
        [sys.executable, "-c", _RUN, "assess", "--data", str(tmp_path / "cur.parquet"),
         "--reference", str(tmp_path / "ref.parquet"), "--out", str(tmp_path / "out"), "--quiet"],
        capture_output=True, text=True, check=True,
    )
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["code"] == 0, proc.stderr
    assert (tmp_path / "out" / "assessment.json").is_file()
    imported = [m for m in result["modules"] if any(m == h or m.startswith(h + ".") for h in HEAVY)]
    assert imported == []
    assert "rai.analyzers._drift" in result["modules"] and "rai.analyzers._quality" in result["modules"]
