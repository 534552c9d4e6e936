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
from rai.report._render import (
    DASHBOARD_BUDGET,
    OUTPUT_NAMES,
    embed_json,
    render_reports,
)
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
    "CARD_FIELDS",
    "DASHBOARD_BUDGET",
    "EXPECTED_FIELDS",
    "KEY_ENV",
    "KEY_ID_ENV",
    "MCT_SCHEMA_VERSION",
    "OUTPUT_NAMES",
    "Limits",
    "build_context",
    "compliance_mapping",
    "embed_json",
    "find_chromium",
    "html_to_pdf",
    "model_card_json",
    "normalise_card",
    "render_reports",
    "sign_assessment",
    "signature_path",
    "signature_status",
    "signing_key",
    "verify_signature",
]
