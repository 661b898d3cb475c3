"""Sharded-cluster benchmarks on the mongosim simulator: routing overhead, migration speed, balancer time.

A cluster of 1-member replica sets (config server, two shards) and one mongos is started with the test
suite's harness (tests/support/sharded.py; the product's sharded deploy command comes with the deploy issue)
in a throwaway directory, next to a plain 1-member replica set used as the unrouted baseline.

- routing: ``-n`` single-document ``insert_one`` calls, then ``-n`` ``find_one({k: ...})`` calls (shard key
  equality, so targeted at one shard), through mongos into a collection sharded on ``{k: 1}`` with a chunk on
  each shard, and the same calls directly to the replica set primary (collection indexed on ``k``), in one run.
  Overhead = 1 - routed rate / direct rate. Target: <= 30 % for both.
- migration: ``--docs`` small documents (default 50,000) in one chunk, moved with moveChunk (waiting for the
  donor's range deletion not included: ``_waitForDelete`` false); documents/s and MB/s of BSON moved.
  Target: >= 10,000 documents/s.
- balancer: chunksize 1 MB, ``--balancer-mb`` MB (default 8) spread over two shards, a third shard added and
  the balancer started; time until shards differ by less than 3 x the chunk size (MongoDB 8.0's balanced
  state).

- floor: the same ``insert_one`` calls through a do-nothing asyncio proxy (bytes forwarded unparsed, own
  process) in front of the baseline primary: what one more network hop costs on this machine before any routing.

Run: .venv/bin/python bench/bench_sharding.py [--only routing,floor,migration,balancer] [-n 3000] [--docs 50000]
Prints the results; records nothing (copy the numbers into docs/benchmarks.md by hand).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import bson
import pymongo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the test harness lives in tests/support

from tests.support.replset import ReplSet
from tests.support.sharded import ShardedCluster

Client = pymongo.MongoClient[dict[str, Any]]
OVERHEAD_TARGET = 0.30
MIGRATION_TARGET = 10_000
MB = 1024 * 1024
PAYLOAD = {"name": "x" * 40, "n": 0, "tags": ["a", "b"]}


def verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def timed_rate(count: int, work: Any) -> float:
    begin = time.perf_counter()
    work()
    return count / (time.perf_counter() - begin)


def bench_routing(cluster: ShardedCluster, direct: Client, n: int) -> None:
    router = cluster.router_client()
    router.admin.command("enableSharding", "bench", primaryShard="shard0")
    router.admin.command("shardCollection", "bench.routed", key={"k": 1})
    router.admin.command("split", "bench.routed", middle={"k": n // 2})
    router.admin.command("moveChunk", "bench.routed", find={"k": n}, to="shard1")
    routed = router.bench.routed
    plain = direct.bench.plain
    plain.create_index("k")
    warm = 200
    for coll in (routed, plain):
        for i in range(-warm, 0):
            coll.insert_one({"k": i, **PAYLOAD})
            coll.find_one({"k": i})

    def inserts(coll: Any) -> Any:
        return lambda: [coll.insert_one({"k": i, **PAYLOAD}) for i in range(n)]

    def finds(coll: Any) -> Any:
        def run() -> None:
            for i in range(n):
                if coll.find_one({"k": i}) is None:
                    raise SystemExit(f"document k={i} was inserted but find_one did not return it")
        return run

    results: dict[str, tuple[float, float]] = {}
    results["insert_one"] = (timed_rate(n, inserts(routed)), timed_rate(n, inserts(plain)))
    results["find_one by shard key"] = (timed_rate(n, finds(routed)), timed_rate(n, finds(plain)))
    print(f"routing ({n:,} operations each, one at a time; routed collection has a chunk on each of 2 shards):")
    for label, (through_mongos, to_primary) in results.items():
        overhead = 1 - through_mongos / to_primary
        print(f"  {label}: through mongos {through_mongos:,.0f}/s, direct to the primary {to_primary:,.0f}/s, "
              f"overhead {overhead:.0%} ({verdict(overhead <= OVERHEAD_TARGET)} target <= "
              f"{OVERHEAD_TARGET:.0%})")


class _Forward(asyncio.Protocol):
    """One side of a do-nothing proxy: every byte received is written to the other side."""

    def __init__(self, peer: asyncio.Transport | None = None) -> None:
        self.peer = peer
        self.transport: asyncio.Transport | None = None
        self.early: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        if self.peer is None:
            self.early.append(data)
        else:
            self.peer.write(data)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.peer is not None:
            self.peer.close()


def _run_proxy(target_port: int, ready: Any) -> None:
    """Listen on a free port and forward each connection to ``target_port`` byte for byte (no parsing)."""

    pending: set[asyncio.Task[None]] = set()  # the connect tasks, kept referenced while they run

    async def serve() -> None:
        loop = asyncio.get_running_loop()

        def accept() -> _Forward:
            client_side = _Forward()

            async def connect() -> None:
                _, server_side = await loop.create_connection(lambda: _Forward(client_side.transport),
                                                              "127.0.0.1", target_port)
                client_side.peer = server_side.transport
                for chunk in client_side.early:
                    server_side.transport.write(chunk)  # type: ignore[union-attr]

            pending.add(loop.create_task(connect()))
            return client_side

        server = await loop.create_server(accept, "127.0.0.1", 0)
        ready.put(server.sockets[0].getsockname()[1])
        await asyncio.Event().wait()

    asyncio.run(serve())


def bench_floor(direct: ReplSet, n: int) -> None:
    """What any extra network hop costs here: the same calls through a do-nothing asyncio proxy (bytes
    forwarded, nothing parsed) in its own process, against the same primary directly, in one run."""
    ready: Any = multiprocessing.Queue()
    proxy = multiprocessing.Process(target=_run_proxy, args=(direct.nodes[0].port, ready), daemon=True)
    proxy.start()
    try:
        port = ready.get(timeout=30)
        through: Client = pymongo.MongoClient(f"mongodb://127.0.0.1:{port}/?directConnection=true")
        plain = direct.client()
        rates = {}
        for label, client in (("proxy", through), ("direct", plain)):
            coll = client.bench.floor
            for i in range(200):
                coll.insert_one({"k": -i - 1, **PAYLOAD})
            rates[label] = timed_rate(n, lambda c=coll: [c.insert_one({"k": i, **PAYLOAD}) for i in range(n)])
        overhead = 1 - rates["proxy"] / rates["direct"]
        print(f"floor (insert_one through a do-nothing asyncio proxy, {n:,} each way): {rates['proxy']:,.0f}/s vs "
              f"direct {rates['direct']:,.0f}/s, overhead {overhead:.0%}: the cost of one more hop before any "
              "routing work")
        through.close()
    finally:
        proxy.kill()


def bench_migration(cluster: ShardedCluster, docs: int) -> None:
    router = cluster.router_client()
    router.admin.command("enableSharding", "migr", primaryShard="shard0")
    router.admin.command("shardCollection", "migr.items", key={"k": 1})
    coll = router.migr.items
    size = 0
    for start in range(0, docs, 1000):
        batch = [{"k": i, "v": i % 97, "s": "small doc"} for i in range(start, min(docs, start + 1000))]
        coll.insert_many(batch)
        size += sum(len(bson.encode(d)) for d in batch)
    begin = time.perf_counter()
    router.admin.command("moveChunk", "migr.items", find={"k": 0}, to="shard1")
    took = time.perf_counter() - begin
    moved = coll.count_documents({})
    if moved != docs or cluster.chunk_counts("migr.items") != {"shard1": 1}:
        raise SystemExit(f"migration check failed: {moved} documents, chunks {cluster.chunk_counts('migr.items')}")
    per_s = docs / took
    print(f"migration (moveChunk of one chunk, {docs:,} documents, {size / MB:.1f} MB of BSON): {took:.2f} s = "
          f"{per_s:,.0f} documents/s, {size / MB / took:.1f} MB/s ({verdict(per_s >= MIGRATION_TARGET)} target >= "
          f"{MIGRATION_TARGET:,} documents/s)")


def bench_balancer(cluster: ShardedCluster, megabytes: int) -> None:
    router = cluster.router_client()
    cluster.set_chunk_size(1)
    router.admin.command("enableSharding", "bal", primaryShard="shard0")
    router.admin.command("shardCollection", "bal.data", key={"k": 1})
    docs = megabytes * 512  # ~2 KB each
    step = 256  # ~0.5 MB chunks
    for point in range(step, docs, step):
        router.admin.command("split", "bal.data", middle={"k": point})
    for chunk in cluster.chunks("bal.data")[1::2]:
        router.admin.command("moveChunk", "bal.data", bounds=[chunk["min"], chunk["max"]], to="shard1")
    for start in range(0, docs, 512):
        router.bal.data.insert_many([{"k": k, "p": "x" * 2000} for k in range(start, min(docs, start + 512))])
    cluster.add_shard(members=1)
    begin = time.perf_counter()
    router.admin.command("balancerStart")
    sizes: dict[str, int] = {}
    while time.perf_counter() - begin < 600:
        owned = cluster.owned_documents("bal.data")
        sizes = {shard: sum(len(bson.encode(d)) for d in docs) for shard, docs in owned.items()}
        if sizes.get("shard2", 0) and max(sizes.values()) - min(sizes.values()) < 3 * MB:
            break
        time.sleep(0.25)
    took = time.perf_counter() - begin
    shown = ", ".join(f"{shard} {size / MB:.1f} MB" for shard, size in sorted(sizes.items()))
    print(f"balancer ({megabytes} MB over 2 shards, chunksize 1 MB, third shard added): balanced in {took:.1f} s "
          f"({shown})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="routing,floor,migration,balancer", help="comma-separated parts to run")
    parser.add_argument("-n", type=int, default=3000, help="routing: timed operations of each kind")
    parser.add_argument("--docs", type=int, default=50_000, help="migration: documents in the moved chunk")
    parser.add_argument("--balancer-mb", type=int, default=8, help="balancer: MB of data before the new shard")
    args = parser.parse_args()
    wanted = set(args.only.split(","))
    with tempfile.TemporaryDirectory(prefix="mongo-admin-bench-") as tmp:
        cluster = ShardedCluster(Path(tmp) / "cluster", shards=2, members=1, config_members=1)
        direct = ReplSet(Path(tmp) / "direct", name="direct", members=1)
        try:
            cluster.start()
            info = cluster.router_client().admin.command("buildInfo")
            simulator = info.get("mongosim", {}).get("simulator")
            print(f"server: {'sandbox (mongosim)' if simulator else 'MongoDB'}, version {info['version']}")
            if wanted & {"routing", "floor"}:
                direct.start().initiate()
            if "routing" in wanted:
                bench_routing(cluster, direct.client(), args.n)
            if "floor" in wanted:
                bench_floor(direct, args.n)
            if "migration" in wanted:
                bench_migration(cluster, args.docs)
            if "balancer" in wanted:
                bench_balancer(cluster, args.balancer_mb)
        finally:
            direct.stop()
            cluster.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
