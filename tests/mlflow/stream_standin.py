"""A stand-in walker for the ``performance`` section, used only while the one-verdict issue's
walkers have not landed (they register ``performance`` themselves; then this fixture does nothing).

It follows docs/gate.md's grammar (``performance.<metric>``, ``performance.by_group.<metric>`` with
``sensitive_feature`` and ``group`` qualifiers) so the tests' keys are the real walkers' keys.
"""

from __future__ import annotations

import pytest

from rai.results import Metric


def _walk(section: dict):
    for name, value in (section.get("overall") or {}).items():
        ci = (section.get("ci") or {}).get(name) or {}
        yield Metric(path=f"performance.{name}", value=value, ci_low=ci.get("low"), ci_high=ci.get("high"),
                     n=section.get("n_rows"), headline=name == "accuracy")
    for g in section.get("by_group") or []:
        quals = (("sensitive_feature", str(g["sensitive_feature"])), ("group", str(g["group"])))
        for name, value in (g.get("metrics") or {}).items():
            ci = (g.get("ci") or {}).get(name) or {}
            yield Metric(path=f"performance.by_group.{name}", value=value, qualifiers=quals, ci_low=ci.get("low"),
                         ci_high=ci.get("high"), n=g.get("count"), insufficient=bool(g.get("insufficient")),
                         reason="group too small" if g.get("insufficient") else None)


@pytest.fixture
def performance_walker():
    from rai.results import _stream, registered_sections

    added = "performance" not in registered_sections()
    if added:
        _stream.register_section("performance")(_walk)
    yield
    if added:
        _stream._WALKERS.pop("performance", None)
