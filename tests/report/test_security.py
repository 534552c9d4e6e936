"""Markup and script in column names, group names and model-card text render as text, never execute."""

from __future__ import annotations

import json
import re

import pytest

from rai.report import build_context, render_reports
from tests.report._browser import TABS, assert_clean, browser_page
from tests.report.conftest import build_assessment

PAYLOADS = [
    "<script>window.__xss=1;alert(1)</script>",
    "<img src=x onerror=\"window.__xss=2;alert(2)\">",
    "</script><script>window.__xss=3</script>",
    "\"'><svg onload=alert(4)>",
]
DATA_RE = re.compile(r'<script type="application/json" id="rai-data">(.*?)</script>', re.DOTALL)


@pytest.fixture(params=range(len(PAYLOADS)), ids=["script", "onerror", "close-script", "attr-break"])
def payload(request):
    return PAYLOADS[request.param]


@pytest.fixture
def hostile(payload, tmp_path):
    a = build_assessment(payload=payload)
    return payload, a, render_reports(a, tmp_path)


def test_payload_reaches_the_reports(hostile):
    """Guard against a vacuous test: the payload is in columns, groups and card text."""
    payload, a, _ = hostile
    assert any(payload in c for c in a.features)
    assert any(payload in g.group for g in a.results.fairness.groups)
    assert payload in a.model_card["name"]
    ctx = build_context(a)
    assert payload in ctx["title"] and payload in ctx["drift"]["columns"][0]["column"]


def test_html_card_escapes_every_payload(hostile):
    payload, _, paths = hostile
    html = paths["model_card_html"].read_text(encoding="utf-8")
    assert payload not in html
    for raw in ("<script>window", "<img src=x", "<svg onload", "onerror=\"window", "</script><script>"):
        assert raw not in html
    assert html.count("<script") == 0  # the card needs no script at all
    assert "&lt;" in html


def test_markdown_card_escapes_every_payload(hostile):
    payload, _, paths = hostile
    md = paths["model_card_md"].read_text(encoding="utf-8")
    assert payload not in md
    assert not re.search(r"<(script|img|svg)", md)
    assert "&lt;" in md


def test_dashboard_keeps_payload_inside_json_only(hostile):
    payload, _, paths = hostile
    html = paths["dashboard"].read_text(encoding="utf-8")
    assert payload not in html
    assert html.count("<script") == 2 and html.count("</script>") == 2
    block = DATA_RE.search(html).group(1)
    assert "<" not in block and ">" not in block
    data = json.loads(block)
    assert data["title"] == f"Model {payload}"  # the exact text survives, as data


def test_mct_json_keeps_the_text_exactly(hostile):
    payload, _, paths = hostile
    doc = json.loads(paths["model_card_json"].read_text(encoding="utf-8"))
    assert doc["model_details"]["name"] == f"Model {payload}"


@pytest.mark.browser
def test_payloads_never_run_in_the_browser(tmp_path):
    payload = PAYLOADS[0] + PAYLOADS[1] + PAYLOADS[2] + PAYLOADS[3]
    paths = render_reports(build_assessment(payload=payload), tmp_path)
    for key in ("dashboard", "model_card_html"):
        with browser_page() as (page, events):
            page.goto(paths[key].as_uri())
            if key == "dashboard":
                for tab in TABS:
                    page.click(f"#tab-{tab}")
                page.click("#tab-errors")
                page.locator("#panel-errors tbody tr").first.click()
                page.click("#tab-overview")
                # the payload is shown as text
                assert "<script>window.__xss=1;alert(1)</script>" in page.inner_text("#title")
            assert page.evaluate("window.__xss") is None
            assert_clean(events)
