"""CI outputs: JUnit XML valid against junit-10.xsd, the Markdown summary, GitHub annotations."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import xmlschema

from rai.gate import (
    MAX_SUMMARY_BYTES,
    append_step_summary,
    escape_data,
    escape_property,
    evaluate,
    github_annotations,
    parse_policy,
    render_junit,
    render_markdown,
    render_text,
)

from .conftest import JUNIT_XSD, make_assessment, policy


@pytest.fixture(scope="module")
def junit_schema():
    return xmlschema.XMLSchema10(str(JUNIT_XSD))


ALL_KINDS = [
    {"name": "accuracy floor", "metric": "performance.accuracy", "op": ">=", "threshold": 0.9},  # fail
    {"name": "auc floor", "metric": "performance.roc_auc", "op": ">=", "threshold": 0.8},  # pass
    {"name": "drift (warn)", "metric": "drift.share_drifted", "op": "<", "threshold": 0.2, "severity": "warn"},  # fail, warns
    {"name": "race parity", "metric": "fairness.demographic_parity.ratio", "sensitive_feature": "RACE", "op": ">=", "threshold": 0.8},  # insufficient, warn
    {"name": "race parity strict", "metric": "fairness.demographic_parity.ratio", "sensitive_feature": "RACE", "op": ">=",
     "threshold": 0.8, "on_insufficient": "fail"},  # insufficient, blocks
    {"name": "no regression", "metric": "performance.accuracy", "op": ">=", "baseline_tolerance": 0.01},  # skipped
]


def verdict(checks=ALL_KINDS, baseline=None, **top):
    return evaluate(parse_policy(policy(*checks, **top), source="policy.yaml"), make_assessment(), baseline=baseline,
                    assessment_source="out/assessment.json")


def test_junit_is_valid_and_has_one_case_per_check(junit_schema):
    v = verdict(name="release policy")
    xml = render_junit(v)
    junit_schema.validate(xml)
    root = ET.fromstring(xml)
    suite = root.find("testsuite")
    assert suite.get("name") == "rai gate: release policy"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("6", "2", "0", "2")
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert list(cases) == [c["name"] for c in ALL_KINDS]
    failure = cases["accuracy floor"].find("failure")
    assert failure.get("type") == "threshold"
    assert failure.get("message") == "fail: performance.accuracy = 0.85 [0.83, 0.87], bound >= 0.9; 0.85 fails >= 0.9"
    assert "- overall: value 0.85, interval [0.83, 0.87], bound >= 0.9, fail; sizes: all rows: n=1000" in failure.text
    assert cases["auc floor"].find("failure") is None and cases["auc floor"].find("skipped") is None
    assert cases["drift (warn)"].find("failure") is None
    assert cases["drift (warn)"].find("system-out").text.startswith("WARNING (severity warn, does not block)")
    assert cases["race parity"].find("skipped").get("type") == "insufficient evidence"
    assert cases["race parity strict"].find("failure").get("type") == "insufficient evidence"
    assert "RACE=C: n=20 (insufficient)" in cases["race parity strict"].find("failure").text
    assert cases["no regression"].find("skipped").get("type") == "skipped"
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert props["verdict"] == "failed" and props["assessment"] == "out/assessment.json"


def test_junit_stays_valid_with_hostile_names(junit_schema):
    name = 'parité <script>alert("x")</script> & "quotes" \x01\x1b[31m ✓'
    checks = [{"name": name, "metric": "performance.accuracy", "op": ">=", "threshold": 0.9}]
    xml = render_junit(verdict(checks, name="ünïcode & <b>"))
    junit_schema.validate(xml)
    case = ET.fromstring(xml).find("testsuite/testcase")
    assert case.get("name").startswith('parité <script>alert("x")</script> & "quotes" ')
    assert "\x01" not in case.get("name")


def test_junit_of_a_passing_gate(junit_schema):
    v = verdict(ALL_KINDS[1:2])
    xml = render_junit(v)
    junit_schema.validate(xml)
    assert ET.fromstring(xml).find("testsuite").get("failures") == "0"


def test_markdown_summary_shows_value_interval_bound_sizes_and_outcome():
    text = render_markdown(verdict(baseline=make_assessment(accuracy=0.84)))
    lines = text.splitlines()
    assert lines[0] == "## ❌ Release gate failed: 2 of 6 checks block the release (2 warnings, 2 with insufficient evidence)"
    assert "**Policy** (`policy.yaml`) · **Assessment** `out/assessment.json` of 2026-01-01T00:00:00+00:00" in text
    row = next(line for line in lines if line.startswith("| ❌ | accuracy floor |"))
    cells = [c.strip() for c in row.strip("|").split(" | ")]
    assert cells == ["❌", "accuracy floor", "`performance.accuracy`", "0.85", "\\[0.83, 0.87\\]", "≥ 0.9",
                     "all rows: 1000", "**fail**: 0.85 fails &gt;= 0.9"]
    assert any(line.startswith("| ❔ | race parity | `fairness.demographic_parity.ratio` (sensitive\\_feature=RACE)") for line in lines)
    race = next(line for line in lines if line.startswith("| ❔ | race parity |"))
    assert "| RACE=C: 20 (insufficient); RACE=A: 600; RACE=B: 380 |" in race  # the small group first
    assert "**insufficient evidence (blocks)**" in text
    assert "**fail (warning only)**" in text
    # champion comparison, with deltas
    assert "### Champion comparison" in text
    acc = next(line for line in lines if line.startswith("| `performance.accuracy` |"))
    assert [c.strip() for c in acc.strip("|").split(" | ")] == ["`performance.accuracy`", "0.84", "\\[0.83, 0.87\\]", "0.85",
                                                                  "\\[0.83, 0.87\\]", "+0.01"]


def test_markdown_escapes_user_text():
    name = "a | b <img src=x onerror=alert(1)> *bold* [link](http://x)"
    text = render_markdown(verdict([{"name": name, "metric": "performance.accuracy", "op": ">=", "threshold": 0.9}]))
    row = next(line for line in text.splitlines() if line.startswith("| ❌ |"))
    assert "a \\| b &lt;img src=x onerror=alert(1)&gt; \\*bold\\* \\[link\\](http://x)" in row
    assert "<img" not in text
    assert len([c for c in row.replace("\\|", "").split("|")]) == 10  # 8 cells: the pipe in the name did not split one


def test_markdown_stays_under_one_mebibyte_on_a_huge_assessment():
    big = make_assessment()
    template = big["results"]["drift"]["columns"][0]
    big["results"]["drift"]["columns"] = [{**template, "column": f"feature_{i:05d}_" + "x" * 40} for i in range(12000)]
    checks = [{"name": "psi", "metric": "drift.columns.psi", "op": "<", "threshold": 0.01}]
    v = evaluate(parse_policy(policy(*checks)), big, baseline=big)
    full_rows = len(v.comparison)
    assert full_rows > 24000
    text = render_markdown(v)
    assert len(text.encode("utf-8")) <= MAX_SUMMARY_BYTES < 1024 * 1024
    assert "more shared numbers are in the JSON verdict" in text or "Summary truncated" in text
    # thousands of checks: the table itself is cut, with a note
    many = [{"name": f"check {i}", "metric": "drift.columns.psi", "column": f"feature_{i:05d}_" + "x" * 40, "op": "<", "threshold": 1}
            for i in range(300)]
    small = render_markdown(evaluate(parse_policy(policy(*many)), big), max_bytes=20_000)
    assert len(small.encode("utf-8")) <= 20_000 and small.rstrip().endswith("hold every check._")
    assert small.count("| ✅ | check ") > 50


def test_step_summary_is_appended(tmp_path):
    target = tmp_path / "summary.md"
    target.write_text("previous step\n", encoding="utf-8")
    assert append_step_summary("## one", {"GITHUB_STEP_SUMMARY": str(target)}) == target
    append_step_summary("## two\n", {"GITHUB_STEP_SUMMARY": str(target)})
    assert target.read_text(encoding="utf-8") == "previous step\n## one\n## two\n"
    assert append_step_summary("## x", {}) is None


def test_github_escaping_rules():
    # the rules of @actions/core (toolkit/packages/core/src/command.ts): data escapes % CR LF;
    # properties also : and ,
    assert escape_data("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext: a, b"
    assert escape_property("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext%3A a%2C b"


def test_annotations_for_blocking_checks_and_warnings():
    v = verdict()
    lines = github_annotations(v)
    assert [line.split(" ", 1)[0] for line in lines] == ["::error", "::warning", "::warning", "::error"]
    assert lines[0] == (
        "::error file=policy.yaml,title=rai gate%3A accuracy floor::"
        "performance.accuracy = 0.85 [0.83, 0.87]: fail: 0.85 fails >= 0.9"
    )
    hostile = verdict([{"name": "a,b: 100%\nx", "metric": "performance.accuracy", "op": ">=", "threshold": 0.9}])
    (line,) = github_annotations(hostile)
    assert line.startswith("::error file=policy.yaml,title=rai gate%3A a%2Cb%3A 100%25%0Ax::")
    assert "\n" not in line


def test_console_text():
    text = render_text(verdict())
    assert text.splitlines()[0] == "FAIL  accuracy floor [performance.accuracy]: fail: 0.85 fails >= 0.9"
    assert "WARN? race parity [fairness.demographic_parity.ratio sensitive_feature=RACE]: insufficient evidence" in text
    assert text.splitlines()[-1].startswith("Release gate failed")
