"""The data contract: every bad input gets an error naming the column, what was expected and what came."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rai._exceptions import DataContractError
from rai._spec import DatasetSpec
from tests.conftest import make_binary

SPEC = DatasetSpec(target="y", prediction="pred", score="score", sensitive=("group",))


def test_resolves_features_types_task_and_positive_label(binary_frame):
    data = SPEC.validate(binary_frame)
    assert data.features == ("x1", "x2", "color", "group")
    assert data.feature_types == {"x1": "numeric", "x2": "numeric", "color": "categorical", "group": "categorical"}
    assert data.task == "binary" and data.classes == (0, 1) and data.positive_label == 1


def test_feature_type_override(binary_frame):
    data = SPEC.replace(categorical=("x1",)).validate(binary_frame)
    assert data.feature_types["x1"] == "categorical"


def test_spec_is_frozen_and_hashable():
    with pytest.raises(Exception):
        SPEC.target = "z"  # type: ignore[misc]
    assert hash(SPEC) == hash(DatasetSpec(target="y", prediction="pred", score="score", sensitive=["group"]))


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda f: f.rename(columns={"y": "label"}), r"the target column 'y' is not in the table"),
        (lambda f: f.rename(columns={"pred": "prd"}), r"prediction column 'pred' is not in the table\. Did you mean 'prd'\?"),
        (lambda f: f.rename(columns={"y": "y_label_2024"}), r"target column 'y' is not in the table\. Did you mean 'y_label_2024'\?"),
        (lambda f: f.assign(y=0), r"single class 0"),
        (lambda f: f.assign(y=f.y.where(f.index > 2)), r"'y' has 3 missing value\(s\) \(rows 0, 1, 2\)"),
        (lambda f: f.assign(pred=f.pred.where(f.index != 5)), r"prediction column 'pred' has 1 missing"),
        (lambda f: f.assign(pred=f.pred.replace(1, 7)), r"not labels of the target 'y': \[7\]"),
        (lambda f: f.assign(score=f.score * 2), r"score column 'score' has \d+ value\(s\) outside \[0, 1\]"),
        (lambda f: f.assign(y=f.y.astype(object).where(f.index != 4, "n/a")), r"'y' holds numbers but also 1 text value\(s\) such as 'n/a' \(row 4\)"),
        (lambda f: f.iloc[:0], r"no rows"),
        (lambda f: pd.concat([f, f[["x1"]]], axis=1), r"duplicated column names \['x1'\]"),
    ],
)
def test_bad_input_is_named(binary_frame, mutate, message):
    with pytest.raises(DataContractError, match=message):
        SPEC.validate(mutate(binary_frame))


def test_unknown_positive_label(binary_frame):
    with pytest.raises(DataContractError, match=r"positive_label 'yes' is not a value of the target column 'y'"):
        SPEC.replace(positive_label="yes").validate(binary_frame)


def test_reference_and_current_must_match(binary_frame):
    current = binary_frame.drop(columns=["x2"])
    with pytest.raises(DataContractError, match=r"missing from the data: \['x2'\]"):
        SPEC.validate_pair(binary_frame, current)
    typed = binary_frame.assign(x1=binary_frame.x1.astype(str) + "cm")
    with pytest.raises(DataContractError, match=r"column 'x1' is numeric in the reference .* but categorical in the data"):
        SPEC.validate_pair(binary_frame, typed)


def test_unicode_and_markup_names_pass_through_unchanged():
    frame = make_binary(200)
    frame = frame.rename(columns={"x1": "âge <script>alert(1)</script>", "group": "groupe \"é\""})
    frame['groupe "é"'] = frame['groupe "é"'].map({"a": "fémmes <b>", "b": "hommes"})
    data = SPEC.replace(sensitive=('groupe "é"',)).validate(frame)
    assert "âge <script>alert(1)</script>" in data.features
    assert set(data.sensitive_values('groupe "é"')) == {"fémmes <b>", "hommes"}


def test_regression_inferred_for_continuous_target():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"y": rng.normal(size=100), "p": rng.normal(size=100), "x": rng.normal(size=100)})
    assert DatasetSpec(target="y", prediction="p").validate(frame).task == "regression"


def test_feature_types_follow_evidently_inference():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # evidently's own imports
        from evidently.core.datasets import infer_column_type

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "small_int": rng.integers(0, 9, 300),      # <= 10 values: categorical
        "big_int": rng.integers(0, 500, 300),      # numerical
        "real": rng.normal(size=300),
        "text": rng.choice(["x", "y"], 300),
        "flag": rng.random(300) > 0.5,
        "when": pd.date_range("2024-01-01", periods=300, freq="h"),
    })
    data = DatasetSpec().validate(frame)
    assert "when" not in data.features  # date-times are event times, not features
    for column in ("small_int", "big_int", "real", "text", "flag"):
        expected = infer_column_type(frame[column]).value
        ours = {"numeric": "num", "categorical": "cat"}[data.feature_types[column]]
        assert ours == expected, column


def test_reference_decides_types_that_differ_only_by_cardinality():
    ref = pd.DataFrame({"code": np.arange(300) % 8, "x": np.arange(300.0)})
    cur = pd.DataFrame({"code": np.arange(300) % 12, "x": np.arange(300.0)})
    r, c = DatasetSpec().validate_pair(ref, cur)
    assert r.feature_types["code"] == c.feature_types["code"] == "categorical"


def test_sensitive_values_label_each_group_as_before():
    """Labels come from the distinct values (fast path), and mixed objects keep True apart from 1."""
    from rai import DatasetSpec

    frame = pd.DataFrame({
        "y": [0, 1] * 6, "p": [1, 0] * 6,
        "num": [1.0, 2.0, np.nan, 3.5] * 3,
        "cat": pd.Categorical(["x", "y", None] * 4),
        "mixed": pd.Series([True, 1, "z", None] * 3, dtype=object),
    })
    data = DatasetSpec(target="y", prediction="p", sensitive=("num", "cat", "mixed")).validate(frame)
    assert data.sensitive_values("num").tolist()[:4] == ["1", "2", "(missing)", "3.5"]
    assert data.sensitive_values("cat").tolist()[:3] == ["x", "y", "(missing)"]
    assert data.sensitive_values("mixed").tolist()[:4] == ["True", "1", "z", "(missing)"]
