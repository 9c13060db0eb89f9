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

# apt takes its locks without waiting: another apt (unattended upgrades, a second shell) makes it fail
# at once. Wait for that one to finish instead, up to APT_LOCK_WAIT_SECONDS (default 20 minutes);
# any other failure still stops here.
WAIT_UNTIL=$(( $(date +%s) + ${APT_LOCK_WAIT_SECONDS:-1200} ))
apt_waiting() {
  local out said=""
  while true; do
    # DPkg::Lock::Timeout makes apt itself wait for the dpkg lock; the loop covers the lists lock too.
    if out=$($SUDO apt-get -o DPkg::Lock::Timeout=60 "$@" 2>&1); then return 0; fi
    if ! grep -qiE 'could not get lock|unable to acquire the dpkg frontend lock|another process using it' <<<"$out" || [ "$(date +%s)" -ge "$WAIT_UNTIL" ]; then
      echo "$out" >&2
      return 1
    fi
    if [ -z "$said" ]; then echo "Another apt holds the dpkg lock: waiting for it to finish…" >&2; said=1; fi
    sleep "${APT_LOCK_RETRY_SECONDS:-5}"
  done
}

apt_waiting update -qq
DEBIAN_FRONTEND=noninteractive apt_waiting install -y -qq "${missing[@]}"
for b in "${missing[@]}"; do command -v "$b" >/dev/null; done
