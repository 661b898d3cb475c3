"""Restoring one replica set's dump on its primary, directly (not through a router), step by step:

1. drop - every collection of the databases being restored (only those), and the namespaces being replaced;
2. create - collections with their options and their original UUIDs (``applyOps`` create with ``ui``, as
   ``mongorestore --preserveUUID`` does: the shards' UUIDs must be the catalog's), then views;
3. insert - documents as raw BSON in unordered batches (ordered for capped collections), validation bypassed;
4. indexes - every index with all its options (``ignoreUnknownIndexOptions``);
5. users and roles - the set's own, replacing the target's, the platform's administrator kept as it is;
6. oplog - the set's entries replayed up to the restore time (``replay``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bson import Timestamp
from bson.binary import Binary
from bson.raw_bson import RawBSONDocument

from mongo_admin.errors import MongoAdminError
from mongo_admin.ops.restore.replay import ReplayRules, ReplayStats, replay_oplog
from mongo_admin.ops.restore.source import NamespaceDump, SetDump

if TYPE_CHECKING:
    from mongo_admin.mongo.client import Client

BATCH_DOCUMENTS = 1000
BATCH_BYTES = 8 * 1024 * 1024
DUPLICATE_KEY = 11000
NAMESPACE_NOT_FOUND = 26
COMMAND_NOT_FOUND = 59


class SetRestoreError(MongoAdminError):
    """A step of one replica set's restore failed."""


@dataclass
class SetProgress:
    """Running totals of one replica set (read by the progress reporter while the restore runs)."""

    set_name: str
    collections_total: int = 0
    collections_done: int = 0
    documents: int = 0
    bytes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, documents: int, size: int) -> None:
        with self.lock:
            self.documents += documents
            self.bytes += size


@dataclass(frozen=True)
class SetPlan:
    """What to do on one target replica set with one source dump. ``namespaces`` maps each source namespace
    to recreate to its target; ``uuids`` gives the UUID of a target namespace (absent: the dump's; None: a new
    one); ``keep_users``: user ids never replaced or removed; ``end``: replay the oplog up to it (None: no
    replay)."""

    dump: SetDump
    target_set: str
    namespaces: dict[str, str]
    drop_databases: frozenset[str] = frozenset()
    uuids: dict[str, Binary | None] = field(default_factory=dict)
    users: bool = False
    keep_users: frozenset[str] = frozenset()
    replay: ReplayRules | None = None
    end: Timestamp | None = None
    before: Callable[[Client], None] | None = None  # runs after the data, before the replay (the catalog)
    # The entries to replay instead of the dump's own oplog (a point-in-time restore adds the slices).
    oplog: Callable[[], Iterable[Mapping[str, Any]]] | None = None


@dataclass
class SetResult:
    source: str
    target: str
    collections: int = 0
    views: int = 0
    documents: int = 0
    bytes: int = 0
    indexes: int = 0
    dropped: int = 0
    users: int = 0
    roles: int = 0
    oplog_applied: int = 0
    oplog_skipped: int = 0
    timings: dict[str, float] = field(default_factory=dict)


def restore_set(client: Client, plan: SetPlan, progress: SetProgress, *,
                batch_documents: int = BATCH_DOCUMENTS) -> SetResult:
    result = SetResult(plan.dump.name, plan.target_set)
    chosen = [(plan.dump.namespaces[source], target) for source, target in plan.namespaces.items()]
    progress.collections_total += len(chosen)
    began = time.monotonic()
    result.dropped = _drop(client, plan)
    result.timings["drop"] = time.monotonic() - began
    began = time.monotonic()
    for namespace, target in sorted(chosen, key=lambda pair: pair[0].type == "view"):
        _create(client, namespace, target, plan.uuids.get(target, namespace.uuid))
        if namespace.type == "view":
            result.views += 1
            progress.collections_done += 1
            continue
        result.collections += 1
        documents, size = _insert(client, plan.dump, namespace, target, progress, batch_documents)
        result.documents += documents
        result.bytes += size
    result.timings["insert"] = time.monotonic() - began
    began = time.monotonic()
    for namespace, target in chosen:
        result.indexes += _indexes(client, namespace, target)
        if namespace.type != "view":
            progress.collections_done += 1
    result.timings["indexes"] = time.monotonic() - began
    if plan.users:
        began = time.monotonic()
        result.users, result.roles = restore_users(client, plan.dump, plan.keep_users)
        result.timings["users"] = time.monotonic() - began
    if plan.before is not None:
        began = time.monotonic()
        plan.before(client)
        result.timings["catalog"] = time.monotonic() - began
    if plan.replay is not None and plan.end is not None:
        source = plan.oplog() if plan.oplog is not None else plan.dump.oplog()
        stats: ReplayStats = replay_oplog(client, [source], plan.end, plan.replay)
        result.oplog_applied, result.oplog_skipped = stats.applied, stats.skipped
        result.timings["oplog"] = stats.elapsed_s
    return result


