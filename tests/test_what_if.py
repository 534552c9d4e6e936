"""rai.what_if: predictions and scores before and after a change, checked against the model called directly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import rai
from rai._exceptions import ConfigError, DataContractError
from tests.analyzers.test_counterfactuals import FEATURES, fit, make_frame


@pytest.fixture(scope="module")
def frame():
    return make_frame(600, seed=3)


@pytest.fixture(scope="module")
def model(frame):
    return fit(frame)


def test_before_and_after_are_the_model_on_the_original_and_the_changed_rows(model, frame):
    rows = frame[FEATURES].iloc[:40]
    out = rai.what_if(model, rows, {"age": lambda a: a + 20, "edu": "phd"})
    changed = rows.assign(age=rows.age + 20, edu="phd")
    assert list(out.index) == list(rows.index)
    np.testing.assert_array_equal(out.prediction_before, model.predict(rows))
    np.testing.assert_array_equal(out.prediction_after, model.predict(changed))
    np.testing.assert_allclose(out.score_before, model.predict_proba(rows)[:, 1])
    np.testing.assert_allclose(out.score_after, model.predict_proba(changed)[:, 1])
    assert (out.flipped == (out.prediction_before != out.prediction_after)).all() and out.flipped.any()
    assert (out.age_after == rows.age + 20).all() and (out.edu_before == rows.edu).all() and (out.edu_after == "phd").all()


def test_categorical_dtype_is_kept_and_unknown_categories_are_refused(model, frame):
    rows = frame[FEATURES].iloc[:5].astype({"edu": pd.CategoricalDtype(["none", "school", "college", "phd"])})
    out = rai.what_if(model, rows, {"edu": "college"})
    assert isinstance(out.edu_after.dtype, pd.CategoricalDtype)
    with pytest.raises(DataContractError, match=r"column 'edu' is categorical .* got new value\(s\) \['doctor'\]"):
        rai.what_if(model, rows, {"edu": "doctor"})


def test_bad_input_names_what_was_expected(model, frame):
    rows = frame[FEATURES].iloc[:5]
    with pytest.raises(DataContractError, match=r"changes name columns that are not in the rows: \['salary'\]"):
        rai.what_if(model, rows, {"salary": 1})
    with pytest.raises(ConfigError, match="The 'changes' parameter of what_if must be a non-empty mapping"):
        rai.what_if(model, rows, {})
