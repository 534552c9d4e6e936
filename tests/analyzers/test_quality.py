"""Quality analyzer on hand-built frames whose findings are known by construction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rai._exceptions import ConfigError
from rai._spec import DatasetSpec
from rai.analyzers import get_analyzer_class
from rai.analyzers._quality import QualityAnalyzer
from rai.datasets import load_acs_employment
from rai.results import QualityResult


def reference_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": range(10),
            "age": [20, 25, 30, 35, 40, 45, 50, 55, 60, 65],
            "income": [1.0, 2.0, np.nan, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0],
            "city": ["a", "b", "c", "a", "b", "c", "a", "b", "c", "a"],
            "const": [1] * 10,
            "label": [0, 1] * 5,
        }
    )


def current_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [0, 1, 2, 3, 4, 5, 6, 7, 8, 8],  # one repeated id
            "age": [18, 25, 30, 35, 40, 45, 50, 55, 70, 70],  # 18, 70, 70 out of [20, 65]
            "income": [np.nan, np.nan, np.nan, np.nan, 5.0, 6.0, 7.0, 8.0, 9.0, 9.0],  # 40% missing
            "city": ["a", "b", "d", "a", "e", "e", "a", "b", "c", "c"],  # d once, e twice: unseen
            "const": [1] * 10,
            "label": [0, 1, 0, 1, 0, 1, 0, 1, 1, 1],
        }
    )


# age and const are small integer columns, which evidently (and so rai) would read as categorical codes
SPEC = DatasetSpec(target="label", id="id", categorical=("city",), numeric=("age", "const"))


def quality(reference=None, current=None, spec=SPEC, **params) -> QualityResult:
    current = current_frame() if current is None else current
    analyzer = QualityAnalyzer(**params)
    if reference is not None:
        ref, cur = spec.validate_pair(reference, current)
        analyzer.fit(ref)
    else:
        cur = spec.validate(current)
    return analyzer.compute(cur)


def by_column(result: QualityResult):
    return {c.column: c for c in result.columns}


def issues(result: QualityResult):
    return {(i.column, i.kind): i.severity for i in result.issues}


def test_findings_against_a_reference():
    result = quality(reference_frame())
    cols = by_column(result)
    assert result.n_rows == 10 and result.n_columns == 6
    assert cols["income"].n_missing == 4 and cols["income"].missing_share == pytest.approx(0.4)
    assert cols["age"].out_of_range_count == 3 and cols["age"].out_of_range_share == pytest.approx(0.3)
    assert cols["city"].unseen_categories == ["e", "d"] and cols["city"].unseen_count == 3
    assert cols["const"].constant and not cols["age"].constant
    # the last two rows are identical
    assert result.duplicate_rows == 1 and result.duplicate_row_share == pytest.approx(0.1)
    found = issues(result)
    assert found == {
        ("income", "missing"): "warning",  # 40% now, 10% in the reference
        ("age", "out_of_range"): "warning",
        ("city", "unseen_categories"): "warning",
        ("const", "constant"): "info",  # constant in the reference too
        (None, "duplicate_rows"): "warning",
        ("id", "duplicate_ids"): "warning",
    }
    assert [i.severity for i in result.issues] == sorted(
        [i.severity for i in result.issues], key=["error", "warning", "info"].index
    )


def test_without_reference_range_and_category_checks_are_skipped():
    result = quality()
    cols = by_column(result)
    assert cols["age"].out_of_range_share is None and cols["age"].out_of_range_count == 0
    assert cols["city"].unseen_categories == [] and cols["city"].unseen_count == 0
    found = issues(result)
    assert found[("const", "constant")] == "warning"
    assert ("age", "out_of_range") not in found


def test_column_that_became_constant_or_empty_is_an_error():
    cur = current_frame()
    cur["age"] = 30
    cur["income"] = np.nan
    found = issues(quality(reference_frame(), cur, spec=SPEC.replace(numeric=("income",))))
    assert found[("age", "constant")] == "error"
    assert found[("income", "missing")] == "error"


def test_type_mismatch_counts_values_of_another_type():
    ref = reference_frame()
    cur = current_frame()
    cur["city"] = ["a", "b", 3, "a", 4.5, "c", "a", "b", "c", "c"]  # two numbers among text
    result = quality(ref, cur)
    assert by_column(result)["city"].type_mismatch_count == 2
    assert issues(result)[("city", "type_mismatch")] == "error"
    # a numeric reference column read as text now: only the non-numbers are mismatches
    ref2 = pd.DataFrame({"x": ["1", "2", "3", "4"], "y": [1, 2, 3, 4]})
    cur2 = pd.DataFrame({"x": ["1", "2", "3", "4"], "y": pd.Series([1, 2, "n/a", 4], dtype=object)})
    spec = DatasetSpec(categorical=("y",))
    r, c = spec.validate_pair(ref2, cur2)
    q = QualityAnalyzer().fit(r).compute(c)
    assert by_column(q)["y"].type_mismatch_count == 1 and by_column(q)["x"].type_mismatch_count == 0


def test_identical_columns_are_grouped_including_missing_positions():
    frame = pd.DataFrame(
        {
            "a": [1.0, np.nan, 3.0, 4.0],
            "b": [1.0, np.nan, 3.0, 4.0],
            "c": [1.0, 2.0, 3.0, 4.0],
            "d": ["x", "y", "x", "y"],
            "e": pd.Categorical(["x", "y", "x", "y"]),
            "f": [1.0, np.nan, 3.0, 4.0],
        }
    )
    result = quality(current=frame, spec=DatasetSpec())
    # a text column and a categorical column with the same labels hold the same values
    assert result.duplicated_columns == [["a", "b", "f"], ["d", "e"]]
    assert issues(result)[("a", "duplicated_columns")] == "warning"


def test_identical_columns_are_told_apart_past_their_first_rows():
    from rai.analyzers._quality import _HEAD_ROWS

    n = _HEAD_ROWS + 50
    base = np.arange(n, dtype=float)
    late = base.copy()
    late[-1] = -1.0  # equal on the first rows, one value differs near the end
    frame = pd.DataFrame({"a": base, "b": base.copy(), "c": late, "d": base[::-1].copy()})
    result = quality(current=frame, spec=DatasetSpec(numeric=("a", "b", "c", "d")))
    assert result.duplicated_columns == [["a", "b"]]


def test_duplicate_rows_equal_pandas_on_acs():
    acs = load_acs_employment(2018)
    features = acs.drop(columns=["id"])
    spec = DatasetSpec(target="employed", prediction="prediction", score="predicted_probability", exclude=("year",))
    result = quality(current=features, spec=spec)
    assert result.duplicate_rows == int(features.duplicated().sum()) > 0
    assert result.duplicated_columns == []
    assert by_column(result)["year"].constant
    assert ("year", "constant") not in issues(result)  # excluded columns are not judged


def test_identical_acs_years_have_no_warnings():
    ref = load_acs_employment(2015)
    spec = DatasetSpec(target="employed", prediction="prediction", score="predicted_probability", id="id", exclude=("year",))
    r, c = spec.validate_pair(ref, ref.copy())
    result = QualityAnalyzer().fit(r).compute(c)
    assert [i for i in result.issues if i.severity != "info"] == []


def test_round_trip_and_registry():
    result = quality(reference_frame())
    assert QualityResult.from_dict(result.to_dict()).to_dict() == result.to_dict()
    assert get_analyzer_class("quality") is QualityAnalyzer and not QualityAnalyzer.needs_reference


def test_bad_parameter():
    with pytest.raises(ConfigError) as err:
        quality(missing_threshold=2)
    assert str(err.value) == "The 'missing_threshold' parameter of QualityAnalyzer must be a number in [0, 1]. Got 2 instead."


def test_duplicate_rows_with_unhashable_cells():
    frame = pd.DataFrame({"a": [1, 1, 2], "b": [[1, 2], [1, 2], [3]]})
    result = quality(current=frame, spec=DatasetSpec(categorical=("b",)))
    assert result.duplicate_rows == 1
    assert by_column(result)["b"].n_unique == 2


def test_a_stored_profile_serves_as_the_reference():
    from rai._profile import Profile

    ref = reference_frame()
    r, c = SPEC.validate_pair(ref, current_frame())
    profile = Profile.from_frame(ref, {"age": "numeric", "income": "numeric", "city": "categorical", "const": "numeric"})
    from_profile = QualityAnalyzer().fit(profile).compute(c)
    from_rows = QualityAnalyzer().fit(r).compute(c)
    for a, b in zip(from_profile.columns, from_rows.columns):
        if a.column in ("age", "income", "city", "const"):
            assert a == b
    assert issues(from_profile) == issues(from_rows)
