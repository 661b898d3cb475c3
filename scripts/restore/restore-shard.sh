#!/usr/bin/env bash
# Restore one shard from a backup with `mongo-admin restore shard`. Destructive: it drops the data it replaces,
# so it runs only with --yes or an operator's confirmation. A thin, logged wrapper.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/restore.sh
source "$(dirname "$0")/../lib/restore.sh"

usage() {
  cat <<'EOF_USAGE'
Usage: restore-shard.sh BACKUP_ID --shard NAME [--cluster NAME] [--storage URL] [--encryption-key-file FILE]
                        [--yes] [-o table|json|yaml] [--log-dir DIR]

Restore one shard's replica set from BACKUP_ID (a full backup, or a shard backup of that shard) with
`mongo-admin restore shard`: after proving it can succeed, it drops, on that shard only, every collection of
each database the backup holds for it, restores the backup's data and indexes, and replays its oplog to the
backup's restore point. The other shards and the config servers are not touched, so the shard comes back
as it was at the backup while the rest of the cluster stays as it is now.

Options:
  --shard NAME                the shard to restore (required)
  --cluster NAME              the cluster (default: the CLI's: $MONGO_ADMIN_CLUSTER, `cluster use`, the only one)
  --storage URL               backup storage (default: the spec's backup.storage)
  --encryption-key-file FILE  the key of an encrypted backup
  --yes                       do not ask for confirmation (required when stdin is not a terminal)
  -o, --output FORMAT         table (default), json or yaml, as the CLI's global --output
  --log-dir DIR               where this run's log file goes (default: $MONGO_ADMIN_SCRIPT_LOG_DIR, else
                              `mongo-admin paths script-logs`, i.e. $MONGO_ADMIN_HOME/logs/scripts)
  -h, --help                  show this help

The CLI is `mongo-admin` on PATH, else the repository's .venv/bin/mongo-admin.

Exit codes: 0 restored, 1 the restore failed or was refused (or not confirmed), 2 wrong command line or no
--yes without a terminal.
EOF_USAGE
}

log_dir=
yes=false
backup_id=
cluster=
shard=
global_options=()
restore_options=()
while [ $# -gt 0 ]; do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --yes) yes=true; shift ;;
    --shard) ma_need_value "$1" $#; shard=$2; shift 2 ;;
    --shard=*) shard=${1#*=}; shift ;;
    --cluster) ma_need_value "$1" $#; cluster=$2; shift 2 ;;
    --cluster=*) cluster=${1#*=}; shift ;;
    --storage | --encryption-key-file) ma_need_value "$1" $#; restore_options+=("$1" "$2"); shift 2 ;;
    --storage=* | --encryption-key-file=*) restore_options+=("$1"); shift ;;
    -o | --output) ma_need_value "$1" $#; global_options+=(--output "$2"); shift 2 ;;
    --output=*) global_options+=(--output "${1#*=}"); shift ;;
    --log-dir) ma_need_value "$1" $#; log_dir=$2; shift 2 ;;
    --log-dir=*) log_dir=${1#*=}; shift ;;
    -*) ma_usage_error "unknown option: $1" ;;
    *) if [ -n "$backup_id" ]; then ma_usage_error "one backup at a time: $backup_id, then $1"; fi
      backup_id=$1; shift ;;
  esac
done
if [ -z "$backup_id" ]; then
  ma_usage_error "missing BACKUP_ID: which backup to restore (list them with: mongo-admin backup list)"
fi
if [ -z "$shard" ]; then ma_usage_error "missing --shard NAME: which shard to restore"; fi
if [ -n "$cluster" ]; then restore_options+=(--cluster "$cluster"); fi

what="restoring shard $shard from backup $backup_id drops, on shard $shard of $(ma_target_name "$cluster" ''), every collection of each database the backup holds for it, and replaces them with the backup's data"
ma_check_yes "$yes" "$what"
ma_find_cli
ma_open_log "$log_dir"
ma_say "$what (confirmed)"
"$MONGO_ADMIN" "${global_options[@]}" restore shard "$backup_id" --shard "$shard" "${restore_options[@]}" --yes
