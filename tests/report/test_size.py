"""Hundreds of columns and thousands of cohorts stay within the size budget, and the reports say what was cut."""

from __future__ import annotations

import time

import pytest

from rai.report import DASHBOARD_BUDGET, render_reports
from tests.report._browser import assert_clean, browser_page
from tests.report.conftest import build_assessment


@pytest.fixture(scope="module")
def large():
    return build_assessment(n_columns=600, n_cohorts=5000, n_groups=400)


def test_large_assessment_fits_the_budget_and_says_so(large, tmp_path):
    t0 = time.perf_counter()
    paths = render_reports(large, tmp_path)
    elapsed = time.perf_counter() - t0
    size = paths["dashboard"].stat().st_size
    assert size <= DASHBOARD_BUDGET, size
    assert elapsed < 60, elapsed
    html = paths["dashboard"].read_text(encoding="utf-8")
    card = paths["model_card_md"].read_text(encoding="utf-8")
    assert "5000 cohorts; the 200 worst are listed" in card
    assert "Drift: 600 columns; the 400 most drifted are listed" in card
    assert "Fairness, RAC1P: 400 groups; the 60 largest are shown" in card
    assert "4985 more cohorts in the dashboard" in card  # the card lists 15 of them
    assert "5000 cohorts; the 200 worst are listed" in html  # the dashboard says so too
    # the printed card stays short too
    assert paths["model_card_html"].stat().st_size < 1_000_000


def test_a_tight_budget_tightens_the_caps(large, tmp_path):
    budget = 400_000
    paths = render_reports(large, tmp_path, budget=budget)
    assert paths["dashboard"].stat().st_size <= budget
    assert "summarised to stay within its 0.4 MB budget" in paths["dashboard"].read_text(encoding="utf-8")


@pytest.mark.browser
def test_large_dashboard_opens(large, tmp_path):
    paths = render_reports(large, tmp_path)
    with browser_page() as (page, events):
        page.goto(paths["dashboard"].as_uri())
        for tab in ("errors", "drift", "quality"):
            page.click(f"#tab-{tab}")
            assert page.locator(f"#panel-{tab} tbody tr").count() > 10
        page.click("#tab-fairness")
        page.select_option("#panel-fairness select", "RAC1P")
        assert page.locator("#panel-fairness .scroll tbody tr").count() == 60
        assert_clean(events)
