"""The counterfactual section of the card and the dashboard tab, from a real assessment with a real model.

Category values carry markup, so the section is also checked to render it as text.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from rai import DatasetSpec, assess
from rai.analyzers._counterfactuals import CounterfactualAnalyzer
from rai.report import build_context, render_reports
from tests.analyzers.test_counterfactuals import fit, make_frame
from tests.report._browser import assert_clean, browser_page

PAYLOAD = "<img src=x onerror=\"window.__xss=1;alert(1)\">"
DATA_RE = re.compile(r'<script type="application/json" id="rai-data">(.*?)</script>', re.DOTALL)


def hostile(frame):
    return frame.assign(colour=frame.colour.where(frame.colour != "green", PAYLOAD + "green"))


@pytest.fixture(scope="module")
def assessment():
    reference = hostile(make_frame(2000, seed=1))
    frame = hostile(make_frame(800, seed=2))
    model = fit(reference)
    return assess(frame, spec=DatasetSpec(target="y", sensitive=("group",)), reference=reference, model=model,
                  analyzers=[CounterfactualAnalyzer(model=model, rows=6, n_bootstrap=100)])


@pytest.fixture(scope="module")
def rendered(assessment, tmp_path_factory):
    return render_reports(assessment, tmp_path_factory.mktemp("cf-report"))


def test_context_carries_each_change_and_the_flip_rates(assessment):
    cf = assessment.results.counterfactuals
    ctx = build_context(assessment)["counterfactuals"]
    assert ctx["n_counterfactuals"] == cf.n_counterfactuals and ctx["validity"] == 1.0
    e, ce = cf.examples[0], ctx["examples"][0]
    assert ce["values"] == [e.values[c] for c in cf.features]
    for got, want in zip(ce["counterfactuals"], e.counterfactuals):
        assert [(c["feature"], c["before"], c["after"]) for c in got["changes"]] == [
            (c, e.values[c], want.values[c]) for c in want.changed]
        assert [x["changed"] for x in got["cells"]] == [c in want.changed for c in cf.features]
    (feat,) = ctx["flip"]
    assert feat["feature"] == "group"
    assert {p["label"]: p["value"] for p in feat["pairs"]} == {f"{f.from_group} → {f.to_group}": f.flip_rate for f in cf.flip_test}
    assert any(o["area"] == "Counterfactuals" for o in build_context(assessment)["overview"])


def test_card_has_the_section_with_the_changes_and_the_flip_test(assessment, rendered):
    md = rendered["model_card_md"].read_text(encoding="utf-8")
    cf = assessment.results.counterfactuals
    assert "### Counterfactuals" in md and "Flip test, group" in md
    e = next(x for x in cf.examples if x.counterfactuals)
    c = e.counterfactuals[0]
    change = "; ".join(f"{k}: {e.values[k]} → {c.values[k]}" for k in c.changed)
    assert change.replace("<", "&lt;").replace(">", "&gt;") in md or change in md
    for f in cf.flip_test:
        assert f"| {f.from_group} → {f.to_group} | {f.n:,} | {f.flip_rate:.3f} |" in md
    html = rendered["model_card_html"].read_text(encoding="utf-8")
    assert "<h3>Counterfactuals</h3>" in html and "<mark>" in html
    assert PAYLOAD not in html and PAYLOAD not in md.replace("\\", "")


@pytest.mark.browser
def test_dashboard_tab_highlights_the_changes_and_draws_the_intervals(assessment, rendered):
    html = rendered["dashboard"].read_text(encoding="utf-8")
    data = json.loads(DATA_RE.search(html).group(1))
    assert data["counterfactuals"]["n_rows"] == 6
    cf = assessment.results.counterfactuals
    with browser_page() as (page, events):
        page.goto(rendered["dashboard"].as_uri())
        page.click("#tab-counterfactuals")
        panel = page.locator("#panel-counterfactuals")
        text = panel.inner_text()
        assert "Flip test: group" in text and "counterfactual 1" in text
        first = cf.examples[0]
        assert panel.locator("mark").count() == sum(len(c.changed) for c in first.counterfactuals)
        marked = [panel.locator("mark").nth(i).inner_text() for i in range(panel.locator("mark").count())]
        assert marked == [c.values[k] for c in first.counterfactuals for k in cf.features if k in c.changed]
        # one bar and one interval per ordered pair of groups
        assert panel.locator("svg rect").count() == len(cf.flip_test)
        assert page.evaluate("window.__xss") is None
        row = str(cf.examples[-1].row)
        panel.locator("select").select_option(row)
        assert f"Row\n{row}" in panel.inner_text() or f"Row{row}" in panel.inner_text().replace("\t", "").replace("\n", "")
        assert_clean(events)
    assert np.isfinite(cf.seconds_per_row)
