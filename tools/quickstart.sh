#!/usr/bin/env bash
# Quick start: install everything (tools/bootstrap.sh), deploy the local sandbox sharded cluster -- a 3-member
# config server replica set, 2 shards of 3 members, 2 mongos routers, access control on (docs/examples/sandbox.yaml)
# -- and print `cluster status`. Safe to re-run: installs only what changed, and a deployed cluster is verified and
# left as it is (a stopped one is started again by `mongo-admin cluster start`). Extra arguments go to
# `mongo-admin cluster deploy` (e.g. --dry-run, --binary-dir DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/bootstrap.sh
.venv/bin/mongo-admin cluster deploy -f docs/examples/sandbox.yaml "$@"
case " $* " in *" --dry-run "*) exit 0 ;; esac
.venv/bin/mongo-admin cluster status --cluster sandbox
cat >&2 <<'HINT'

next:
  .venv/bin/mongo-admin cluster connect       # the routers' connection string (mongosh opens on it when installed)
  .venv/bin/mongo-admin health-check          # OK / WARNING / CRITICAL, exit code 0 / 1 / 2
  .venv/bin/mongo-admin cluster stop          # routers, shards, config servers (data kept); `cluster start` again
  .venv/bin/mongo-admin cluster destroy       # stop and delete everything
HINT
