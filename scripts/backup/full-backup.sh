#!/usr/bin/env bash
# Take a full, cluster-consistent backup with `mongo-admin backup create --type full`, then verify it.
# A thin, logged wrapper for cron and operators: the CLI does and decides everything.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/backup.sh
source "$(dirname "$0")/../lib/backup.sh"

usage() {
  cat <<'EOF'
Usage: full-backup.sh [--cluster NAME] [--storage URL] [--compression gzip|zstd|none]
                      [--encryption-key-file FILE] [--parallel N] [--rate-limit MB/S] [--no-verify]
                      [-o table|json] [--log-dir DIR]

Take a full backup of a deployed cluster -- every shard and the config servers, consistent at one cluster
time -- with `mongo-admin backup create --type full`, then re-read every file of it with
`mongo-admin backup verify`.

Options:
EOF
  ma_backup_usage_options
}

ma_backup_main full "$@"
