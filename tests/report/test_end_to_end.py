"""Reports of a real assessment (predictions-only, generated data), checked against sklearn and fairlearn."""

from __future__ import annotations

import json

import jsonschema
import pytest

from rai import DatasetSpec, assess
from rai._assessment import Assessment
from rai.report import build_context, render_reports
from rai.report._render import render_markdown_card
from tests.conftest import make_binary


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    data = make_binary(1500, seed=11, bias=1.2)
    reference = make_binary(1500, seed=12)
    spec = DatasetSpec(target="y", prediction="pred", score="score", sensitive=("group",))
    a = assess(data, spec=spec, reference=reference, seed=0,
               options={"performance": {"n_bootstrap": 50}, "fairness": {"n_bootstrap": 50}},
               model_card={"name": "generated", "license": "MIT", "intended_use": "tests"})
    out = tmp_path_factory.mktemp("real")
    path = a.save(out / "assessment.json")
    return data, a, path, out


def test_card_numbers_equal_independent_oracles(real, mct_schema):
    from fairlearn.metrics import demographic_parity_difference
    from sklearn.metrics import accuracy_score, roc_auc_score

    data, _a, path, out = real
    paths = render_reports(path, out / "r")
    doc = json.loads(paths["model_card_json"].read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(mct_schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER).validate(doc)
    metrics = {(m["type"], m.get("slice")): m for m in doc["quantitative_analysis"]["performance_metrics"]}
    assert float(metrics[("accuracy", None)]["value"]) == pytest.approx(accuracy_score(data["y"], data["pred"]), abs=1e-12)
    assert float(metrics[("roc_auc", None)]["value"]) == pytest.approx(roc_auc_score(data["y"], data["score"]), abs=1e-12)
    dpd = demographic_parity_difference(data["y"], data["pred"], sensitive_features=data["group"])
    assert float(metrics[("demographic_parity_difference", "group")]["value"]) == pytest.approx(dpd, abs=1e-12)
    # and the Markdown card prints the same figures
    md = paths["model_card_md"].read_text(encoding="utf-8")
    assert f"| Accuracy | {accuracy_score(data['y'], data['pred']):.3f} |" in md
    assert f"| Demographic parity | {dpd:.3f} (" in md


def test_bias_is_found_and_named(real):
    data, a, _, _ = real
    ctx = build_context(a)
    # group b's predictions were pushed up: its selection rate is the highest, a's the lowest
    sel = next(m for m in ctx["fairness"]["features"][0]["metrics"] if m["name"] == "selection_rate")
    rates = data.groupby("group")["pred"].mean()
    assert sel["highest"]["group"] == "b" and sel["lowest"]["group"] == "a"
    assert sel["highest"]["value"] == pytest.approx(rates["b"]) and sel["lowest"]["value"] == pytest.approx(rates["a"])
    assert ctx["fairness"]["status"] in ("attention", "watch")


def test_render_from_file_equals_render_from_object(real):
    _, a, path, _ = real
    assert render_markdown_card(build_context(Assessment.load(path))) == render_markdown_card(build_context(a))


def test_assess_without_sensitive_feature_lists_missing_fairness(tmp_path):
    data = make_binary(400, seed=3)
    a = assess(data, spec=DatasetSpec(target="y", prediction="pred", score="score"),
               options={"performance": {"n_bootstrap": 20}})
    ctx = build_context(a)
    assert ctx["fairness"] is None
    missing = " ".join(m["evidence"] for m in ctx["compliance"]["missing_evidence"])
    assert "no fairness analysis" in missing and "sensitive feature" in missing
    assert "no intended use stated" in missing
    assert "no reference (training) data given" in missing
    paths = render_reports(a, tmp_path)
    assert "Not run" in paths["model_card_html"].read_text(encoding="utf-8")


def _regression_frame(n=600, seed=0):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    g = rng.choice(["a", "b"], n)
    y = 2 * x[:, 0] + rng.normal(size=n)
    p = y + rng.normal(scale=0.5, size=n) + (g == "b") * 0.5
    return pd.DataFrame({"x1": x[:, 0], "x2": x[:, 1], "g": g, "y": y, "p": p})


def test_regression_groups_are_shown_not_judged(tmp_path):
    df = _regression_frame()
    a = assess(df, spec=DatasetSpec(target="y", prediction="p", sensitive=("g",)),
               options={"performance": {"n_bootstrap": 20}, "fairness": {"n_bootstrap": 20}})
    ctx = build_context(a)
    assert ctx["fairness"]["status"] == "info" and not ctx["fairness"]["judged"]
    mae = next(m for m in ctx["fairness"]["features"][0]["metrics"] if m["name"] == "mae")
    oracle = (df["y"] - df["p"]).abs().groupby(df["g"]).mean()
    assert {v["group"]: v["value"] for v in mae["by_group"]} == pytest.approx(oracle.to_dict())
    assert mae["status"] == "info" and not mae["bounded"]
    paths = render_reports(a, tmp_path)
    assert "Group differences shown, not judged" in paths["model_card_md"].read_text(encoding="utf-8")


@pytest.mark.browser
def test_regression_and_multiclass_dashboards_open_cleanly(tmp_path):
    import numpy as np

    from tests.report._browser import TABS, assert_clean, browser_page

    df = _regression_frame()
    reg = assess(df, spec=DatasetSpec(target="y", prediction="p", sensitive=("g",)), reference=df.sample(300, random_state=1),
                 options={"performance": {"n_bootstrap": 20}, "fairness": {"n_bootstrap": 20}})
    rng = np.random.default_rng(1)
    y = rng.choice(["u", "v", "w"], len(df))
    multi_df = df.assign(y=y, p=np.where(rng.random(len(df)) < 0.7, y, rng.choice(["u", "v", "w"], len(df))))
    multi = assess(multi_df, spec=DatasetSpec(target="y", prediction="p", sensitive=("g",)),
                   options={"performance": {"n_bootstrap": 20}, "fairness": {"n_bootstrap": 20}})
    for name, a in (("reg", reg), ("multi", multi)):
        paths = render_reports(a, tmp_path / name)
        with browser_page() as (page, events):
            page.goto(paths["dashboard"].as_uri())
            for tab in TABS:
                page.click(f"#tab-{tab}")
                assert page.locator(f"#panel-{tab}").inner_text().strip(), (name, tab)
            assert_clean(events)
