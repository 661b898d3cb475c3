# shellcheck shell=bash
# What the restore scripts share: their common options (BACKUP_ID, --yes, --cluster, --to-cluster, --storage,
# --encryption-key-file and ma_take_common_option's), the help for the last of them, and the run: a restore drops
# data, so each one says what it drops and goes on only with --yes or an operator's "yes" at a terminal, then
# runs `mongo-admin restore ...`. Sourced after common.sh by a script that defines usage().

# What ma_take_restore_option reads from a command line.
MA_YES=false
MA_BACKUP_ID=
MA_CLUSTER=
MA_TO_CLUSTER=
# The options passed on to `mongo-admin restore ...` as given; a script adds its own (ma_restore adds --cluster
# and --to-cluster last).
MA_RESTORE_OPTIONS=()
# Set by a script whose backup is chosen by an option (point-in-time-restore.sh: --time): it takes no BACKUP_ID.
MA_BACKUP_CHOSEN_BY=

# ma_take_restore_option ARGS...: take the option or argument at the head of ARGS (the rest of a command line):
# --yes (MA_YES), --cluster NAME (MA_CLUSTER), --to-cluster NAME (MA_TO_CLUSTER), --storage URL and
# --encryption-key-file FILE (into MA_RESTORE_OPTIONS), ma_take_common_option's, and BACKUP_ID (MA_BACKUP_ID);
# sets MA_TAKEN to the words taken. Anything else is a usage error.
# shellcheck disable=SC2034 # MA_TAKEN is the caller's: it shifts that many words
ma_take_restore_option() {
  MA_TAKEN=1
  case $1 in
    --yes) MA_YES=true ;;
    --cluster) ma_need_value "$1" $#; MA_CLUSTER=$2; MA_TAKEN=2 ;;
    --cluster=*) MA_CLUSTER=${1#*=} ;;
    --to-cluster) ma_need_value "$1" $#; MA_TO_CLUSTER=$2; MA_TAKEN=2 ;;
    --to-cluster=*) MA_TO_CLUSTER=${1#*=} ;;
    --storage | --encryption-key-file) ma_need_value "$1" $#; MA_RESTORE_OPTIONS+=("$1" "$2"); MA_TAKEN=2 ;;
    --storage=* | --encryption-key-file=*) MA_RESTORE_OPTIONS+=("$1") ;;
    *)
      if ma_take_common_option "$@"; then return 0; fi
      if [ -n "$MA_BACKUP_CHOSEN_BY" ]; then
        ma_usage_error "unknown option or argument: $1 (the backup is chosen from $MA_BACKUP_CHOSEN_BY)"
      fi
      case $1 in -*) ma_usage_error "unknown option: $1" ;; esac
      if [ -n "$MA_BACKUP_ID" ]; then ma_usage_error "one backup at a time: $MA_BACKUP_ID, then $1"; fi
      MA_BACKUP_ID=$1
      MA_TAKEN=1 ;;
  esac
}

# ma_need_backup_id [WHICH]: refuse a command line without BACKUP_ID; WHICH says what it is for.
ma_need_backup_id() {
  if [ -z "$MA_BACKUP_ID" ]; then
    ma_usage_error "missing BACKUP_ID: ${1:-which backup to restore} (list them with: mongo-admin backup list)"
  fi
}

# ma_check_yes YES WHAT: print WHAT (what the restore drops) on stderr, then return when YES is true or the
# operator types yes at a terminal; exit 1 when they do not, 2 when there is no terminal to ask and no --yes.
# Runs before the log is opened: a refused restore has nothing to log.
ma_check_yes() {
  local answer=
  printf '%s: %s\n' "$MA_SCRIPT" "$2" >&2
  if $1; then return 0; fi
  if [ -t 0 ]; then
    printf 'This cannot be undone. Type yes to restore: ' >&2
    read -r answer || true
    if [ "$answer" = yes ]; then return 0; fi
    ma_die "not confirmed: nothing was restored"
  fi
  ma_usage_error "a restore drops data and cannot be undone: confirm with --yes (or run it at a terminal)"
}

# ma_target_name: how messages name the cluster a restore writes to (MA_TO_CLUSTER, else MA_CLUSTER).
ma_target_name() {
  if [ -n "$MA_TO_CLUSTER" ]; then
    printf 'cluster %s\n' "$MA_TO_CLUSTER"
  elif [ -n "$MA_CLUSTER" ]; then
    printf 'cluster %s\n' "$MA_CLUSTER"
  else
    printf 'the default cluster\n'
  fi
}

# ma_restore WHAT ARGS...: confirm WHAT (ma_check_yes), open the log, then run `mongo-admin restore ARGS...`
# with the options the command line gave and --yes; its exit code is the script's.
ma_restore() {
  local what=$1
  shift
  if [ -n "$MA_CLUSTER" ]; then MA_RESTORE_OPTIONS+=(--cluster "$MA_CLUSTER"); fi
  if [ -n "$MA_TO_CLUSTER" ]; then MA_RESTORE_OPTIONS+=(--to-cluster "$MA_TO_CLUSTER"); fi
  ma_check_yes "$MA_YES" "$what"
  ma_find_cli
  ma_open_log
  ma_say "$what (confirmed)"
  ma_cli restore "$@" "${MA_RESTORE_OPTIONS[@]}" --yes
}

# ma_restore_usage_end [EXIT_CODES]: the end of a restore script's help, from --yes on: the options
# ma_take_restore_option takes that every restore script describes alike, then EXIT_CODES (by default, those of
# a restore from a BACKUP_ID).
# shellcheck disable=SC2120 # EXIT_CODES is optional
ma_restore_usage_end() {
  cat <<'EOF_USAGE'
  --yes                       do not ask for confirmation (required when stdin is not a terminal)
  -o, --output FORMAT         table (default), json or yaml, as the CLI's global --output
  --log-dir DIR               where this run's log file goes (default: $MONGO_ADMIN_SCRIPT_LOG_DIR, else
                              `mongo-admin paths script-logs`, i.e. $MONGO_ADMIN_HOME/logs/scripts)
  -h, --help                  show this help

The CLI is `mongo-admin` on PATH, else the repository's .venv/bin/mongo-admin.

EOF_USAGE
  if [ $# -gt 0 ]; then
    printf '%s\n' "$1"
    return 0
  fi
  cat <<'EOF_USAGE'
Exit codes: 0 restored, 1 the restore failed or was refused (or not confirmed), 2 wrong command line or no
--yes without a terminal.
EOF_USAGE
}
