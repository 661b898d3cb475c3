#!/usr/bin/env bash
# Slice every replica set's oplog for point-in-time recovery with `mongo-admin backup pitr run`: one round with
# --once (for cron), else continuously until stopped. A thin, logged wrapper: the CLI does and decides everything.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"

usage() {
  cat <<'EOF_USAGE'
Usage: incremental-backup.sh [--once] [--cluster NAME] [--storage URL] [--slice-seconds S]
                             [-o table|json|yaml] [--log-dir DIR]

Copy the oplog of the config servers and of every shard into the backup storage as slices, for restores to
any point in time, with `mongo-admin backup pitr run`. The cluster's spec must enable it
(backup.pitr.enabled: true), and slicing starts from the newest full backup. With --once it runs one round
and exits: a crontab line running it every minute keeps the recovery point within about a minute. Without
it, it slices every backup.pitr.slice_seconds until stopped with SIGTERM or Ctrl-C.

Options:
  --once               one slicing round, then exit (for cron)
  --cluster NAME       the cluster (default: the CLI's: $MONGO_ADMIN_CLUSTER, `cluster use`, the only one)
  --storage URL        backup storage (default: the spec's backup.storage)
  --slice-seconds S    seconds between rounds when running continuously (default: the spec's)
  -o, --output FORMAT  table (default), json or yaml, as the CLI's global --output
  --log-dir DIR        where this run's log file goes (default: $MONGO_ADMIN_SCRIPT_LOG_DIR, else
                       `mongo-admin paths script-logs`, i.e. $MONGO_ADMIN_HOME/logs/scripts)
  -h, --help           show this help

The CLI is `mongo-admin` on PATH, else the repository's .venv/bin/mongo-admin. Another slicer already running
on the cluster makes this one fail naming it: one slicer per cluster.

Exit codes: 0 slicing done (or stopped on request), 1 slicing failed or is not enabled for the cluster,
2 wrong command line.
EOF_USAGE
}

pitr_options=()
while [ $# -gt 0 ]; do
  case $1 in
    --once) pitr_options+=("$1"); shift ;;
    --cluster | --storage | --slice-seconds)
      ma_need_value "$1" $#; pitr_options+=("$1" "$2"); shift 2 ;;
    --cluster=* | --storage=* | --slice-seconds=*) pitr_options+=("$1"); shift ;;
    *) ma_take_common_option "$@" || ma_usage_error "unknown option or argument: $1"; shift "$MA_TAKEN" ;;
  esac
done

ma_find_cli
ma_open_log
ma_say "slicing the oplog${pitr_options[*]:+ (${pitr_options[*]})}"
# In the background, so that a SIGTERM or Ctrl-C sent to this script reaches the slicer, which then finishes
# its round and exits cleanly (a background job ignores SIGINT: both become SIGTERM). Not through ma_cli: the
# background job must be the CLI itself, not a subshell running it.
"$MONGO_ADMIN" "${MA_GLOBAL_OPTIONS[@]}" backup pitr run "${pitr_options[@]}" &
slicer=$!
trap 'kill -TERM "$slicer" 2>/dev/null || true' TERM INT
code=0
wait "$slicer" || code=$?
# A trapped signal interrupts `wait`: wait again for the slicer's own exit code.
while kill -0 "$slicer" 2>/dev/null; do
  code=0
  wait "$slicer" || code=$?
done
if [ "$code" -ne 0 ]; then
  ma_say "mongo-admin backup pitr run failed with exit code $code: its error is above"
  exit "$code"
fi
ma_say "slicing done"
