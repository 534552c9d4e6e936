"""The model card's approvals section, from the history ``rai approvals --json FILE`` writes.

The approvals live in the MLflow registry (tags and the approval log), not in the assessment; the
card lists them when ``rai report --approvals FILE`` (``render_reports(approvals=...)``) passes that file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rai._exceptions import ConfigError

__all__ = ["approvals_context", "load_approvals"]

_FIELDS = ("version", "stage", "role", "approver", "approved_at", "gate_status", "assessment_sha256",
           "signature_status", "note")


def load_approvals(path: str | Path) -> dict[str, Any]:
    """Read the JSON of ``rai approvals --json``; ``ConfigError`` naming the file when it is not one."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"--approvals: file {str(p)!r} does not exist (write it with `rai approvals --model NAME --json FILE`).") from None
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"--approvals: {str(p)!r} is not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("approvals"), list):
        raise ConfigError(f"--approvals: {str(p)!r} must be the JSON `rai approvals --json` writes: an object with an "
                          f"'approvals' list; got {type(doc).__name__}.")
    return doc


def approvals_context(doc: dict[str, Any] | None) -> dict[str, Any]:
    """Plain rows for the templates (``present`` is false without a history)."""
    if not doc:
        return {"present": False, "model": None, "aliases": [], "rows": []}
    rows = [{k: (None if a.get(k) is None else str(a.get(k))) for k in _FIELDS}
            for a in doc.get("approvals") or [] if isinstance(a, dict)]
    aliases = sorted((str(k), str(v)) for k, v in (doc.get("aliases") or {}).items())
    return {"present": True, "model": doc.get("model"), "aliases": aliases, "rows": rows}
