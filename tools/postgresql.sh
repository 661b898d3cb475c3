#!/usr/bin/env bash
# Make sure the PostgreSQL server programs that the database tests start (initdb, pg_ctl, postgres) are here:
# on PATH or in Debian's /usr/lib/postgresql/<version>/bin. When they are not, install Debian's postgresql
# package with apt-get, as root or through sudo without a password; otherwise say what to do, and fail.
# Silent when they are installed, or when MONGO_ADMIN_TEST_POSTGRES_URL names a server of your own.
set -euo pipefail
# Where Debian installs the server programs (the tests of this script point it elsewhere).
lib_dir="${MONGO_ADMIN_POSTGRESQL_LIB:-/usr/lib/postgresql}"

have_server() {
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1 && command -v postgres >/dev/null 2>&1; then
    return 0
  fi
  local dir
  for dir in "$lib_dir"/*/bin; do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
      return 0
    fi
  done
  return 1
}

fail() {
  echo "postgresql: the PostgreSQL server is not installed and $1." >&2
  echo "postgresql: the database tests need it: install Debian's package (\`sudo apt-get install postgresql\`)," \
    "or set MONGO_ADMIN_TEST_POSTGRES_URL to a superuser URL of a server of your own" \
    "(postgresql+psycopg://postgres:PASSWORD@127.0.0.1:5432/postgres)." >&2
  exit 1
}

if [ -n "${MONGO_ADMIN_TEST_POSTGRES_URL:-}" ] || have_server; then
  exit 0
fi
# shellcheck source=tools/debian-install.sh
. "${BASH_SOURCE[0]%/*}/debian-install.sh"
debian_install "postgresql: installing Debian's postgresql package for the database tests" postgresql
have_server || fail "apt-get installed the postgresql package but initdb, pg_ctl and postgres are still missing"
