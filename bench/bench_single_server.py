"""Single-document throughput against one sandbox mongod: insert_one/s and find_one({_id})/s via pymongo.

The server is started the way users start it (mongo_admin's sandbox operation, with whichever binaries it
resolves: real MongoDB if installed, else the mongosim simulator) in a throwaway home, and purged after.
Targets on the simulator: >= 3,000 inserts/s and >= 5,000 finds/s.

Run: .venv/bin/python bench/bench_single_server.py [-n 5000] [--warmup 500] [--binary-dir DIR]
Prints the result; records nothing (copy the numbers into docs/benchmarks.md by hand).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import pymongo

from mongo_admin.ops.sandbox import SandboxShape, start_sandbox, stop_sandbox

INSERT_TARGET = 3000
FIND_TARGET = 5000


def rate(label: str, count: int, seconds: float, target: int) -> str:
    per_s = count / seconds
    verdict = "meets" if per_s >= target else "MISSES"
    return f"{label}: {count} in {seconds:.2f} s = {per_s:,.0f}/s ({verdict} target >= {target:,}/s)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5000, help="timed operations of each kind")
    parser.add_argument("--warmup", type=int, default=500, help="untimed operations of each kind first")
    parser.add_argument("--binary-dir", type=Path, help="directory holding mongod (default: as mongo-admin resolves)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mongo-admin-bench-") as home:
        started = start_sandbox(Path(home), "bench", shape=SandboxShape.standalone(), binary_dir=args.binary_dir,
                                progress=print)
        try:
            print(f"server: {started.server}, version {started.version}, {started.uri}")
            client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(started.uri)
            try:
                coll = client.bench.docs
                coll.drop()
                payload = {"name": "x" * 40, "n": 0, "tags": ["a", "b"]}
                for i in range(-args.warmup, 0):
                    coll.insert_one({"_id": i, **payload})
                    coll.find_one({"_id": i})
                begin = time.perf_counter()
                for i in range(args.n):
                    coll.insert_one({"_id": i, **payload})
                insert_s = time.perf_counter() - begin
                begin = time.perf_counter()
                for i in range(args.n):
                    if coll.find_one({"_id": i}) is None:
                        raise SystemExit(f"document {i} was inserted but find_one did not return it")
                find_s = time.perf_counter() - begin
            finally:
                client.close()
            print(rate("insert_one", args.n, insert_s, INSERT_TARGET))
            print(rate("find_one by _id", args.n, find_s, FIND_TARGET))
        finally:
            stop_sandbox(Path(home), "bench", purge=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
