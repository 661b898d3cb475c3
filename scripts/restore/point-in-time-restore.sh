#!/usr/bin/env bash
# Restore a whole cluster to a point in time with `mongo-admin restore cluster --time`: the newest full backup
# before that time, then every replica set's oplog slices up to it. Destructive: it runs only with --yes or an
# operator's confirmation. A thin, logged wrapper.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/restore.sh
source "$(dirname "$0")/../lib/restore.sh"

usage() {
  cat <<'EOF_USAGE'
Usage: point-in-time-restore.sh --time TIME [--cluster NAME] [--to-cluster NAME] [--storage URL]
                                [--encryption-key-file FILE] [--yes] [-o table|json|yaml] [--log-dir DIR]

Restore every shard and the config servers of a cluster as they were at TIME with
`mongo-admin restore cluster --time`: the newest full backup taken before TIME, then each replica set's
point-in-time oplog slices replayed up to TIME. The restore first proves the slices cover the whole range
without a hole (see `mongo-admin backup pitr status` for the restorable windows) and refuses, naming the
missing range, if they do not. It then drops every collection of each database the backup holds, on every
shard and the config servers, and replaces them. Data written after TIME to those databases is lost.

Options:
  --time TIME                 ISO 8601 with its timezone: 2026-11-26T04:10:00Z, 2026-11-26T05:10:00+01:00
                              (required; a time without a timezone is refused: it would be ambiguous)
  --cluster NAME              the cluster (default: the CLI's: $MONGO_ADMIN_CLUSTER, `cluster use`, the only one)
  --to-cluster NAME           restore into this other deployed cluster instead
  --storage URL               backup storage (default: the spec's backup.storage)
  --encryption-key-file FILE  the key of encrypted backups and slices
EOF_USAGE
  ma_restore_usage_end "Exit codes: 0 restored, 1 the restore failed or was refused (or not confirmed), 2 wrong command line (a time
without a timezone among them) or no --yes without a terminal."
}

# ISO 8601 date and time, with seconds and fractions optional, then the timezone (checked separately so that
# a naive time gets its own message).
DATE_TIME='^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?'
ZONE='(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)$'

MA_BACKUP_CHOSEN_BY=--time
time=
while [ $# -gt 0 ]; do
  case $1 in
    --time) ma_need_value "$1" $#; time=$2; shift 2 ;;
    --time=*) time=${1#*=}; shift ;;
    *) ma_take_restore_option "$@"; shift "$MA_TAKEN" ;;
  esac
done
if [ -z "$time" ]; then ma_usage_error "missing --time TIME: the point in time to restore the cluster to"; fi
if [[ $time =~ ${DATE_TIME}$ ]]; then
  ma_usage_error "the time $time has no timezone, so it is ambiguous: add one, e.g. ${time}Z for UTC or ${time}+01:00"
fi
if ! [[ $time =~ ${DATE_TIME}${ZONE} ]]; then
  ma_usage_error "the time $time is not an ISO 8601 date and time with a timezone, such as 2026-11-26T04:10:00Z"
fi

what="restoring to $time drops, on every shard and the config servers of $(ma_target_name), every collection of each database the chosen backup holds, and replaces them with the data as it was at $time"
ma_restore "$what" cluster --time "$time"
