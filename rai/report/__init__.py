"""Reports: the model card (Markdown, HTML, Model Card Toolkit JSON, PDF) and the offline dashboard.

Everything renders from ``assessment.json`` alone, without the model or the data::

    from rai.report import render_reports
    paths = render_reports("out/assessment.json", "out/report")

* ``build_context`` turns an assessment into plain dictionaries (compute never renders);
* the templates in the ``report_templates`` package lay them out (templates never compute);
* ``compliance_mapping`` maps the evidence to EU AI Act Annex IV and NIST AI RMF MEASURE;
* ``sign_assessment`` / ``verify_signature`` make ``assessment.json`` tamper-evident with an
  HMAC key from ``RAI_SIGNING_KEY``.
"""

from __future__ import annotations

from rai.report._card_fields import CARD_FIELDS, EXPECTED_FIELDS, normalise_card
from rai.report._compliance import compliance_mapping
from rai.report._context import Limits, build_context
from rai.report._mct import MCT_SCHEMA_VERSION, model_card_json
from rai.report._pdf import find_chromium, html_to_pdf
from rai.report._render import DASHBOARD_BUDGET, OUTPUT_NAMES, embed_json, render_reports
from rai.report._signing import (
    KEY_ENV,
    KEY_ID_ENV,
    sign_assessment,
    signature_path,
    signature_status,
    signing_key,
    verify_signature,
)

__all__ = [
    "render_reports",
    "build_context",
    "Limits",
    "model_card_json",
    "MCT_SCHEMA_VERSION",
    "compliance_mapping",
    "normalise_card",
    "CARD_FIELDS",
    "EXPECTED_FIELDS",
    "embed_json",
    "DASHBOARD_BUDGET",
    "OUTPUT_NAMES",
    "find_chromium",
    "html_to_pdf",
    "KEY_ENV",
    "KEY_ID_ENV",
    "sign_assessment",
    "signature_path",
    "signature_status",
    "signing_key",
    "verify_signature",
]
