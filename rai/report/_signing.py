"""Tamper evidence for ``assessment.json``: an HMAC-SHA256 signature in a sidecar file.

The signature covers the exact bytes of ``assessment.json``: any change, even whitespace,
breaks it. It is written next to the file as ``assessment.json.sig`` (JSON: algorithm, key id,
sha256 of the signed bytes, hex signature), so ``assessment.json`` itself keeps its schema.

The key comes from an environment variable, ``RAI_SIGNING_KEY`` by default: the raw text
(at least 16 bytes) or ``base64:<...>`` for binary keys. An optional ``RAI_SIGNING_KEY_ID``
names the key in the sidecar, so a verifier knows which key to fetch. The key is never
written, logged or put in a report; only its id is.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import hashlib
import hmac
import json
import logging
import os
from pathlib import Path
from typing import Any

from rai._exceptions import ConfigError

__all__ = [
    "ALGORITHM",
    "KEY_ENV",
    "KEY_ID_ENV",
    "sign_assessment",
    "signature_path",
    "signature_status",
    "signing_key",
    "verify_signature",
]

log = logging.getLogger(__name__)

KEY_ENV = "RAI_SIGNING_KEY"
KEY_ID_ENV = "RAI_SIGNING_KEY_ID"
ALGORITHM = "HMAC-SHA256"
MIN_KEY_BYTES = 16


def signature_path(assessment_path: str | Path) -> Path:
    """Where the signature of an assessment file lives: ``<file>.sig``."""
    p = Path(assessment_path)
    return p.with_name(p.name + ".sig")


def signing_key(env: str = KEY_ENV, environ: dict[str, str] | None = None) -> bytes | None:
    """The key from the environment variable ``env``, or ``None`` when it is not set.

    Raises
    ------
    ConfigError
        When the variable is set but too short, or ``base64:`` with invalid base64 (the
        message names the variable, never the value).
    """
    environ = os.environ if environ is None else environ
    raw = environ.get(env)
    if raw is None or raw == "":
        return None
    if raw.startswith("base64:"):
        try:
            key = base64.b64decode(raw[len("base64:"):], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ConfigError(f"environment variable {env} starts with 'base64:' but is not valid base64.") from exc
    else:
        key = raw.encode("utf-8")
    if len(key) < MIN_KEY_BYTES:
        raise ConfigError(
            f"environment variable {env} holds a key of {len(key)} bytes; expected at least {MIN_KEY_BYTES} bytes."
        )
    return key


def _mac(key: bytes, data: bytes) -> str:
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def sign_assessment(path: str | Path, *, key: bytes, key_id: str | None = None, now: _dt.datetime | None = None) -> Path:
    """Sign the bytes of an ``assessment.json`` and write ``<file>.sig``; returns the sidecar's path."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"assessment file {str(path)!r} does not exist.")
    data = path.read_bytes()
    now = now or _dt.datetime.now(_dt.UTC)
    doc = {
        "algorithm": ALGORITHM,
        "signed_file": path.name,
        "sha256": hashlib.sha256(data).hexdigest(),
        "signature": _mac(key, data),
        "key_id": key_id,
        "signed_at": now.replace(microsecond=0).isoformat(),
    }
    out = signature_path(path)
    from rai._atomic import write_text

    write_text(out, json.dumps(doc, indent=2) + "\n", what="signature")
    log.info("signed %s (key id %s)", path, key_id or "-")
    return out


def _read_sidecar(path: Path) -> dict[str, Any]:
    sig = signature_path(path)
    from rai._safe_json import read_json

    doc = read_json(sig, "signature file")
    if not isinstance(doc, dict) or not isinstance(doc.get("signature"), str):
        raise ConfigError(f"signature file {str(sig)!r} must hold a JSON object with a 'signature' string.")
    if doc.get("algorithm") != ALGORITHM:
        raise ConfigError(f"signature file {str(sig)!r}: algorithm must be {ALGORITHM!r}; got {doc.get('algorithm')!r}.")
    return doc


def verify_signature(path: str | Path, *, key: bytes) -> tuple[bool, str]:
    """Check ``<file>.sig`` against the file's bytes: ``(ok, message)``.

    Raises ``ConfigError`` when there is no sidecar or it is malformed.
    """
    path = Path(path)
    sig = signature_path(path)
    if not sig.is_file():
        raise ConfigError(f"no signature file {str(sig)!r} next to the assessment (sign it with `rai verify --sign`).")
    doc = _read_sidecar(path)
    data = path.read_bytes()
    if hmac.compare_digest(_mac(key, data), doc["signature"]):
        return True, f"signature valid ({ALGORITHM}, key id {doc.get('key_id') or '-'}, signed {doc.get('signed_at') or '?'})"
    if doc.get("sha256") and doc["sha256"] != hashlib.sha256(data).hexdigest():
        return False, "signature INVALID: assessment.json was changed after it was signed"
    return False, "signature INVALID: wrong key, or the signature was altered"


def signature_status(path: str | Path, *, env: str = KEY_ENV) -> dict[str, Any]:
    """What a report can show about the signature of an assessment file (never the key).

    ``present``: a sidecar exists; ``verified``: ``True`` / ``False`` when the key was available,
    ``None`` when it was not; ``message`` a sentence for the reader.
    """
    path = Path(path)
    if not signature_path(path).is_file():
        return {"present": False, "verified": None, "message": "assessment.json is not signed"}
    try:
        doc = _read_sidecar(path)
    except ConfigError as exc:
        return {"present": True, "verified": False, "message": str(exc)}
    out = {"present": True, "algorithm": doc.get("algorithm"), "key_id": doc.get("key_id"),
           "signed_at": doc.get("signed_at"), "signature": doc.get("signature"), "verified": None,
           "message": f"signed ({ALGORITHM}); not checked here: {env} is not set"}
    key = signing_key(env)
    if key is not None:
        ok, msg = verify_signature(path, key=key)
        out.update(verified=ok, message=msg)
    return out
