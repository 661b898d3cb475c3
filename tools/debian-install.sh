# Sourced by tools/postgresql.sh and tools/chromium.sh: install Debian packages with apt-get, as root or through
# sudo without a password, non-interactively. The sourcing script defines fail REASON (says what to do, exits 1).
#   debian_install "what is said while installing" PACKAGE...
debian_install() {
  local saying=$1
  shift
  command -v apt-get >/dev/null 2>&1 || fail "this machine has no apt-get to install it with"
  local as_root=()
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
      as_root=(sudo -n)
    else
      fail "installing it needs root (sudo without a password is not available)"
    fi
  fi
  echo "$saying" >&2
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}
