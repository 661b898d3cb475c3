#!/usr/bin/env bash
# Restore a whole cluster from a full backup with `mongo-admin restore cluster`. Destructive: it drops the data
# it replaces, so it runs only with --yes or an operator's confirmation. A thin, logged wrapper.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/restore.sh
source "$(dirname "$0")/../lib/restore.sh"

usage() {
  cat <<'EOF_USAGE'
Usage: restore-cluster.sh BACKUP_ID [--cluster NAME] [--to-cluster NAME] [--map FROM=TO ...] [--storage URL]
                          [--encryption-key-file FILE] [--yes] [-o table|json|yaml] [--log-dir DIR]

Restore every shard and the config servers of a cluster from the full backup BACKUP_ID with
`mongo-admin restore cluster`: the restore first proves it can succeed (backup complete, files intact, shards
mapped, primaries up, space), then, on every replica set at once, drops every collection of each database the
backup holds, restores the backup's data, indexes, users and roles, and replays its oplog to the backup's
restore point. Data written since then to those databases is lost.

Options:
  --cluster NAME              the cluster whose backup it is (default: the CLI's: $MONGO_ADMIN_CLUSTER,
                              `cluster use`, the only one)
  --to-cluster NAME           restore into this other deployed cluster instead
  --map FROM=TO               the backup's shard FROM goes to the target's shard TO (repeatable; default: same
                              names)
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
to_cluster=
global_options=()
restore_options=()
while [ $# -gt 0 ]; do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --yes) yes=true; shift ;;
    --cluster) ma_need_value "$1" $#; cluster=$2; shift 2 ;;
    --cluster=*) cluster=${1#*=}; shift ;;
    --to-cluster) ma_need_value "$1" $#; to_cluster=$2; shift 2 ;;
    --to-cluster=*) to_cluster=${1#*=}; shift ;;
    --map | --map=*)
      if [ "$1" = --map ]; then ma_need_value "$1" $#; mapping=$2; shift 2; else mapping=${1#*=}; shift; fi
      case $mapping in
        ?*=?*) restore_options+=(--map "$mapping") ;;
        *) ma_usage_error "--map $mapping: write FROM=TO, a shard of the backup and a shard of the target" ;;
      esac ;;
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
if [ -n "$cluster" ]; then restore_options+=(--cluster "$cluster"); fi
if [ -n "$to_cluster" ]; then restore_options+=(--to-cluster "$to_cluster"); fi

target=$(ma_target_name "$cluster" "$to_cluster")
what="restoring backup $backup_id drops, on every shard and the config servers of $target, every collection of each database the backup holds, and replaces them with the backup's data"
ma_check_yes "$yes" "$what"
ma_find_cli
ma_open_log "$log_dir"
ma_say "$what (confirmed)"
"$MONGO_ADMIN" "${global_options[@]}" restore cluster "$backup_id" "${restore_options[@]}" --yes
