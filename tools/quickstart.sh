#!/usr/bin/env bash
# Quick start: install everything (tools/bootstrap.sh), start a local sandbox mongod and print its
# connection string and status. Safe to re-run: installs only what changed, and an already running
# sandbox is reported, not restarted. Extra arguments go to `mongo-admin sandbox start`
# (e.g. --name demo --port 27017).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/bootstrap.sh
.venv/bin/mongo-admin sandbox start "$@"
cat >&2 <<'HINT'

next:
  .venv/bin/mongo-admin sandbox status      # health, version, connections, opcounters
  .venv/bin/mongo-admin sandbox stop        # stop it (data kept; add --purge to delete it)
HINT
