#!/usr/bin/env bash
# Install everything (tools/bootstrap.sh, PostgreSQL: tools/postgresql.sh, Chromium: tools/chromium.sh) and run the
# whole test suite: lint, types, the dashboard's client check and unit tests, then pytest (which runs the
# dashboard's end-to-end tests in Chromium too).
# Extra arguments go to pytest, e.g. tools/test.sh -k handshake -x
set -euo pipefail
cd "$(dirname "$0")/.."
tools/bootstrap.sh
# The database tests also run on PostgreSQL, on a throwaway server started from Debian's postgresql package.
tools/postgresql.sh
# The dashboard's end-to-end tests drive Debian's Chromium.
tools/chromium.sh
echo "== ruff" >&2
.venv/bin/ruff check src tests bench
echo "== mypy" >&2
.venv/bin/mypy
echo "== web: client, types, unit tests" >&2
npm run --prefix web --silent check-client
npm run --prefix web --silent typecheck
npm run --prefix web --silent test
echo "== pytest" >&2
# Soak tests run a bounded number of randomised rounds unless told otherwise.
export MONGO_ADMIN_SOAK_ROUNDS="${MONGO_ADMIN_SOAK_ROUNDS:-3}"
exec .venv/bin/python -m pytest "$@"
