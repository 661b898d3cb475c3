#!/usr/bin/env bash
# Make sure Debian's Chromium is here for the dashboard's end-to-end tests (Playwright drives /usr/bin/chromium;
# it never downloads a browser of its own). When missing, install Debian's chromium package (and the CJK fonts the
# Korean interface is drawn with) with apt-get, as root or through sudo without a password; otherwise say what to
# do, and fail. Silent when it is installed, or when MONGO_ADMIN_CHROMIUM names a Chromium of your own.
set -euo pipefail
# Where Debian installs it (the tests of this script point it elsewhere).
debian_chromium="${MONGO_ADMIN_DEBIAN_CHROMIUM:-/usr/bin/chromium}"

fail() {
  echo "chromium: Chromium is not installed and $1." >&2
  echo "chromium: the dashboard's end-to-end tests need it: install Debian's package (\`sudo apt-get install" \
    "chromium\`), or set MONGO_ADMIN_CHROMIUM to a Chromium or Chrome executable of your own." >&2
  exit 1
}

if [ -n "${MONGO_ADMIN_CHROMIUM:-}" ]; then
  [ -x "$MONGO_ADMIN_CHROMIUM" ] && exit 0
  echo "chromium: MONGO_ADMIN_CHROMIUM=$MONGO_ADMIN_CHROMIUM is not an executable file." >&2
  exit 1
fi
[ -x "$debian_chromium" ] && exit 0
# shellcheck source=tools/debian-install.sh
. "${BASH_SOURCE[0]%/*}/debian-install.sh"
debian_install "chromium: installing Debian's chromium package for the dashboard's end-to-end tests" \
  chromium fonts-noto-cjk
[ -x "$debian_chromium" ] || fail "apt-get installed the chromium package but $debian_chromium is still missing"
