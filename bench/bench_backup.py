"""Backup benchmarks: full-backup throughput with 1 and 2 shards, and a backup's impact on foreground load.

Two sandbox clusters are deployed with `mongo-admin cluster deploy` in a throwaway home (1-member config servers,
1-member shards so each shard is read from its only member, one router, access control on): one with one shard,
one with two. Each gets ``--docs`` documents of about 1 KB per shard in a hashed-sharded collection.

- throughput: a full backup of each (gzip), MB/s of raw BSON read and documents/s; the ratio of the two-shard to
  the one-shard rate shows the parallelism per shard (target >= 1.8 x).
- restore: that backup restored into the same cluster, MB/s and documents/s (target >= 0.5 x the backup's rate).
- pitr: for each of ``--pitr-entries`` (oplog volumes), a base backup, that many inserts, slicing until the
  recovery point passes the last one (how long slicing takes to catch up), and a point-in-time restore to just
  after it: restore time against the oplog volume replayed.
- impact: on the two-shard cluster, a mixed load (one client thread: 50 % inserts, 50 % finds by _id through the
  router) for ``--seconds`` alone, then for as long as one full backup runs, unthrottled and then read at
  ``--rate-limit`` MB/s; the drop in operations/s, measured in one run (target <= 5 %).

Run: .venv/bin/python bench/bench_backup.py [--docs 20000] [--seconds 10] [--rate-limit 2] [--only ...]
Prints the results; records nothing (copy the numbers into docs/benchmarks.md by hand).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the test harness lives in tests/support

from tests.support.simproc import free_port_block

from mongo_admin.ops.backup.engine import BackupOptions, create_backup
from mongo_admin.ops.cluster.access import ClusterAccess
from mongo_admin.ops.cluster.deploy import DeployOptions, deploy
from mongo_admin.ops.cluster.lifecycle import destroy_cluster
from mongo_admin.ops.cluster.state import open_cluster
from mongo_admin.spec.load import parse_spec

SPEC = """\
name: {name}
topology:
  config_servers: {{members: 1}}
  shards: {shards}
  routers: 1
ports: {{base: {base}}}
"""
SCALING_TARGET = 1.8
IMPACT_TARGET = 0.05
PAD = "p" * 1000
PITR_SPEC = "backup: {pitr: {enabled: true, slice_seconds: 5}}\n"


def verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def router(home: Path, name: str) -> Any:
    paths, record = open_cluster(name, home)
    return ClusterAccess(paths, record).router_client(timeout_s=60.0)


def make_cluster(home: Path, name: str, shards: int, docs: int) -> None:
    text = SPEC.format(name=name, shards=[{"members": 1}] * shards, base=free_port_block(10)) + PITR_SPEC
    deploy(parse_spec(text.replace("'", "")), text, DeployOptions(home=home))
    with router(home, name) as client:
        client.admin.command("enableSharding", "bench")
        client.admin.command("shardCollection", "bench.items", key={"_id": "hashed"})
        total = docs * shards
        for start in range(0, total, 2000):
            client.bench.items.insert_many([{"_id": i, "pad": PAD} for i in range(start, min(total, start + 2000))])


def throughput(home: Path, name: str) -> tuple[float, float, float]:
    began = time.perf_counter()
    result = create_backup(name, BackupOptions(home=home))
    took = time.perf_counter() - began
    paths, record = open_cluster(name, home)
    raw = 0
    from mongo_admin.ops.backup.engine import storage_for
    from mongo_admin.ops.backup.manifest import read_manifest

    manifest = read_manifest(storage_for(paths, record), name, result.backup_id)
    assert manifest is not None
    raw = sum(f.raw_size or 0 for rs in manifest.replica_sets for f in rs.files if f.kind == "data")
    return took, raw / 2**20 / took, result.documents / took


def load_rate(home: Path, name: str, seconds: float, rate_limit: float | None = None,
              during_backup: bool = False) -> tuple[float, float]:
    """Mixed-load operations/s for ``seconds`` alone, or for as long as one full backup runs (read at
    ``rate_limit`` MB/s); and the time measured."""
    finished = threading.Event()

    def one_backup() -> None:
        try:
            create_backup(name, BackupOptions(home=home, rate_limit_mb_s=rate_limit))
        finally:
            finished.set()

    with router(home, name) as client:
        coll = client.bench.load
        coll.replace_one({"_id": -1}, {"_id": -1}, upsert=True)
        worker = threading.Thread(target=one_backup, daemon=True) if during_backup else None
        done = 0
        began = time.perf_counter()
        if worker is not None:
            worker.start()
        while not finished.is_set() if worker is not None else time.perf_counter() - began < seconds:
            coll.insert_one({"n": done, "pad": PAD[:100]})
            coll.find_one({"_id": -1})
            done += 2
        took = time.perf_counter() - began
    if worker is not None:
        worker.join()
    return done / took, took


def restore_rate(home: Path, name: str) -> tuple[float, float, float, float]:
    """A full backup of ``name``, then its restore into the same cluster: seconds, MB/s and documents/s of the
    restore, and the backup's MB/s for the ratio."""
    from mongo_admin.ops.restore.engine import RestoreOptions, restore_cluster

    _, backup_mb_s, _ = throughput(home, name)
    from mongo_admin.ops.backup.catalog import list_backups

    newest = list_backups(name, home).backups[-1]
    began = time.perf_counter()
    result = restore_cluster(name, newest.backup_id, RestoreOptions(home=home))
    spent = time.perf_counter() - began
    return spent, result.bytes / 2**20 / spent, result.documents / spent, backup_mb_s


