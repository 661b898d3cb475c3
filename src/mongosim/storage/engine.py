"""The storage engine contract used by every command, and its implementation.

Contract (what callers may rely on):
- ``StorageEngine(dbpath)``; ``open()`` takes the dbpath lock (a second server on the same dbpath fails with
  ``StorageStartupError``) and recovers from the last checkpoint plus the journal; ``close()`` checkpoints and
  releases the lock.
- Every mutation (insert/replace/delete, catalog and index changes) is journalled before it returns;
  ``sync_journal()`` makes everything journalled so far durable (fsync) — writes with ``j: true`` call it before
  replying; a background commit does it every ``journal_commit_interval_ms`` otherwise.
- Documents handed out by ``Collection`` belong to the engine: callers never mutate them (copy first).
- Natural order is insertion order; a replace keeps the document's position.
- Errors are ``CommandError`` with MongoDB's codes (DuplicateKey 11000 with keyPattern/keyValue, NamespaceExists
  48, NamespaceNotFound 26, IndexNotFound 27, IndexOptionsConflict 85, IndexKeySpecsConflict 86, ...).

(Initial in-memory implementation: durability, secondary indexes and the planner are being completed.)
"""

from __future__ import annotations

import json
import uuid as uuid_module
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bson.binary import Binary, UuidRepresentation

from mongosim.errors import CommandError
from mongosim.storage.keys import id_key


class StorageStartupError(Exception):
    """The engine cannot start on this dbpath; ``exit_code`` is the code mongod exits with (100 for dbpath
    problems)."""

    def __init__(self, message: str, exit_code: int = 100) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class Plan:
    """How a collection answers a filter: which index, and the candidate documents in plan order.

    ``candidates`` is a superset of the matching documents (the caller still applies the filter);
    ``keys_examined`` grows as candidates are pulled. ``summary`` is the planSummary string
    ("COLLSCAN", "IXSCAN { a: 1 }", "EXPRESS_IXSCAN { _id: 1 }", "EOF"); ``stage``, ``index_name``,
    ``key_pattern`` and ``bounds`` (explain's indexBounds) describe it for explain. ``sorted_by_index`` is
    true when candidates already come in the requested sort order (no SORT stage needed).
    """

    stage: str
    candidates: Iterator[dict[str, Any]]
    index_name: str | None = None
    key_pattern: dict[str, Any] | None = None
    bounds: dict[str, list[str]] = field(default_factory=dict)
    direction: str = "forward"
    sorted_by_index: bool = False
    keys_examined: int = 0
    index_spec: dict[str, Any] | None = None

    @property
    def summary(self) -> str:
        if self.key_pattern is None:
            return self.stage
        inner = ", ".join(f"{k}: {v if not isinstance(v, str) else json.dumps(v)}" for k, v in self.key_pattern.items())
        return f"{self.stage} {{ {inner} }}"

    @classmethod
    def eof(cls) -> Plan:
        return cls("EOF", iter(()))


