"""HMAC-SHA256 signatures of assessment.json: published test vectors, tampering, key handling."""

from __future__ import annotations

import base64
import json

import pytest

from rai._exceptions import ConfigError
from rai.report import (
    sign_assessment,
    signature_path,
    signature_status,
    signing_key,
    verify_signature,
)
from rai.report._signing import _mac


@pytest.mark.parametrize("key, data, digest", [
    # RFC 4231, test cases 1 and 2
    (b"\x0b" * 20, b"Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
    (b"Jefe", b"what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
])
def test_hmac_matches_rfc4231(key, data, digest):
    assert _mac(key, data) == digest


@pytest.fixture
def saved(assessment, tmp_path):
    return assessment.save(tmp_path / "assessment.json")


KEY = b"0123456789abcdef-test-key"


def test_sign_then_verify(saved):
    sig = sign_assessment(saved, key=KEY, key_id="ci-2026")
    assert sig == signature_path(saved) and sig.name == "assessment.json.sig"
    doc = json.loads(sig.read_text())
    assert doc["algorithm"] == "HMAC-SHA256" and doc["key_id"] == "ci-2026"
    assert KEY.decode() not in sig.read_text()  # the key is never written
    ok, msg = verify_signature(saved, key=KEY)
    assert ok and "valid" in msg


def test_any_change_breaks_the_signature(saved):
    sign_assessment(saved, key=KEY)
    text = saved.read_text()
    saved.write_text(text.replace('"accuracy": 0.8123', '"accuracy": 0.9123'))
    ok, msg = verify_signature(saved, key=KEY)
    assert not ok and "changed after it was signed" in msg
    saved.write_text(text + " ")  # even whitespace
    assert not verify_signature(saved, key=KEY)[0]
    saved.write_text(text)
    assert verify_signature(saved, key=KEY)[0]
    assert not verify_signature(saved, key=b"another-key-of-16+bytes")[0]


def test_key_from_environment():
    assert signing_key(environ={}) is None
    assert signing_key(environ={"RAI_SIGNING_KEY": "a-long-enough-secret"}) == b"a-long-enough-secret"
    raw = bytes(range(32))
    assert signing_key(environ={"RAI_SIGNING_KEY": "base64:" + base64.b64encode(raw).decode()}) == raw
    with pytest.raises(ConfigError, match=r"RAI_SIGNING_KEY holds a key of 5 bytes; expected at least 16") as exc:
        signing_key(environ={"RAI_SIGNING_KEY": "short"})
    assert "short" not in str(exc.value)  # never the value
    with pytest.raises(ConfigError, match="not valid base64"):
        signing_key(environ={"RAI_SIGNING_KEY": "base64:@@@"})


def test_status_for_reports(saved, monkeypatch):
    monkeypatch.delenv("RAI_SIGNING_KEY", raising=False)
    assert signature_status(saved) == {"present": False, "verified": None, "message": "assessment.json is not signed"}
    sign_assessment(saved, key=KEY)
    st = signature_status(saved)
    assert st["present"] and st["verified"] is None and "RAI_SIGNING_KEY is not set" in st["message"]
    monkeypatch.setenv("RAI_SIGNING_KEY", KEY.decode())
    assert signature_status(saved)["verified"] is True
    monkeypatch.setenv("RAI_SIGNING_KEY", "wrong-key-but-long-enough")
    assert signature_status(saved)["verified"] is False
