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
EOF_USAGE
  ma_restore_usage_end
}

while [ $# -gt 0 ]; do
  case $1 in
    --map | --map=*)
      if [ "$1" = --map ]; then ma_need_value "$1" $#; mapping=$2; shift 2; else mapping=${1#*=}; shift; fi
      case $mapping in
        ?*=?*) MA_RESTORE_OPTIONS+=(--map "$mapping") ;;
        *) ma_usage_error "--map $mapping: write FROM=TO, a shard of the backup and a shard of the target" ;;
      esac ;;
    *) ma_take_restore_option "$@"; shift "$MA_TAKEN" ;;
  esac
done
ma_need_backup_id

what="restoring backup $MA_BACKUP_ID drops, on every shard and the config servers of $(ma_target_name), every collection of each database the backup holds, and replaces them with the backup's data"
ma_restore "$what" cluster "$MA_BACKUP_ID"