class Collection:
    def __init__(self, engine: StorageEngine, db: str, name: str, options: dict[str, Any],
                 uuid: Binary | None = None) -> None:
        self.engine = engine
        self.db = db
        self.name = name
        self.options = options
        self.uuid = uuid or Binary.from_uuid(uuid_module.uuid4(), UuidRepresentation.STANDARD)
        self._docs: dict[Any, dict[str, Any]] = {}
        self._indexes: list[dict[str, Any]] = [{"v": 2, "key": {"_id": 1}, "name": "_id_"}]

    @property
    def ns(self) -> str:
        return f"{self.db}.{self.name}"

    @property
    def capped(self) -> bool:
        return bool(self.options.get("capped"))

    def __len__(self) -> int:
        return len(self._docs)

    def documents(self) -> Iterator[dict[str, Any]]:
        """All documents in natural (insertion) order. Safe against concurrent modification."""
        return iter(list(self._docs.values()))

    def get(self, id_value: Any) -> dict[str, Any] | None:
        return self._docs.get(id_key(id_value))

    def insert(self, doc: dict[str, Any]) -> None:
        """Insert a document that already has an ``_id``; DuplicateKey when a unique index already holds it."""
        key = id_key(doc["_id"])
        if key in self._docs:
            raise CommandError(
                "DuplicateKey",
                f"E11000 duplicate key error collection: {self.ns} index: _id_ dup key: {{ _id: {doc['_id']!r} }}",
                keyPattern={"_id": 1}, keyValue={"_id": doc["_id"]})
        self._docs[key] = doc

    def replace(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        """Replace ``old`` (a document of this collection) by ``new`` with the same ``_id``."""
        self._docs[id_key(old["_id"])] = new

    def delete(self, doc: dict[str, Any]) -> None:
        self._docs.pop(id_key(doc["_id"]), None)

    def plan(self, filter_doc: dict[str, Any], *, hint: Any = None, sort: dict[str, Any] | None = None) -> Plan:
        """Choose how to answer ``filter_doc``: an index whose prefix the filter constrains, else COLLSCAN."""
        return Plan("COLLSCAN", self.documents())

    def list_indexes(self) -> list[dict[str, Any]]:
        return [dict(spec) for spec in self._indexes]

    def create_index(self, spec: dict[str, Any]) -> bool:
        """Create an index from a createIndexes spec; False when an identical one exists."""
        for existing in self._indexes:
            if existing["name"] == spec["name"]:
                return False
        self._indexes.append({"v": 2, **spec})
        return True

    def drop_index(self, name: str) -> None:
        for i, existing in enumerate(self._indexes):
            if existing["name"] == name and name != "_id_":
                del self._indexes[i]
                return
        raise CommandError("IndexNotFound", f"index not found with name [{name}]")

    def data_size(self) -> int:
        import bson

        return sum(len(bson.encode(doc)) for doc in self._docs.values())


class StorageEngine:
    def __init__(self, dbpath: str, *, journal_commit_interval_ms: int = 100) -> None:
        self.dbpath = dbpath
        self.journal_commit_interval_ms = journal_commit_interval_ms
        self._dbs: dict[str, dict[str, Collection]] = {}

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def sync_journal(self) -> None:
        pass

    def list_databases(self) -> list[str]:
        return sorted(name for name, colls in self._dbs.items() if colls)

    def list_collections(self, db: str) -> list[Collection]:
        return list(self._dbs.get(db, {}).values())

    def get_collection(self, db: str, name: str) -> Collection | None:
        return self._dbs.get(db, {}).get(name)

    def create_collection(self, db: str, name: str, options: dict[str, Any] | None = None) -> Collection:
        colls = self._dbs.setdefault(db, {})
        if name in colls:
            raise CommandError("NamespaceExists", f"Collection {db}.{name} already exists.")
        coll = Collection(self, db, name, dict(options or {}))
        colls[name] = coll
        return coll

    def get_or_create_collection(self, db: str, name: str) -> Collection:
        """The collection, created implicitly (as an insert or createIndexes does) when missing."""
        return self.get_collection(db, name) or self.create_collection(db, name)

    def drop_collection(self, db: str, name: str) -> bool:
        return self._dbs.get(db, {}).pop(name, None) is not None

    def drop_database(self, db: str) -> None:
        self._dbs.pop(db, None)

    def rename_collection(self, src_db: str, src: str, dst_db: str, dst: str, drop_target: bool = False) -> None:
        coll = self.get_collection(src_db, src)
        if coll is None:
            raise CommandError("NamespaceNotFound", "Source collection {}.{} does not exist".format(src_db, src))
        if self.get_collection(dst_db, dst) is not None:
            if not drop_target:
                raise CommandError("NamespaceExists", "target namespace exists")
            self.drop_collection(dst_db, dst)
        del self._dbs[src_db][src]
        coll.db, coll.name = dst_db, dst
        self._dbs.setdefault(dst_db, {})[dst] = coll
