"""PDF of the model card, printed by a headless Chromium (``--print-to-pdf``).

The browser is found in this order: the ``RAI_CHROMIUM`` environment variable, then
``chromium``, ``chromium-browser``, ``google-chrome``, ``google-chrome-stable`` on the PATH.
Without one, ``UnsupportedError`` says how to get it. The browser runs with a throw-away
profile and with networking features off; the card is a single offline file anyway.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from rai._exceptions import UnsupportedError

__all__ = ["NO_CHROMIUM", "find_chromium", "html_to_pdf"]

log = logging.getLogger(__name__)

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
NO_CHROMIUM = (
    "no headless Chromium found for the PDF (looked at $RAI_CHROMIUM and for {names} on the PATH). "
    "Install one (Debian / Ubuntu: `sudo apt-get install chromium`, or run .ci/install-browser.sh), "
    "or set RAI_CHROMIUM to the browser's path; or open model_card.html and print it to PDF from any browser."
)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-first-run",
    "--no-default-browser-check",
    "--no-pdf-header-footer",
)


def find_chromium() -> str | None:
    """The path of a usable Chromium, or ``None``."""
    env = os.environ.get("RAI_CHROMIUM")
    if env:
        return env if Path(env).is_file() and os.access(env, os.X_OK) else None
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def html_to_pdf(html_path: str | Path, pdf_path: str | Path, *, chromium: str | None = None, timeout: float = 120.0) -> Path:
    """Print ``html_path`` to ``pdf_path`` with headless Chromium.

    Raises
    ------
    UnsupportedError
        When no Chromium is found (the message says how to get one) or printing fails.
    """
    browser = chromium or find_chromium()
    if browser is None:
        raise UnsupportedError(NO_CHROMIUM.format(names=", ".join(CANDIDATES)))
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path).resolve()
    pdf_path.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="rai-chromium-") as profile:
        cmd = [browser, *FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={pdf_path}", html_path.as_uri()]
        log.info("printing %s to PDF with %s", html_path.name, browser)
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False,
                                  env={**os.environ, "HOME": profile})
        except subprocess.TimeoutExpired as exc:
            raise UnsupportedError(f"Chromium did not print {html_path.name} to PDF within {timeout:.0f} s.") from exc
        except OSError as exc:
            raise UnsupportedError(f"cannot run {browser!r} to print the PDF: {exc}") from exc
    if not pdf_path.is_file() or pdf_path.stat().st_size == 0:
        tail = (proc.stderr or "").strip().splitlines()[-3:]
        raise UnsupportedError(
            f"Chromium ({browser}) exited with code {proc.returncode} without writing {pdf_path.name}: " + " | ".join(tail)
        )
    return pdf_path
