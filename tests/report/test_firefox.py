"""The offline dashboard in Firefox (issue 4: "works in current Chromium and Firefox").

Headless Firefox ESR is driven through Marionette (see ``_firefox.py``): every tab is clicked and
must show its panel with content, the page must log no JavaScript error or warning, open no
request other than file:/data: (and no connection may reach the sink proxy), and markup in
column / group names must not execute. One Firefox serves the whole module (about 2 s to start).
"""

from __future__ import annotations

import pytest

from rai import DatasetSpec, assess
from rai.report import render_reports
from tests.conftest import make_binary
from tests.report._firefox import TABS, FirefoxPage, assert_clean, firefox_page
from tests.report.conftest import build_assessment
from tests.report.test_security import PAYLOADS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def firefox():
    with firefox_page() as page:
        yield page


@pytest.fixture(scope="module")
def real_assessment():
    """A real assessment: a gradient-boosted model on generated data, every analyzer run."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    train = make_binary(800, seed=1).drop(columns=["score", "pred"])
    test = make_binary(600, seed=2).drop(columns=["score", "pred"])
    model = HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(train[["x1", "x2"]], train["y"])
    return assess(test, spec=DatasetSpec(target="y", sensitive=("group",)), reference=train, model=model, seed=0,
                  options={"performance": {"n_bootstrap": 30}, "fairness": {"n_bootstrap": 30},
                           "explanations": {"sample_size": 200, "n_local": 2, "lime_samples": 300,
                                            "surrogate_sample_size": 300}})


def click_every_tab(page: FirefoxPage, min_chars: int) -> dict[str, str]:
    """Click each tab; its panel must become the only visible one, with content."""
    texts = {}
    for tab in TABS:
        page.click(f"#tab-{tab}")
        assert page.visible(f"#panel-{tab}"), tab
        assert page.js("return document.getElementById(arguments[0]).getAttribute('aria-selected')", f"tab-{tab}") == "true"
        others = [t for t in TABS if t != tab and page.visible(f"#panel-{t}")]
        assert not others, (tab, others)
        texts[tab] = page.text(f"#panel-{tab}")
        assert len(texts[tab].strip()) >= min_chars, (tab, texts[tab])
    return texts


def test_every_tab_of_the_fixture_dashboard_works_in_firefox(firefox, tmp_path):
    paths = render_reports(build_assessment(), tmp_path)
    firefox.goto(paths["dashboard"].as_uri())
    assert firefox.js("return document.readyState") == "complete"
    click_every_tab(firefox, min_chars=100)
    # the same content checks as the Chromium test, so the data was really drawn
    firefox.click("#tab-fairness")
    assert "Demographic parity" in firefox.text("#panel-fairness")
    assert len(firefox.elements("#panel-fairness svg rect")) >= 2
    firefox.click("#tab-errors")
    assert len(firefox.elements("#panel-errors tbody tr")) >= 5
    # a user clicks a cell; Marionette cannot target a <tr> itself ("could not be scrolled into view")
    firefox.click("#panel-errors tbody tr:nth-child(2) td")
    assert "Cohort #2" in firefox.text("#panel-errors")
    firefox.click("#tab-drift")
    search = firefox.elements("#panel-drift input[type=search]")[0]
    search.send_keys("SCHL")
    assert len(firefox.elements("#panel-drift .scroll tbody tr")) == 1
    firefox.click("#tab-explanations")
    firefox.click("#panel-explanations select option[value='17']")
    assert "typical" in firefox.text("#panel-explanations")
    assert_clean(firefox.events())


def test_dashboard_of_a_real_assessment_works_in_firefox(firefox, real_assessment, tmp_path):
    a = real_assessment
    assert a.results.errors is not None and a.results.explanations is not None  # every tab has real data
    paths = render_reports(a, tmp_path)
    firefox.goto(paths["dashboard"].as_uri())
    texts = click_every_tab(firefox, min_chars=50)
    # numbers from the assessment are what Firefox shows
    acc = a.results.performance.overall["accuracy"]
    assert f"{acc:.3f}" in texts["performance"]
    assert "group" in texts["fairness"]
    assert all(c in texts["drift"] for c in ("x1", "x2", "color"))
    top = a.results.explanations.global_importance[0].feature
    assert top in texts["explanations"]
    assert len(firefox.elements("#panel-performance svg")) >= 1
    assert_clean(firefox.events())


def test_script_payloads_never_run_in_firefox(firefox, tmp_path):
    payload = "".join(PAYLOADS)  # <script>, onerror=, a closing </script> and an attribute break
    paths = render_reports(build_assessment(payload=payload), tmp_path)
    for key in ("dashboard", "model_card_html"):
        firefox.goto(paths[key].as_uri())
        if key == "dashboard":
            click_every_tab(firefox, min_chars=1)
            firefox.click("#tab-errors")
            firefox.click("#panel-errors tbody tr td")
            firefox.click("#tab-overview")
            assert PAYLOADS[0] in firefox.text("#title")  # shown as text
            assert firefox.js("return document.querySelectorAll('img, iframe, object, embed').length") == 0
        assert firefox.js("return window.__xss === undefined")
        assert_clean(firefox.events())


def test_the_harness_sees_a_throwing_tab_and_a_request(firefox, tmp_path):
    """Guard against a vacuous test: a dashboard whose tab script throws and that loads a URL is caught."""
    paths = render_reports(build_assessment(), tmp_path)
    html = paths["dashboard"].read_text(encoding="utf-8")
    broken = html.replace("function renderDrift(p) {", "function renderDrift(p) { null.boom();", 1)
    assert broken != html, "renderDrift not found in dashboard.js: update this guard"
    csp_start = broken.index('<meta http-equiv="Content-Security-Policy"')
    broken = broken[:csp_start] + broken[broken.index(">", csp_start) + 1:]  # so the request is really tried
    broken = broken.replace("</body>", "<img alt='' src='http://rai-test.invalid/pixel.png'></body>", 1)
    page = tmp_path / "broken.html"
    page.write_text(broken, encoding="utf-8")
    firefox.goto(page.as_uri())
    firefox.click("#tab-drift")
    assert not firefox.text("#panel-drift").strip()  # the tab drew nothing
    events = firefox.events()
    assert any("TypeError" in c and "boom" in c for c in events["console"]), events["console"]
    assert any("rai-test.invalid" in r for r in events["requests"]), events["requests"]
    assert any("rai-test.invalid" in h for h in events["sink"]), events["sink"]
    with pytest.raises(AssertionError):
        assert_clean(events)
    firefox.m.navigate("about:blank")  # unload it, so its retries stop before the next test


def test_firefox_itself_tried_no_connection(firefox, tmp_path):
    """From its start on, the profile's preferences keep Firefox from phoning home (the sink saw nothing)."""
    paths = render_reports(build_assessment(errors=False, explanations=False), tmp_path)
    firefox.goto(paths["dashboard"].as_uri())
    click_every_tab(firefox, min_chars=1)
    assert_clean(firefox.events())
    own = [h for h in firefox.sink.hits if "rai-test.invalid" not in h]  # the harness guard's deliberate request
    assert own == [], own
