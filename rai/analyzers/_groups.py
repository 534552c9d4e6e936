"""Groupings of rows by sensitive feature, and by the intersection of several."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from rai._spec import ValidatedData

__all__ = ["sensitive_groupings", "INTERSECTION_SEP"]

log = logging.getLogger(__name__)

#: Joins feature names (and group labels) of an intersection: "SEX & RAC1P", "2 & 1".
INTERSECTION_SEP = " & "


def sensitive_groupings(data: ValidatedData, *, intersection: bool = True) -> list[tuple[str, pd.Series]]:
    """``(feature name, group label per row)`` for each sensitive feature, then their intersection."""
    out = [(column, data.sensitive_values(column)) for column in data.spec.sensitive]
    if intersection and len(out) >= 2:
        name = INTERSECTION_SEP.join(c for c, _ in out)
        labels = out[0][1]
        for _, values in out[1:]:
            labels = labels + INTERSECTION_SEP + values
        n_groups = labels.nunique()
        if n_groups > data.spec.max_groups:
            # each feature passed the limit, their product did not: judge the features, not the intersection
            log.warning("intersection %s has %d groups, above max_groups %d: left out of the group analyses",
                        name, n_groups, data.spec.max_groups)
            return out
        out.append((name, labels))
    return out


def group_order(labels: pd.Series) -> list[str]:
    """Groups in a stable order: by size, largest first, then by name."""
    counts = labels.value_counts(sort=False)
    return sorted(counts.index, key=lambda g: (-int(counts[g]), str(g)))


def group_rows(labels: pd.Series) -> dict[str, np.ndarray]:
    """Row positions of each group."""
    codes, uniques = pd.factorize(labels, sort=False)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    return {str(uniques[i]): order[bounds[i]:bounds[i + 1]] for i in range(len(uniques))}
