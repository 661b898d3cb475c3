#!/usr/bin/env bash
# Bring up everything a cluster needs, stage by stage: infrastructure, then MongoDB, then monitoring. Each stage
# is verified before the next starts, shown with a banner and its elapsed time, and logged; this run's log
# collects every stage's output. The stages themselves are the other scripts and the mongo-admin CLI.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
SCRIPTS_DIR=$(cd "$(dirname "$0")" && pwd)

usage() {
  cat <<'EOF'
Usage: deploy-all.sh --spec SPEC [--target local|gcp] [--log-dir DIR]

Deploy a whole environment from a cluster spec, in stages, each verified before the next:
  1. infrastructure  the machines the cluster runs on
  2. mongodb         the sharded cluster (scripts/deploy-mongodb.sh), verified by `mongo-admin health-check`:
                     WARNING is reported and accepted, CRITICAL fails the stage
  3. monitoring      Prometheus, Alertmanager and Grafana for the cluster
Stages not implemented yet for the target are skipped with a message saying so. A failed stage stops the
run; what it started stays as its own command left it (a failed deploy stops what it started).

Options:
  --spec SPEC       the cluster spec (YAML); see docs/examples/cluster.yaml
  --target TARGET   local (default): this machine, no infrastructure to provision;
                    gcp: not implemented yet (GCP infrastructure comes with the GCP issue)
  --log-dir DIR     where the logs go, this run's and each stage's (default: $MONGO_ADMIN_SCRIPT_LOG_DIR,
                    else `mongo-admin paths script-logs`, i.e. $MONGO_ADMIN_HOME/logs/scripts)
  -h, --help        show this help

The CLI is `mongo-admin` on PATH, else the repository's .venv/bin/mongo-admin. $MONGO_ADMIN_HOME and
$MONGO_ADMIN_BINARY_DIR apply as they do to the CLI.

Exit codes: 0 every stage done or skipped, 1 a stage failed (or the target is not implemented yet),
2 wrong command line.
EOF
}

spec=
target=local
log_dir=
while [ $# -gt 0 ]; do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --spec) ma_need_value "$1" $#; spec=$2; shift 2 ;;
    --spec=*) spec=${1#*=}; shift ;;
    --target) ma_need_value "$1" $#; target=$2; shift 2 ;;
    --target=*) target=${1#*=}; shift ;;
    --log-dir) ma_need_value "$1" $#; log_dir=$2; shift 2 ;;
    --log-dir=*) log_dir=${1#*=}; shift ;;
    *) ma_usage_error "unknown option or argument: $1" ;;
  esac
done
case $target in
  local) ;;
  gcp) ma_die "not implemented yet: GCP infrastructure comes with the GCP issue (--target gcp)" \
    "deploy on this machine with --target local (the default)" ;;
  *) ma_usage_error "unknown target '$target': choose local or gcp" ;;
esac
if [ -z "$spec" ]; then ma_usage_error "missing --spec SPEC: which cluster spec to deploy"; fi

ma_find_cli
ma_open_log "$log_dir"
# The stages' own logs go next to this one, which also collects their output.
log_dir=$(dirname "$MA_LOG_FILE")
ma_say "deploying $spec to target $target"
cluster=$(ma_cluster_name "$spec")

summary=()
failed=
# record STAGE OUTCOME DETAIL...: the closing banner, and a line for the summary at the end.
record() {
  local stage=$1 outcome=$2
  shift 2
  ma_stage_end "$outcome" "$*"
  summary+=("$(printf '%-16s %-8s %5s s  %s' "$stage" "$outcome" "$MA_STAGE_ELAPSED" "$*")")
}

stage_infrastructure() {
  ma_stage_start "1/3" infrastructure "target $target"
  record infrastructure skipped "target local runs on this machine: nothing to provision" \
    "(Terraform for GCP comes with the GCP issue)"
}

stage_mongodb() {
  ma_stage_start "2/3" mongodb "cluster $cluster from $spec"
  if ! "$SCRIPTS_DIR/deploy-mongodb.sh" -f "$spec" --log-dir "$log_dir"; then
    record mongodb failed "deploy-mongodb.sh failed: its error above names the step and the deploy log"
    return 1
  fi
  ma_say "verifying: mongo-admin health-check --cluster $cluster"
  local code=0
  "$SCRIPTS_DIR/disaster-recovery/health-check.sh" --log-dir "$log_dir" --cluster "$cluster" || code=$?
  case $code in
    0) record mongodb "done" "cluster $cluster deployed, health-check OK" ;;
    1) record mongodb "done" "cluster $cluster deployed, health-check WARNING (see the checks above)" ;;
    *)
      record mongodb failed "health-check exited $code (2 is CRITICAL; see the checks above); the cluster is" \
        "left running for investigation"
      return 1
      ;;
  esac
}

stage_monitoring() {
  ma_stage_start "3/3" monitoring
  record monitoring skipped "Prometheus, Alertmanager and Grafana come with the monitoring issue"
}

for stage in infrastructure mongodb monitoring; do
  if [ -n "$failed" ]; then
    summary+=("$(printf '%-16s %-8s' "$stage" "not run")")
    continue
  fi
  "stage_$stage" || failed=$stage
done

printf '\n' >&2
ma_say "summary after $SECONDS s (log: $MA_LOG_FILE)"
printf '  %s\n' "${summary[@]}" >&2
if [ -n "$failed" ]; then
  ma_die "stage $failed failed; later stages did not run" "see the stage's output above and the log $MA_LOG_FILE"
fi
ma_say "done: cluster $cluster is deployed on target $target"
