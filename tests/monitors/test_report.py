"""`rai monitor report`: the demo store as one offline HTML page, in Chromium, and as JSON."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from monitors import Monitor, MonitorConfig, Rule, Store
from monitors._checks import CheckResult
from tests.report._browser import assert_clean, browser_page

from .conftest import make_drift


def _rai(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rai.cli", *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    from monitors._demo import run_demo

    out = tmp_path_factory.mktemp("demo")
    return run_demo(out, rows=1500).store_url


@pytest.mark.browser
def test_demo_store_report_renders_offline_with_a_chart_per_signal(demo_store, tmp_path):
    out = tmp_path / "report.html"
    res = _rai("monitor", "report", "--store", demo_store, "--out", str(out))
    assert res.returncode == 0, res.stderr
    html = out.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing to fetch
    assert "<script" not in html
    data = json.loads(_rai("monitor", "report", "--store", demo_store, "--out", str(tmp_path / "r.json"),
                           "--format", "json").returncode == 0 and (tmp_path / "r.json").read_text())
    expected = {"share_drifted", "drift_statistic"}
    expected |= {f"performance.estimated.{m}" for m in data["estimated"]}
    expected |= {f"multivariate.{m}" for m in data["multivariate"]}
    expected |= set(data["fairness"]) | set(data["other_signals"])
    assert {"performance.estimated.accuracy", "performance.estimated.roc_auc", "multivariate.domain_classifier",
            "multivariate.pca_reconstruction", "fairness.demographic_parity.SEX"} <= expected
    with browser_page() as (page, events):
        page.goto(out.as_uri())
        page.wait_for_selector("#alerts")
        shown = page.eval_on_selector_all("[data-signal]", "els => els.map(e => [e.dataset.signal, e.querySelectorAll('svg circle, svg rect').length])")
        assert_clean(events)
    charts = dict(shown)
    assert set(charts) == expected
    assert all(n > 0 for n in charts.values()), charts  # every chart drew its points
    # the windows and the fired alert are on the page, in time order
    assert data["windows"] == ["2016", "2017", "2018", "2018-simulated-incident-AGEP-in-months"]
    (alert,) = data["alerts"]
    assert alert["rule"] == "feature-drift" and alert["deliveries"][0]["state"] == "delivered"
    # the JSON carries the numbers the store holds
    store = Store(demo_store)
    (latest,) = store.history(limit=1)
    store.close()
    assert data["estimated"]["accuracy"]["value"][-1] == pytest.approx(latest["signals"]["performance.estimated.accuracy"])
    assert data["multivariate"]["pca_reconstruction"]["drifted"][-1] is latest["multivariate"]["pca_reconstruction"]["drifted"]


@pytest.mark.browser
def test_user_text_is_escaped_and_runs_nothing(tmp_path):
    evil = '<img src=x onerror=alert(1)><script>alert(2)</script>'
    cfg = MonitorConfig(name="m", store=f"sqlite:///{tmp_path / 'm.db'}",
                        rules=(Rule(name=evil, signal="dataset_drift", threshold=1),))
    mon = Monitor(cfg)
    drift = make_drift(True)
    mon.check(None, window=evil, compute=lambda: CheckResult.from_results(drift=drift), deliver=False)
    mon.close()
    out = tmp_path / "r.html"
    res = _rai("monitor", "report", "--store", cfg.store, "--out", str(out))
    assert res.returncode == 0, res.stderr
    html = out.read_text(encoding="utf-8")
    assert evil not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    with browser_page() as (page, events):
        page.goto(out.as_uri())
        page.wait_for_selector("#alerts")
        assert_clean(events)


def test_bad_monitor_name_is_a_usage_error(tmp_path):
    cfg = MonitorConfig(name="m", store=f"sqlite:///{tmp_path / 'm.db'}")
    mon = Monitor(cfg)
    mon.check(None, window="w", compute=lambda: CheckResult.from_results(drift=make_drift(False)), deliver=False)
    mon.close()
    res = _rai("monitor", "report", "--store", cfg.store, "--monitor", "other", "--out", str(tmp_path / "r.html"))
    assert res.returncode == 2 and "monitors in the store: ['m']" in res.stderr and "Traceback" not in res.stderr
