"""A restore drill: prove a backup restores, and measure how long recovery takes.

``restore_drill`` checks every file, deploys a scratch sandbox cluster of the backup's shape on this machine (one
member per replica set, the backup's shard names, the source cluster's binaries, access control on), restores the
backup into it, and compares what the scratch cluster holds with what the backup says it should hold at
``restore_to_time``: per collection the documents of the dump with the oplog's inserts and deletes replayed over
them — the same ids, and the same content wherever no update touched the collection (an update's effect is the
server's to compute; those collections are compared by ids and counts). Recovery time is reported per phase
(deploy of the scratch cluster, each restore phase, comparison). The scratch cluster is destroyed afterwards unless
asked to keep it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bson
import yaml

from mongo_admin.errors import MongoAdminError
from mongo_admin.ops.backup.catalog import BackupNotFoundError
from mongo_admin.ops.backup.encryption import EncryptionKey
from mongo_admin.ops.backup.format import Encoding, ObjectReader
from mongo_admin.ops.backup.manifest import BackupManifest, ReplicaSetBackup, read_manifest
from mongo_admin.ops.backup.verify import verify_files
from mongo_admin.ops.cluster.access import ClusterAccess
from mongo_admin.ops.cluster.state import open_cluster
from mongo_admin.storage.base import Storage

# Namespaces a drill does not compare: the server's own and the platform's.
SKIPPED_DATABASES = frozenset({"admin", "config", "local", "mongo_admin"})


class DrillError(MongoAdminError):
    """The drill could not run (the backup is incomplete or damaged, the scratch cluster did not come up)."""


@dataclass
class _Expected:
    """What one namespace should hold: document hash by _id key, and whether updates make content unknowable."""

    documents: dict[bytes, str] = field(default_factory=dict)
    updated: bool = False


@dataclass(frozen=True)
class CollectionCheck:
    namespace: str
    expected: int
    restored: int
    content_compared: bool
    ok: bool
    note: str = ""


@dataclass(frozen=True)
class DrillResult:
    message: str
    backup_id: str
    cluster: str
    ok: bool
    scratch_cluster: str
    kept: bool
    recovery_time_s: float
    phases: dict[str, float]
    collections: list[CollectionCheck]
    problems: list[str]


def _id_key(value: Any) -> bytes:
    return bson.encode({"_id": value})


def _digest(document: Mapping[str, Any]) -> str:
    return hashlib.sha256(bson.encode(document)).hexdigest()


def _documents(storage: Storage, key: str, encoding: Encoding) -> Iterator[dict[str, Any]]:
    with ObjectReader(storage, key, encoding) as reader:
        for raw in reader.documents(validate=False):
            yield bson.decode(raw)


def _expected(storage: Storage, manifest: BackupManifest, replica_set: ReplicaSetBackup,
              encoding: Encoding) -> dict[str, _Expected]:
    """Per namespace of one replica set: its dump, then its oplog's inserts, deletes and updates to the cut."""
    out: dict[str, _Expected] = {}
    cut = manifest.restore_to_time.timestamp() if manifest.restore_to_time else None
    # The first entry is the newest write before the dump began: the dump already holds its effect.
    start = replica_set.first_ts.timestamp() if replica_set.first_ts else None
    for item in replica_set.files:
        if item.kind == "data" and item.namespace.split(".", 1)[0] not in SKIPPED_DATABASES:
            state = out.setdefault(item.namespace, _Expected())
            for document in _documents(storage, manifest.prefix + item.key, encoding):
                state.documents[_id_key(document["_id"])] = _digest(document)
    oplog = next((f for f in replica_set.files if f.kind == "oplog"), None)
    if oplog is None:
        return out
    for entry in _documents(storage, manifest.prefix + oplog.key, encoding):
        if cut is not None and entry["ts"] > cut:
            break
        if start is not None and entry["ts"] <= start:
            continue
        for op in _operations(entry):
            namespace = str(op.get("ns", ""))
            if op.get("op") not in ("i", "u", "d") or namespace.split(".", 1)[0] in SKIPPED_DATABASES:
                continue
            state = out.setdefault(namespace, _Expected())
            if op["op"] == "i":
                state.documents[_id_key(op["o"]["_id"])] = _digest(op["o"])
            elif op["op"] == "d":
                state.documents.pop(_id_key(op["o"]["_id"]), None)
            elif op["op"] == "u":
                state.updated = True
                state.documents.setdefault(_id_key(op["o2"]["_id"]), "")
    return out


