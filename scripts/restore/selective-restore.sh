#!/usr/bin/env bash
# Restore selected collections from a backup with `mongo-admin restore namespaces`, optionally under other
# names. Destructive for the collections it replaces: it runs only with --yes or an operator's confirmation.
# A thin, logged wrapper.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/restore.sh
source "$(dirname "$0")/../lib/restore.sh"

usage() {
  cat <<'EOF_USAGE'
Usage: selective-restore.sh BACKUP_ID --ns DB.COLL [--ns DB.COLL ...] [--ns-from X --ns-to Y]
                            [--cluster NAME] [--to-cluster NAME] [--storage URL] [--encryption-key-file FILE]
                            [--yes] [-o table|json|yaml] [--log-dir DIR]

Restore only the named collections from BACKUP_ID with `mongo-admin restore namespaces`, each with its
indexes and its sharding (chunks and zones), replaying the backup's oplog for them up to its restore point.
Each restored collection (under its new name with --ns-from/--ns-to) is dropped first on the target and
replaced; every other collection is left as it is.

Options:
  --ns DB.COLL                a collection to restore (repeatable; a pattern such as DB.* as the CLI takes it)
  --ns-from X --ns-to Y       restore under another name: namespaces starting with X get Y instead (e.g.
                              --ns-from app. --ns-to app_restored.)
  --cluster NAME              the cluster whose backup it is (default: the CLI's: $MONGO_ADMIN_CLUSTER,
                              `cluster use`, the only one)
  --to-cluster NAME           restore into this other deployed cluster instead
  --storage URL               backup storage (default: the spec's backup.storage)
  --encryption-key-file FILE  the key of an encrypted backup
EOF_USAGE
  ma_restore_usage_end
}

ns_from=
ns_to=
namespaces=()
while [ $# -gt 0 ]; do
  case $1 in
    --ns) ma_need_value "$1" $#; namespaces+=("$2"); shift 2 ;;
    --ns=*) namespaces+=("${1#*=}"); shift ;;
    --ns-from) ma_need_value "$1" $#; ns_from=$2; shift 2 ;;
    --ns-from=*) ns_from=${1#*=}; shift ;;
    --ns-to) ma_need_value "$1" $#; ns_to=$2; shift 2 ;;
    --ns-to=*) ns_to=${1#*=}; shift ;;
    *) ma_take_restore_option "$@"; shift "$MA_TAKEN" ;;
  esac
done
ma_need_backup_id "which backup to restore from"
if [ ${#namespaces[@]} -eq 0 ]; then
  ma_usage_error "missing --ns DB.COLL: which collections to restore"
fi
if { [ -n "$ns_from" ] && [ -z "$ns_to" ]; } || { [ -z "$ns_from" ] && [ -n "$ns_to" ]; }; then
  ma_usage_error "--ns-from and --ns-to go together: restore namespaces starting with X under Y"
fi
for ns in "${namespaces[@]}"; do
  case $ns in
    ?*.?*) MA_RESTORE_OPTIONS+=(--ns "$ns") ;;
    *) ma_usage_error "--ns $ns: write DB.COLL, a database and a collection" ;;
  esac
done
if [ -n "$ns_from" ]; then MA_RESTORE_OPTIONS+=(--ns-from "$ns_from" --ns-to "$ns_to"); fi

what="restoring ${namespaces[*]} from backup $MA_BACKUP_ID drops those collections on $(ma_target_name)${ns_from:+ under their new names ($ns_from becomes $ns_to)} and replaces them with the backup's; nothing else is touched"
ma_restore "$what" namespaces "$MA_BACKUP_ID"
