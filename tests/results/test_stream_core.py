"""The metric stream's record and registry (the walkers of each section are tested beside their analyzers)."""

from __future__ import annotations

import math

import pytest

from rai.results import Metric, metric_stream, register_section
from rai.results import _stream


def test_record_label_key_and_dict():
    m = Metric("fairness.demographic_parity.ratio", 0.7, (("sensitive_feature", "SEX"),), 0.6, 0.8, n=100, n_effective=40)
    assert m.label == "fairness.demographic_parity.ratio (sensitive_feature=SEX)"
    assert m.qualifier("sensitive_feature") == "SEX" and m.qualifier("group") is None
    assert m.key == ("fairness.demographic_parity.ratio", (("sensitive_feature", "SEX"),))
    assert m.has_interval
    d = m.to_dict()
    assert d["qualifiers"] == {"sensitive_feature": "SEX"} and d["n_effective"] == 40 and d["insufficient"] is False


def test_a_section_has_one_walker(monkeypatch):
    monkeypatch.setattr(_stream, "_WALKERS", dict(_stream._WALKERS))

    @register_section("toy")
    def walk(section):
        yield Metric("toy.value", section["value"])
        yield Metric("toy.bad", math.inf)

    with pytest.raises(RuntimeError, match="already has"):
        register_section("toy")(lambda s: [])
    stream = [m for m in metric_stream({"results": {"toy": {"value": 3}}}) if m.path.startswith("toy.")]
    assert [m.value for m in stream] == [3, None]
    assert stream[1].insufficient and "finite" in stream[1].reason
    assert metric_stream({"no": "results"}) == []
