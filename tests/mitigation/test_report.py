"""`rai report --baseline`: the mitigation section in the card and in the dashboard (headless Chromium)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.conftest import make_binary


@pytest.fixture(scope="module")
def mitigated(tmp_path_factory):
    """`rai mitigate --method grid-search` on a generated table; the group names are hostile text."""
    import skops.io as sio
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    from rai.cli import main

    frame = make_binary(3000, seed=2).drop(columns=["score", "pred"])
    frame["group"] = np.where(frame["group"] == "a", "<b>a</b>", "<script>alert(1)</script>")
    frame["x1"] = frame["x1"] - 0.8 * (frame["group"] != "<b>a</b>")
    model = Pipeline([("pre", ColumnTransformer([("oh", OneHotEncoder(), ["color", "group"])], remainder="passthrough")),
                      ("clf", LogisticRegression())]).fit(frame.iloc[:2000][["x1", "x2", "color", "group"]],
                                                          frame.iloc[:2000]["y"])
    root = tmp_path_factory.mktemp("mitigated")
    frame.iloc[:2000].to_csv(root / "train.csv", index=False)
    frame.iloc[2000:].to_csv(root / "test.csv", index=False)
    sio.dump(model, root / "model.skops")
    with pytest.raises(SystemExit) as exc:
        main(["mitigate", "--train", str(root / "train.csv"), "--test", str(root / "test.csv"), "--target", "y",
              "--sensitive", "group", "--model", str(root / "model.skops"), "--method", "grid-search",
              "--grid-size", "5", "--out", str(root / "out")])
    assert exc.value.code == 0
    with pytest.raises(SystemExit) as exc:
        main(["report", "--assessment", str(root / "out/after/assessment.json"),
              "--baseline", str(root / "out/before/assessment.json"), "--out", str(root / "report")])
    assert exc.value.code == 0
    return root


def _doc(path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_card_has_the_before_after_table_and_every_candidate(mitigated):
    card = (mitigated / "report/model_card.md").read_text(encoding="utf-8")
    section = card[card.index("### Mitigation"):card.index("### Error analysis")]
    assert "reduction: fairlearn GridSearch" in section and "demographic\\_parity over group" in section
    before = _doc(mitigated / "out/before/assessment.json")["results"]["performance"]["overall"]["accuracy"]
    after = _doc(mitigated / "out/after/assessment.json")["results"]["performance"]["overall"]["accuracy"]
    assert f"| Accuracy | {before:.3f} (" in section and f"| {after:.3f} (" in section
    assert f"| {after - before:+.3f} |" in section
    tradeoff = _doc(mitigated / "out/tradeoff.json")
    assert len(tradeoff["points"]) == 6
    for p in tradeoff["points"]:
        assert f"| {p['label']} | {p['accuracy']:.3f} |" in section
    assert section.count("| chosen") == 1
    html = (mitigated / "report/model_card.html").read_text(encoding="utf-8")
    assert html.count("<circle") == 6 and "<script>alert" not in html


def test_no_mitigation_section_without_a_baseline(mitigated, tmp_path):
    from rai.report import render_reports

    paths = render_reports(mitigated / "out/after/assessment.json", tmp_path)
    assert "### Mitigation" not in paths["model_card_md"].read_text(encoding="utf-8")
    assert 'id="tab-mitigation"' not in paths["dashboard"].read_text(encoding="utf-8")


@pytest.mark.browser
def test_dashboard_mitigation_tab_draws_every_candidate_offline(mitigated):
    from tests.report._browser import assert_clean, browser_page

    with browser_page() as (page, events):
        page.goto((mitigated / "report/dashboard.html").as_uri())
        page.click("#tab-mitigation")
        panel = page.locator("#panel-mitigation")
        page.wait_for_selector("#panel-mitigation svg circle")
        assert panel.locator("svg circle").count() == 6
        assert panel.locator("svg circle.chosen").count() == 1
        assert "Before" in panel.inner_text() and "Pareto front" in panel.inner_text()
        assert_clean(events)


def test_without_tradeoff_json_the_section_says_the_candidates_are_missing(mitigated, tmp_path):
    import shutil

    from rai.report import render_reports

    for side in ("before", "after"):
        (tmp_path / "copy" / side).mkdir(parents=True)
        shutil.copy(mitigated / "out" / side / "assessment.json", tmp_path / "copy" / side / "assessment.json")
    paths = render_reports(tmp_path / "copy/after/assessment.json", tmp_path / "report",
                           baseline=tmp_path / "copy/before/assessment.json")
    card = paths["model_card_md"].read_text(encoding="utf-8")
    assert "### Mitigation" in card and "No tradeoff.json was found" in card
    assert "| Accuracy |" in card
