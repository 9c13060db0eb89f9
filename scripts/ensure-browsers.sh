#!/usr/bin/env bash
# Debian's Chromium and Firefox ESR are the only browsers that can be had here (npm packages cannot
# download one): installed with apt when missing. CHROMIUM_PATH / FIREFOX_PATH point elsewhere.
set -euo pipefail
missing=()
if ! { [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ]; } && ! command -v chromium >/dev/null 2>&1; then missing+=(chromium); fi
if ! { [ -n "${FIREFOX_PATH:-}" ] && [ -x "$FIREFOX_PATH" ]; } && ! command -v firefox-esr >/dev/null 2>&1; then missing+=(firefox-esr); fi
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
echo "Installing Debian's ${missing[*]} (missing)…" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
for b in "${missing[@]}"; do command -v "$b" >/dev/null; done
