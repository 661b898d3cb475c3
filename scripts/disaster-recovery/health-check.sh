#!/usr/bin/env bash
# Check a cluster's health with `mongo-admin health-check`, logging each run, for cron and monitoring systems.
# Its exit code is the CLI's: 0 OK, 1 WARNING, 2 CRITICAL (monitoring-plugin convention).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
# The wrapper's own failures are UNKNOWN, never to be read as WARNING or CRITICAL.
MA_FAIL_CODE=3

usage() {
  cat <<'EOF'
Usage: health-check.sh [--log-dir DIR] [-o table|json|yaml] [mongo-admin health-check options...]

Check processes, primaries, replication lag, oplog window, balancer, disk space and connections of a
deployed cluster with `mongo-admin health-check`, and log the run.

Options of this script:
  --log-dir DIR            where this run's log file goes (default: $MONGO_ADMIN_SCRIPT_LOG_DIR, else
                           `mongo-admin paths script-logs`, i.e. $MONGO_ADMIN_HOME/logs/scripts)
  -o, --output FORMAT      table (default), json or yaml, as the CLI's global --output
  -h, --help               show this help
Every other option goes to `mongo-admin health-check` as it is: --cluster NAME, --lag-warning S,
--lag-critical S, --oplog-warning H, --oplog-critical H, --disk-warning PCT, --disk-critical PCT
(see `mongo-admin health-check --help`).

The CLI is `mongo-admin` on PATH, else the repository's .venv/bin/mongo-admin.

Exit codes: the check's own, 0 OK, 1 WARNING, 2 CRITICAL; 3 UNKNOWN when this script cannot run the check
(mongo-admin not found, no writable log directory, a wrong option of this script). The CLI also exits 1 when
it cannot check at all (no such cluster) and 2 for an option it does not know; its message on stderr says so.
EOF
}

log_dir=
global_options=()
check_options=()
while [ $# -gt 0 ]; do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --log-dir) ma_need_value "$1" $#; log_dir=$2; shift 2 ;;
    --log-dir=*) log_dir=${1#*=}; shift ;;
    -o | --output) ma_need_value "$1" $#; global_options+=(--output "$2"); shift 2 ;;
    --output=*) global_options+=(--output "${1#*=}"); shift ;;
    *) check_options+=("$1"); shift ;;
  esac
done

ma_find_cli
ma_open_log "$log_dir"
code=0
"$MONGO_ADMIN" "${global_options[@]}" health-check "${check_options[@]}" || code=$?
ma_say "mongo-admin health-check exited $code (0 OK, 1 WARNING, 2 CRITICAL)"
exit "$code"
