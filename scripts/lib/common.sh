# shellcheck shell=bash
# What every script under scripts/ shares: finding the mongo-admin CLI, one log file per run, messages in the
# CLI's own shape ("error: <what>" then "  fix: <what to do>"), and stage banners. Sourced, never run, by a
# script that has set `set -euo pipefail`.
#
# The scripts stay thin: every decision is the CLI's. Nothing here knows where the platform keeps its files;
# it asks `mongo-admin paths`.

# The script's name, in messages and in its log file names.
MA_SCRIPT=$(basename "$0")
MA_REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Exit code of the script's own failures (CLI not found, cannot log). health-check.sh sets 3, UNKNOWN in the
# monitoring-plugin convention, so a broken wrapper is never read as WARNING or CRITICAL.
MA_FAIL_CODE=1
MONGO_ADMIN=
MA_LOG_FILE=
# What ma_take_common_option reads from a command line: --log-dir DIR, and the CLI's global options (--output).
MA_LOG_DIR=
MA_GLOBAL_OPTIONS=()
# How many words the last ma_take_*_option call took from the command line: the caller shifts them.
MA_TAKEN=0

ma_now() { date -u +%Y-%m-%dT%H:%M:%SZ; }

# A progress line on stderr (and so in the log), with the time.
ma_say() { printf '%s %s: %s\n' "$(ma_now)" "$MA_SCRIPT" "$*" >&2; }

# ma_die WHAT [FIX]: one clear error on stderr, then exit with MA_FAIL_CODE.
ma_die() {
  printf '%s: error: %s\n' "$MA_SCRIPT" "$1" >&2
  if [ -n "${2:-}" ]; then printf '  fix: %s\n' "$2" >&2; fi
  exit "$MA_FAIL_CODE"
}

# ma_usage_error WHAT: a wrong command line; exit 2 (like the CLI), or MA_FAIL_CODE when that is higher.
ma_usage_error() {
  printf '%s: %s\n' "$MA_SCRIPT" "$1" >&2
  printf "Try '%s --help' for the options.\n" "$MA_SCRIPT" >&2
  exit $((MA_FAIL_CODE > 2 ? MA_FAIL_CODE : 2))
}

# ma_need_value OPTION ARGC: an option that takes a value must have one.
ma_need_value() {
  if [ "$2" -lt 2 ]; then ma_usage_error "option $1 needs a value"; fi
}

# ma_take_common_option ARGS...: take the option at the head of ARGS (the rest of a command line) when it is one
# many scripts share: -h/--help (print usage, exit 0), -o/--output FORMAT (into MA_GLOBAL_OPTIONS, for the CLI)
# or --log-dir DIR (MA_LOG_DIR). Sets MA_TAKEN to the words taken; returns 1, taking none, for anything else.
# shellcheck disable=SC2034 # MA_TAKEN is the caller's: it shifts that many words
ma_take_common_option() {
  MA_TAKEN=1
  case $1 in
    -h | --help) usage; exit 0 ;;
    -o | --output) ma_need_value "$1" $#; MA_GLOBAL_OPTIONS+=(--output "$2"); MA_TAKEN=2 ;;
    --output=*) MA_GLOBAL_OPTIONS+=(--output "${1#*=}") ;;
    --log-dir) ma_need_value "$1" $#; MA_LOG_DIR=$2; MA_TAKEN=2 ;;
    --log-dir=*) MA_LOG_DIR=${1#*=} ;;
    *) MA_TAKEN=0; return 1 ;;
  esac
}

# ma_cli ARGS...: run the CLI with the global options the command line gave (MA_GLOBAL_OPTIONS).
ma_cli() {
  "$MONGO_ADMIN" "${MA_GLOBAL_OPTIONS[@]}" "$@"
}

# Sets MONGO_ADMIN: `mongo-admin` on PATH, else this repository's .venv/bin/mongo-admin.
ma_find_cli() {
  if MONGO_ADMIN=$(command -v mongo-admin); then
    return 0
  fi
  if [ -x "$MA_REPO_DIR/.venv/bin/mongo-admin" ]; then
    MONGO_ADMIN=$MA_REPO_DIR/.venv/bin/mongo-admin
    return 0
  fi
  ma_die "cannot find the mongo-admin command: it is not on PATH and $MA_REPO_DIR/.venv/bin/mongo-admin does not exist" \
    "install it (in a checkout: tools/bootstrap.sh) or put the directory holding mongo-admin on PATH"
}

