"""Drive Debian's Firefox ESR with Mozilla's Marionette client; skip cleanly when either is absent.

Playwright drives only its own patched Firefox build (not downloadable here) and geckodriver is
not packaged, so the test talks Marionette, the remote protocol built into every Firefox, with
Mozilla's Python client ``marionette_driver``. Nothing is installed into the page: everything we
observe is read from the browser side.

* JavaScript errors, CSP violations and other page warnings: the browser's console service
  (``Services.console``, read in the chrome context), restricted to messages from content.
* ``console.error`` / ``console.warn`` calls of the page: Firefox prints them to stdout with
  ``devtools.console.stdout.content`` (chrome messages are switched off), read from the log.
* Requests: an ``http-on-modify-request`` observer in the chrome context records every HTTP(S)
  channel a page opens (its triggering principal is not the system principal), the page's own
  ``performance.getEntriesByType("resource")``, and a local sink proxy: every proxy setting points
  at a socket of this process that records the first line and hangs up, so nothing leaves the
  machine even if a preference below misses a background service.
* Dialogs (``alert`` from an executed payload): Marionette's alert API.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

TABS = ["overview", "performance", "fairness", "errors", "explanations", "drift", "quality", "compliance", "provenance"]
START_TIMEOUT = 30.0


def firefox_binary() -> str | None:
    explicit = os.environ.get("RAI_FIREFOX")
    if explicit:
        return explicit if Path(explicit).exists() else None
    return shutil.which("firefox-esr") or shutil.which("firefox")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prefs(marionette_port: int, sink_port: int) -> dict[str, Any]:
    """A profile that makes no request of its own: no updates, telemetry, prefetch or remote settings."""
    off = ""
    return {
        "marionette.port": marionette_port,
        # every request goes to the local sink (which records it and hangs up), localhost included
        "network.proxy.type": 1,
        **{f"network.proxy.{k}": "127.0.0.1" for k in ("http", "ssl", "socks")},
        **{f"network.proxy.{k}_port": sink_port for k in ("http", "ssl", "socks")},
        "network.proxy.socks_remote_dns": True,
        "network.proxy.no_proxies_on": off,
        "network.proxy.allow_hijacking_localhost": True,
        "network.trr.mode": 5,
        # prefetch / speculative connections
        "network.prefetch-next": False,
        "network.dns.disablePrefetch": True,
        "network.http.speculative-parallel-limit": 0,
        "network.predictor.enabled": False,
        "browser.urlbar.speculativeConnect.enabled": False,
        "browser.places.speculativeConnect.enabled": False,
        "network.captive-portal-service.enabled": False,
        "network.connectivity-service.enabled": False,
        "captivedetect.canonicalURL": off,
        # updates
        "app.update.disabledForTesting": True,
        "app.update.auto": False,
        "extensions.update.enabled": False,
        "extensions.systemAddon.update.enabled": False,
        "extensions.getAddons.cache.enabled": False,
        "extensions.blocklist.enabled": False,
        "media.gmp-manager.updateEnabled": False,
        "media.gmp-manager.url": off,
        "browser.search.update": False,
        "browser.region.update.enabled": False,
        "browser.region.network.url": off,
        "geo.provider.network.url": off,
        "services.settings.server": "data:,#remote-settings-dummy/v1",
        "security.remote_settings.crlite_filters.enabled": False,
        "security.remote_settings.intermediates.enabled": False,
        "security.OCSP.enabled": 0,
        "browser.safebrowsing.update.enabled": False,
        "browser.safebrowsing.malware.enabled": False,
        "browser.safebrowsing.phishing.enabled": False,
        "browser.safebrowsing.blockedURIs.enabled": False,
        "browser.safebrowsing.downloads.enabled": False,
        "browser.safebrowsing.downloads.remote.enabled": False,
        # telemetry and studies
        "datareporting.healthreport.uploadEnabled": False,
        "datareporting.policy.dataSubmissionEnabled": False,
        "datareporting.usage.uploadEnabled": False,
        "toolkit.telemetry.enabled": False,
        "toolkit.telemetry.unified": False,
        "toolkit.telemetry.archive.enabled": False,
        "toolkit.telemetry.server": off,
        "browser.ping-centre.telemetry": False,
        "app.normandy.enabled": False,
        "app.normandy.api_url": off,
        "app.shield.optoutstudies.enabled": False,
        "messaging-system.rsexperimentloader.enabled": False,
        "dom.push.connection.enabled": False,
        "identity.fxaccounts.enabled": False,
        # a quiet start page
        "browser.shell.checkDefaultBrowser": False,
        "browser.startup.page": 0,
        "browser.startup.homepage": "about:blank",
        "browser.newtabpage.enabled": False,
        "browser.newtabpage.activity-stream.feeds.section.topstories": False,
        "browser.newtabpage.activity-stream.feeds.system.topstories": False,
        "browser.newtabpage.activity-stream.telemetry": False,
        "browser.topsites.contile.enabled": False,
        "browser.aboutwelcome.enabled": False,
        # the page's console.error / console.warn go to stdout; the browser's own do not
        "devtools.console.stdout.content": True,
        "devtools.console.stdout.chrome": False,
    }


class _Sink:
    """A TCP listener standing in for every proxy: records the request line, then hangs up."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(32)
        self.port = int(self.sock.getsockname()[1])
        self.hits: list[str] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    first = conn.recv(512).split(b"\r\n", 1)[0]
                except OSError as exc:
                    first = repr(exc).encode()
                self.hits.append(first.decode("latin-1"))

    def close(self) -> None:
        self.sock.close()
        self._thread.join(timeout=5)


