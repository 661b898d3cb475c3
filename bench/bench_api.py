"""API read latency benchmark: p50 / p95 / p99 / max, throughput and errors of the four reads an operator's
dashboard makes most — cluster list, cluster detail with topology, one metric's time series, job list — with 10
registered clusters of 20 nodes each, under 50 concurrent clients. Targets: p95 <= 100 ms for these reads (the
product spec allows 2 s); metrics collection for 200 nodes every 10 s using <= 10 % of one core.

What runs, all on this machine, in a throwaway directory:

- one sandbox cluster deployed by mongo-admin (``ops.cluster.deploy``, as ``cluster deploy`` does): a 3-member
  config server replica set, five 3-member shards and two routers — 20 simulator processes, access control on;
- the platform database (SQLite), migrated and given its admin user with the CLI (``mongo-admin api migrate``,
  ``api create-admin``), then ``--jobs`` jobs run to their end by a ``JobRunner`` (a tenth of them failing, each
  with progress and a log line), as the job list's history;
- the API, served by ``mongo-admin api serve`` (uvicorn, one process) with its background on: job workers,
  scheduler, and a poller per registered cluster every 10 s (``MONGO_ADMIN_METRICS_INTERVAL_S``);
- ``--clusters`` clusters registered through the API by connection string (the routers' URI and the cluster
  administrator's credentials, stored encrypted), so their pollers discover, read and poll them as they would a
  remote cluster;
- the load: ``wrk`` (Debian package ``wrk``: ``apt-get install wrk``), ``--connections`` connections on two
  threads, in its own process, for ``--duration`` seconds per read and mode, with a Lua script that rotates over
  the read's paths (every cluster; for series, nodes and metrics too) and reports percentiles, requests and
  errors (socket errors and non-2xx answers). Latencies are wrk's: from sending a request to its last byte. Two
  modes: ``closed`` — each connection sends its next request as soon as the previous answer arrives (the server
  saturated: latency is then the number of clients divided by the throughput); ``paced`` — each connection waits
  a random 0 to 2 x ``--think-ms`` (1 s on average) before each request, as a dashboard user would.

What is approximated, and how:

- 200 nodes: the clusters registered are the one deployed cluster registered ``--clusters`` times under different
  names. Each registration is a real registered cluster for the API: its own poller, its own client per node
  (connection, SCRAM authentication, monitoring), its own topology reading and ``serverStatus``,
  ``replSetGetStatus`` and ``listDatabases`` per node every 10 s, its own rows. The 200 node entries are answered
  by 20 processes, each polled ``--clusters`` times as often as one node of a real estate of 200 would be.
- An hour of history: before the server starts, ``--history`` rounds are collected from the cluster back to back
  by the same collector the pollers use (genuine readings), and stored for every registered name with their
  times moved onto a 10 s grid ending now. Counters still only grow and uptimes never go down, so the series
  reader computes real rates (of a quiet cluster) with no gaps. The pollers keep adding rounds while the load
  runs.

Also measured: the API process's CPU while idle (pollers only) over ``--idle`` seconds, i.e. the cost of
collecting 200 nodes every 10 s inside the API server, topology readings included; and its CPU during each run.

Run: .venv/bin/python bench/bench_api.py [--duration 30] [--connections 50] [--clusters 10] [--jobs 5000]
Prints the results; records nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the test harness lives in tests/support

import psutil
from tests.support.clusters import deployed_cluster
from tests.support.simproc import free_port_block, wait_until

from mongo_admin.db.base import make_engine, session_factory
from mongo_admin.jobs.runner import JobContext, JobRunner
from mongo_admin.metrics.collector import ClusterSample, Collector
from mongo_admin.metrics.sources import RegisteredSource
from mongo_admin.metrics.store import write_sample
from mongo_admin.ops.cluster.remote import RemoteCluster
from mongo_admin.ops.cluster.secrets import read_admin_credentials
from mongo_admin.ops.cluster.state import open_cluster
from platform_server import ADMIN, cpu_model, create_platform, database_url, login, platform_env, request, serving

CLUSTER = "benchapi"
SPEC = """\
name: benchapi
topology:
  config_servers: {{members: 3}}
  shards: [{{members: 3}}, {{members: 3}}, {{members: 3}}, {{members: 3}}, {{members: 3}}]
  routers: 2