# ma_open_log [DIR]: from here on, everything the script and the commands it runs print also goes to a new log
# file, in DIR, else MA_LOG_DIR (--log-dir), else $MONGO_ADMIN_SCRIPT_LOG_DIR, else `mongo-admin paths
# script-logs`. Stdout and stderr stay apart on the terminal (results on stdout, progress on stderr); the log
# holds both.
ma_open_log() {
  local dir=${1:-${MA_LOG_DIR:-${MONGO_ADMIN_SCRIPT_LOG_DIR:-}}}
  if [ -z "$dir" ]; then
    dir=$("$MONGO_ADMIN" paths script-logs) || ma_die "cannot ask $MONGO_ADMIN where script logs go" \
      "check the installation with: $MONGO_ADMIN --version, or pass --log-dir DIR"
  fi
  mkdir -p "$dir" || ma_die "cannot create the log directory $dir" "pass --log-dir DIR with a writable DIR"
  MA_LOG_FILE="$dir/${MA_SCRIPT%.sh}-$(date -u +%Y%m%dT%H%M%SZ)-$$.log"
  : >"$MA_LOG_FILE" || ma_die "cannot write the log file $MA_LOG_FILE" "pass --log-dir DIR with a writable DIR"
  exec > >(tee -a "$MA_LOG_FILE")
  MA_TEE_OUT=$!
  exec 2> >(tee -a "$MA_LOG_FILE" >&2)
  MA_TEE_ERR=$!
  trap ma_close_log EXIT
  ma_say "log file $MA_LOG_FILE"
  ma_say "using $MONGO_ADMIN ($("$MONGO_ADMIN" --version))"
}

# EXIT trap: record the exit code, then let both tee processes drain so the log is complete when we return.
ma_close_log() {
  local code=$?
  ma_say "exit code $code"
  exec >&- 2>&-
  wait "$MA_TEE_OUT" "$MA_TEE_ERR" 2>/dev/null || true
  exit "$code"
}

# ma_cluster_name SPEC: the cluster a spec describes, read from `mongo-admin cluster validate` (which also
# reports every problem in the spec and fails when there is one). Cluster names are letters, digits, '-' and
# '_', so the JSON string needs no unescaping.
ma_cluster_name() {
  local name
  # The CLI has already said what is wrong with the spec when validate fails: just pass its exit code on.
  name=$("$MONGO_ADMIN" --output json cluster validate -f "$1" |
    sed -n 's/^  "cluster": "\([^"]*\)",\{0,1\}$/\1/p') || exit
  if [ -z "$name" ]; then ma_die "mongo-admin cluster validate named no cluster for $1"; fi
  printf '%s\n' "$name"
}

# ma_result_field FIELD FORMAT TEXT: one top-level scalar of a CLI result TEXT printed as json (`"FIELD": "v"`)
# or as a table (`field  v`, underscores read as spaces; tables are printed unwrapped when piped). For values
# without spaces or quotes, such as a backup id; prints nothing when the field is not there.
ma_result_field() {
  local label=${1//_/ }
  case $2 in
    json) printf '%s\n' "$3" | sed -n "s/^  \"$1\": \"\([^\"]*\)\",\{0,1\}\$/\1/p" ;;
    *) printf '%s\n' "$3" | sed -n "s/^$label  *\([^ ]*\)\$/\1/p" ;;
  esac
}

# ma_stage_start NUMBER NAME [DETAIL]: the banner that opens a stage, with how long the run has taken so far.
ma_stage_start() {
  MA_STAGE="[$1] $2"
  MA_STAGE_STARTED=$SECONDS
  printf '\n==> %s%s (%s, %s s into the run)\n' "$MA_STAGE" "${3:+: $3}" "$(ma_now)" "$SECONDS" >&2
}

# ma_stage_end OUTCOME [DETAIL]: the banner that closes the stage, with its own elapsed time, which it also
# leaves in MA_STAGE_ELAPSED.
ma_stage_end() {
  MA_STAGE_ELAPSED=$((SECONDS - MA_STAGE_STARTED))
  printf '<== %s %s in %s s%s\n' "$MA_STAGE" "$1" "$MA_STAGE_ELAPSED" "${2:+: $2}" >&2
}
