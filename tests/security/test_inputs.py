"""Hostile input files: config booleans, duplicate YAML keys, alias bombs, deep or non-finite JSON.

Each case would pass silently (or hang, or end in a traceback) without the strict readers in
``rai._safe_yaml`` / ``rai._safe_json`` and the range check of ``rai._ranges``.
"""

from __future__ import annotations

import json
import pickle
import textwrap

import pytest

from rai._config import load_config
from rai._exceptions import ConfigError
from rai._safe_json import load_json
from rai._safe_yaml import load_yaml
from tests.gate.conftest import make_assessment, write_json

BOMB = "\n".join(
    [f"a0: &a0 [{', '.join(['lol'] * 9)}]"]
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
) + "\n"


class _Marker:
    """Pickled into model.pkl: unpickling it writes a file, so the test sees whether it ran."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.mark.parametrize("trust", ['"false"', '"no"', "0", "1", '"true"', "[]"])
def test_model_trust_must_be_a_boolean_and_the_pickle_never_runs(rai, tmp_path, binary_frame, trust):
    binary_frame.to_csv(tmp_path / "data.csv", index=False)
    ran = tmp_path / "pickle-ran"
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(_Marker(str(ran))))
    (tmp_path / "rai.yaml").write_text(textwrap.dedent(f"""\
        version: 1
        data: {{path: data.csv, target: y}}
        model: {{path: model.pkl, trust: {trust}}}
        """), encoding="utf-8")
    r = rai("assess", "--config", tmp_path / "rai.yaml", "--out", tmp_path / "out")
    assert r.code == 2
    assert "model.trust must be true or false" in r.err and trust.strip('"') in r.err
    assert not ran.exists()


def test_analyzer_flags_must_be_booleans(tmp_path):
    from rai.analyzers import default_analyzers

    with pytest.raises(ConfigError, match=r"analyzers.fairness.intersection must be true or false .*'false'"):
        default_analyzers(options={"fairness": {"intersection": "false"}})


def test_policy_with_a_repeated_key_is_refused(rai, tmp_path):
    # the second, lenient copy of `checks:` used to win and the gate passed
    write_json(tmp_path / "assessment.json", make_assessment(accuracy=0.85))
    (tmp_path / "policy.yaml").write_text(textwrap.dedent("""\
        version: 1
        checks:
          - {name: strict, metric: performance.accuracy, op: ">=", threshold: 0.99}
        checks:
          - {name: lenient, metric: performance.accuracy, op: ">=", threshold: 0.1}
        """), encoding="utf-8")
    r = rai("gate", "--policy", tmp_path / "policy.yaml", "--assessment", tmp_path / "assessment.json")
    assert r.code == 2
    assert "duplicate key 'checks' (first at line 2)" in r.err and "line 4" in r.err


@pytest.mark.parametrize("text", [
    "a: 1\nb: {x: 1, x: 2}\n",
    "- {name: a, name: b}\n",
    "k: &k v\n*k : 1\nv: 2\n",
])
def test_duplicate_keys_are_refused_at_any_depth(text):
    with pytest.raises(ConfigError, match="duplicate key"):
        load_yaml(text, "f.yaml")


def test_merge_keys_still_override():
    assert load_yaml("base: &b {x: 1, y: 2}\nmine:\n  <<: *b\n  y: 3\n", "f") == {
        "base": {"x": 1, "y": 2}, "mine": {"x": 1, "y": 3}}


@pytest.mark.parametrize("where", ["policy", "config"])
def test_billion_laughs_is_refused_quickly(rai, tmp_path, where):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("version: 1\n" + BOMB, encoding="utf-8")
    write_json(tmp_path / "assessment.json", make_assessment())
    if where == "policy":
        r = rai("gate", "--policy", bomb, "--assessment", tmp_path / "assessment.json")
    else:
        r = rai("assess", "--config", bomb, "--out", tmp_path / "out")
    assert r.code == 2
    # by hand: a0 = 1 + 9 = 10 nodes, a_i = 1 + 9 a_(i-1); a0 + ... + a9 = 4,412,961,505,
    # plus the root mapping, its 11 keys and the value of version: 4,412,961,518
    assert "expands (through YAML aliases) to 4,412,961,518 nodes; at most 100,000" in r.err
    assert len(r.err) < 500


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, "a:\n" + "".join(" " * i + "b:\n" for i in range(1, 3000))])
def test_deep_yaml_is_refused_without_a_recursion_error(text):
    with pytest.raises(ConfigError, match="nests mappings/lists more than 64 deep"):
        load_yaml(text, "f.yaml")


def test_recursive_alias_is_refused():
    with pytest.raises(ConfigError, match="recursive YAML alias"):
        load_yaml("a: &a [1, *a]\n", "f")


@pytest.mark.parametrize("text, message", [
    ("[" * 100_000 + "]" * 100_000, "nests objects/arrays more than 64 deep"),
    ("[" * 65 + "]" * 65, "nests objects/arrays more than 64 deep"),
    ('{"a": NaN}', "non-finite number NaN"),
    ('{"a": -Infinity}', "non-finite number -Infinity"),
    ('{"a": 1e400}', "non-finite number 1e400"),
    ('{"results": {"a": 1}, "results": {"a": 2}}', "repeats the key 'results'"),
])
def test_json_depth_and_non_finite_numbers_are_refused(text, message):
    with pytest.raises(ConfigError, match=message):
        load_json(text, "x.json")
    assert load_json("[" * 64 + "]" * 64, "x.json") is not None


@pytest.mark.parametrize("value, message", [
    ("Infinity", "non-finite number Infinity"),
    ("NaN", "non-finite number NaN"),
    ("1e999", "non-finite number 1e999"),
    ("7.5", "results.performance.overall.accuracy is 7.5; a proportion must lie between 0 and 1"),
    ("-0.1", "results.performance.overall.accuracy is -0.1"),
])
@pytest.mark.parametrize("command", ["gate", "report"])
def test_impossible_numbers_in_an_assessment_are_exit_2(rai, tmp_path, value, message, command):
    text = json.dumps(make_assessment(accuracy=0.85), indent=1)
    text = text.replace('"accuracy": 0.85', f'"accuracy": {value}', 1)
    assert f'"accuracy": {value}' in text
    (tmp_path / "assessment.json").write_text(text, encoding="utf-8")
    (tmp_path / "policy.yaml").write_text(
        'version: 1\nchecks: [{name: a, metric: performance.accuracy, op: ">=", threshold: 0.9}]\n', encoding="utf-8")
    if command == "gate":
        r = rai("gate", "--policy", tmp_path / "policy.yaml", "--assessment", tmp_path / "assessment.json")
    else:
        r = rai("report", "--assessment", tmp_path / "assessment.json", "--out", tmp_path / "out")
        assert not (tmp_path / "out" / "dashboard.html").exists()
    assert r.code == 2, r.out
    assert message in r.err and "Traceback" not in r.err


def test_deep_json_assessment_is_exit_2(rai, tmp_path):
    (tmp_path / "assessment.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    (tmp_path / "policy.yaml").write_text(
        'version: 1\nchecks: [{name: a, metric: performance.accuracy, op: ">=", threshold: 0.9}]\n', encoding="utf-8")
    r = rai("gate", "--policy", tmp_path / "policy.yaml", "--assessment", tmp_path / "assessment.json")
    assert r.code == 2 and "more than 64 deep" in r.err
