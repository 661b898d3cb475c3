#!/usr/bin/env bash
# Install the dashboard's packages (npm ci in web/) and build it into web/dist, which the API serves.
# Cheap to re-run: packages are reinstalled only when web/package-lock.json changed, and the build runs only when
# a file of the dashboard (or the OpenAPI document its client is generated from) changed.
# Needs Node 20+ and npm; without them it says so and fails.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null 2>&1; then
  echo "web: Node.js 20 or newer with npm is needed to build the dashboard (https://nodejs.org)." >&2
  exit 1
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "web: Node.js 20 or newer is needed to build the dashboard; this is $(node --version)." >&2
  exit 1
fi

digest() { .venv/bin/python -c 'import hashlib,sys
h = hashlib.sha256()
for name in sorted(sys.argv[1:]):
    h.update(name.encode()); h.update(open(name, "rb").read())
print(h.hexdigest())' "$@"; }

packages_stamp=web/node_modules/.mongo-admin-installed
packages_want=$(digest web/package-lock.json)
if [ "$(cat "$packages_stamp" 2>/dev/null)" != "$packages_want" ]; then
  echo "web: installing the dashboard's packages (npm ci in web)" >&2
  # Playwright drives Debian's Chromium (tools/chromium.sh); it never downloads a browser of its own.
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix web --no-audit --no-fund --loglevel=error >&2
  echo "$packages_want" >"$packages_stamp"
fi

build_stamp=web/dist/.mongo-admin-built
mapfile -t sources < <(find web -path web/node_modules -prune -o -path web/dist -prune -o -path web/test-results -prune \
  -o -path web/e2e/screenshots -prune -o -type f -print | sort)
build_want=$(digest docs/api/openapi.json "${sources[@]}")
if [ "$(cat "$build_stamp" 2>/dev/null)" != "$build_want" ]; then
  echo "web: building the dashboard (web/dist)" >&2
  npm run --prefix web --silent build >&2
  echo "$build_want" >"$build_stamp"
fi
