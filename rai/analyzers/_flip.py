"""The sensitive-attribute flip test: does the decision change when only the attribute changes?

For each sensitive feature and each ordered pair of its groups (``from_group``, ``to_group``),
the rows of ``from_group`` (a seeded sample of at most ``sample`` rows) are predicted as they
are and with that one column set to ``to_group``'s value, in one model call per ``from_group``.
The flip rate is the share whose predicted label (a regressor: predicted value) changes, with a
percentile bootstrap interval over the rows. A model that does not read the column flips no row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rai._model import ModelAdapter
from rai._spec import MISSING_GROUP, ValidatedData
from rai.analyzers._bootstrap import percentile_interval, resample
from rai.analyzers._groups import group_order, group_rows
from rai.results._counterfactuals import FlipRate

__all__ = ["flip_test"]


def flip_test(
    adapter: ModelAdapter,
    data: ValidatedData,
    *,
    sample: int,
    n_bootstrap: int,
    confidence_level: float,
    min_group_size: int,
    rng: np.random.Generator,
) -> tuple[list[FlipRate], list[str]]:
    """Flip rates for every sensitive feature and ordered pair of its groups, and notes."""
    from rai.explain import display_labels

    out: list[FlipRate] = []
    notes: list[str] = []
    frame = data.frame
    inputs = list(adapter.inputs(frame, data.features).columns)
    for feature in data.spec.sensitive:
        labels = data.sensitive_values(feature)
        rows_of = group_rows(labels)
        groups = [g for g in group_order(labels) if g != MISSING_GROUP]
        if MISSING_GROUP in rows_of:
            notes.append(f"flip test: rows with {feature} missing are not set to another group, nor is any row set to missing.")
        if len(groups) < 2:
            notes.append(f"flip test: {feature} has fewer than two groups; nothing to flip.")
            continue
        raw = {g: frame[feature].iloc[int(rows_of[g][0])] for g in groups}
        if feature not in inputs:
            notes.append(f"flip test: {feature} is not a model input, so setting it cannot change a prediction.")
        for a in groups:
            rows = rows_of[a]
            if len(rows) > sample:
                rows = np.sort(rng.choice(rows, size=sample, replace=False))
            base = frame.iloc[rows]
            targets = [b for b in groups if b != a]
            variants = [base]
            for b in targets:
                v = base.copy()
                v[feature] = pd.Series([raw[b]] * len(v), index=v.index, dtype=frame[feature].dtype)
                variants.append(v)
            X = adapter.inputs(pd.concat(variants, ignore_index=True), data.features)
            pred = display_labels(adapter.predict(X))
            n = len(rows)
            before = pred[:n]
            for k, b in enumerate(targets, start=1):
                flipped = (pred[k * n:(k + 1) * n] != before).astype(float)
                low, high = _interval(flipped, n_bootstrap, confidence_level, rng)
                small = n < min_group_size
                out.append(FlipRate(
                    sensitive_feature=feature, from_group=a, to_group=b, n=n, n_flipped=int(flipped.sum()),
                    flip_rate=float(flipped.mean()), ci_low=low, ci_high=high, insufficient=small,
                    reason=f"{n} rows in group {a!r} of {feature}, under min_group_size {min_group_size}" if small else None,
                ))
    return out, notes


def _interval(flipped: np.ndarray, n_bootstrap: int, level: float, rng: np.random.Generator) -> tuple[float | None, float | None]:
    if n_bootstrap == 0:
        return None, None
    # one atom per row: the same draws as the row bootstrap this interval always had
    parts = [(W * flipped[:, None]).sum(axis=0) / W.sum(axis=0)
             for W in resample(np.arange(len(flipped)), n_bootstrap, rng)]
    return percentile_interval(np.concatenate(parts), level)
