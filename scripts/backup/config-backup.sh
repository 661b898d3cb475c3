#!/usr/bin/env bash
# Back up the config servers only with `mongo-admin backup create --type config`, then verify it.
# A thin, logged wrapper for cron and operators: the CLI does and decides everything.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/backup.sh
source "$(dirname "$0")/../lib/backup.sh"

usage() {
  cat <<'EOF'
Usage: config-backup.sh [--cluster NAME] [--storage URL] [--compression gzip|zstd|none]
                        [--encryption-key-file FILE] [--parallel N] [--rate-limit MB/S] [--no-verify]
                        [-o table|json] [--log-dir DIR]

Back up the config server replica set of a deployed cluster (the sharding catalog, users and roles) with
`mongo-admin backup create --type config`, then re-read every file of it with `mongo-admin backup verify`.
The backup is not consistent with the shards' data: restore a full backup to bring a whole cluster back.

Options:
EOF
  ma_backup_usage_options
}

ma_backup_main config "$@"