def _operations(entry: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    """An entry's operations: itself, or the operations of a transaction's applyOps."""
    body = entry.get("o")
    if entry.get("op") == "c" and isinstance(body, Mapping) and isinstance(body.get("applyOps"), list):
        operations: list[Mapping[str, Any]] = body["applyOps"]
        return operations
    return [entry]


def _compare(access: ClusterAccess, expected: dict[str, _Expected]) -> list[CollectionCheck]:
    checks = []
    with access.routers(timeout_s=60.0) as router:
        for namespace in sorted(expected):
            db, coll = namespace.split(".", 1)
            state = expected[namespace]
            restored: dict[bytes, str] = {}
            for document in router[db][coll].find({}):
                restored[_id_key(document["_id"])] = _digest(document)
            same_ids = set(restored) == set(state.documents)
            if state.updated:
                ok, note = same_ids, "updated after the dump started: ids and counts compared"
            else:
                ok, note = restored == state.documents, ""
            if not same_ids:
                missing = len(set(state.documents) - set(restored))
                extra = len(set(restored) - set(state.documents))
                note = f"{missing} documents missing, {extra} unexpected"
            elif not ok:
                note = "documents differ in content"
            checks.append(CollectionCheck(namespace, len(state.documents), len(restored), not state.updated, ok,
                                          note))
    return checks


def _scratch_spec(name: str, manifest: BackupManifest, binary_dir: Path) -> str:
    spec = {"name": name, "binaries": {"directory": str(binary_dir)},
            "topology": {"config_servers": {"members": 1},
                         "shards": [{"name": shard.name, "members": 1} for shard in manifest.topology.shards],
                         "routers": 1},
            "ports": {"base": 28000}}
    return yaml.safe_dump(spec, sort_keys=False)


def restore_drill(name: str, backup_id: str, home: Path | None = None, storage_url: str | None = None,
                  key_file: Path | None = None, *, keep: bool = False) -> DrillResult:
    """Restore ``backup_id`` of cluster ``name`` into a scratch cluster and compare (see the module docstring)."""
    from mongo_admin.ops.backup.engine import storage_for
    from mongo_admin.ops.cluster.deploy import DeployOptions, deploy
    from mongo_admin.ops.cluster.lifecycle import destroy_cluster
    from mongo_admin.ops.restore.engine import RestoreOptions, restore_cluster
    from mongo_admin.spec.load import parse_spec

    paths, record = open_cluster(name, home)
    storage = storage_for(paths, record, storage_url)
    manifest = read_manifest(storage, name, backup_id)
    if manifest is None or manifest.type != "full":
        raise BackupNotFoundError(f"backup {backup_id} of cluster {name} is not a complete full backup",
                                  "a restore drill restores a whole cluster", "list them with: mongo-admin backup list")
    key_file = key_file or record.backup.encryption_key_file
    key = EncryptionKey.from_file(key_file) if key_file and manifest.encryption else None
    phases: dict[str, float] = {}
    began = time.monotonic()
    checked = verify_files(storage, manifest, key)
    phases["verify files"] = round(time.monotonic() - began, 3)
    if not checked.ok:
        raise DrillError(f"backup {backup_id} is damaged: the drill stops before restoring",
                         "; ".join(str(problem) for problem in checked.problems[:3]),
                         f"see every problem with: mongo-admin backup verify {backup_id}")
    encoding = Encoding(manifest.compression, key)
    expected: dict[str, _Expected] = {}
    for replica_set in manifest.replica_sets:
        if replica_set.role == "shardsvr":
            for namespace, state in _expected(storage, manifest, replica_set, encoding).items():
                merged = expected.setdefault(namespace, _Expected())
                merged.documents.update(state.documents)
                merged.updated = merged.updated or state.updated
    scratch = f"{name}-drill-{dt.datetime.now(dt.UTC).strftime('%Y%m%d%H%M%S')}"
    text = _scratch_spec(scratch, manifest, Path(record.binaries.mongod).parent)
    began = time.monotonic()
    try:
        deploy(parse_spec(text, "<drill spec>"), text, DeployOptions(home=home))
        phases["deploy scratch cluster"] = round(time.monotonic() - began, 3)
        restored = restore_cluster(scratch, backup_id, RestoreOptions(home=home, source_cluster=name,
                                                                      storage_url=storage_url,
                                                                      encryption_key_file=key_file))
        phases.update({f"restore: {phase}": round(seconds, 3) for phase, seconds in restored.phases.items()})
        began = time.monotonic()
        scratch_paths, scratch_record = open_cluster(scratch, home)
        checks = _compare(ClusterAccess(scratch_paths, scratch_record), expected)
        phases["compare"] = round(time.monotonic() - began, 3)
    finally:
        leftover = None
        if not keep:
            try:
                destroy_cluster(scratch, home)
            except MongoAdminError as exc:
                leftover = (f"scratch cluster {scratch} could not be removed ({exc.what}); remove it with: "
                            f"mongo-admin cluster destroy --cluster {scratch} --yes")
    problems = [f"{c.namespace}: {c.note}" for c in checks if not c.ok] + ([leftover] if leftover else [])
    ok = not problems
    verdict = "restores correctly" if ok else f"FAILED the drill ({len(problems)} collections differ)"
    return DrillResult(
        message=f"backup {backup_id} {verdict}: {len(checks)} collections compared, recovery time "
                f"{restored.elapsed_s:.1f} s (restore only) in scratch cluster {scratch}",
        backup_id=backup_id, cluster=name, ok=ok, scratch_cluster=scratch, kept=keep,
        recovery_time_s=round(restored.elapsed_s, 3), phases=phases, collections=checks, problems=problems)
