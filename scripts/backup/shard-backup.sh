#!/usr/bin/env bash
# Back up one shard with `mongo-admin backup create --type shard --shard NAME`, then verify it.
# A thin, logged wrapper for cron and operators: the CLI does and decides everything.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/backup.sh
source "$(dirname "$0")/../lib/backup.sh"

usage() {
  cat <<'EOF'
Usage: shard-backup.sh --shard NAME [--cluster NAME] [--storage URL] [--compression gzip|zstd|none]
                       [--encryption-key-file FILE] [--parallel N] [--rate-limit MB/S] [--no-verify]
                       [-o table|json] [--log-dir DIR]

Back up one shard's replica set of a deployed cluster with `mongo-admin backup create --type shard`, then
re-read every file of it with `mongo-admin backup verify`. The backup is not consistent with the other
shards: restore a full backup to bring a whole cluster back.

Options:
  --shard NAME                the shard to back up (required)
EOF
  ma_backup_usage_options
}

ma_backup_main shard "$@"
