"""What-if: the model's decisions and scores before and after a change to some rows.

>>> out = rai.what_if(model, rows, {"AGEP": lambda age: age + 10, "SCHL": "21"})   # doctest: +SKIP
>>> out[["prediction_before", "prediction_after", "score_before", "score_after", "flipped"]]  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from rai._exceptions import ConfigError, DataContractError
from rai._model import ModelAdapter

__all__ = ["what_if"]


def what_if(model: Any, rows: pd.DataFrame, changes: Mapping[str, Any | Callable[[pd.Series], Any]]) -> pd.DataFrame:
    """Predict ``rows`` as they are and with ``changes`` applied; one row of output per input row.

    Parameters
    ----------
    model:
        A fitted estimator / pipeline with ``predict`` (and ``predict_proba``), or a ``ModelAdapter``.
    rows:
        The rows, with (at least) the model's input columns.
    changes:
        ``{column: value}`` sets the column to one value; ``{column: function}`` maps the column
        (a Series) to its new values, e.g. ``lambda age: age + 10``.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``rows``: ``<column>_before`` / ``<column>_after`` for each changed column,
        ``prediction_before``, ``prediction_after``, ``flipped`` (the prediction changed) and, for
        a classifier with ``predict_proba``, ``score_before`` / ``score_after``: the probability of
        the positive class (the last of ``classes_``) for a binary model, of the class predicted
        before the change for a multiclass one.
    """
    adapter = model if isinstance(model, ModelAdapter) else ModelAdapter.from_estimator(model)
    if not isinstance(rows, pd.DataFrame):
        raise ConfigError(f"The 'rows' parameter of what_if must be a pandas DataFrame. Got {type(rows).__name__} instead.")
    if not isinstance(changes, Mapping) or not changes:
        raise ConfigError(
            f"The 'changes' parameter of what_if must be a non-empty mapping of column to value or function. Got {changes!r} instead."
        )
    unknown = [c for c in changes if c not in rows.columns]
    if unknown:
        raise DataContractError(f"what_if: changes name columns that are not in the rows: {unknown}; the rows have {list(rows.columns)[:20]}.")
    after = rows.copy()
    for column, change in changes.items():
        new = change(rows[column]) if callable(change) else change
        if isinstance(rows[column].dtype, pd.CategoricalDtype):
            new = pd.Series(new, index=rows.index) if np.ndim(new) else pd.Series([new] * len(rows), index=rows.index)
            unseen = sorted({str(v) for v in new.dropna()} - {str(c) for c in rows[column].cat.categories})
            if unseen:
                raise DataContractError(
                    f"what_if: column {column!r} is categorical with categories {list(rows[column].cat.categories)[:30]}; "
                    f"got new value(s) {unseen[:10]}."
                )
            new = new.astype(rows[column].dtype)
        after[column] = new
    features = list(rows.columns)
    X0, X1 = adapter.inputs(rows, features), adapter.inputs(after, features)
    both = adapter.predict(pd.concat([X0, X1], ignore_index=True))
    n = len(rows)
    out = pd.DataFrame(index=rows.index)
    for column in changes:
        out[f"{column}_before"] = rows[column]
        out[f"{column}_after"] = after[column]
    out["prediction_before"], out["prediction_after"] = both[:n], both[n:]
    out["flipped"] = both[:n] != both[n:]
    classes = adapter.classes
    if adapter.has_proba and classes is not None:
        proba = adapter.predict_proba(pd.concat([X0, X1], ignore_index=True))
        if len(classes) == 2:
            col = np.full(n, 1)
        else:
            index = {c: k for k, c in enumerate(classes)}
            col = np.array([index[c] for c in both[:n]])
        out["score_before"] = proba[np.arange(n), col]
        out["score_after"] = proba[n + np.arange(n), col]
    return out
