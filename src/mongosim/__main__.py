"""``python -m mongosim`` / ``mongosim``: run a server, or print where the ``mongod``/``mongos`` executables are.

    mongosim mongod [options]     run a mongod (same options as MongoDB's mongod)
    mongosim mongos [options]     run a mongos
    mongosim bin-dir              create if needed and print the directory holding ``mongod`` and ``mongos``
"""

from __future__ import annotations

import sys

USAGE = "usage: mongosim mongod|mongos [options]\n       mongosim bin-dir"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["bin-dir"]:
        from mongosim.bindir import ensure_bin_dir

        print(ensure_bin_dir())
        return 0
    if args and args[0] in ("mongod", "mongos"):
        # Imported here so `bin-dir` stays fast: the server pulls in asyncio, bson and the command modules.
        from mongosim.main import run

        return run(args[0], args)
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
