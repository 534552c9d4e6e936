"""The dashboard is one offline file: no external reference, safe embedded data, every tab works in Chromium."""

from __future__ import annotations

import json
import re

import pytest

from rai.report import render_reports
from tests.report._browser import TABS, assert_clean, browser_page
from tests.report.conftest import FULL_CARD, build_assessment

DATA_RE = re.compile(r'<script type="application/json" id="rai-data">(.*?)</script>', re.DOTALL)
SVG_NS = "http://www.w3.org/2000/svg"


def _embedded(html: str):
    block = DATA_RE.search(html)
    assert block, "no embedded data block"
    return block.group(1)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    return render_reports(build_assessment(), out)


def test_one_file_with_no_external_reference(rendered):
    for key in ("dashboard", "model_card_html"):
        html = rendered[key].read_text(encoding="utf-8")
        # nothing that makes a browser fetch: no src/href attributes, CSS url() or @import, no network APIs
        assert not re.search(r"\s(src|href|srcset|action|poster)\s*=", html, re.IGNORECASE), key
        assert not re.search(r"url\(|@import", html, re.IGNORECASE), key
        assert not re.search(r"fetch\(|XMLHttpRequest|WebSocket|EventSource|sendBeacon|import\(", html), key
        # the only URLs are the SVG namespace name (an identifier, never fetched) and the user's own
        # model_card.references, shown as text (no attribute can hold them: see above)
        urls = set(re.findall(r"(?:https?|ftp)://[^\s\"'<>)]+", html))
        assert urls <= {SVG_NS, *FULL_CARD["references"]}, (key, urls)
        assert "default-src 'none'" in html  # and the page forbids any load by CSP


def test_embedded_json_cannot_close_the_script_and_round_trips(rendered):
    html = rendered["dashboard"].read_text(encoding="utf-8")
    block = _embedded(html)
    assert "<" not in block and ">" not in block and "&" not in block
    data = json.loads(block)
    assert data["title"] == "ACS employment classifier"
    assert data["performance"]["headline"]["name"] == "roc_auc"
    assert len(re.findall(r"<script", html)) == 2  # the data block and the dashboard script, nothing else


def test_dashboard_script_never_parses_data_as_html():
    from importlib import resources

    js = resources.files("report_templates").joinpath("static", "dashboard.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "setAttribute(\"on"):
        assert sink not in js, sink


def test_size_of_the_fixture_dashboard(rendered):
    assert rendered["dashboard"].stat().st_size < 300_000


@pytest.mark.browser
def test_every_tab_renders_offline_without_errors(rendered, tmp_path):
    with browser_page() as (page, events):
        page.goto(rendered["dashboard"].as_uri())
        for tab in TABS:
            page.click(f"#tab-{tab}")
            panel = page.locator(f"#panel-{tab}")
            assert panel.is_visible(), tab
            text = panel.inner_text()
            assert len(text) > 100, (tab, text)
            assert page.get_attribute(f"#tab-{tab}", "aria-selected") == "true"
        # content checks that need the data to have been drawn
        page.click("#tab-fairness")
        assert "Demographic parity" in page.inner_text("#panel-fairness")
        assert page.locator("#panel-fairness svg rect").count() >= 2
        page.click("#tab-errors")
        assert page.locator("#panel-errors tbody tr").count() >= 5
        page.locator("#panel-errors tbody tr").nth(1).click()
        assert "Cohort #2" in page.inner_text("#panel-errors")
        page.click("#tab-drift")
        page.fill("#panel-drift input[type=search]", "SCHL")
        assert page.locator("#panel-drift .scroll tbody tr").count() == 1
        page.click("#tab-explanations")
        page.select_option("#panel-explanations select", "17")
        assert "typical" in page.inner_text("#panel-explanations")
        page.click("#tab-overview")
        page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)
        assert_clean(events)


@pytest.mark.browser
def test_dashboard_of_a_minimal_assessment(tmp_path):
    paths = render_reports(build_assessment(model_card={}, fairness=False, errors=False, explanations=False), tmp_path)
    with browser_page() as (page, events):
        page.goto(paths["dashboard"].as_uri())
        for tab in TABS:
            page.click(f"#tab-{tab}")
            assert page.locator(f"#panel-{tab}").inner_text().strip(), tab
        page.click("#tab-fairness")
        assert "needs at least one sensitive feature" in page.inner_text("#panel-fairness")
        assert_clean(events)
