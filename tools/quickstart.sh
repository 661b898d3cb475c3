#!/usr/bin/env bash
# Quick start: install everything (tools/bootstrap.sh), start a local sandbox -- a 3-member replica set named
# rs0 on loopback -- wait for its primary, and print its connection string and members. Safe to re-run:
# installs only what changed, and a running sandbox is reported, not restarted (a stopped one comes back with
# its data and config). Extra arguments go to `mongo-admin sandbox start`
# (e.g. --fast-elections, --members 5, --standalone, --name demo --port 27017).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/bootstrap.sh
.venv/bin/mongo-admin sandbox start "$@"
cat >&2 <<'HINT'

next:
  .venv/bin/mongo-admin sandbox status      # every member: state, health, lag, uptime
  mongosh "<uri printed above>"             # or any driver: it finds the primary from the replicaSet URI
  .venv/bin/mongo-admin sandbox stop        # stop it, secondaries first (data kept; add --purge to delete it)
HINT
