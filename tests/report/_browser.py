"""Drive the Debian Chromium with Playwright's Python package; skip cleanly when it is absent."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("RAI_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TABS = ["overview", "performance", "fairness", "errors", "explanations", "drift", "quality", "compliance", "provenance"]


@contextlib.contextmanager
def browser_page(viewport: dict[str, int] | None = None) -> Iterator[tuple[Any, dict[str, list[str]]]]:
    """A page that records console errors, page errors, dialogs and every request URL."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found: install Chromium with .ci/install-browser.sh (Debian: apt-get install chromium) to run the browser tests")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python package) is not installed")
    events: dict[str, list[str]] = {"console": [], "pageerror": [], "dialog": [], "requests": []}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport=viewport or {"width": 1300, "height": 900})
            page.on("console", lambda m: events["console"].append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: events["pageerror"].append(str(e)))
            page.on("request", lambda r: events["requests"].append(r.url))

            def _dialog(d: Any) -> None:
                events["dialog"].append(d.message)
                d.dismiss()

            page.on("dialog", _dialog)
            yield page, events
        finally:
            browser.close()


def assert_clean(events: dict[str, list[str]]) -> None:
    assert not events["console"], events["console"]
    assert not events["pageerror"], events["pageerror"]
    assert not events["dialog"], f"a script ran: {events['dialog']}"
    external = [u for u in events["requests"] if not u.startswith(("file:", "data:"))]
    assert not external, external
