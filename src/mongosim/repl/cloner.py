"""Reading a sync source's data over a ``PeerClient`` and copying it locally (initial sync, rollback refetch).

Everything goes through the commands a real member uses on its sync source: ``listDatabases``,
``listCollections``, ``listIndexes``, ``find`` + ``getMore`` (batched), each with
``$readPreference: secondaryPreferred`` so a secondary source answers. Local copies are made straight through
the storage engine with the source's collection UUIDs; no oplog entry is written for them (the node is neither
a primary nor applying an entry).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from mongosim.errors import CommandError
from mongosim.repl.peer import PeerClient

if TYPE_CHECKING:
    from mongosim.storage.collection import Collection
    from mongosim.storage.engine import StorageEngine

READ_PREFERENCE = {"mode": "secondaryPreferred"}
BATCH_SIZE = 1000
TIMEOUT_S = 30.0


class SourceError(Exception):
    """The sync source answered with an error (``ok: 0``)."""

    def __init__(self, host: str, reply: dict[str, Any]) -> None:
        self.code = int(reply.get("code", 0) or 0)
        self.code_name = str(reply.get("codeName", ""))
        super().__init__(f"{host}: {reply.get('errmsg', 'command failed')} ({self.code_name or self.code})")


async def run(client: PeerClient, db: str, cmd: dict[str, Any], timeout_s: float = TIMEOUT_S) -> dict[str, Any]:
    reply = await client.command(db, {**cmd, "$readPreference": READ_PREFERENCE}, timeout_s)
    if reply.get("ok") != 1:
        raise SourceError(client.host, reply)
    return reply


async def cursor(client: PeerClient, db: str, cmd: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
    """Every document of a cursor-returning command (``find``, ``listCollections``...), batch by batch."""
    reply = await run(client, db, cmd)
    current = reply["cursor"]
    for doc in current.get("firstBatch", []):
        yield doc
    cursor_id = int(current.get("id", 0))
    collection = str(current.get("ns", "")).split(".", 1)[-1]
    while cursor_id:
        reply = await run(client, db, {"getMore": cursor_id, "collection": collection, "batchSize": BATCH_SIZE})
        current = reply["cursor"]
        for doc in current.get("nextBatch", []):
            yield doc
        cursor_id = int(current.get("id", 0))


async def database_names(client: PeerClient) -> list[str]:
    reply = await run(client, "admin", {"listDatabases": 1, "nameOnly": True})
    return [str(entry["name"]) for entry in reply.get("databases", [])]


async def collection_infos(client: PeerClient, db: str, name: str | None = None) -> list[dict[str, Any]]:
    """listCollections entries of real collections (views live in ``system.views``, which is copied)."""
    cmd: dict[str, Any] = {"listCollections": 1}
    if name is not None:
        cmd["filter"] = {"name": name}
    return [info async for info in cursor(client, db, cmd) if info.get("type") in ("collection", "timeseries")]


async def index_specs(client: PeerClient, db: str, name: str) -> list[dict[str, Any]]:
    try:
        return [spec async for spec in cursor(client, db, {"listIndexes": name}) if spec.get("name") != "_id_"]
    except SourceError as exc:
        if exc.code_name == "NamespaceNotFound":
            return []
        raise


async def documents(client: PeerClient, db: str, name: str,
                    filter_doc: dict[str, Any] | None = None) -> AsyncIterator[dict[str, Any]]:
    cmd: dict[str, Any] = {"find": name, "batchSize": BATCH_SIZE}
    if filter_doc:
        cmd["filter"] = filter_doc
    async for doc in cursor(client, db, cmd):
        yield doc


def create_like(engine: StorageEngine, db: str, info: dict[str, Any]) -> Collection:
    """A local collection with the source's name, options and UUID."""
    uuid = (info.get("info") or {}).get("uuid")
    return engine.create_collection(db, str(info["name"]), dict(info.get("options") or {}), uuid=uuid)


async def clone_collection(engine: StorageEngine, client: PeerClient, db: str, info: dict[str, Any], *,
                           build_indexes: bool = True) -> int:
    """Copy one collection (options, UUID, documents, then indexes unless ``build_indexes`` is false); returns
    how many documents."""
    name = str(info["name"])
    existing = engine.get_collection(db, name)
    if existing is not None:
        engine.drop_collection(db, name)
    coll = create_like(engine, db, info)
    copied = 0
    async for doc in documents(client, db, name):
        if coll.get(doc["_id"]) is None:
            coll.insert(doc)
            copied += 1
    specs = await index_specs(client, db, name) if build_indexes else []
    for spec in specs:
        try:
            coll.create_indexes([spec])
        except CommandError:
            continue  # a build the oplog catch-up redoes (or undoes) anyway
    return copied
