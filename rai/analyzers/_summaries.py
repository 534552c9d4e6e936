"""Column summaries of a validated table, computed once per run and read by every analyzer.

Drift needs each column's sorted values (or value counts); quality needs the same column's
distinct count, range and categories. Both ask :func:`column_summary`, which keeps the summary
on the ``ValidatedData`` it came from, so a column is sorted or counted once per table.
"""

from __future__ import annotations

from rai._spec import ValidatedData
from rai.analyzers._stattests import Kind, Summary, summarize_categorical, summarize_numeric

__all__ = ["column_summary"]


def column_summary(data: ValidatedData, column: str, kind: Kind) -> Summary:
    """The drift summary of ``column`` read as ``kind``, computed on first use."""
    key = (column, kind)
    summary = data.summaries.get(key)
    if summary is None:
        series = data.frame[column]
        summary = summarize_numeric(series) if kind == "numeric" else summarize_categorical(series)
        data.summaries[key] = summary
    return summary
