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
EOF_USAGE
  ma_restore_usage_end
}

shard=
while [ $# -gt 0 ]; do
  case $1 in
    --shard) ma_need_value "$1" $#; shard=$2; shift 2 ;;
    --shard=*) shard=${1#*=}; shift ;;
    # A shard is restored in place, in its own cluster.
    --to-cluster | --to-cluster=*) ma_usage_error "unknown option: $1" ;;
    *) ma_take_restore_option "$@"; shift "$MA_TAKEN" ;;
  esac
done
ma_need_backup_id
if [ -z "$shard" ]; then ma_usage_error "missing --shard NAME: which shard to restore"; fi

what="restoring shard $shard from backup $MA_BACKUP_ID drops, on shard $shard of $(ma_target_name), every collection of each database the backup holds for it, and replaces them with the backup's data"
ma_restore "$what" shard "$MA_BACKUP_ID" --shard "$shard"
