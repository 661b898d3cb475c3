"""Differential routing: the same seeded random operations against a sharded collection through mongos and
against an unsharded collection on a plain mongod must give the same results.

Each variant (range key, hashed key) splits and moves chunks across two shards before the run and again every
few operations during it, so reads, writes and aggregations cross chunk and shard boundaries and meet freshly
migrated ranges. Results whose order MongoDB leaves unspecified are compared sorted; everything else is compared
in order, field order included. The seed is printed with every mismatch: MONGO_ADMIN_DIFF_SEED=<seed> replays
a run; MONGO_ADMIN_DIFF_OPS sets how many operations a run makes (default 300).
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from bson import json_util
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey
from pymongo.collection import Collection
from pymongo.errors import OperationFailure
from pymongo.results import UpdateResult

from tests.support.sharded import ShardedCluster
from tests.support.simproc import SimProcess

DB = "diff"
OPS = int(os.environ.get("MONGO_ADMIN_DIFF_OPS", "300"))
CHUNK_OPS_EVERY = 25
GROUPS = "abcde"
TAGS = ["red", "green", "blue", "cyan", "gold"]
KEY_SPACE = 200

Coll = Collection[dict[str, Any]]
Outcome = tuple[str, Any]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShardedCluster]:
    sharded = ShardedCluster(tmp_path_factory.mktemp("diff-cluster"), shards=2, members=1, config_members=1)
    try:
        sharded.start()
        sharded.router_client().admin.command("enableSharding", DB, primaryShard="shard0")
        yield sharded
    finally:
        sharded.stop()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimProcess]:
    proc = SimProcess(tmp_path_factory.mktemp("diff-reference")).start()
    try:
        yield proc
    finally:
        proc.stop()


def canon(value: Any) -> str:
    """Order-preserving text form: two documents compare equal only with the same fields in the same order."""
    return json_util.dumps(value, json_options=json_util.CANONICAL_JSON_OPTIONS)


def counts(result: UpdateResult) -> tuple[int, int, Any]:
    return (result.matched_count, result.modified_count, result.upserted_id)


def unordered(docs: list[Any]) -> list[str]:
    return sorted(canon(d) for d in docs)


class Workload:
    """Draws operations from one seeded generator; each operation runs against a collection and returns a
    comparable outcome (``("ok", value)`` or ``("error", code)``)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.next_id = 0
        self.known_ids: list[int] = []

    def new_doc(self) -> dict[str, Any]:
        rng = self.rng
        self.next_id += 1
        doc: dict[str, Any] = {"_id": self.next_id}
        if rng.random() > 0.03:  # a few documents lack the key: MongoDB routes them as a null shard key
            doc["k"] = rng.randrange(KEY_SPACE)
        doc["g"] = rng.choice(GROUPS)
        doc["v"] = rng.randint(-50, 50)
        if rng.random() > 0.2:
            doc["tags"] = rng.sample(TAGS, rng.randint(0, 3))
        doc["sub"] = {"x": rng.randrange(10), "y": rng.choice(["p", "q"])}
        self.known_ids.append(self.next_id)
        return doc

    def some_id(self) -> int:
        if self.known_ids and self.rng.random() < 0.9:
            return self.rng.choice(self.known_ids)
        return self.next_id + 1000  # an id nobody has

    def key_filter(self) -> dict[str, Any]:
        rng = self.rng
        low = rng.randrange(KEY_SPACE)
        choices: list[dict[str, Any]] = [
            {"k": rng.randrange(KEY_SPACE)},
            {"k": {"$eq": rng.randrange(KEY_SPACE)}},
            {"k": {"$in": rng.sample(range(KEY_SPACE), rng.randint(1, 6))}},
            {"k": {"$gte": low, "$lt": low + rng.randint(1, 60)}},
            {"k": {"$gt": low}},
            {"k": {"$lte": low}},
            {"k": None},
        ]
        return rng.choice(choices)

    def other_filter(self) -> dict[str, Any]:
        rng = self.rng
        choices: list[dict[str, Any]] = [
            {},
            {"g": rng.choice(GROUPS)},
            {"v": {"$lt": rng.randint(-50, 50)}},
            {"tags": rng.choice(TAGS)},
            {"sub.x": rng.randrange(10)},
            {"g": rng.choice(GROUPS), "v": {"$gte": rng.randint(-50, 50)}},
            {"$or": [{"k": rng.randrange(KEY_SPACE)}, {"g": rng.choice(GROUPS)}]},
            {"tags": {"$exists": False}},
        ]
        return rng.choice(choices)

    def a_filter(self) -> dict[str, Any]:
        if self.rng.random() < 0.5:
            return self.key_filter()
        if self.rng.random() < 0.3:
            return {**self.key_filter(), **self.other_filter()}
        return self.other_filter()

    def operation(self) -> tuple[str, Callable[[Coll], Any]]:
        """One random operation: a description (for failure messages) and how to run it."""
        rng = self.rng
        kind = rng.choices(
            ["insert_one", "insert_many", "find", "find_sorted", "count", "distinct", "update_one",
             "update_many", "upsert", "delete_one", "delete_many", "aggregate"],
            weights=[10, 4, 10, 12, 6, 4, 8, 4, 3, 3, 2, 14])[0]
        make: Callable[[], tuple[str, Callable[[Coll], Any]]] = getattr(self, f"_{kind}")
        return make()

    def _insert_one(self) -> tuple[str, Callable[[Coll], Any]]:
        doc = self.new_doc()
        return f"insert_one({doc})", lambda c: c.insert_one(dict(doc)).inserted_id

    def _insert_many(self) -> tuple[str, Callable[[Coll], Any]]:
        docs = [self.new_doc() for _ in range(self.rng.randint(2, 25))]
        return f"insert_many({len(docs)} docs)", lambda c: c.insert_many([dict(d) for d in docs]).inserted_ids

    def _find(self) -> tuple[str, Callable[[Coll], Any]]:
        flt = self.a_filter()
        projection = self.rng.choice([None, {"k": 1, "v": 1}, {"tags": 0, "sub": 0}, {"_id": 0, "g": 1, "k": 1}])
        batch = self.rng.choice([0, 2, 5])
        # No sort: MongoDB leaves the order unspecified, so the sets are compared.
        return (f"find({flt}, {projection}, batch_size={batch})",
                lambda c: unordered(list(c.find(flt, projection).batch_size(batch))))

    def _find_sorted(self) -> tuple[str, Callable[[Coll], Any]]:
        rng = self.rng
        flt = self.a_filter()
        field = rng.choice(["k", "v", "g", "sub.x", "_id"])
        direction = rng.choice([1, -1])
        sort = [(field, direction)] if field == "_id" else [(field, direction), ("_id", 1)]  # a total order
        skip = rng.choice([0, 0, 3, 17])
        limit = rng.choice([0, 1, 5, 40])
        projection = rng.choice([None, {"k": 1, "g": 1}, {"tags": 0}])
        batch = rng.choice([0, 3])
        return (f"find({flt}).sort({sort}).skip({skip}).limit({limit}) proj={projection} batch={batch}",
                lambda c: [canon(d) for d in c.find(flt, projection).sort(sort).skip(skip).limit(limit)
                           .batch_size(batch)])

    def _count(self) -> tuple[str, Callable[[Coll], Any]]:
        flt = self.a_filter()
        skip, limit = self.rng.choice([(0, 0), (2, 0), (0, 7)])
        options = {k: v for k, v in (("skip", skip), ("limit", limit)) if v}
        return f"count_documents({flt}, {options})", lambda c: c.count_documents(flt, **options)

    def _distinct(self) -> tuple[str, Callable[[Coll], Any]]:
        flt = self.a_filter()
        field = self.rng.choice(["g", "k", "tags", "sub.x"])
        return f"distinct({field!r}, {flt})", lambda c: sorted(canon(v) for v in c.distinct(field, flt))

    def _update_one(self) -> tuple[str, Callable[[Coll], Any]]:
        rng = self.rng
        target = self.some_id()
        update = rng.choice([{"$inc": {"v": rng.randint(-5, 5)}}, {"$set": {"g": rng.choice(GROUPS)}},
                             {"$push": {"tags": rng.choice(TAGS)}}, {"$unset": {"sub": ""}}])
        # multi:false must name _id (or the whole shard key) to be deterministic on both sides.
        flt = {"_id": target}
        return (f"update_one({flt}, {update})",
                lambda c: counts(c.update_one(flt, update)))

    def _update_many(self) -> tuple[str, Callable[[Coll], Any]]:
        flt = self.a_filter()
        update = self.rng.choice([{"$inc": {"v": 1}}, {"$set": {"touched": True}},
                                  {"$addToSet": {"tags": "many"}}])
        return (f"update_many({flt}, {update})",
                lambda c: counts(c.update_many(flt, update)))

    def _upsert(self) -> tuple[str, Callable[[Coll], Any]]:
        rng = self.rng
        self.next_id += 1
        new_id = self.next_id
        self.known_ids.append(new_id)
        flt = {"k": rng.randrange(KEY_SPACE), "_id": new_id}  # the full shard key, as upserts must carry it
        update = {"$set": {"g": rng.choice(GROUPS), "v": rng.randint(-50, 50)}}
        return (f"update_one({flt}, {update}, upsert=True)",
                lambda c: counts(c.update_one(flt, update, upsert=True)))

    def _delete_one(self) -> tuple[str, Callable[[Coll], Any]]:
        flt = {"_id": self.some_id()}
        return f"delete_one({flt})", lambda c: c.delete_one(flt).deleted_count

    def _delete_many(self) -> tuple[str, Callable[[Coll], Any]]:
        rng = self.rng
        flt = rng.choice([{"k": rng.randrange(KEY_SPACE)}, {"v": rng.randint(-50, 50)},
                          {"g": rng.choice(GROUPS), "sub.x": rng.randrange(10)}])
        return f"delete_many({flt})", lambda c: c.delete_many(flt).deleted_count

    def _aggregate(self) -> tuple[str, Callable[[Coll], Any]]:
        rng = self.rng
        match = {"$match": self.a_filter()}
        n = rng.randint(1, 30)
        pipelines: list[tuple[list[dict[str, Any]], bool]] = [  # (pipeline, result order is defined)
            ([match, {"$group": {"_id": "$g", "total": {"$sum": "$v"}, "n": {"$sum": 1}}}, {"$sort": {"_id": 1}}],
             True),
            ([match, {"$project": {"k": 1, "twice": {"$multiply": ["$v", 2]}, "x": "$sub.x"}}], False),
            ([match, {"$unwind": "$tags"}, {"$group": {"_id": "$tags", "n": {"$sum": 1}}}, {"$sort": {"_id": 1}}],
             True),
            ([match, {"$sort": {"v": -1, "_id": 1}}, {"$limit": n}], True),
            ([{"$sort": {"k": 1, "_id": 1}}, {"$skip": rng.randint(0, 20)}, {"$limit": n},
              {"$project": {"_id": 1, "k": 1}}], True),
            ([match, {"$group": {"_id": None, "avg": {"$avg": "$v"}, "max": {"$max": "$k"}, "min": {"$min": "$k"},
                                 "count": {"$sum": 1}}}], True),
            ([match, {"$count": "n"}], True),
            ([match, {"$group": {"_id": {"g": "$g", "x": "$sub.x"}, "ks": {"$addToSet": "$k"}}},
              {"$sort": {"_id.g": 1, "_id.x": 1}}, {"$limit": n}], True),
            ([match, {"$unwind": "$tags"}, {"$sort": {"_id": 1, "tags": 1}}, {"$limit": n}], True),
        ]
        pipeline, ordered = rng.choice(pipelines)
        batch = rng.choice([2, 101])  # 2 forces getMore round trips on the merged cursor

        def run(c: Coll) -> Any:
            docs = list(c.aggregate(pipeline, batchSize=batch))
            if any("ks" in d for d in docs):  # $addToSet leaves the array order unspecified
                docs = [{**d, "ks": sorted(d["ks"], key=canon)} for d in docs]
            return [canon(d) for d in docs] if ordered else unordered(docs)

        return f"aggregate({pipeline}, batchSize={batch})", run


