"""Replication on a 3-member sandbox replica set: lag under load, failover after kill -9, stepDown handoff.

The set is started the way users start it (mongo_admin's sandbox operation, with whichever binaries it
resolves: real MongoDB if installed, else the mongosim simulator) in a throwaway home, and purged after.

- lag: ``--writers`` threads (default 2) insert at a steady ``--rate`` together (default 1,000/s) for ``--seconds``
  (default 20) with w:1; for
  every 10th document, lag = time from the insert's acknowledgement to the document being readable on each
  secondary (one poller per secondary over a direct connection, reading new documents every 2 ms).
  Target: p99 < 100 ms.
- failover: kill -9 the primary, then measure from the kill to the first successful write (a writer retrying
  through a replica-set connection). With MongoDB's default electionTimeoutMillis 10000 (target <= 12 s) and
  with electionTimeoutMillis 1000 (target <= 3 s); ``--runs`` runs each (default 3), median and max.
- stepdown: replSetStepDown on the primary, then measure to the first successful write on the new primary
  (election handoff). Target <= 2 s.

Run: .venv/bin/python bench/bench_replication.py [--only lag,failover,stepdown] [--rate 1000] [--seconds 20]
     [--runs 3] [--binary-dir DIR]
Prints the results; records nothing (copy the numbers into docs/benchmarks.md by hand).
"""

from __future__ import annotations

import argparse
import functools
import os
import signal
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pymongo
from pymongo.errors import PyMongoError

from mongo_admin.ops.sandbox import SandboxShape, sandbox_status, start_sandbox, stop_sandbox

Client = pymongo.MongoClient[dict[str, Any]]
LAG_P99_TARGET_MS = 100.0
FAILOVER_TARGET_S = {10000: 12.0, 1000: 3.0}
STEPDOWN_TARGET_S = 2.0
STEPDOWN_SECS = 10
SAMPLE_EVERY = 10
POLL_INTERVAL_S = 0.002


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


