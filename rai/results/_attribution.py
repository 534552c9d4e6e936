"""The monitor's attribution drift as a metric-stream section (``results.attribution`` of a check).

Registered here, with the other sections, so that the set of paths never depends on which
package was imported first.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rai.results._stream import Metric, PathDoc, document_paths, register_section

__all__: list[str] = []


@register_section("attribution")
def _walk_attribution(section: dict[str, Any]) -> Iterator[Metric]:
    """NDCG of a batch's feature-importance ranking against the reference's."""
    yield Metric("attribution.ndcg", section.get("ndcg"), headline=True)


document_paths("attribution", [
    PathDoc("attribution.ndcg", (), "monitor only: NDCG of a batch's feature-importance ranking against the reference's (1 = same order)", "never"),
])