ports: {{base: {base}}}
"""
INTERVAL_S = 10.0
# Nodes and metrics the series run rotates over: a router, a config server, shard primaries and secondaries;
# one gauge and one counter (read back as a rate).
SERIES_NODES = ("router-0", "cfg-0", "shard0-0", "shard2-1", "shard4-2")
SERIES_METRICS = ("connections.current", "opcounters.command")
WRK_SCRIPT = """\
local token = os.getenv("BENCH_TOKEN")
local think = tonumber(os.getenv("BENCH_THINK_MS"))
local paths = {}
local counter = 0

if think > 0 then
  function delay()
    return math.random(0, 2 * think)
  end
end

function init(args)
  for _, path in ipairs(args) do paths[#paths + 1] = path end
  counter = math.random(#paths)
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1], {["Authorization"] = "Bearer " .. token})
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCH_RESULT {"requests": %d, "duration_us": %d, "errors": %d, "non_2xx": %d, '
    .. '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, latency.mean))
end
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=30, help="seconds of load per read")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--clusters", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--history", type=int, default=360, help="stored rounds per cluster (360: an hour)")
    parser.add_argument("--idle", type=float, default=60.0, help="seconds the idle server's CPU is measured")
    parser.add_argument("--think-ms", type=int, default=1000, help="mean wait between a paced client's requests")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        home = Path(tmp)
        text = SPEC.format(base=free_port_block(30))
        started = time.monotonic()
        with deployed_cluster(text, home):
            print(f"deployed {CLUSTER} (20 processes) in {time.monotonic() - started:.1f} s")
            run(home, args)


def run(home: Path, args: argparse.Namespace) -> None:
    paths, record = open_cluster(CLUSTER, home)
    admin = read_admin_credentials(paths.admin_credentials)
    uri = record.layout.router_uri()
    names = [f"bench-{index:02d}" for index in range(args.clusters)]
    env = platform_env(home, metrics_interval_s=str(INTERVAL_S), access_token_minutes="240")
    password = create_platform(home, env)
    sessions = session_factory(make_engine(database_url(home)))
    started = time.monotonic()
    record_jobs(sessions, names, args.jobs)
    print(f"recorded {args.jobs} finished jobs in {time.monotonic() - started:.1f} s")
    started = time.monotonic()
    rows = store_history(sessions, uri, admin.user, admin.password, admin.source, names, args.history)
    print(f"stored {args.history} collected rounds x {len(names)} clusters ({rows} values) in "
          f"{time.monotonic() - started:.1f} s")

    with serving(env) as (base, pid):
        token = login(base, password)
        for name in names:
            status, body = request(base, "/api/v1/clusters", token, {"name": name, "connection_string": uri,
                                                                    "username": admin.user,
                                                                    "password": admin.password,
                                                                    "auth_source": admin.source})
            assert status == 201, body
        wait_until(lambda: all(polled(base, token, name) for name in names),
                   "see every registered cluster's first poller round", 120, 0.5)
        measure(base, token, names, pid, home, args)


def record_jobs(sessions: Any, names: list[str], count: int) -> None:
    """``count`` jobs run to their end by a JobRunner (every tenth one fails), spread over the clusters."""
    def job(number: int) -> Callable[[JobContext], dict[str, Any]]:
        def run(ctx: JobContext) -> dict[str, Any]:
            ctx.progress(50.0, "work", f"bench job {number} halfway")
            if number % 10 == 9:
                raise RuntimeError(f"bench job {number} failed on purpose")
            return {"number": number}
        return run

    runner = JobRunner(sessions, workers=4)
    runner.start()
    try:
        submitted = [runner.submit("bench", names[number % len(names)], None, job(number), params={"n": number},
                                   requested_by=ADMIN) for number in range(count)]
        for info in submitted:
            runner.wait(info.id, 600)
    finally:
        runner.stop()


def store_history(sessions: Any, uri: str, user: str, password: str, source: str, names: list[str],
                  rounds: int) -> int:
    """``rounds`` rounds collected back to back from the cluster, stored under every name on a 10 s grid ending
    now; how many values were stored."""
    registered = RegisteredSource(CLUSTER, RemoteCluster(uri, username=user, password=password, auth_source=source))
    registered.read_topology()
    collected: list[ClusterSample] = []
    with Collector(registered) as collector:
        for _ in range(rounds):
            sample = collector.collect()
            assert not sample.gaps, sample.gaps
            collected.append(sample)
    now = dt.datetime.now(dt.UTC)
    values = 0
    for name in names:
        with sessions() as session:
            for index, sample in enumerate(collected):
                at = now - dt.timedelta(seconds=INTERVAL_S * (rounds - index))
                write_sample(session, dataclasses.replace(sample, cluster=name, taken_at=at))
                values += sum(1 + len(node.values) for node in sample.nodes)
            session.commit()
    return values