def outcome(op: Callable[[Coll], Any], coll: Coll) -> Outcome:
    try:
        return ("ok", op(coll))
    except OperationFailure as exc:
        return ("error", exc.code)


def split_and_move(cluster: ShardedCluster, ns: str, rng: random.Random, hashed: bool) -> str:
    """Split a random chunk strictly inside its bounds, then move one of the halves to the other shard."""
    admin = cluster.router_client().admin
    chunks = cluster.chunks(ns)
    chunk = rng.choice(chunks)
    low, high = chunk["min"]["k"], chunk["max"]["k"]
    if hashed:
        lo = -(2**63) if isinstance(low, MinKey) else int(low)
        hi = 2**63 - 1 if isinstance(high, MaxKey) else int(high)
        middle: Any = Int64((lo + hi) // 2) if hi - lo > 1 else None
    else:
        lo = -1 if isinstance(low, MinKey) or low is None else int(low)
        hi = KEY_SPACE + 50 if isinstance(high, MaxKey) else int(high)
        middle = rng.randrange(lo + 1, hi) if hi - lo > 1 else None
    action = ""
    if middle is not None:
        admin.command("split", ns, middle={"k": middle})
        action = f"split {ns} at {{k: {middle}}}; "
        chunk = rng.choice([c for c in cluster.chunks(ns) if c["min"] == chunk["min"] or c["min"] == {"k": middle}])
    other = "shard1" if chunk["shard"] == "shard0" else "shard0"
    if rng.random() < 0.5:
        admin.command("moveChunk", ns, bounds=[chunk["min"], chunk["max"]], to=other)
        return action + f"moveChunk {chunk['min']}..{chunk['max']} to {other}"
    admin.command("moveRange", ns, min=chunk["min"], max=chunk["max"], toShard=other)
    return action + f"moveRange {chunk['min']}..{chunk['max']} to {other}"


@pytest.mark.parametrize("variant", ["range", "hashed"])
def test_sharded_collection_answers_like_an_unsharded_one(cluster: ShardedCluster, reference: SimProcess,
                                                           variant: str) -> None:
    seed = int(os.environ.get("MONGO_ADMIN_DIFF_SEED", str(random.randrange(2**32))))
    hashed = variant == "hashed"
    name = f"items_{variant}"
    ns = f"{DB}.{name}"
    router = cluster.client()
    router.admin.command("shardCollection", ns, key={"k": "hashed" if hashed else 1})
    sharded: Coll = router[DB][name]
    plain: Coll = reference.client()[DB][name]
    chunk_rng = random.Random(seed ^ 0x5EED)
    history: list[str] = []
    for _ in range(4):  # a few chunks on both shards before any data arrives
        history.append(split_and_move(cluster, ns, chunk_rng, hashed))
    assert set(cluster.chunk_counts(ns)) == {"shard0", "shard1"}, f"seed {seed}: {cluster.chunk_counts(ns)}"

    workload = Workload(seed)
    for _ in range(40):  # start with data so the first reads have something to merge
        doc = workload.new_doc()
        sharded.insert_one(dict(doc))
        plain.insert_one(dict(doc))
    succeeded = 0
    for step in range(OPS):
        if step and step % CHUNK_OPS_EVERY == 0:
            history.append(split_and_move(cluster, ns, chunk_rng, hashed))
        description, op = workload.operation()
        history.append(description)
        got, want = outcome(op, sharded), outcome(op, plain)
        assert got == want, (f"seed {seed} ({variant} key), step {step}: {description}\n through mongos: {got}\n"
                             f" unsharded:      {want}\n last steps: {history[-8:]}")
        succeeded += got[0] == "ok"
    assert succeeded >= OPS * 0.9, f"seed {seed}: only {succeeded} of {OPS} operations succeeded on both sides"
    got_all = [canon(d) for d in sharded.find().sort("_id", 1)]
    want_all = [canon(d) for d in plain.find().sort("_id", 1)]
    assert got_all == want_all, f"seed {seed} ({variant} key): final contents differ"
    owned = cluster.owned_documents(ns)
    per_shard = {shard: len(docs) for shard, docs in owned.items()}
    assert sum(per_shard.values()) == len(want_all), f"seed {seed}: owned per shard {per_shard}"


@pytest.fixture(scope="module")
def explained(cluster: ShardedCluster) -> Coll:
    """A range-sharded collection with k < 100 on shard0 and k >= 100 on shard1."""
    ns = f"{DB}.explained"
    router = cluster.router_client()
    router.admin.command("shardCollection", ns, key={"k": 1})
    router.admin.command("split", ns, middle={"k": 100})
    router.admin.command("moveChunk", ns, find={"k": 150}, to="shard1")
    router[DB].explained.insert_many([{"k": i, "g": "ab"[i % 2]} for i in range(0, 200, 10)])
    return router[DB].explained


@pytest.mark.parametrize(("flt", "stage", "shards"), [
    ({"k": 7}, "SINGLE_SHARD", {"shard0"}),
    ({"k": {"$gte": 120, "$lt": 160}}, "SINGLE_SHARD", {"shard1"}),
    ({"g": "a"}, "SHARD_MERGE", {"shard0", "shard1"}),
])
def test_explain_shows_targeted_and_broadcast_plans(explained: Coll, flt: dict[str, Any], stage: str,
                                                    shards: set[str]) -> None:
    plan = explained.database.command("explain", {"find": explained.name, "filter": flt},
                                      verbosity="queryPlanner")
    winning = plan["queryPlanner"]["winningPlan"]
    assert winning["stage"] == stage
    assert {s["shardName"] for s in winning["shards"]} == shards


def test_upsert_without_the_shard_key_is_refused(cluster: ShardedCluster) -> None:
    ns = f"{DB}.upserts"
    router = cluster.client()
    router.admin.command("shardCollection", ns, key={"k": 1})
    with pytest.raises(OperationFailure) as info:
        router[DB].upserts.update_one({"g": "a"}, {"$set": {"v": 1}}, upsert=True)
    assert info.value.code == 61  # ShardKeyNotFound
    assert "Failed to target upsert by query :: could not extract exact shard key" in str(info.value)
    result = router[DB].upserts.update_one({"k": 5}, {"$set": {"v": 1}}, upsert=True)
    assert result.upserted_id is not None
    assert router[DB].upserts.find_one({"k": 5}, {"_id": 0}) == {"k": 5, "v": 1}
