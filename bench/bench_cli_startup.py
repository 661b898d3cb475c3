"""How long ``mongo-admin --help`` takes, wall clock, median of N runs (target: <= 0.3 s).

Run: .venv/bin/python bench/bench_cli_startup.py [--runs 20]
Prints the result; records nothing (copy the numbers into docs/benchmarks.md by hand).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_S = 0.3


def mongo_admin_executable() -> str:
    beside_python = Path(sys.executable).parent / "mongo-admin"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("mongo-admin")
    if found is None:
        raise SystemExit("mongo-admin is not installed: run tools/bootstrap.sh")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="timed runs (after one untimed warm-up)")
    args = parser.parse_args()
    argv = [mongo_admin_executable(), "--help"]
    # One untimed run so the page cache holds the interpreter and packages, as for a user's second call.
    subprocess.run(argv, check=True, capture_output=True)
    times: list[float] = []
    for _ in range(args.runs):
        started = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    verdict = "meets" if median <= TARGET_S else "MISSES"
    print(f"mongo-admin --help: median {median:.3f} s, min {min(times):.3f} s, max {max(times):.3f} s "
          f"over {args.runs} runs ({verdict} target <= {TARGET_S} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
