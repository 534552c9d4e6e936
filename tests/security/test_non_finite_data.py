"""+inf / -inf in data: a quality error and counted drift, never silently filtered away."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from rai._spec import DatasetSpec
from rai.analyzers._drift import DriftAnalyzer
from rai.analyzers._quality import QualityAnalyzer


def _tables(n_inf: int = 300):
    rng = np.random.default_rng(3)
    ref = pd.DataFrame({"x": rng.normal(size=3000), "z": rng.normal(size=3000)})
    cur = pd.DataFrame({"x": rng.normal(size=3000), "z": rng.normal(size=3000)})
    idx = rng.choice(3000, size=n_inf, replace=False)
    cur.loc[idx[: n_inf // 2], "x"] = np.inf
    cur.loc[idx[n_inf // 2:], "x"] = -np.inf
    spec = DatasetSpec()
    return spec.validate(ref), spec.validate(cur)


def test_infinite_values_are_a_quality_error_with_their_counts():
    ref, cur = _tables()
    result = QualityAnalyzer().fit(ref).compute(cur)
    (issue,) = [i for i in result.issues if i.kind == "non_finite"]
    assert issue.column == "x" and issue.severity == "error"
    assert "300 infinite value(s) (10.00%: 150 +inf, 150 -inf)" in issue.message
    assert not [i for i in QualityAnalyzer().fit(ref).compute(ref).issues if i.kind == "non_finite"]


def test_infinite_values_are_counted_and_drift_the_column():
    ref, cur = _tables()
    drift = DriftAnalyzer().fit(ref).compute(cur)
    x = next(c for c in drift.columns if c.column == "x")
    z = next(c for c in drift.columns if c.column == "z")
    assert (x.n_infinite_reference, x.n_infinite_current) == (0, 300)
    assert x.n_current == 2700  # the statistic saw the finite values only, and says so
    assert x.drifted and not z.drifted
    assert x.to_dict()["n_infinite_current"] == 300


@pytest.mark.parametrize("n_inf, drifted", [(20, False), (40, True)])
def test_the_tolerance_decides(n_inf, drifted):
    # 20 of 3000 = 0.67 % is within the default 1 % tolerance; 40 = 1.33 % is not
    ref, cur = _tables(n_inf)
    x = next(c for c in DriftAnalyzer().fit(ref).compute(cur).columns if c.column == "x")
    assert x.n_infinite_current == n_inf and x.drifted is drifted


def test_rai_assess_reports_it(rai, tmp_path):
    ref, cur = _tables()
    ref.frame.to_csv(tmp_path / "ref.csv", index=False)
    cur.frame.to_csv(tmp_path / "cur.csv", index=False)  # pandas writes inf / -inf, and reads them back
    r = rai("assess", "--data", tmp_path / "cur.csv", "--reference", tmp_path / "ref.csv", "--out", tmp_path / "out")
    assert r.code == 0, r.err
    assert "drift: 1 of 2 columns drifted" in r.out
    doc = json.loads((tmp_path / "out" / "assessment.json").read_text())
    assert [i["severity"] for i in doc["results"]["quality"]["issues"] if i["kind"] == "non_finite"] == ["error"]
    assert [c["n_infinite_current"] for c in doc["results"]["drift"]["columns"]] == [300, 0]
