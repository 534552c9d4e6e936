#!/bin/sh
# Install the headless browsers for the report tests (browser tests, PDF of the model card).
#
# On Debian 12 (bookworm) as root: installs the Debian packages `chromium` and `firefox-esr` with
# apt-get, non-interactively. Skips a browser that is already there. Called by .ci/run.
# Playwright's Python package drives Chromium with executable_path=/usr/bin/chromium, so no
# `playwright install` download is needed; Mozilla's marionette_driver drives firefox-esr.
#
# The exit status is Chromium's: Firefox is best effort (if it cannot be installed, the Firefox
# test skips with a message and this script still succeeds when Chromium is there).
set -eu

CHROMIUM="${RAI_CHROMIUM:-/usr/bin/chromium}"

firefox_path() {
    if [ -n "${RAI_FIREFOX:-}" ]; then
        [ -x "$RAI_FIREFOX" ] && echo "$RAI_FIREFOX"
        return 0
    fi
    command -v firefox-esr 2>/dev/null || command -v firefox 2>/dev/null || true
}

need_chromium=1
[ -x "$CHROMIUM" ] && need_chromium=0
need_firefox=1
[ -n "$(firefox_path)" ] && need_firefox=0

if [ "$need_chromium" = 0 ]; then
    echo "install-browser: $CHROMIUM is already installed ($("$CHROMIUM" --version 2>/dev/null || echo 'version unknown'))"
fi
if [ "$need_firefox" = 0 ]; then
    echo "install-browser: $(firefox_path) is already installed ($("$(firefox_path)" --version 2>/dev/null || echo 'version unknown'))"
fi
if [ "$need_chromium" = 0 ] && [ "$need_firefox" = 0 ]; then
    exit 0
fi

# The status to return: 0 if Chromium is there in the end, 1 if not.
status="$need_chromium"

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser: apt-get not found; install Chromium / Firefox ESR by hand (the browser tests will skip without them)" >&2
    exit "$status"
fi

SUDO=""
if [ "$(id -u)" != "0" ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install-browser: must run as root (or with sudo) to apt-get install chromium / firefox-esr" >&2
        exit "$status"
    fi
fi

export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get update -q; then
    echo "install-browser: apt-get update failed" >&2
    exit "$status"
fi

if [ "$need_chromium" = 1 ]; then
    if $SUDO apt-get install -y -q --no-install-recommends chromium fonts-liberation ca-certificates && [ -x "$CHROMIUM" ]; then
        "$CHROMIUM" --version || true
        status=0
    else
        echo "install-browser: chromium could not be installed at $CHROMIUM" >&2
    fi
fi

if [ "$need_firefox" = 1 ]; then
    # best effort: a failure here never changes the exit status
    if $SUDO apt-get install -y -q --no-install-recommends firefox-esr fonts-liberation && [ -n "$(firefox_path)" ]; then
        "$(firefox_path)" --version || true
    else
        echo "install-browser: firefox-esr could not be installed: the Firefox dashboard test will skip" >&2
    fi
fi

exit "$status"