class SecondaryPoller(threading.Thread):
    """Reads new documents from one secondary as fast as it can and notes when each sampled ``_id`` appears."""

    def __init__(self, host: str, collection: str) -> None:
        super().__init__(daemon=True)
        self.host = host
        self.client: Client = pymongo.MongoClient(f"mongodb://{host}/?directConnection=true",
                                                  readPreference="secondaryPreferred")
        self.coll = self.client.bench[collection]
        self.seen: dict[int, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        # Several writers insert concurrently, so ids may appear out of order: read everything above the highest
        # id below which all have been seen.
        watermark, above = -1, set()
        while not self.stop.is_set():
            for doc in self.coll.find({"_id": {"$gt": watermark}}, {"_id": 1}).sort("_id", 1):
                doc_id = doc["_id"]
                if doc_id not in above:
                    above.add(doc_id)
                    if doc_id % SAMPLE_EVERY == 0:
                        self.seen[doc_id] = time.perf_counter()
            while watermark + 1 in above:
                watermark += 1
                above.discard(watermark)
            # One read every POLL_INTERVAL_S: fine enough against a 100 ms target, and it leaves the CPU to the
            # servers (polling flat out made the pollers the benchmark's biggest load).
            time.sleep(POLL_INTERVAL_S)

    def close(self) -> None:
        self.stop.set()
        self.join(10)
        self.client.close()


def bench_lag(home: Path, name: str, rate: int, seconds: float, writers: int) -> None:
    status = sandbox_status(home, name)
    secondaries = [m.member for m in status.members if m.state == "SECONDARY"]
    collection = f"lag{int(time.time())}"
    pollers = [SecondaryPoller(host, collection) for host in secondaries]
    for poller in pollers:
        poller.start()
    client: Client = pymongo.MongoClient(status.uri, w=1)
    coll = client.bench[collection]
    acked: dict[int, float] = {}
    total = int(rate * seconds)
    begin = time.perf_counter()

    def write(first: int) -> None:
        # Writer ``first`` of ``writers`` inserts _id first, first + writers, ... each at its scheduled time, so
        # together they keep the steady rate one serial writer cannot reach when a round trip exceeds 1/rate.
        for i in range(first, total, writers):
            delay = begin + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            coll.insert_one({"_id": i, "payload": "x" * 64})
            if i % SAMPLE_EVERY == 0:
                acked[i] = time.perf_counter()

    threads = [threading.Thread(target=write, args=(k,), daemon=True) for k in range(writers)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - begin
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(len(p.seen) < len(acked) for p in pollers):
            time.sleep(0.05)
    finally:
        for poller in pollers:
            poller.close()
        client.close()
    print(f"replication lag (w:1 insert acknowledged -> readable on the secondary), target rate {rate:,}/s for "
          f"{seconds:g} s with {writers} writer thread{'s' if writers != 1 else ''}: {total:,} inserts in "
          f"{elapsed:.1f} s = {total / elapsed:,.0f}/s")
    everything: list[float] = []
    for poller in pollers:
        lags = [max(0.0, poller.seen[i] - acked[i]) * 1000 for i in acked if i in poller.seen]
        missing = len(acked) - len(lags)
        everything += lags
        print(f"  {poller.host}: {len(lags)} samples{f' ({missing} never seen)' if missing else ''}; "
              f"p50 {percentile(lags, 0.5):.1f} ms, p95 {percentile(lags, 0.95):.1f} ms, "
              f"p99 {percentile(lags, 0.99):.1f} ms, max {max(lags):.1f} ms")
    p99 = percentile(everything, 0.99)
    print(f"  both secondaries: p50 {percentile(everything, 0.5):.1f} ms, p95 {percentile(everything, 0.95):.1f} ms, "
          f"p99 {p99:.1f} ms, max {max(everything):.1f} ms ({verdict(p99 < LAG_P99_TARGET_MS)} target p99 < "
          f"{LAG_P99_TARGET_MS:g} ms)")


def first_write_after(client: Client, event: Callable[[], Any], old_primary: str) -> float:
    """Seconds from ``event()`` to the first insert the set acknowledges, retrying through server selection; the
    write must have gone to a new primary (the server that acknowledged it is checked afterwards)."""
    coll = client.bench.failover
    begin = time.perf_counter()
    event()
    while True:
        try:
            coll.insert_one({"at": time.time()})
            took = time.perf_counter() - begin
            break
        except PyMongoError:
            continue
    host, port = client.primary or ("?", 0)
    if f"{host}:{port}" == old_primary:
        raise SystemExit(f"the old primary {old_primary} acknowledged a write after it should have stopped being one")
    return took


def writer_client(uri: str) -> Client:
    # One attempt per insert (no retryable writes): the loop retries; 500 ms is pymongo's fastest monitor check.
    return pymongo.MongoClient(uri, w=1, retryWrites=False, serverSelectionTimeoutMS=30000,
                               heartbeatFrequencyMS=500, socketTimeoutMS=5000, connectTimeoutMS=2000)


def bench_failover(home: Path, name: str, runs: int, election_timeout_ms: int) -> None:
    times: list[float] = []
    for _ in range(runs):
        status = sandbox_status(home, name)
        primary = next(m for m in status.members if m.state == "PRIMARY")
        client = writer_client(status.uri)
        try:
            client.bench.failover.insert_one({"warm": True})
            assert primary.pid is not None
            kill = functools.partial(os.kill, primary.pid, signal.SIGKILL)
            times.append(first_write_after(client, kill, primary.member))
        finally:
            client.close()
        start_sandbox(home, name)  # brings the killed member back and waits for a healthy set
    target = FAILOVER_TARGET_S[election_timeout_ms]
    print(f"failover (kill -9 primary -> first successful write), electionTimeoutMillis {election_timeout_ms}: "
          f"runs {', '.join(f'{t:.2f}' for t in times)} s; median {statistics.median(times):.2f} s, max "
          f"{max(times):.2f} s ({verdict(max(times) <= target)} target <= {target:g} s)")


def bench_stepdown(home: Path, name: str, runs: int) -> None:
    times: list[float] = []
    for run in range(runs):
        if run:
            # A stepped-down primary may not stand for STEPDOWN_SECS; were it chosen for the handoff, the set would
            # wait for an election timeout instead. Every run starts with all secondaries electable again.
            time.sleep(STEPDOWN_SECS)
        status = sandbox_status(home, name)
        client = writer_client(status.uri)
        try:
            client.bench.failover.insert_one({"warm": True})
            assert status.primary is not None
            step_down = functools.partial(client.admin.command,
                                          {"replSetStepDown": STEPDOWN_SECS, "secondaryCatchUpPeriodSecs": 5})
            times.append(first_write_after(client, step_down, status.primary))
        finally:
            client.close()
        start_sandbox(home, name)  # waits until every member is healthy again
    print(f"stepDown handoff (replSetStepDown -> first successful write on the new primary): runs "
          f"{', '.join(f'{t:.2f}' for t in times)} s; median {statistics.median(times):.2f} s, max {max(times):.2f} s "
          f"({verdict(max(times) <= STEPDOWN_TARGET_S)} target <= {STEPDOWN_TARGET_S:g} s)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="lag,failover,stepdown", help="comma-separated: lag, failover, stepdown")
    parser.add_argument("--rate", type=int, default=1000, help="lag: inserts per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="lag: how long the writer runs")
    parser.add_argument("--writers", type=int, default=2, help="lag: writer threads sharing the steady rate")
    parser.add_argument("--runs", type=int, default=3, help="failover and stepdown: runs of each")
    parser.add_argument("--binary-dir", type=Path, help="directory holding mongod (default: as mongo-admin resolves)")
    args = parser.parse_args()
    wanted = set(args.only.split(","))
    with tempfile.TemporaryDirectory(prefix="mongo-admin-bench-") as tmp:
        home = Path(tmp)
        try:
            started = start_sandbox(home, "bench", shape=SandboxShape(), binary_dir=args.binary_dir, progress=print)
            print(f"server: {started.server}, version {started.version}, {started.uri}")
            if "lag" in wanted:
                bench_lag(home, "bench", args.rate, args.seconds, args.writers)
            if "stepdown" in wanted:
                bench_stepdown(home, "bench", args.runs)
            if "failover" in wanted:
                bench_failover(home, "bench", args.runs, 10000)
                stop_sandbox(home, "bench", purge=True)
                start_sandbox(home, "fast", shape=SandboxShape(settings={"electionTimeoutMillis": 1000}),
                              binary_dir=args.binary_dir, progress=print)
                bench_failover(home, "fast", args.runs, 1000)
        finally:
            for each in ("bench", "fast"):
                if (home / "sandbox" / each / "state.json").exists():
                    stop_sandbox(home, each, purge=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
