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
  --cluster NAME              the cluster (default: the CLI's: $MONGO_ADMIN_CLUSTER, `cluster use`, the only one)
  --storage URL               backup storage (default: the spec's backup.storage)
  --compression ALGO          gzip, zstd or none (default: the spec's backup.compression)
  --encryption-key-file FILE  encrypt with this key (and verify with it)
  --parallel N                collections dumped at once per replica set
  --rate-limit MB/S           read at most this many megabytes of documents per second
  --no-verify                 do not verify the backup after taking it
  -o, --output FORMAT         table (default) or json: how the backup's result is printed
  --log-dir DIR               where this run's log file goes (default: $MONGO_ADMIN_SCRIPT_LOG_DIR, else
                              `mongo-admin paths script-logs`, i.e. $MONGO_ADMIN_HOME/logs/scripts)
  -h, --help                  show this help

The backup's result goes to stdout; progress and the verification report go to stderr; the log file gets
both. The CLI is `mongo-admin` on PATH, else the repository's .venv/bin/mongo-admin.

Exit codes: 0 backup taken and verified, 1 the backup failed or did not verify, 2 wrong command line.
EOF
}

ma_backup_main shard "$@"
