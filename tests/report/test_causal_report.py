"""The causal section of the card and the dashboard's Causal tab, from a real causal analysis."""

from __future__ import annotations

import copy
import json
import re

import numpy as np
import pandas as pd
import pytest

from rai import DatasetSpec, assess
from rai.report import build_context, render_reports
from tests.report._browser import assert_clean, browser_page

pytest.importorskip("econml")

DATA_RE = re.compile(r'<script type="application/json" id="rai-data">(.*?)</script>', re.DOTALL)
EVIL = "<img src=x onerror=alert(1)>|*_"


@pytest.fixture(scope="module")
def causal_assessment():
    from rai.analyzers._causal import CausalAnalyzer

    rng = np.random.default_rng(0)
    n = 1200
    df = pd.DataFrame({"x": rng.normal(size=n), "dose": rng.normal(size=n), EVIL: rng.normal(size=n),
                       "arm": rng.choice(["ctl", "new"], n), "group": rng.choice(["a", "b"], n)})
    df["y"] = 0.8 * df.dose + 1.0 * (df.arm == "new") + df.x + rng.normal(size=n)
    spec = DatasetSpec(target="y", sensitive=("group",))
    a = assess(df, spec=spec, analyzers=[CausalAnalyzer(treatments=["dose", EVIL, {"column": "arm", "control": "ctl"}],
                                                        policy_depth=1)])
    assert a.results.causal is not None
    return a.to_dict()


def refuted(doc: dict) -> dict:
    """The same assessment with the data-subset refutation of 'dose' failed (as the analyzer would record it)."""
    doc = copy.deepcopy(doc)
    e = next(e for e in doc["results"]["causal"]["effects"] if e["treatment"] == "dose")
    r = next(r for r in e["refutations"] if r["name"] == "data_subset")
    r["passed"], e["refuted"] = False, True
    return doc


def test_context_lists_effects_with_words_from_their_own_refutations(causal_assessment):
    ctx = build_context(causal_assessment)["causal"]
    assert [e["label"] for e in ctx["effects"]] == ["dose (+1)", f"{EVIL} (+1)", "arm = new vs ctl"]
    assert {e["status"] for e in ctx["effects"]} <= {"not refuted", "refuted"}
    assert [f["treatment"] for f in ctx["forests"]] == ["dose", EVIL, "arm"]
    bad = build_context(refuted(causal_assessment))
    [dose] = [e for e in bad["causal"]["effects"] if e["treatment"] == "dose"]
    assert dose["status"] == "refuted" and bad["causal"]["n_refuted"] == 1
    tile = next(o for o in bad["overview"] if o["tab"] == "causal")
    assert "1 refuted" in tile["detail"] and not tile["headline"].startswith("dose")  # never the headline


def test_card_shows_effects_groups_policy_and_a_failed_refutation(causal_assessment, tmp_path):
    paths = render_reports(refuted(causal_assessment), tmp_path)
    md = paths["model_card_md"].read_text(encoding="utf-8")
    section = md[md.index("### Causal analysis"):md.index("### Data drift")]
    dose = next(e for e in causal_assessment["results"]["causal"]["effects"] if e["treatment"] == "dose")
    assert f"| dose (+1) | {dose['effect']:.3f} | {dose['ci_low']:.3f} – {dose['ci_high']:.3f} |" in section
    assert "refuted; placebo\\_treatment passed" in section and "data\\_subset FAILED" in section
    assert "**1 effect(s) refuted**" in section
    assert "Effect of arm = new vs ctl by group" in section and "Policy tree for dose (+1)" in section
    assert "No unobserved confounding" in section
    assert "<img" not in md  # the hostile column name is escaped
    html = paths["model_card_html"].read_text(encoding="utf-8")
    assert "<h3>Causal analysis</h3>" in html and "<strong>failed</strong>" in html and "refuted" in html
    assert html.count('stroke-dasharray="4 3"') >= 3  # one forest plot (with its zero line) per treatment
    assert "<img src=x" not in html and "&lt;img src=x" in html


def test_card_of_an_assessment_without_causal_has_no_causal_section(tmp_path):
    from tests.report.conftest import build_assessment

    paths = render_reports(build_assessment(), tmp_path)
    assert "Causal analysis" not in paths["model_card_md"].read_text(encoding="utf-8")
    assert "Causal analysis" not in paths["model_card_html"].read_text(encoding="utf-8")


@pytest.mark.browser
def test_dashboard_causal_tab_draws_forest_refutations_groups_and_policy(causal_assessment, tmp_path):
    paths = render_reports(refuted(causal_assessment), tmp_path)
    data = json.loads(DATA_RE.search(paths["dashboard"].read_text(encoding="utf-8")).group(1))
    assert data["causal"]["n_refuted"] == 1
    with browser_page() as (page, events):
        page.goto(paths["dashboard"].as_uri() + "#causal")
        panel = page.locator("#panel-causal")
        assert panel.is_visible()
        text = panel.inner_text()
        assert "1 effect(s) refuted" in text and "arm = new vs ctl" in text and EVIL in text
        assert page.locator("#panel-causal svg").count() >= 4  # three forest plots and the by-group chart
        assert "Refutations" in text and "failed" in text and "Policy tree" in text
        page.select_option("#panel-causal select", "2")
        assert "arm = new vs ctl" in page.locator("#panel-causal select").inner_text()
        assert "group = b" in panel.inner_text()
        page.click("#tab-overview")
        assert "causal effects" in page.inner_text("#panel-overview").lower()  # tile titles are upper-cased by CSS
        assert_clean(events)


@pytest.mark.browser
def test_dashboard_causal_tab_when_not_run(tmp_path):
    from tests.report.conftest import build_assessment

    paths = render_reports(build_assessment(), tmp_path)
    with browser_page() as (page, events):
        page.goto(paths["dashboard"].as_uri())
        page.click("#tab-causal")
        assert "did not run" in page.inner_text("#panel-causal")
        assert_clean(events)
