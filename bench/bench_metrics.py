"""Metrics collection benchmark: CPU the collector process uses to poll N nodes every 10 s.

The issue's target: 200 nodes every 10 s using at most 10 % of one core. Deploying 200 simulator processes on one
machine is not practical, so this approximates it honestly: one small sandbox cluster is deployed (1-member
config servers, two 1-member shards, one router: four processes, access control on) and the collector is given
``--nodes`` targets made by repeating those four nodes under distinct ids. Each target gets its own client
(connection, SCRAM authentication, monitoring threads), its own ``serverStatus``, ``replSetGetStatus``,
``listDatabases`` and disk reading, exactly as a distinct node would; the servers answering are fewer and so
busier than 200 real ones, which makes rounds slower, not cheaper for the collector. What is measured is the
collector's side only: ``time.process_time()`` of this process (every thread, pymongo's monitors included) over
``--rounds`` rounds spaced ``--interval`` seconds apart, divided by the wall time. The first round (connecting
and authenticating every client) is reported apart: it happens once per poller, not every interval.

``--store`` also writes every round to a SQLite platform database (and prunes it), as the poller does.

Run: .venv/bin/python bench/bench_metrics.py [--nodes 200] [--rounds 6] [--interval 10] [--store]
Prints the results; records nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the test harness lives in tests/support

from tests.support.clusters import deployed_cluster
from tests.support.simproc import free_port_block

from mongo_admin.db.base import Base, make_engine, session_factory
from mongo_admin.metrics.collector import Collector
from mongo_admin.metrics.models import MetricRound, MetricSample
from mongo_admin.metrics.sources import DeployedSource
from mongo_admin.metrics.store import Retention, prune, write_sample
from mongo_admin.ops.cluster.access import ClusterAccess
from mongo_admin.ops.cluster.state import open_cluster

SPEC = """\
name: benchmx
topology:
  config_servers: {{members: 1}}
  shards: [{{members: 1}}, {{members: 1}}]
  routers: 1
ports: {{base: {base}}}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--interval", type=float, default=10.0)
    parser.add_argument("--store", action="store_true", help="write every round to a SQLite platform database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-metrics-") as tmp:
        home = Path(tmp)
        text = SPEC.format(base=free_port_block(10))
        with deployed_cluster(text, home):
            run(home, args)


def run(home: Path, args: argparse.Namespace) -> None:
    paths, record = open_cluster("benchmx", home)
    access = ClusterAccess(paths, record)
    real = record.layout.nodes
    targets = [real[i % len(real)].model_copy(update={"id": f"{real[i % len(real)].id}#{i}"})
               for i in range(args.nodes)]
    sessions = None
    if args.store:
        engine = make_engine(f"sqlite:///{home / 'platform.db'}")
        Base.metadata.create_all(engine, tables=[MetricRound.__table__, MetricSample.__table__])
        sessions = session_factory(engine)
    with Collector(DeployedSource(access, targets), node_timeout_s=5.0) as collector:
        cpu0, wall0 = time.process_time(), time.monotonic()
        first = collector.collect()
        print(f"first round (connect + authenticate {args.nodes} clients): {first.duration_s:.2f} s wall, "
              f"{time.process_time() - cpu0:.2f} s CPU, {len(first.gaps)} gaps")
        next_at = wall0 + args.interval
        time.sleep(max(0.0, next_at - time.monotonic()))
        cpu_start, wall_start = time.process_time(), time.monotonic()
        durations, gaps, rows = [], 0, 0
        for index in range(args.rounds):
            sample = collector.collect()
            durations.append(sample.duration_s)
            gaps += len(sample.gaps)
            rows += sum(1 + len(n.values) for n in sample.nodes)
            if sessions is not None:
                with sessions() as session:
                    write_sample(session, sample)
                    prune(session, sample.cluster, Retention(), sample.taken_at)
                    session.commit()
            next_at += args.interval
            if index < args.rounds - 1:
                time.sleep(max(0.0, next_at - time.monotonic()))
        # The measured window ends one interval after the last round started, as a poller's would.
        time.sleep(max(0.0, next_at - time.monotonic()))
        cpu, wall = time.process_time() - cpu_start, time.monotonic() - wall_start
    print(f"nodes {args.nodes} (the {len(real)} processes of one sandbox cluster, each polled "
          f"{args.nodes / len(real):.0f} times), rounds {args.rounds}, interval {args.interval:g} s"
          f"{', stored in SQLite' if args.store else ''}")
    print(f"round wall time: mean {sum(durations) / len(durations):.2f} s, max {max(durations):.2f} s; "
          f"gaps {gaps}; values per round {rows // args.rounds}")
    print(f"CPU: {cpu:.2f} s over {wall:.1f} s = {cpu / wall * 100:.1f} % of one core "
          f"({cpu / args.rounds * 1000 / args.nodes:.2f} ms per node per round); target <= 10 %")


if __name__ == "__main__":
    main()
