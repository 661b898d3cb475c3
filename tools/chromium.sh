#!/usr/bin/env bash
# Make sure Debian's Chromium is here for the dashboard's end-to-end tests (Playwright drives /usr/bin/chromium;
# it never downloads a browser of its own). When missing, install Debian's chromium package with apt-get, as root
# or through sudo without a password; otherwise say what to do, and fail.
# Silent when it is installed, or when MONGO_ADMIN_CHROMIUM names a Chromium of your own.
set -euo pipefail
chromium="${MONGO_ADMIN_CHROMIUM:-/usr/bin/chromium}"
[ -x "$chromium" ] && exit 0
if [ -n "${MONGO_ADMIN_CHROMIUM:-}" ]; then
  echo "chromium: MONGO_ADMIN_CHROMIUM=$chromium is not an executable file." >&2
  exit 1
fi

fail() {
  echo "chromium: Chromium is not installed and $1." >&2
  echo "chromium: the dashboard's end-to-end tests need it: install Debian's package (\`sudo apt-get install chromium\`)," \
    "or set MONGO_ADMIN_CHROMIUM to a Chromium or Chrome executable of your own." >&2
  exit 1
}

command -v apt-get >/dev/null 2>&1 || fail "this machine has no apt-get to install it with"
as_root=()
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
    as_root=(sudo -n)
  else
    fail "installing it needs root (sudo without a password is not available)"
  fi
fi
echo "chromium: installing Debian's chromium package (apt-get install chromium)" >&2
# The CJK fonts draw the Korean interface in screenshots.
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || fail "apt-get update failed"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >&2 ||
  fail "apt-get install chromium failed"
[ -x "$chromium" ] || fail "the package did not provide $chromium"
