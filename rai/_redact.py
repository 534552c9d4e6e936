"""Secrets out of what is shown: URLs lose their credentials, path and query in logs and errors.

Incoming-webhook URLs carry their secret in the path (``/services/T/B/SECRET``) or the query
(``?token=``), and libraries print whole URLs: httpx logs every request at INFO, and a database
error quotes the SQL parameters, URL included. ``redact_text`` rewrites every URL in a text to
``scheme://host[:port]/***``; ``RedactingFilter`` applies it to log records (message, arguments
and traceback), and the CLI installs it on its log handlers.
"""

from __future__ import annotations

import logging
import re

__all__ = ["redact_text", "RedactingFilter", "install_log_redaction"]

# scheme://[userinfo@]host[:port] followed by anything that is not whitespace or a quote
_URL = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*)://(?:[^\s/@'\"<>]*@)?(?P<host>\[[^\]\s]*\]|[^\s/:?#'\"<>]*)"
                  r"(?P<port>:\d+)?(?P<rest>[^\s'\"<>]*)")


def _replace(match: re.Match[str]) -> str:
    scheme, host, port, rest = match["scheme"], match["host"], match["port"] or "", match["rest"]
    if scheme.lower() in ("sqlite", "file"):  # a local path, not a secret
        return match[0]
    return f"{scheme}://{host}{port}" + ("/***" if rest not in ("", "/") else rest)


def redact_text(text: str) -> str:
    """``text`` with every URL cut to its scheme, host and port (path and query become ``/***``)."""
    return _URL.sub(_replace, text)


class RedactingFilter(logging.Filter):
    """Redacts URLs in a log record's message and traceback before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to logging's own error handling
            return True
        record.msg, record.args = redact_text(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        return True


_LIBRARY_LOGGERS = ("httpx", "httpcore", "urllib3", "sqlalchemy")


def install_log_redaction() -> None:
    """Redact URLs on every handler of the root logger and on the loggers of HTTP and SQL libraries."""
    flt = RedactingFilter()
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(flt)
    for name in _LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(flt)