def _drop(client: Client, plan: SetPlan) -> int:
    dropped = 0
    targets = {tuple(target.split(".", 1)) for target in plan.namespaces.values()}
    for db in sorted(plan.drop_databases):
        targets |= {(db, str(info["name"])) for info in client[db].list_collections()
                    if not str(info["name"]).startswith("system.")}
    for db, name in sorted(targets):
        reply = client[db].command({"drop": name, "writeConcern": {"w": "majority"}}, check=False)
        if reply.get("ok"):
            dropped += 1
        elif reply.get("code") != NAMESPACE_NOT_FOUND:
            raise SetRestoreError(f"cannot drop {db}.{name} on {plan.target_set}", str(reply.get("errmsg")),
                                  "check the primary's log")
    return dropped


def _create(client: Client, namespace: NamespaceDump, target: str, uuid: Binary | None) -> None:
    from pymongo.errors import OperationFailure

    db, _, name = target.partition(".")
    options = dict(namespace.options)
    try:
        if uuid is not None and namespace.type == "collection":
            client.admin.command({"applyOps": [{"op": "c", "ns": f"{db}.$cmd", "ui": uuid,
                                                "o": {"create": name, **options}}]})
        else:
            client[db].command({"create": name, **options})
    except OperationFailure as exc:
        raise SetRestoreError(f"cannot create {target} ({namespace.type})", str(exc.details or exc),
                              "the target refused the backup's collection options") from exc


def _batches(raw: Iterator[bytes], size: int) -> Iterator[list[RawBSONDocument]]:
    batch: list[RawBSONDocument] = []
    total = 0
    for document in raw:
        batch.append(RawBSONDocument(document))
        total += len(document)
        if len(batch) >= size or total >= BATCH_BYTES:
            yield batch
            batch, total = [], 0
    if batch:
        yield batch


def _insert(client: Client, dump: SetDump, namespace: NamespaceDump, target: str, progress: SetProgress,
            batch_documents: int) -> tuple[int, int]:
    from pymongo import WriteConcern
    from pymongo.errors import BulkWriteError

    if namespace.data_key is None:
        return 0, 0
    db, _, name = target.partition(".")
    if namespace.type == "timeseries":
        name = f"system.buckets.{name}"
    collection: Any = client.get_database(db, write_concern=WriteConcern(w="majority"))[name]
    ordered = bool(namespace.options.get("capped"))
    documents = size = 0
    for batch in _batches(dump.raw_documents(namespace.data_key), batch_documents):
        try:
            collection.insert_many(batch, ordered=ordered, bypass_document_validation=True)
        except BulkWriteError as exc:
            errors = [error for error in exc.details.get("writeErrors", []) if error.get("code") != DUPLICATE_KEY]
            if errors:
                raise SetRestoreError(f"inserting into {target} failed", str(errors[0].get("errmsg")),
                                      "check the primary's log") from exc
        batch_size = sum(len(doc.raw) for doc in batch)
        documents += len(batch)
        size += batch_size
        progress.add(len(batch), batch_size)
    return documents, size


def _indexes(client: Client, namespace: NamespaceDump, target: str) -> int:
    from pymongo.errors import OperationFailure

    if namespace.type == "view":
        return 0
    specs = [{key: value for key, value in index.items() if key != "ns"} for index in namespace.indexes
             if index.get("name") != "_id_" and not index.get("clustered")]
    if not specs:
        return 0
    db, _, name = target.partition(".")
    try:
        client[db].command({"createIndexes": name, "indexes": specs, "ignoreUnknownIndexOptions": True,
                            "writeConcern": {"w": "majority"}})
    except OperationFailure as exc:
        raise SetRestoreError(f"building the indexes of {target} failed", str(exc.details or exc),
                              "the target refused one of the backup's index definitions") from exc
    return len(specs)


def restore_users(client: Client, dump: SetDump, keep: frozenset[str]) -> tuple[int, int]:
    """The set's users and roles as in the dump (users in ``keep`` left as they are); (users, roles) written.
    User documents (with their credentials) are written as they are, which the ``restore`` role allows; roles
    go through createRole / updateRole / dropRole, as no built-in role may write ``admin.system.roles``."""
    from pymongo import WriteConcern
    from pymongo.errors import OperationFailure

    roles = {doc["_id"]: doc for doc in dump.documents(dump.roles_key)}
    for doc in client.admin["system.roles"].find({}, {"role": 1, "db": 1}):
        if doc["_id"] not in roles:
            client[doc["db"]].command({"dropRole": doc["role"], "writeConcern": {"w": "majority"}})
    existing = {doc["_id"] for doc in client.admin["system.roles"].find({}, {"_id": 1})}
    for id_value, doc in roles.items():
        body = {"privileges": doc.get("privileges", []), "roles": doc.get("roles", [])}
        if doc.get("authenticationRestrictions"):
            body["authenticationRestrictions"] = doc["authenticationRestrictions"]
        verb = "updateRole" if id_value in existing else "createRole"
        client[doc["db"]].command({verb: doc["role"], **body, "writeConcern": {"w": "majority"}})
    users = client.get_database("admin", write_concern=WriteConcern(w="majority"))["system.users"]
    wanted = {doc["_id"]: doc for doc in dump.documents(dump.users_key) if doc["_id"] not in keep}
    users.delete_many({"_id": {"$nin": [*wanted, *keep]}})
    for id_value, doc in wanted.items():
        users.replace_one({"_id": id_value}, doc, upsert=True)
    try:
        client.admin.command("invalidateUserCache")
    except OperationFailure as exc:
        if exc.code != COMMAND_NOT_FOUND:
            raise
    return len(wanted), len(roles)