def polled(base: str, token: str, name: str) -> bool:
    detail = request(base, f"/api/v1/clusters/{name}", token)[1]
    latest = request(base, f"/api/v1/clusters/{name}/metrics/latest", token)[1]
    return (isinstance(detail, dict) and detail.get("stale") is True and detail.get("status") == "healthy"
            and isinstance(latest, dict) and len(latest.get("nodes", [])) == 20)


def measure(base: str, token: str, names: list[str], pid: int, home: Path, args: argparse.Namespace) -> None:
    process = psutil.Process(pid)
    cpu0, wall0 = sum(process.cpu_times()[:2]), time.monotonic()
    time.sleep(args.idle)
    idle = (sum(process.cpu_times()[:2]) - cpu0) / (time.monotonic() - wall0)
    series = [f"/api/v1/clusters/{name}/metrics/series?node={node}&metric={metric}&step=60"
              for name in names for node in SERIES_NODES for metric in SERIES_METRICS]
    reads = {
        "cluster list": ["/api/v1/clusters"],
        "cluster detail": [f"/api/v1/clusters/{name}" for name in names],
        "metrics series (1 h, 60 s step)": series,
        "job list (50 newest)": ["/api/v1/jobs"],
    }
    reads["all four, mixed"] = [path for paths in reads.values() for path in paths[:len(names)]]
    # The hour read back is on a 60 s grid: every step the stored history covers has a value.
    check(base, token, reads, min(60, int(args.history * INTERVAL_S // 60)) - 1)
    script = home / "bench.lua"
    script.write_text(WRK_SCRIPT)
    print(f"\nmachine: {os.cpu_count()} CPU(s), {cpu_model()}; API server pid {pid}")
    print(f"idle API server (pollers of {len(names)} clusters x 20 nodes every {INTERVAL_S:g} s, topology "
          f"readings included): {idle * 100:.1f} % of one core over {args.idle:g} s; target <= 10 %")
    print(f"load: wrk, {args.connections} connections, 2 threads, {args.duration} s per read and mode; paced: "
          f"0-{2 * args.think_ms} ms between a connection's requests\n")
    print(f"{'read':34} {'mode':6} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} "
          f"{'errors':>6} {'server CPU':>10}")
    for read, paths in reads.items():
        for mode, think_ms in (("closed", 0), ("paced", args.think_ms)):
            cpu0, wall0 = sum(process.cpu_times()[:2]), time.monotonic()
            result = wrk(base, paths, token, script, args, think_ms)
            server_cpu = (sum(process.cpu_times()[:2]) - cpu0) / (time.monotonic() - wall0)
            rate = result["requests"] / (result["duration_us"] / 1e6)
            print(f"{read:34} {mode:6} {rate:7.0f} {result['p50_us'] / 1000:7.1f} {result['p95_us'] / 1000:7.1f} "
                  f"{result['p99_us'] / 1000:7.1f} {result['max_us'] / 1000:7.1f} "
                  f"{result['errors'] + result['non_2xx']:6d} {server_cpu * 100:9.0f}%")


def check(base: str, token: str, reads: dict[str, list[str]], points: int) -> None:
    """Every path answers 200 with what the read is for (a series at least ``points`` values), before any load."""
    for paths in reads.values():
        for path in paths:
            status, body = request(base, path, token)
            assert status == 200, (path, body)
            if "/metrics/series" in path:
                assert sum(point["value"] is not None for point in body["points"]) >= points, (path, body)
            elif path == "/api/v1/jobs":
                assert body["count"] >= 1 and len(body["data"]) == 50, body["count"]


def wrk(base: str, paths: list[str], token: str, script: Path, args: argparse.Namespace,
        think_ms: int) -> dict[str, Any]:
    completed = subprocess.run(["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}s", "--timeout", "10s",
                                "-s", str(script), base, "--", *paths],
                               env={**os.environ, "BENCH_TOKEN": token, "BENCH_THINK_MS": str(think_ms)},
                               capture_output=True, text=True, check=True)
    line = next(line for line in completed.stdout.splitlines() if line.startswith("BENCH_RESULT "))
    result: dict[str, Any] = json.loads(line.removeprefix("BENCH_RESULT "))
    return result


if __name__ == "__main__":
    main()
