#!/usr/bin/env bash
# Deploy a MongoDB sharded cluster from a spec with `mongo-admin cluster deploy`, then show its status.
# A thin, logged wrapper: the CLI does and decides everything; this script only passes the options on.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

usage() {
  cat <<'EOF'
Usage: deploy-mongodb.sh -f SPEC [--dry-run] [--keep-on-failure] [--binary-dir DIR]
                         [--mongodb-version VERSION] [--log-dir DIR]

Deploy (or converge) the sharded cluster SPEC describes -- config servers, then shards, then routers, each
step verified -- with `mongo-admin cluster deploy`, then print `mongo-admin cluster status`. A healthy
cluster deployed again is left as it is. On failure, what the run started is stopped and the error names
the step, its cause and the deploy log.

Options:
  -f, --file SPEC     the cluster spec (YAML); see docs/examples/cluster.yaml
  --dry-run           print the plan (steps and processes) and change nothing
  --keep-on-failure   on failure, keep the files this run created
  --binary-dir DIR    directory holding mongod and mongos (default: the spec's, $MONGO_ADMIN_BINARY_DIR,
                      PATH, then the mongosim simulator)
  --mongodb-version VERSION
                      MongoDB version to run, 8.0 or 8.0.4 (overrides the spec's binaries.version)
  --log-dir DIR       where this run's log file goes (default: $MONGO_ADMIN_SCRIPT_LOG_DIR, else
                      `mongo-admin paths script-logs`, i.e. $MONGO_ADMIN_HOME/logs/scripts)
  -h, --help          show this help

The CLI is `mongo-admin` on PATH, else the repository's .venv/bin/mongo-admin. $MONGO_ADMIN_HOME and
$MONGO_ADMIN_OUTPUT apply as they do to the CLI.

Exit codes: 0 deployed (or nothing to change), 1 the deploy failed, 2 wrong command line.
EOF
}

spec=
log_dir=
dry_run=false
deploy_options=()
while [ $# -gt 0 ]; do
  case $1 in
    -h | --help) usage; exit 0 ;;
    -f | --file) ma_need_value "$1" $#; spec=$2; shift 2 ;;
    --file=*) spec=${1#*=}; shift ;;
    --dry-run) dry_run=true; deploy_options+=("$1"); shift ;;
    --keep-on-failure) deploy_options+=("$1"); shift ;;
    --binary-dir) ma_need_value "$1" $#; deploy_options+=(--binary-dir "$2"); shift 2 ;;
    --binary-dir=*) deploy_options+=(--binary-dir "${1#*=}"); shift ;;
    --mongodb-version) ma_need_value "$1" $#; deploy_options+=(--mongodb-version "$2"); shift 2 ;;
    --mongodb-version=*) deploy_options+=(--mongodb-version "${1#*=}"); shift ;;
    --log-dir) ma_need_value "$1" $#; log_dir=$2; shift 2 ;;
    --log-dir=*) log_dir=${1#*=}; shift ;;
    *) ma_usage_error "unknown option or argument: $1" ;;
  esac
done
if [ -z "$spec" ]; then ma_usage_error "missing -f SPEC: which cluster spec to deploy"; fi

ma_find_cli
ma_open_log "$log_dir"
ma_say "deploying from $spec${deploy_options[*]:+ (${deploy_options[*]})}"
cluster=$(ma_cluster_name "$spec")
"$MONGO_ADMIN" cluster deploy -f "$spec" "${deploy_options[@]}"
if $dry_run; then
  ma_say "dry run: nothing was changed"
else
  "$MONGO_ADMIN" cluster status --cluster "$cluster"
fi
