"""Failover soak: kill -9 the primary under a writer, again and again, and check what MongoDB promises.

Each round: two writers insert documents, one with w:"majority", one with w:1 (journaled), recording which
were acknowledged; the primary is killed at a random moment; a new primary must appear; the old primary is started
again and rejoins. Then every majority-acknowledged document must exist exactly once on every member, and any
w:1 document the new primary does not have must be in the old primary's ``dbpath/rollback/`` BSON files.

Rounds: ``MONGO_ADMIN_SOAK_ROUNDS`` (default 3). Every round is randomised from a seed printed on failure;
replay one with ``MONGO_ADMIN_SOAK_SEED=<seed> MONGO_ADMIN_SOAK_ROUNDS=1``.
"""

from __future__ import annotations

import collections
import os
import random
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bson
import pymongo
import pytest
from pymongo.errors import PyMongoError
from pymongo.write_concern import WriteConcern

from tests.support.replset import ReplSet, running_replset
from tests.support.simproc import SimProcess, wait_until

pytestmark = pytest.mark.soak

Client = pymongo.MongoClient[dict[str, Any]]


@dataclass
class Writes:
    acknowledged: list[str] = field(default_factory=list)
    failed: int = 0  # not acknowledged: they may or may not exist; nothing is promised about them


class Writer(threading.Thread):
    """Inserts until stopped with one write concern; one attempt per document (no retryable writes), so every
    acknowledgement it records is exactly what the server promised for that insert."""

    def __init__(self, client: Client, collection: str, prefix: str, concern: WriteConcern) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.writes = Writes()
        self.prefix = prefix
        self.coll = client.soak.get_collection(collection, write_concern=concern)

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            doc_id = f"{self.prefix}{n}"
            try:
                self.coll.insert_one({"_id": doc_id, "n": n, "pad": "x" * 64})
            except PyMongoError:
                # The primary is gone (or stepped down): the next insert's server selection waits for a new one.
                self.writes.failed += 1
                continue
            self.writes.acknowledged.append(doc_id)


def ids_on(rs: ReplSet, node: SimProcess, collection: str) -> collections.Counter[str]:
    return collections.Counter(doc["_id"] for doc in rs.probe(node).soak[collection].find({}, {"_id": 1}))


def rolled_back_ids(node: SimProcess) -> set[str]:
    """``_id`` of every document in ``<dbpath>/rollback/**/*.bson`` (mongod's rollback files)."""
    found: set[str] = set()
    for path in sorted((node.dbpath / "rollback").rglob("*.bson")):
        with open(path, "rb") as handle:
            found.update(str(doc["_id"]) for doc in bson.decode_file_iter(handle))
    return found


def soak_round(rs: ReplSet, client: Client, rng: random.Random, round_no: int) -> None:
    collection = f"round{round_no}"
    old = rs.wait_for_primary()
    # Two writers at once, so that w:1 writes are in flight (acknowledged, not yet replicated) when the primary
    # dies. The w:1 writes are journaled (j: true): only a write the old primary still holds after kill -9 can be
    # rolled back into its rollback files; an unjournaled one may simply be gone, as on real MongoDB.
    majority = Writer(client, collection, "m", WriteConcern("majority", wtimeout=10000))
    w1 = Writer(client, collection, "w", WriteConcern(w=1, j=True))
    writers = (majority, w1)
    for writer in writers:
        writer.start()
    try:
        crash_after = rng.randint(5, 300)  # the random moment of the crash: after this many acknowledged writes
        wait_until(lambda: len(majority.writes.acknowledged) >= crash_after, f"acknowledge {crash_after} writes", 60)
        old.kill()
        new = rs.wait_for_primary(timeout=30)
        assert new is not old
        acked_before = len(majority.writes.acknowledged)
        wait_until(lambda: len(majority.writes.acknowledged) > acked_before, "acknowledge writes on the new primary",
                   30)
        old.start()
        rs.wait_healthy(timeout=60)
    finally:
        for writer in writers:
            writer.stop.set()
        for writer in writers:
            writer.join(30)
    assert majority.writes.acknowledged, "no majority write was acknowledged"

    primary = rs.wait_for_primary()
    on_primary = ids_on(rs, primary, collection)
    for node in rs.nodes:
        wait_until(lambda node=node: ids_on(rs, node, collection) == on_primary,  # type: ignore[misc]
                   f"see {node.address} converge on the primary's documents", 60)
        held = ids_on(rs, node, collection)
        missing = [doc_id for doc_id in majority.writes.acknowledged if held[doc_id] != 1]
        assert missing == [], f"{node.address}: majority-acknowledged documents not present exactly once: {missing}"

    lost_w1 = [doc_id for doc_id in w1.writes.acknowledged if doc_id not in on_primary]
    if lost_w1:
        rolled_back = rolled_back_ids(old)
        assert [doc_id for doc_id in lost_w1 if doc_id not in rolled_back] == [], (
            f"w:1 documents missing from the new primary and not in {old.dbpath / 'rollback'}")


def test_kill_the_primary_under_writes_loses_no_majority_write(tmp_path: Path) -> None:
    rounds = int(os.environ.get("MONGO_ADMIN_SOAK_ROUNDS", "3"))
    base_seed = int(os.environ.get("MONGO_ADMIN_SOAK_SEED") or random.SystemRandom().randrange(2**32))
    with running_replset(tmp_path / "rs") as rs:
        client = rs.client(retryWrites=False, serverSelectionTimeoutMS=30000, socketTimeoutMS=20000)
        for round_no in range(rounds):
            seed = base_seed + round_no
            try:
                soak_round(rs, client, random.Random(seed), round_no)
            except AssertionError as exc:
                raise AssertionError(f"soak round {round_no} failed (seed {seed}; replay with "
                                     f"MONGO_ADMIN_SOAK_SEED={seed} MONGO_ADMIN_SOAK_ROUNDS=1): {exc}") from exc
