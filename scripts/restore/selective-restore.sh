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
ns_from=
ns_to=
namespaces=()
global_options=()
restore_options=()
while [ $# -gt 0 ]; do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --yes) yes=true; shift ;;
    --ns) ma_need_value "$1" $#; namespaces+=("$2"); shift 2 ;;
    --ns=*) namespaces+=("${1#*=}"); shift ;;
    --ns-from) ma_need_value "$1" $#; ns_from=$2; shift 2 ;;
    --ns-from=*) ns_from=${1#*=}; shift ;;
    --ns-to) ma_need_value "$1" $#; ns_to=$2; shift 2 ;;
    --ns-to=*) ns_to=${1#*=}; shift ;;
    --cluster) ma_need_value "$1" $#; cluster=$2; shift 2 ;;
    --cluster=*) cluster=${1#*=}; shift ;;
    --to-cluster) ma_need_value "$1" $#; to_cluster=$2; shift 2 ;;
    --to-cluster=*) to_cluster=${1#*=}; shift ;;
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
  ma_usage_error "missing BACKUP_ID: which backup to restore from (list them with: mongo-admin backup list)"
fi
if [ ${#namespaces[@]} -eq 0 ]; then
  ma_usage_error "missing --ns DB.COLL: which collections to restore"
fi
if { [ -n "$ns_from" ] && [ -z "$ns_to" ]; } || { [ -z "$ns_from" ] && [ -n "$ns_to" ]; }; then
  ma_usage_error "--ns-from and --ns-to go together: restore namespaces starting with X under Y"
fi
for ns in "${namespaces[@]}"; do
  case $ns in
    ?*.?*) restore_options+=(--ns "$ns") ;;
    *) ma_usage_error "--ns $ns: write DB.COLL, a database and a collection" ;;
  esac
done
if [ -n "$ns_from" ]; then restore_options+=(--ns-from "$ns_from" --ns-to "$ns_to"); fi
if [ -n "$cluster" ]; then restore_options+=(--cluster "$cluster"); fi
if [ -n "$to_cluster" ]; then restore_options+=(--to-cluster "$to_cluster"); fi

target=$(ma_target_name "$cluster" "$to_cluster")
what="restoring ${namespaces[*]} from backup $backup_id drops those collections on $target${ns_from:+ under their new names ($ns_from becomes $ns_to)} and replaces them with the backup's; nothing else is touched"
ma_check_yes "$yes" "$what"
ma_find_cli
ma_open_log "$log_dir"
ma_say "$what (confirmed)"
"$MONGO_ADMIN" "${global_options[@]}" restore namespaces "$backup_id" "${restore_options[@]}" --yes
