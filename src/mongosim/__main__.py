"""``python -m mongosim mongod|mongos [options]`` runs a server."""

from __future__ import annotations

import sys

from mongosim.main import run


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in ("mongod", "mongos"):
        print("usage: mongosim mongod|mongos [options]", file=sys.stderr)
        return 2
    return run(sys.argv[1], sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
