"""What a restore reads: one replica set's dump in a stored backup, seen through its manifest.

``SetDump`` lists the set's namespaces with their metadata (options, indexes, UUID, type), the keys of their
data files and the oplog to replay; documents are streamed back as raw BSON, exactly as they were dumped.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bson import json_util
from bson.binary import Binary

from mongo_admin.ops.backup.format import Encoding, ObjectReader, get_object, read_documents
from mongo_admin.ops.backup.manifest import BackupManifest, ReplicaSetBackup
from mongo_admin.storage.base import Storage


@dataclass(frozen=True)
class NamespaceDump:
    """One collection or view of a dump. ``data_key`` is the full storage key of its documents (None: a view)."""

    db: str
    name: str
    type: str  # "collection", "view" or "timeseries"
    options: dict[str, Any]
    indexes: list[dict[str, Any]]
    uuid: Binary | None
    data_key: str | None
    documents: int
    raw_size: int

    @property
    def full(self) -> str:
        return f"{self.db}.{self.name}"


@dataclass
class SetDump:
    """One replica set's folder of a backup."""

    storage: Storage
    encoding: Encoding
    backup: ReplicaSetBackup
    namespaces: dict[str, NamespaceDump] = field(default_factory=dict)
    users_key: str | None = None
    roles_key: str | None = None
    oplog_key: str | None = None

    @property
    def name(self) -> str:
        return self.backup.name

    @property
    def raw_size(self) -> int:
        return sum(f.raw_size or f.size for f in self.backup.files)

    def data_namespaces(self) -> list[NamespaceDump]:
        """The namespaces a restore recreates: not ``admin``, ``config`` or ``local`` (users, roles and the
        sharding catalog take their own paths)."""
        return [ns for ns in self.namespaces.values() if ns.db not in ("admin", "config", "local")]

    def raw_documents(self, key: str) -> Iterator[bytes]:
        with ObjectReader(self.storage, key, self.encoding) as reader:
            yield from reader.documents(validate=False)

    def documents(self, key: str | None) -> list[dict[str, Any]]:
        return list(read_documents(self.storage, key, self.encoding)) if key else []

    def collection(self, db: str, name: str) -> list[dict[str, Any]]:
        """The decoded documents of ``db.name`` (small catalog collections only)."""
        found = self.namespaces.get(f"{db}.{name}")
        return self.documents(found.data_key) if found else []

    def oplog(self) -> Iterator[dict[str, Any]]:
        if self.oplog_key is not None:
            yield from read_documents(self.storage, self.oplog_key, self.encoding)


def open_set(storage: Storage, manifest: BackupManifest, replica_set: ReplicaSetBackup,
             encoding: Encoding) -> SetDump:
    """Read every metadata file of ``replica_set`` (small) and index its data files."""
    prefix = manifest.prefix
    dump = SetDump(storage, encoding, replica_set)
    data: dict[str, tuple[str | None, int, int]] = {}
    for item in replica_set.files:
        key = prefix + item.key
        if item.kind == "oplog":
            dump.oplog_key = key
        elif item.kind in ("data", "users", "roles"):
            data[item.namespace] = (key, item.documents or 0, item.raw_size or item.size)
            if item.kind == "users":
                dump.users_key = key
            elif item.kind == "roles":
                dump.roles_key = key
    for item in replica_set.files:
        if item.kind != "metadata":
            continue
        meta = json_util.loads(get_object(storage, prefix + item.key, encoding))
        db, _, name = item.namespace.partition(".")
        kind = str(meta.get("type") or "collection")
        raw_uuid = meta.get("uuid")
        data_key, documents, raw_size = data.get(item.namespace) or (None, 0, 0)
        dump.namespaces[item.namespace] = NamespaceDump(
            db=db, name=str(meta.get("collectionName") or name), type=kind, options=dict(meta.get("options") or {}),
            indexes=[dict(index) for index in meta.get("indexes") or []],
            uuid=Binary(uuid.UUID(hex=raw_uuid).bytes, 4) if raw_uuid else None,
            data_key=data_key, documents=documents, raw_size=raw_size)
    return dump
