# shellcheck shell=bash
# What full-backup.sh, config-backup.sh and shard-backup.sh share: their options, then `mongo-admin backup
# create --type TYPE` and `mongo-admin backup verify` of the new backup. Sourced after common.sh by a script that
# defines usage().

# ma_backup_usage_options: the end of those scripts' help, from --cluster on: the options they all take (a shard
# backup's --shard comes before), what goes where, and the exit codes.
ma_backup_usage_options() {
  cat <<'EOF'
  --cluster NAME              the cluster (default: the CLI's: $MONGO_ADMIN_CLUSTER, `cluster use`, the only one)
  --storage URL               backup storage (default: the spec's backup.storage)
  --compression ALGO          gzip, zstd or none (default: the spec's backup.compression)
  --encryption-key-file FILE  encrypt with this key (and verify with it)
  --parallel N                collections dumped at once per replica set
  --rate-limit MB/S           read at most this many megabytes of documents per second
  --no-verify                 do not verify the backup after taking it
  -o, --output FORMAT         table (default) or json: how the backup's result is printed
  --log-dir DIR               where this run's log file goes (default: $MONGO_ADMIN_SCRIPT_LOG_DIR, else
                              `mongo-admin paths script-logs`, i.e. $MONGO_ADMIN_HOME/logs/scripts)
  -h, --help                  show this help

The backup's result goes to stdout; progress and the verification report go to stderr; the log file gets
both. The CLI is `mongo-admin` on PATH, else the repository's .venv/bin/mongo-admin.

Exit codes: 0 backup taken and verified, 1 the backup failed or did not verify, 2 wrong command line.
EOF
}

# ma_backup_main TYPE ARGS...: parse the command line, take the backup, print its result, verify it.
ma_backup_main() {
  local kind=$1
  shift
  local verify=true output=table shard='' result backup_id
  local target_options=() create_options=() verify_options=()
  while [ $# -gt 0 ]; do
    case $1 in
      --cluster | --storage)
        ma_need_value "$1" $#; target_options+=("$1" "$2"); shift 2 ;;
      --cluster=* | --storage=*) target_options+=("$1"); shift ;;
      --encryption-key-file)
        ma_need_value "$1" $#; create_options+=("$1" "$2"); verify_options+=("$1" "$2"); shift 2 ;;
      --encryption-key-file=*) create_options+=("$1"); verify_options+=("$1"); shift ;;
      --compression | --parallel | --rate-limit)
        ma_need_value "$1" $#; create_options+=("$1" "$2"); shift 2 ;;
      --compression=* | --parallel=* | --rate-limit=*) create_options+=("$1"); shift ;;
      --no-verify) verify=false; shift ;;
      -o | --output) ma_need_value "$1" $#; output=$2; shift 2 ;;
      --output=*) output=${1#*=}; shift ;;
      --shard) if [ "$kind" = shard ]; then ma_need_value "$1" $#; shard=$2; shift 2; else
          ma_usage_error "unknown option or argument: $1 (a shard backup is scripts/backup/shard-backup.sh)"; fi ;;
      --shard=*) if [ "$kind" = shard ]; then shard=${1#*=}; shift; else
          ma_usage_error "unknown option or argument: $1 (a shard backup is scripts/backup/shard-backup.sh)"; fi ;;
      *) ma_take_common_option "$@" || ma_usage_error "unknown option or argument: $1"; shift "$MA_TAKEN" ;;
    esac
  done
  case $output in
    table | json) ;;
    *) ma_usage_error "unknown output format '$output': choose table or json" ;;
  esac
  if [ "$kind" = shard ]; then
    if [ -z "$shard" ]; then ma_usage_error "missing --shard NAME: which shard to back up"; fi
    create_options+=(--shard "$shard")
  fi

  ma_find_cli
  ma_open_log
  ma_say "taking a $kind backup${shard:+ of shard $shard}${target_options[*]:+ (${target_options[*]})}"
  result=$("$MONGO_ADMIN" --output "$output" backup create --type "$kind" "${target_options[@]}" \
    "${create_options[@]}")
  printf '%s\n' "$result"
  backup_id=$(ma_result_field backup_id "$output" "$result")
  if [ -z "$backup_id" ]; then ma_die "mongo-admin backup create named no backup id"; fi
  if ! $verify; then
    ma_say "backup $backup_id taken; not verified (--no-verify)"
    return 0
  fi
  ma_say "verifying backup $backup_id"
  # The verification report is a check of the backup, not the script's result: it goes with the progress.
  if ! "$MONGO_ADMIN" backup verify "$backup_id" "${target_options[@]}" "${verify_options[@]}" >&2; then
    ma_die "backup $backup_id was taken but did not verify: the problems are listed above" \
      "do not rely on it; find the cause, then take another backup (the log: $MA_LOG_FILE)"
  fi
  ma_say "backup $backup_id taken and verified"
}
