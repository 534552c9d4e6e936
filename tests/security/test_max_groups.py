"""A sensitive feature with as many values as rows is refused at once, naming the column and the count."""

from __future__ import annotations

import textwrap
import time

import numpy as np
import pandas as pd
import pytest

from rai._exceptions import DataContractError
from rai._spec import DatasetSpec


@pytest.fixture
def wide(tmp_path):
    n = 100_000
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=n), "y": rng.integers(0, 2, n), "pred": rng.integers(0, 2, n),
                          "person": [f"p{i}" for i in range(n)]})
    path = tmp_path / "data.parquet"
    frame.to_parquet(path, index=False)
    return frame, path


def test_rai_assess_refuses_100k_groups_in_seconds(rai, wide, tmp_path):
    _, path = wide
    t0 = time.monotonic()
    r = rai("assess", "--data", path, "--target", "y", "--prediction", "pred", "--sensitive", "person",
            "--out", tmp_path / "out")
    assert r.code == 2
    assert "sensitive feature 'person' has 100,000 distinct values; at most 300 groups are allowed" in r.err
    assert time.monotonic() - t0 < 120  # used to run for more than 600 s
    assert not (tmp_path / "out" / "assessment.json").exists()


def test_the_limit_is_configurable(wide, tmp_path):
    frame, _ = wide
    small = frame.head(400)
    with pytest.raises(DataContractError, match="'person' has 400 distinct values; at most 300"):
        DatasetSpec(target="y", prediction="pred", sensitive=("person",)).validate(small)
    assert DatasetSpec(target="y", prediction="pred", sensitive=("person",), max_groups=400).validate(small)
    with pytest.raises(DataContractError, match="max_groups must be an integer >= 2; got '400'"):
        DatasetSpec(sensitive=("person",), max_groups="400").validate(small)


def test_max_groups_from_rai_yaml(tmp_path):
    from rai._config import load_config

    (tmp_path / "rai.yaml").write_text(textwrap.dedent("""\
        version: 1
        data: {target: y, sensitive: [person], max_groups: 1000}
        """), encoding="utf-8")
    assert load_config(tmp_path / "rai.yaml").spec.max_groups == 1000


def test_an_intersection_above_the_limit_is_left_out_with_a_warning(caplog):
    from rai.analyzers._groups import sensitive_groupings

    n = 2000
    frame = pd.DataFrame({"a": [f"a{i % 40}" for i in range(n)], "b": [f"b{i % 41}" for i in range(n)]})
    data = DatasetSpec(sensitive=("a", "b"), max_groups=300).validate(frame)
    with caplog.at_level("WARNING"):
        names = [name for name, _ in sensitive_groupings(data)]
    assert names == ["a", "b"]  # 40 x 41 -> 1,640 combined groups (2,000 rows, lcm 1,640) > 300
    assert "intersection a & b has 1640 groups, above max_groups 300" in caplog.text
    data = DatasetSpec(sensitive=("a", "b"), max_groups=2000).validate(frame)
    assert [name for name, _ in sensitive_groupings(data)] == ["a", "b", "a & b"]
