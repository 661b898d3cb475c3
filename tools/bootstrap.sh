#!/usr/bin/env bash
# Create or refresh the project's virtual environment in .venv from the hash-pinned lock file.
# Needs only Python >= 3.11 and access to the package index. Re-running is cheap: nothing is
# reinstalled unless requirements/lock.txt or pyproject.toml changed.
#   tools/bootstrap.sh               everything (runtime + development tools)
#   tools/bootstrap.sh --tools-only  just the virtual environment and uv (used by tools/lock.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.9

pick_python() {
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "bootstrap: Python 3.11 or newer is required (set PYTHON=/path/to/python3.11)" >&2
  return 1
}

if [ ! -x .venv/bin/python ]; then
  py=$(pick_python)
  echo "bootstrap: creating .venv with $($py --version)" >&2
  "$py" -m venv .venv
fi
if ! .venv/bin/python -m uv --version 2>/dev/null | grep -q "$UV_VERSION"; then
  echo "bootstrap: installing uv $UV_VERSION" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
[ "${1:-}" = "--tools-only" ] && exit 0

stamp=.venv/.mongo-admin-installed
want=$(cat requirements/lock.txt pyproject.toml | .venv/bin/python -c 'import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: installing locked dependencies" >&2
  VIRTUAL_ENV=.venv .venv/bin/python -m uv pip sync --quiet --require-hashes requirements/lock.txt
  VIRTUAL_ENV=.venv .venv/bin/python -m uv pip install --quiet --no-deps --no-build-isolation -e .
  # uv pip sync removes anything not in the lock, uv itself included; keep it for the next run.
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
  echo "$want" >"$stamp"
fi

# The dashboard (web/): its packages, and its production build in web/dist, which `mongo-admin api serve` serves.
tools/web.sh

# Real MongoDB clients the compatibility tests drive (the official shell, from npm), when Node is present.
if command -v npm >/dev/null 2>&1; then
  npm_stamp=tests/compat/node_modules/.mongo-admin-installed
  npm_want=$(.venv/bin/python -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' tests/compat/package-lock.json)
  if [ "$(cat "$npm_stamp" 2>/dev/null)" != "$npm_want" ]; then
    echo "bootstrap: installing the compatibility clients (npm ci in tests/compat)" >&2
    npm ci --prefix tests/compat --no-audit --no-fund --loglevel=error >&2
    echo "$npm_want" >"$npm_stamp"
  fi
fi
