"""docs/metrics.md is generated from the code, and every path the stream yields is documented there."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from rai.results import metric_stream, path_docs, render_paths_markdown
from tests.gate.conftest import make_assessment

ROOT = Path(__file__).resolve().parents[2]


def test_docs_metrics_md_is_the_generated_text():
    # regenerate with: rai metrics --paths > docs/metrics.md
    assert (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8") == render_paths_markdown()


def _pattern(doc_path: str) -> re.Pattern:
    return re.compile("^" + r"\.".join("[^.]+" if p.startswith("<") else re.escape(p) for p in doc_path.split(".")) + "$")


def test_every_streamed_path_is_documented_with_its_qualifiers():
    docs = [d for ds in path_docs().values() for d in ds]
    stream = metric_stream(make_assessment())
    assert stream
    for m in stream:
        matching = [d for d in docs if _pattern(d.path).match(m.path)]
        assert matching, f"{m.path} is not in docs/metrics.md"
        assert {k for k, _ in m.qualifiers} <= set(matching[0].qualifiers) | {"cohort"}, (m.path, m.qualifiers)


def test_rai_metrics_prints_the_stream_in_three_formats(rai, tmp_path):
    doc = make_assessment()
    (tmp_path / "assessment.json").write_text(json.dumps(doc), encoding="utf-8")
    r = rai("metrics", "--assessment", str(tmp_path), "--format", "json")
    assert r.code == 0, r.err
    records = json.loads(r.out)
    assert [x["path"] for x in records] == [m.path for m in metric_stream(doc)]
    r = rai("metrics", "--assessment", str(tmp_path / "assessment.json"), "--format", "csv", "--path", "fairness.demographic_parity.ratio")
    rows = list(csv.DictReader(io.StringIO(r.out)))
    race = next(row for row in rows if row["qualifiers"] == "sensitive_feature=RACE")
    assert race["insufficient"] == "yes" and "RACE=C (n=20)" in race["reason"]
    r = rai("metrics", "--assessment", str(tmp_path))
    assert r.code == 0 and r.out.splitlines()[0].split()[:3] == ["path", "qualifiers", "value"]
    r = rai("metrics")
    assert r.code == 2 and "--assessment is required" in r.err
