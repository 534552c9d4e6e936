"""The descriptive fields of the model card: the ``model_card:`` section of ``rai.yaml``.

Everything the toolkit cannot measure (who owns the model, what it is for, what it must not be
used for) comes from the user. These keys are read, normalised and never invented: a key that
is absent or empty is listed as *missing* in the card, the dashboard and the compliance section.

Keys of ``model_card:`` (all optional; text fields accept a string or a list of strings):

======================== ====================================================================
key                      meaning
======================== ====================================================================
name                     model name (card title)
version                  model version (string)
version_date             release date, ``YYYY-MM-DD``
version_diff             changes from the previous version
overview                 one-paragraph description
documentation            longer description of the model and its use
owners                   list of ``{name, contact}`` mappings or ``"Name <contact>"`` strings
license                  SPDX identifier (``Apache-2.0``, ``proprietary``) or ``{custom_text: ...}``
references               list of URLs with more information
citations                list of citation strings
model_architecture       e.g. "gradient-boosted trees (scikit-learn HistGradientBoostingClassifier)"
input_format             description of the model's inputs
output_format            description of the model's outputs
intended_use             what the model is for (primary uses)
intended_users           who is meant to use it
out_of_scope_uses        uses it must not be put to
training_data            how the training data was collected, its scope and known gaps
evaluation_data          how the evaluation data was collected
factors                  relevant factors (groups, instrumentation, environments) beyond the
                         sensitive features measured
metrics_rationale        why these performance / fairness metrics fit the use (Annex IV item 4)
limitations              known technical limitations
tradeoffs                known trade-offs (e.g. accuracy vs. disparity)
ethical_considerations   risks; strings or ``{name, mitigation_strategy}`` mappings
caveats_and_recommendations  caveats and recommendations for users
human_oversight          human oversight measures (Annex IV 2(e))
risk_management          pointer to / summary of the risk management system (Annex IV 5)
monitoring_plan          post-market monitoring plan (Annex IV 9)
======================== ====================================================================

Unknown keys are kept and shown under "Other details" (as text), and reported in the
notes, so a typo in a key is visible rather than silently lost.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

__all__ = ["CARD_FIELDS", "EXPECTED_FIELDS", "normalise_card"]

#: key -> human label, in the order of the card
CARD_FIELDS: dict[str, str] = {
    "name": "Model name",
    "version": "Version",
    "version_date": "Version date",
    "version_diff": "Changes from the previous version",
    "overview": "Overview",
    "documentation": "Documentation",
    "owners": "Owners",
    "license": "License",
    "references": "References",
    "citations": "Citations",
    "model_architecture": "Model architecture",
    "input_format": "Input format",
    "output_format": "Output format",
    "intended_use": "Intended use",
    "intended_users": "Intended users",
    "out_of_scope_uses": "Out-of-scope uses",
    "training_data": "Training data",
    "evaluation_data": "Evaluation data",
    "factors": "Relevant factors",
    "metrics_rationale": "Why these metrics",
    "limitations": "Limitations",
    "tradeoffs": "Trade-offs",
    "ethical_considerations": "Ethical considerations",
    "caveats_and_recommendations": "Caveats and recommendations",
    "human_oversight": "Human oversight",
    "risk_management": "Risk management",
    "monitoring_plan": "Monitoring plan",
}

#: Fields a reviewer expects to find; when absent they are listed as missing evidence.
EXPECTED_FIELDS: tuple[str, ...] = (
    "name",
    "version",
    "owners",
    "license",
    "intended_use",
    "out_of_scope_uses",
    "training_data",
    "evaluation_data",
    "limitations",
    "ethical_considerations",
)

_LIST_FIELDS = {
    "references", "citations", "intended_use", "intended_users", "out_of_scope_uses", "factors",
    "limitations", "tradeoffs", "caveats_and_recommendations",
}
_OWNER_RE = re.compile(r"^\s*(?P<name>[^<]*?)\s*<(?P<contact>[^>]+)>\s*$")
_URI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "\n".join(_text(v) for v in value if _text(v))
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    return str(value).strip()


def _texts(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [t for t in (_text(v) for v in value) if t]
    t = _text(value)
    return [t] if t else []


def _owners(value: Any) -> list[dict[str, str]]:
    out = []
    items = value if isinstance(value, (list, tuple)) else ([value] if value else [])
    for item in items:
        if isinstance(item, dict):
            name, contact = _text(item.get("name")), _text(item.get("contact"))
        else:
            text = _text(item)
            m = _OWNER_RE.match(text)
            name, contact = (m.group("name"), m.group("contact")) if m else (text, "")
        owner = {k: v for k, v in (("name", name), ("contact", contact)) if v}
        if owner:
            out.append(owner)
    return out


def _licenses(value: Any) -> list[dict[str, str]]:
    items = value if isinstance(value, (list, tuple)) else ([value] if value else [])
    out = []
    for item in items:
        if isinstance(item, dict):
            if _text(item.get("identifier")):
                out.append({"identifier": _text(item["identifier"])})
            elif _text(item.get("custom_text")):
                out.append({"custom_text": _text(item["custom_text"])})
        elif _text(item):
            text = _text(item)
            # an SPDX identifier has no spaces; anything longer is a custom licence text
            out.append({"identifier": text} if " " not in text else {"custom_text": text})
    return out


def _risks(value: Any) -> list[dict[str, str]]:
    items = value if isinstance(value, (list, tuple)) else ([value] if value else [])
    out = []
    for item in items:
        if isinstance(item, dict):
            risk = {"name": _text(item.get("name") or item.get("risk")),
                    "mitigation_strategy": _text(item.get("mitigation_strategy") or item.get("mitigation"))}
        else:
            risk = {"name": _text(item), "mitigation_strategy": ""}
        if risk["name"] or risk["mitigation_strategy"]:
            out.append(risk)
    return out


def normalise_card(raw: dict[str, Any] | None) -> dict[str, Any]:
    """Plain, typed model-card fields, what is missing, and what was not understood.

    Returns a mapping with ``fields`` (key -> normalised value; only keys that have content),
    ``missing`` (``{key, label}`` of the expected fields without content), ``extra`` (unknown
    keys -> text) and ``warnings`` (values that could not be used as given, e.g. a date that
    is not ``YYYY-MM-DD``).
    """
    raw = dict(raw or {})
    fields: dict[str, Any] = {}
    warnings: list[str] = []
    for key in CARD_FIELDS:
        value = raw.get(key)
        if key == "owners":
            norm: Any = _owners(value)
        elif key == "license":
            norm = _licenses(value)
        elif key == "ethical_considerations":
            norm = _risks(value)
        elif key == "references":
            norm = []
            for ref in _texts(value):
                if _URI_RE.match(ref):
                    norm.append(ref)
                else:
                    warnings.append(f"model_card.references: {ref!r} is not an absolute URL; left out of model_card.json.")
                    norm.append(ref)
        elif key in _LIST_FIELDS:
            norm = _texts(value)
        elif key == "version_date":
            norm = _text(value)
            if norm:
                try:
                    _dt.date.fromisoformat(norm)
                except ValueError:
                    warnings.append(f"model_card.version_date: expected a date YYYY-MM-DD; got {norm!r}.")
        else:
            norm = _text(value)
        if norm:
            fields[key] = norm
    missing = [{"key": k, "label": CARD_FIELDS[k]} for k in EXPECTED_FIELDS if k not in fields]
    extra = {str(k): _text(v) for k, v in raw.items() if k not in CARD_FIELDS and _text(v)}
    if extra:
        warnings.append(
            f"model_card: unknown key(s) {sorted(extra)} shown under 'Other details'; known keys are {sorted(CARD_FIELDS)}."
        )
    return {"fields": fields, "missing": missing, "extra": extra, "warnings": warnings}
