"""The retraining event: a CloudEvents 1.0 envelope, its payload shapes, and its signature.

The envelope is built and serialized by the ``cloudevents`` package (structured JSON mode,
``application/cloudevents+json``). Every request is signed per Standard Webhooks with the
``standardwebhooks`` package: ``webhook-id`` (stable over every retry of one delivery),
``webhook-timestamp`` (the time of the attempt) and ``webhook-signature``
(``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from rai._exceptions import ConfigError

__all__ = [
    "build_event",
    "render_body",
    "sign",
    "signed_headers",
    "load_secret",
    "new_event_id",
    "new_webhook_id",
    "SECRET_ENV",
]

#: The only place the signing secret is read from.
SECRET_ENV = "RAI_WEBHOOK_SECRET"


def new_event_id() -> str:
    return f"evt_{uuid.uuid4().hex}"


def new_webhook_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def build_event(
    *,
    event_id: str,
    event_type: str,
    source: str,
    subject: str,
    time: float,
    data: dict[str, Any],
) -> bytes:
    """The CloudEvents 1.0 structured-mode JSON body of one event."""
    from cloudevents.core.bindings.http import to_structured
    from cloudevents.core.formats.json import JSONFormat
    from cloudevents.core.v1.event import CloudEvent

    event = CloudEvent(
        {
            "id": event_id,
            "source": source,
            "type": event_type,
            "subject": subject,
            "time": dt.datetime.fromtimestamp(time, tz=dt.timezone.utc),
            "datacontenttype": "application/json",
        },
        data,
    )
    return to_structured(event, JSONFormat()).body


def render_body(event_body: bytes, fmt: str) -> tuple[bytes, str]:
    """The request body and content type of one event for an endpoint format."""
    if fmt == "cloudevents":
        return event_body, "application/cloudevents+json"
    event = json.loads(event_body)
    if fmt == "github":
        # repository_dispatch: event_type <= 100 chars, client_payload <= 10 top-level keys
        body = {"event_type": "rai-retraining-requested", "client_payload": event}
        return json.dumps(body, ensure_ascii=False, allow_nan=False).encode(), "application/json"
    if fmt == "slack":
        data = event.get("data") or {}
        cols = ", ".join(c["column"] for c in data.get("drifted_columns", [])[:10]) or "none"
        text = (
            f":rotating_light: [{data.get('severity', '?')}] {data.get('rule', '?')} on monitor "
            f"{data.get('monitor', '?')}, window {data.get('window', '?')}: "
            f"{data.get('signal', '?')} = {data.get('value')} (threshold {data.get('op', '')} {data.get('threshold')}). "
            f"Drifted columns: {cols}. Event {event.get('id')}."
        )
        return json.dumps({"text": text}, ensure_ascii=False).encode(), "application/json"
    raise ConfigError(f"webhook format must be one of cloudevents, github, slack; got {fmt!r}.")


def load_secret(environ: dict[str, str] | None = None) -> str:
    """The signing secret from ``RAI_WEBHOOK_SECRET``, checked to be usable.

    Raises
    ------
    ConfigError
        When the variable is unset or is not a Standard Webhooks secret (``whsec_`` + base64).
    """
    import base64
    import binascii
    import os

    env = os.environ if environ is None else environ
    secret = env.get(SECRET_ENV, "")
    if not secret:
        raise ConfigError(
            f"webhooks are configured but the environment variable {SECRET_ENV} is not set; expected a "
            "Standard Webhooks secret such as 'whsec_' followed by base64 (at least 24 bytes)."
        )
    raw = secret[len("whsec_"):] if secret.startswith("whsec_") else secret
    try:
        key = base64.b64decode(raw + "==", validate=False)
        strict_ok = bool(raw) and all(c.isalnum() or c in "+/=" for c in raw)
    except (binascii.Error, ValueError):
        key, strict_ok = b"", False
    if not strict_ok or len(key) < 16:
        # never echo the value itself
        raise ConfigError(
            f"{SECRET_ENV} is not a Standard Webhooks secret: expected 'whsec_' followed by base64 of at least "
            f"16 random bytes; got a value of {len(secret)} characters that does not decode."
        )
    return secret


def sign(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value (``v1,<base64>``) for one attempt."""
    from standardwebhooks import Webhook

    when = dt.datetime.fromtimestamp(int(timestamp), tz=dt.timezone.utc)
    return Webhook(secret).sign(webhook_id, when, body.decode("utf-8"))


def signed_headers(secret: str, webhook_id: str, timestamp: int, body: bytes, content_type: str) -> dict[str, str]:
    return {
        "content-type": content_type,
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(timestamp)),
        "webhook-signature": sign(secret, webhook_id, timestamp, body),
        "user-agent": "rai-monitor",
    }