def pitr(home: Path, name: str, entries: list[int]) -> None:
    """Point-in-time restore time against the oplog volume replayed: a base backup, ``n`` writes sliced, then a
    restore to just after the last of them."""
    import datetime as dt

    from mongo_admin.ops.backup.pitr import PitrOptions, slice_once
    from mongo_admin.ops.restore.engine import RestoreOptions, restore_cluster

    for count in entries:
        base = create_backup(name, BackupOptions(home=home))
        with router(home, name) as client:
            coll = client.bench.pitr
            for start in range(0, count, 500):
                coll.insert_many([{"n": i} for i in range(start, min(count, start + 500))], ordered=False)
            acked = time.time()
        sliced = time.perf_counter()
        lag = None
        moment = dt.datetime.fromtimestamp(acked + 0.5, dt.UTC)
        while True:  # until the slices cover the last write, and then the second after the restore point
            result = slice_once(name, PitrOptions(home=home))
            reached = result.recovery_point.time.timestamp() if result.recovery_point else 0.0
            if lag is None and reached >= acked:
                lag = time.perf_counter() - sliced
            if reached >= moment.timestamp() + 1:
                break
            time.sleep(0.2)
        began = time.perf_counter()
        done = restore_cluster(name, base.backup_id, RestoreOptions(home=home, point_in_time=moment))
        spent = time.perf_counter() - began
        print(f"point-in-time restore over {count:,} sliced inserts: {spent:.2f} s ({done.oplog_applied:,} oplog "
              f"entries replayed, {done.oplog_applied / spent:,.0f}/s); slices covered the last write "
              f"{lag or 0:.2f} s after it was acknowledged")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20_000, help="documents of ~1 KB per shard")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of the load measured alone")
    parser.add_argument("--rate-limit", type=float, default=2.0, help="MB/s of the throttled backup")
    parser.add_argument("--only", default="throughput,impact,restore,pitr", help="comma-separated parts to run")
    parser.add_argument("--pitr-entries", default="1000,5000,20000", help="oplog volumes for the PITR restore")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mongo-admin-bench-") as tmp:
        home = Path(tmp)
        os.environ["MONGO_ADMIN_HOME"] = tmp
        wanted = set(args.only.split(","))
        try:
            make_cluster(home, "one", 1, args.docs)
            make_cluster(home, "two", 2, args.docs)
            if "throughput" in wanted:
                one = throughput(home, "one")
                two = throughput(home, "two")
                for label, (took, mb_s, docs_s) in (("1 shard", one), ("2 shards", two)):
                    print(f"full backup, {label}: {took:.2f} s, {mb_s:.1f} MB/s of BSON, {docs_s:,.0f} documents/s")
                scaling = two[1] / one[1]
                print(f"2 shards vs 1 shard: {scaling:.2f} x the throughput ({verdict(scaling >= SCALING_TARGET)} "
                      f"target >= {SCALING_TARGET} x)")
            if "restore" in wanted:
                spent, mb_s, docs_s, backup_mb_s = restore_rate(home, "two")
                ratio = mb_s / backup_mb_s
                print(f"full restore, 2 shards: {spent:.2f} s, {mb_s:.1f} MB/s, {docs_s:,.0f} documents/s: "
                      f"{ratio:.2f} x the backup's rate ({verdict(ratio >= 0.5)} target >= 0.5 x)")
            if "pitr" in wanted:
                pitr(home, "two", [int(n) for n in args.pitr_entries.split(",")])
            for limit in ((None, args.rate_limit) if "impact" in wanted else ()):
                quiet, _ = load_rate(home, "two", args.seconds)
                busy, took = load_rate(home, "two", args.seconds, limit, during_backup=True)
                impact = 1 - busy / quiet
                how = f"read at {limit:g} MB/s" if limit else "unthrottled"
                print(f"foreground load: {quiet:,.0f} ops/s alone, {busy:,.0f} ops/s during a full backup ({how}, "
                      f"{took:.1f} s): impact {impact:.1%} ({verdict(impact <= IMPACT_TARGET)} target <= "
                      f"{IMPACT_TARGET:.0%})")
        finally:
            for name in ("one", "two"):
                try:
                    destroy_cluster(name, home)
                except Exception as exc:  # a cluster that never came up has nothing to destroy
                    print(f"(destroy {name}: {exc})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
