#!/usr/bin/env bash
# Apply a cluster's backup retention policy with `mongo-admin backup prune`, logging what it kept and deleted.
# A thin, logged wrapper for cron: the CLI does and decides everything.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"

usage() {
  cat <<'EOF_USAGE'
Usage: prune-backups.sh [--cluster NAME] [--storage URL] [--dry-run] [-o table|json|yaml] [--log-dir DIR]

Delete the backups (and the point-in-time slices) that no rule of the cluster's retention policy keeps -- the
spec's backup.retention -- with `mongo-admin backup prune`. Every backup is listed with the rules that keep it,
so the log says why each one stayed or went.

Options:
  --cluster NAME       the cluster (default: the CLI's: $MONGO_ADMIN_CLUSTER, `cluster use`, the only one)
  --storage URL        backup storage (default: the spec's backup.storage)
  --dry-run            only show what would be deleted
  -o, --output FORMAT  table (default), json or yaml, as the CLI's global --output
  --log-dir DIR        where this run's log file goes (default: $MONGO_ADMIN_SCRIPT_LOG_DIR, else
                       `mongo-admin paths script-logs`, i.e. $MONGO_ADMIN_HOME/logs/scripts)
  -h, --help           show this help

The CLI is `mongo-admin` on PATH, else the repository's .venv/bin/mongo-admin.

Exit codes: 0 pruned (or nothing to prune), 1 pruning failed, 2 wrong command line.
EOF_USAGE
}

prune_options=()
while [ $# -gt 0 ]; do
  case $1 in
    --dry-run) prune_options+=("$1"); shift ;;
    --cluster | --storage) ma_need_value "$1" $#; prune_options+=("$1" "$2"); shift 2 ;;
    --cluster=* | --storage=*) prune_options+=("$1"); shift ;;
    *) ma_take_common_option "$@" || ma_usage_error "unknown option or argument: $1"; shift "$MA_TAKEN" ;;
  esac
done

ma_find_cli
ma_open_log
ma_say "applying the retention policy${prune_options[*]:+ (${prune_options[*]})}"
ma_cli backup prune "${prune_options[@]}"
