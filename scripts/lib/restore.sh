# shellcheck shell=bash
# What the restore scripts share: a restore drops data, so each one says what it drops and goes on only with
# --yes or an operator's "yes" at a terminal. Sourced after common.sh.

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

# ma_target_name CLUSTER TO_CLUSTER: how messages name the cluster a restore writes to.
ma_target_name() {
  if [ -n "$2" ]; then
    printf 'cluster %s\n' "$2"
  elif [ -n "$1" ]; then
    printf 'cluster %s\n' "$1"
  else
    printf 'the default cluster\n'
  fi
}