_RECORDER = """
const seen = [];
const observer = { observe(subject) {
  const ch = subject.QueryInterface(Ci.nsIHttpChannel);
  const p = ch.loadInfo.triggeringPrincipal;
  seen.push({ url: ch.URI.spec, system: p.isSystemPrincipal, by: p.isSystemPrincipal ? "" : p.origin });
} };
Services.obs.addObserver(observer, "http-on-modify-request");
globalThis.raiSeen = seen;
globalThis.raiObserver = observer;
"""

_CONTENT_MESSAGES = """
const out = [];
for (const m of Services.console.getMessageArray() || []) {
  if (!(m instanceof Ci.nsIScriptError) || m.isFromChromeContext) continue;
  if (m.flags & Ci.nsIScriptError.infoFlag) continue;
  const kind = (m.flags & Ci.nsIScriptError.warningFlag) ? "warning" : "error";
  out.push(`${kind} [${m.category}] ${m.errorMessage} (${m.sourceName}:${m.lineNumber})`);
}
return out;
"""


class FirefoxPage:
    """One Marionette session; ``events()`` says what happened since the last ``goto``."""

    def __init__(self, marionette: Any, sink: _Sink, log: Path) -> None:
        self.m = marionette
        self.sink = sink
        self.log = log
        self._log_offset = 0
        self._sink_offset = 0

    @contextlib.contextmanager
    def _alerts_fail(self) -> Iterator[None]:
        """Marionette dismisses an unexpected alert and raises: say plainly that a script ran."""
        from marionette_driver import errors

        try:
            yield
        except errors.UnexpectedAlertOpen as exc:
            raise AssertionError(f"a script ran: an alert opened ({str(exc).splitlines()[0]})") from exc

    # --------------------------------------------------------------- navigation and the DOM
    def goto(self, url: str) -> None:
        with self.m.using_context("chrome"):
            self.m.execute_script("Services.console.reset(); globalThis.raiSeen.length = 0;", new_sandbox=False, sandbox="rai")
        self._log_offset = self.log.stat().st_size
        self._sink_offset = len(self.sink.hits)
        self.m.navigate(url)

    def click(self, css: str, index: int = 0) -> None:
        with self._alerts_fail():
            self.elements(css)[index].click()

    def elements(self, css: str) -> list[Any]:
        with self._alerts_fail():
            return list(self.m.find_elements("css selector", css))

    def text(self, css: str) -> str:
        with self._alerts_fail():
            return str(self.m.find_element("css selector", css).text)

    def visible(self, css: str) -> bool:
        with self._alerts_fail():
            return bool(self.m.find_element("css selector", css).is_displayed())

    def js(self, script: str, *args: Any) -> Any:
        """Run ``script`` in the page's own scope (no Xray wrapper), so page globals are seen as they are."""
        with self._alerts_fail():
            return self.m.execute_script(script, script_args=args, sandbox=None)

    # --------------------------------------------------------------- what happened
    def dialog(self) -> str | None:
        from marionette_driver import errors
        from marionette_driver.marionette import Alert

        try:
            alert = Alert(self.m)
            text = str(alert.text)
        except errors.NoAlertPresentException:
            return None
        alert.dismiss()
        return text

    def events(self) -> dict[str, list[str]]:
        dialog = self.dialog()
        with self.m.using_context("chrome"):
            console = list(self.m.execute_script(_CONTENT_MESSAGES))
            seen = list(self.m.execute_script("return globalThis.raiSeen.slice();", new_sandbox=False, sandbox="rai"))
        with self.log.open("rb") as fh:
            fh.seek(self._log_offset)
            out = fh.read().decode("utf-8", "replace")
        # Firefox's own Remote Settings loader ("RSLoader") logs to the same stream when it finds no
        # network; it is the browser's chrome code, not the page
        console += [line for line in out.splitlines()
                    if line.startswith(("console.error:", "console.warn:")) and not line.startswith("console.error: RSLoader")]
        # Firefox names the navigation entry "document": the page's own URL stands for it
        resources = list(self.js(
            "return [document.URL].concat(performance.getEntriesByType('resource').map(function (e) { return e.name; }));"))
        return {
            "console": console,
            "dialog": [dialog] if dialog is not None else [],
            "requests": [f"{s['url']} (by {s['by']})" for s in seen if not s["system"]],
            "resources": resources,
            "sink": self.sink.hits[self._sink_offset:],
        }


