#!/usr/bin/env bash
# Regenerate requirements/lock.txt from pyproject.toml (runtime + dev extras), hashes included,
# without recording any index or download address.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/bootstrap.sh --tools-only
.venv/bin/uv pip compile pyproject.toml --extra dev --generate-hashes \
  --no-emit-index-url --no-emit-find-links --no-header --python-version 3.11 \
  -o requirements/lock.txt
