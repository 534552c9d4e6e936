"""Approvals and promotion of registered MLflow model versions: dev -> staging -> production.

``approve`` decides first and writes only when everything holds, so a refused approval leaves the
registry exactly as it was:

1. the gate judges the assessment (``rai.gate.evaluate``, the given policy or the shipped default);
2. the promotion rules: ``staging`` needs a passed gate; ``production`` needs the version to hold
   the ``staging`` alias, and approvals of the version (this one included, the staging sign-off
   counts) by an ``engineering`` approver and a ``risk`` approver who are two different people;
3. then it writes: tags on the model version (``rai.approval.<stage>.<role>.<field>``), one JSON
   line appended to the approval log ``rai/approvals.jsonl`` on the version's source run (signed
   with HMAC-SHA256 when ``RAI_SIGNING_KEY`` is set), and last the alias.

``approval_history`` reads the log back (verifying signatures when the key is set).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import hmac
import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rai._exceptions import ConfigError

__all__ = ["Approval", "Decision", "STAGES", "ROLES", "LOG_PATH", "approve", "approval_history", "parse_model_ref"]

STAGES = ("staging", "production")
ROLES = ("engineering", "risk")
LOG_PATH = "rai/approvals.jsonl"
TAG_PREFIX = "rai.approval"
_REF = re.compile(r"^(?P<name>.+?)(?:/(?P<version>\d+))?$")


@dataclasses.dataclass(frozen=True)
class Approval:
    """One recorded approval of a model version."""

    model: str
    version: str
    stage: str
    role: str
    approver: str
    approved_at: str
    assessment_sha256: str
    gate_status: str
    policy: str
    policy_sha256: str
    note: str | None = None
    key_id: str | None = None
    signature: str | None = None

    def payload(self) -> bytes:
        """The signed bytes: every field but the signature, as canonical JSON."""
        body = {k: v for k, v in dataclasses.asdict(self).items() if k != "signature"}
        return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Approval:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in raw.items() if k in names})

    def tags(self) -> dict[str, str]:
        base = f"{TAG_PREFIX}.{self.stage}.{self.role}"
        fields = {"approved_by": self.approver, "approved_at": self.approved_at, "assessment_sha256": self.assessment_sha256,
                  "gate_status": self.gate_status, "policy_sha256": self.policy_sha256, "note": self.note,
                  "signature": self.signature}
        return {f"{base}.{k}": str(v) for k, v in fields.items() if v is not None}


@dataclasses.dataclass(frozen=True)
class Decision:
    """What ``approve`` decided: recorded and moved, or refused with the missing conditions."""

    approval: Approval
    recorded: bool
    missing: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def parse_model_ref(ref: str, *, need_version: bool) -> tuple[str, str | None]:
    """``NAME/VERSION`` (or ``NAME`` when the version may be left out) -> (name, version)."""
    text = ref[len("models:/"):] if ref.startswith("models:/") else ref
    m = _REF.match(text.strip())
    if not m or (need_version and m["version"] is None):
        expected = "NAME/VERSION" if need_version else "NAME or NAME/VERSION"
        raise ConfigError(f"--model must be {expected} of a registered model (e.g. credit/3); got {ref!r}.")
    return m["name"], m["version"]


def _sign(approval: Approval, key: bytes) -> Approval:
    unsigned = dataclasses.replace(approval, key_id=os.environ.get("RAI_SIGNING_KEY_ID") or None, signature=None)
    return dataclasses.replace(unsigned, signature=hmac.new(key, unsigned.payload(), hashlib.sha256).hexdigest())


def signature_ok(approval: Approval, key: bytes) -> bool:
    expected = hmac.new(key, approval.payload(), hashlib.sha256).hexdigest()
    return approval.signature is not None and hmac.compare_digest(expected, approval.signature)


def _recorded_approvers(tags: dict[str, str]) -> set[tuple[str, str]]:
    """(role, approver) of the approvals recorded on a version whose gate passed."""
    out = set()
    for key, who in tags.items():
        parts = key.split(".")
        if len(parts) == 5 and key.startswith(TAG_PREFIX + ".") and parts[4] == "approved_by":
            stage, role = parts[2], parts[3]
            if tags.get(f"{TAG_PREFIX}.{stage}.{role}.gate_status") == "passed":
                out.add((role, who))
    return out


def _production_missing(approvers: set[tuple[str, str]]) -> list[str]:
    engineering = {who for role, who in approvers if role == "engineering"}
    risk = {who for role, who in approvers if role == "risk"}
    if not engineering:
        return ["an engineering approval (--role engineering) of this version"]
    if not risk:
        return ["a risk approval (--role risk) of this version"]
    if not any(e != r for e in engineering for r in risk):
        return [f"two different people: the engineering and the risk approval are both by {sorted(engineering)[0]!r}"]
    return []


def approve(
    model: str,
    *,
    to: str,
    approver: str,
    role: str,
    assessment_path: str | Path,
    policy_path: str | Path | None = None,
    note: str | None = None,
    tracking_uri: str | None = None,
    clock: Callable[[], _dt.datetime] | None = None,
) -> Decision:
    """Approve ``model`` (``NAME/VERSION``) for ``to``; record it and move the alias when the rules hold."""
    from rai._mlflow_log import gate_assessment
    from rai._mlflow_model import registry_client
    from rai.gate import load_assessment_dict
    from rai.report._signing import signing_key

    if to not in STAGES:
        raise ConfigError(f"--to must be one of {list(STAGES)}; got {to!r}.")
    if role not in ROLES:
        raise ConfigError(f"--role must be one of {list(ROLES)}; got {role!r}.")
    if not approver or not approver.strip():
        raise ConfigError("--approver must name who approves (e.g. an e-mail address); got an empty value.")
    name, version = parse_model_ref(model, need_version=True)
    client = registry_client(tracking_uri)
    from mlflow.exceptions import MlflowException

    try:
        mv = client.get_model_version(name, version)
    except MlflowException as exc:
        raise ConfigError(f"--model {model!r}: no such registered model version ({exc.message.splitlines()[0]}).") from None

    path = Path(assessment_path)
    if path.is_dir():
        path = path / "assessment.json"
    doc = load_assessment_dict(str(path))
    prov = doc.get("provenance") or {}
    if prov.get("model_name") and (prov.get("model_name"), prov.get("model_version")) != (name, version):
        raise ConfigError(
            f"--assessment {str(path)!r} assessed {prov.get('model_name')}/{prov.get('model_version')}, not {name}/{version}."
        )
    gate = gate_assessment(doc, policy_path=policy_path, assessment_source=str(path))
    now = (clock or (lambda: _dt.datetime.now(_dt.timezone.utc)))().replace(microsecond=0).isoformat()
    approval = Approval(
        model=name, version=version, stage=to, role=role, approver=approver.strip(), approved_at=now,
        assessment_sha256=hashlib.sha256(path.read_bytes()).hexdigest(), gate_status=gate.status,
        policy=gate.policy_source, policy_sha256=gate.policy_sha256, note=note,
    )

    missing: list[str] = []
    if not gate.verdict.passed:
        missing.append(f"a passing gate: {gate.verdict.headline()}")
    if to == "production":
        if "staging" not in (mv.aliases or []):
            missing.append(f"the version in staging first: {name}/{version} does not hold the 'staging' alias")
        missing += _production_missing(_recorded_approvers(dict(mv.tags or {})) | {(role, approval.approver)})
    if missing:
        return Decision(approval=approval, recorded=False, missing=tuple(missing))

    key = signing_key()
    if key is not None:
        approval = _sign(approval, key)
    for tag, value in approval.tags().items():
        client.set_model_version_tag(name, version, tag, value)
    notes = []
    if mv.run_id:
        _append_log(client, mv.run_id, approval)
    else:
        notes.append(f"{name}/{version} has no source run: the approval is in its tags only, not in {LOG_PATH}")
    client.set_registered_model_alias(name, to, version)
    return Decision(approval=approval, recorded=True, notes=tuple(notes))


def _read_log(client: Any, run_id: str) -> list[str]:
    from mlflow.exceptions import MlflowException

    if not any(f.path == LOG_PATH for f in client.list_artifacts(run_id, "rai")):
        return []
    with tempfile.TemporaryDirectory(prefix="rai-approvals-") as tmp:
        try:
            local = client.download_artifacts(run_id, LOG_PATH, tmp)
        except MlflowException:
            return []
        return [line for line in Path(local).read_text(encoding="utf-8").splitlines() if line.strip()]


def _append_log(client: Any, run_id: str, approval: Approval) -> None:
    lines = _read_log(client, run_id)
    lines.append(json.dumps(approval.to_dict(), sort_keys=True, ensure_ascii=False))
    with tempfile.TemporaryDirectory(prefix="rai-approvals-") as tmp:
        local = Path(tmp) / Path(LOG_PATH).name
        local.write_text("\n".join(lines) + "\n", encoding="utf-8")
        client.log_artifact(run_id, str(local), artifact_path=str(Path(LOG_PATH).parent))


def approval_history(model: str, *, tracking_uri: str | None = None) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The approvals of ``NAME`` (every version) or ``NAME/VERSION``, oldest first, and the model's aliases.

    Each entry is the approval's fields plus ``signature_status``: ``valid``, ``INVALID``,
    ``unsigned``, or ``not checked`` when ``RAI_SIGNING_KEY`` is not set.
    """
    from rai._mlflow_model import registry_client
    from rai.report._signing import signing_key

    name, version = parse_model_ref(model, need_version=False)
    client = registry_client(tracking_uri)
    from mlflow.exceptions import MlflowException

    try:
        registered = client.get_registered_model(name)
        quoted = name.replace("'", "\\'")
        versions = [client.get_model_version(name, version)] if version else client.search_model_versions(f"name='{quoted}'")
    except MlflowException as exc:
        raise ConfigError(f"--model {model!r}: not in the registry ({exc.message.splitlines()[0]}).") from None
    key = signing_key()
    wanted = {str(v.version) for v in versions}
    seen: set[str] = set()
    out = []
    for run_id in dict.fromkeys(v.run_id for v in versions if v.run_id):
        for line in _read_log(client, run_id):
            try:
                approval = Approval.from_dict(json.loads(line))
            except (json.JSONDecodeError, TypeError):
                continue
            if approval.model != name or approval.version not in wanted or line in seen:
                continue
            seen.add(line)
            if approval.signature is None:
                status = "unsigned"
            elif key is None:
                status = "not checked"
            else:
                status = "valid" if signature_ok(approval, key) else "INVALID"
            out.append({**approval.to_dict(), "signature_status": status})
    out.sort(key=lambda a: (a["approved_at"], int(a["version"])))
    aliases = {alias: str(v) for alias, v in (registered.aliases or {}).items()}
    return out, aliases
