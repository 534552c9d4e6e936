"""`rai report` and `rai verify`: files written, hashes recomputed, exit codes 0 / 1 / 2."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from rai.cli import main
from rai.report import OUTPUT_NAMES
from tests.conftest import make_binary

KEY = "ci-signing-key-0123456789"


def run(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


@pytest.fixture(scope="module")
def assessed(tmp_path_factory):
    """A real assessment of files (predictions-only), so the provenance holds file hashes."""
    from rai._config import Config
    from rai._run import assess_files
    from rai._spec import DatasetSpec

    d = tmp_path_factory.mktemp("assessed")
    make_binary(600, seed=1, bias=0.8).to_csv(d / "data.csv", index=False)
    make_binary(600, seed=2).to_parquet(d / "reference.parquet")
    config = Config(spec=DatasetSpec(target="y", prediction="pred", score="score", sensitive=("group",)),
                    data_path=d / "data.csv", reference_path=d / "reference.parquet",
                    analyzers={"performance": {"n_bootstrap": 50}, "fairness": {"n_bootstrap": 50}},
                    model_card={"name": "cli test model"})
    a = assess_files(config)
    a.save(d / "assessment.json")
    return d


def test_report_writes_the_four_files(assessed, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("RAI_SIGNING_KEY", raising=False)
    code, out, _ = run(["report", "--assessment", str(assessed / "assessment.json"), "--out", str(tmp_path / "r")], capsys)
    assert code == 0
    for name in OUTPUT_NAMES.values():
        assert (tmp_path / "r" / name).stat().st_size > 1000
        assert f"wrote {tmp_path / 'r' / name}" in out
    # the card shows the same data hash as the provenance, which is the file's sha256
    digest = hashlib.sha256((assessed / "data.csv").read_bytes()).hexdigest()
    assert digest in (tmp_path / "r" / "model_card.md").read_text()


def test_report_bad_input_exit_2(tmp_path, capsys):
    code, _, err = run(["report", "--assessment", str(tmp_path / "missing.json"), "--out", str(tmp_path)], capsys)
    assert code == 2 and "does not exist" in err and "Traceback" not in err
    (tmp_path / "bad.json").write_text('{"schema_version": "1.0"}')
    code, _, err = run(["report", "--assessment", str(tmp_path / "bad.json"), "--out", str(tmp_path)], capsys)
    assert code == 2 and "does not match the schema" in err


def test_verify_matching_files(assessed, capsys, monkeypatch):
    monkeypatch.delenv("RAI_SIGNING_KEY", raising=False)
    code, out, _ = run(["verify", "--assessment", str(assessed / "assessment.json"), "--data", str(assessed / "data.csv"),
                        "--reference", str(assessed / "reference.parquet")], capsys)
    assert code == 0, out
    assert out.count("OK ") == 2 and "verification passed" in out


def test_verify_detects_a_changed_file(assessed, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("RAI_SIGNING_KEY", raising=False)
    changed = tmp_path / "data.csv"
    lines = (assessed / "data.csv").read_text().splitlines()
    lines[5] = lines[6]  # one row edited
    changed.write_text("\n".join(lines) + "\n")
    code, out, err = run(["verify", "--assessment", str(assessed / "assessment.json"), "--data", str(changed)], capsys)
    assert code == 1
    assert "BAD data" in out and "differs from the recorded" in out and "FAILED" in err


def test_verify_model_not_recorded_is_a_mismatch(assessed, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("RAI_SIGNING_KEY", raising=False)
    (tmp_path / "model.skops").write_bytes(b"not the model")
    code, out, _ = run(["verify", "--assessment", str(assessed / "assessment.json"), "--model", str(tmp_path / "model.skops")], capsys)
    assert code == 1 and "records no model_sha256" in out


def test_verify_bad_input_exit_2(assessed, tmp_path, capsys):
    code, _, err = run(["verify", "--assessment", str(assessed / "assessment.json"), "--data", str(tmp_path / "nope.csv")], capsys)
    assert code == 2 and "--data" in err and "does not exist" in err
    code, _, err = run(["verify", "--assessment", str(tmp_path / "nope.json")], capsys)
    assert code == 2


def test_sign_verify_and_tamper(assessed, tmp_path, capsys, monkeypatch):
    work = tmp_path / "assessment.json"
    work.write_bytes((assessed / "assessment.json").read_bytes())
    monkeypatch.delenv("RAI_SIGNING_KEY", raising=False)
    code, _, err = run(["verify", "--assessment", str(work), "--sign"], capsys)
    assert code == 2 and "RAI_SIGNING_KEY" in err
    monkeypatch.setenv("RAI_SIGNING_KEY", KEY)
    code, out, _ = run(["verify", "--assessment", str(work), "--sign"], capsys)
    assert code == 0 and "assessment.json.sig" in out and KEY not in out
    code, out, _ = run(["verify", "--assessment", str(work), "--data", str(assessed / "data.csv")], capsys)
    assert code == 0 and "OK  signature" in out
    # tamper with a number: the file still parses and validates, the signature catches it
    doc = json.loads(work.read_text())
    doc["results"]["performance"]["overall"]["accuracy"] = 0.99
    work.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    code, out, _ = run(["verify", "--assessment", str(work)], capsys)
    assert code == 1 and "BAD signature" in out and "changed after it was signed" in out
    # tamper so badly it is no longer an assessment: still exit 1 (the signature says why)
    work.write_text("{}")
    code, out, _ = run(["verify", "--assessment", str(work)], capsys)
    assert code == 1 and "BAD signature" in out
    # the wrong key
    work.write_bytes((assessed / "assessment.json").read_bytes())
    run(["verify", "--assessment", str(work), "--sign"], capsys)
    monkeypatch.setenv("RAI_SIGNING_KEY", "another-key-0123456789")
    code, out, _ = run(["verify", "--assessment", str(work)], capsys)
    assert code == 1 and "wrong key" in out


def test_require_signature(assessed, capsys, monkeypatch):
    monkeypatch.delenv("RAI_SIGNING_KEY", raising=False)
    code, out, _ = run(["verify", "--assessment", str(assessed / "assessment.json"), "--require-signature"], capsys)
    assert code == 1 and "not signed" in out


def test_report_shows_the_signature_status(assessed, tmp_path, capsys, monkeypatch):
    work = tmp_path / "a"
    work.mkdir()
    (work / "assessment.json").write_bytes((assessed / "assessment.json").read_bytes())
    monkeypatch.setenv("RAI_SIGNING_KEY", KEY)
    run(["verify", "--assessment", str(work / "assessment.json"), "--sign"], capsys)
    code, _, _ = run(["report", "--assessment", str(work), "--out", str(work / "r")], capsys)
    assert code == 0
    md = (work / "r" / "model_card.md").read_text()
    assert "signature valid (HMAC-SHA256" in md
    assert KEY not in md and KEY not in (work / "r" / "dashboard.html").read_text()


def test_pdf_without_chromium_says_how_to_get_one(assessed, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("RAI_CHROMIUM", str(tmp_path / "no-such-browser"))
    code, _out, err = run(["report", "--assessment", str(assessed / "assessment.json"), "--out", str(tmp_path / "r"), "--pdf"], capsys)
    assert code == 2
    assert "apt-get install chromium" in err and "RAI_CHROMIUM" in err
    assert (tmp_path / "r" / "model_card.html").exists()  # the rest was written


@pytest.mark.browser
def test_pdf_with_chromium(assessed, tmp_path, capsys, monkeypatch):
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("/usr/bin/chromium not found: run .ci/install-browser.sh to test the PDF")
    monkeypatch.setenv("RAI_CHROMIUM", "/usr/bin/chromium")
    code, _out, err = run(["report", "--assessment", str(assessed / "assessment.json"), "--out", str(tmp_path / "r"), "--pdf"], capsys)
    assert code == 0, err
    pdf = (tmp_path / "r" / "model_card.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and len(pdf) > 20_000
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") >= 3  # several pages: the whole card


def test_verify_accepts_a_file_holding_an_in_memory_table(tmp_path, capsys, monkeypatch):
    """The API hashes an in-memory table by content; a Parquet file of that table verifies against it."""
    from rai import DatasetSpec, assess

    monkeypatch.delenv("RAI_SIGNING_KEY", raising=False)
    frame = make_binary(300, seed=5)
    a = assess(frame, spec=DatasetSpec(target="y", prediction="pred", score="score"), analyzers=[])
    a.save(tmp_path / "assessment.json")
    frame.to_parquet(tmp_path / "data.parquet")
    code, out, _ = run(["verify", "--assessment", str(tmp_path / "assessment.json"), "--data", str(tmp_path / "data.parquet")], capsys)
    assert code == 0 and "table content matches" in out
    frame.assign(x1=frame["x1"] + 1e-9).to_parquet(tmp_path / "changed.parquet")
    code, out, _ = run(["verify", "--assessment", str(tmp_path / "assessment.json"), "--data", str(tmp_path / "changed.parquet")], capsys)
    assert code == 1 and "BAD data" in out