def assert_clean(events: dict[str, list[str]]) -> None:
    assert not events["console"], events["console"]
    assert not events["dialog"], f"a script ran: {events['dialog']}"
    assert not events["requests"], events["requests"]
    external = [u for u in events["resources"] if not u.startswith(("file:", "data:"))]
    assert not external, external
    assert not events["sink"], f"a connection tried to leave the machine: {events['sink']}"


def _import_marionette() -> Any:
    with warnings.catch_warnings():
        # mozinfo (a dependency of marionette_driver) calls distro.linux_distribution() at import
        warnings.filterwarnings("ignore", message=r"distro\.linux_distribution", category=DeprecationWarning)
        return pytest.importorskip(
            "marionette_driver.marionette", exc_type=ImportError,
            reason="marionette_driver is not installed (pip install '.[test]') for the Firefox test")


@contextlib.contextmanager
def firefox_page() -> Iterator[FirefoxPage]:
    """Start headless Firefox on a fresh profile, yield a ``FirefoxPage``; always kill Firefox after."""
    binary = firefox_binary()
    if binary is None:
        pytest.skip("firefox-esr / firefox not found: install it with .ci/install-browser.sh "
                    "(Debian: apt-get install firefox-esr) or set RAI_FIREFOX to run the Firefox test")
    marionette = _import_marionette()
    with tempfile.TemporaryDirectory(prefix="rai-firefox-") as tmp:
        profile = Path(tmp) / "profile"
        profile.mkdir()
        port = _free_port()
        sink = _Sink()
        prefs = _prefs(port, sink.port)
        (profile / "user.js").write_text("".join(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n" for k, v in prefs.items()),
                                         encoding="utf-8")
        log = Path(tmp) / "firefox.log"
        # release builds honour services.settings.server only with MOZ_REMOTE_SETTINGS_DEVTOOLS set
        env = dict(os.environ, MOZ_CRASHREPORTER_DISABLE="1", MOZ_DISABLE_AUTO_SAFE_MODE="1", MOZ_REMOTE_SETTINGS_DEVTOOLS="1")
        proc = None
        client = None
        try:
            with log.open("wb") as out:
                proc = subprocess.Popen(
                    [binary, "--headless", "--marionette", "-remote-allow-system-access", "-no-remote", "-profile", str(profile)],
                    stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env,
                    start_new_session=True)  # its own process group: content processes die with it
            _wait_for_port(port, proc, log)
            client = marionette.Marionette(host="127.0.0.1", port=port, socket_timeout=60)
            client.start_session()
            client.timeout.implicit = 0
            with client.using_context("chrome"):
                client.execute_script(_RECORDER, new_sandbox=False, sandbox="rai")
            yield FirefoxPage(client, sink, log)
        finally:
            if client is not None:
                with contextlib.suppress(Exception):
                    client.delete_session()
            if proc is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
            sink.close()


def _wait_for_port(port: int, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"Firefox exited with code {proc.returncode} before Marionette listened:\n"
                               + log.read_text(encoding="utf-8", errors="replace")[-2000:])
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"Marionette did not listen on port {port} within {START_TIMEOUT:.0f} s:\n"
                       + log.read_text(encoding="utf-8", errors="replace")[-2000:])
