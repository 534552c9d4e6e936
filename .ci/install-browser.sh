#!/bin/sh
# Install a headless Chromium for the report tests (browser test, PDF of the model card).
#
# On Debian 12 (bookworm) as root: installs the Debian package `chromium` with apt-get,
# non-interactively. Does nothing when /usr/bin/chromium is already there. Called by .ci/run.
# Playwright's Python package then drives this browser with executable_path=/usr/bin/chromium,
# so no `playwright install` download is needed.
set -eu

CHROMIUM="${RAI_CHROMIUM:-/usr/bin/chromium}"

if [ -x "$CHROMIUM" ]; then
    echo "install-browser: $CHROMIUM is already installed ($("$CHROMIUM" --version 2>/dev/null || echo 'version unknown'))"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser: apt-get not found; install Chromium by hand (the browser tests will skip without it)" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" != "0" ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install-browser: must run as root (or with sudo) to apt-get install chromium" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends chromium fonts-liberation ca-certificates

"$CHROMIUM" --version
