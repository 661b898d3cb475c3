"""Replication state kept in the ``local`` database, which is never replicated:
``local.system.replset`` (the installed config) and ``local.replset.election`` (the last vote, so a restarted
member never votes twice in one term)."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from bson.int64 import Int64
from bson.objectid import ObjectId

if TYPE_CHECKING:
    from mongosim.storage.engine import StorageEngine

CONFIG_COLLECTION = "system.replset"
ELECTION_COLLECTION = "replset.election"


def _single(engine: StorageEngine, name: str) -> dict[str, Any] | None:
    coll = engine.get_collection("local", name)
    if coll is None:
        return None
    return next(iter(coll.documents()), None)


def _store(engine: StorageEngine, name: str, doc: dict[str, Any]) -> None:
    """Replace the collection's only document with ``doc`` (keeping its ``_id`` when ``doc`` has none)."""
    coll = engine.get_or_create_collection("local", name)
    old = next(iter(coll.documents()), None)
    new = copy.deepcopy(doc)
    if "_id" not in new:
        new = {"_id": old["_id"] if old is not None else ObjectId(), **new}
    if old is not None and old["_id"] == new["_id"]:
        coll.replace(old, new)
        return
    if old is not None:
        coll.delete(old)
    coll.insert(new)


def load_config(engine: StorageEngine) -> dict[str, Any] | None:
    return _single(engine, CONFIG_COLLECTION)


def save_config(engine: StorageEngine, doc: dict[str, Any]) -> None:
    """The config document's ``_id`` is the set name, as in mongod."""
    _store(engine, CONFIG_COLLECTION, doc)
    engine.sync_journal()


def load_vote(engine: StorageEngine) -> tuple[int, int]:
    """(term, candidateIndex) of the last vote; (-1, -1) when this node never voted."""
    doc = _single(engine, ELECTION_COLLECTION)
    if doc is None:
        return -1, -1
    return int(doc.get("term", -1)), int(doc.get("candidateIndex", -1))


def save_vote(engine: StorageEngine, term: int, candidate_index: int) -> None:
    """Durable before the vote is granted: a vote must survive a crash."""
    _store(engine, ELECTION_COLLECTION, {"term": Int64(term), "candidateIndex": Int64(candidate_index)})
    engine.sync_journal()
