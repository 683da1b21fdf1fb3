#!/usr/bin/env bash
# Makes sure Debian's Chromium is at /usr/bin/chromium for the browser test of the API docs
# page (tests/docs/). The browser comes from the distribution's package, never from a tool that
# downloads its own build (no `playwright install`): these machines reach Debian's mirrors and
# the npm registry only.
#
# Usage: bash scripts/ensure-chromium.sh
#   exits 0 when /usr/bin/chromium is there (already, or installed now); otherwise 1 with the
#   reason on stderr.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-chromium: $CHROMIUM is missing and this is not root, so it cannot be installed." >&2
  echo "ensure-chromium: install Debian's package as root: apt-get update && apt-get install -y chromium" >&2
  exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: $CHROMIUM is missing and apt-get is not available (not Debian/Ubuntu)." >&2
  echo "ensure-chromium: install a Chromium at $CHROMIUM by hand." >&2
  exit 1
fi

echo "ensure-chromium: installing Debian's chromium package (apt-get)..."
export DEBIAN_FRONTEND=noninteractive
# The package lists may be absent or stale on a fresh machine: refresh them first.
if ! apt-get update -qq; then
  echo "ensure-chromium: apt-get update failed." >&2
  exit 1
fi
if ! apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null; then
  echo "ensure-chromium: apt-get install chromium failed." >&2
  exit 1
fi

if [ ! -x "$CHROMIUM" ]; then
  echo "ensure-chromium: the chromium package installed, but $CHROMIUM is still missing." >&2
  exit 1
fi
echo "ensure-chromium: $("$CHROMIUM" --version 2>/dev/null || echo chromium) ready."
