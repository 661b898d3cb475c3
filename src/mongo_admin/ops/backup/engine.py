"""Taking a backup: full (cluster-consistent), config-server-only, or one shard.

A full backup, step by step (the record ``backup.json`` is stored before anything else and after every step):

1. lock — take the cluster's operation lock (a dead holder's stale lock is taken over: its backup or restore is
   marked failed and the balancer it stopped is put back);
2. balancer — stop it and wait until no migration runs (its mode is recorded in the lock before it is stopped,
   and restored on every exit path);
3. sources — choose one member per replica set (hidden, then the least-lagging secondary, the primary last) and
   note each set's newest oplog timestamp: its replay starts there;
4. dump — every replica set at once, several collections at a time, straight into storage;
5. cut-off — every set's oplog is made to reach one cluster time past everything the dumps read: the newest
   timestamp seen on any source becomes ``maxClusterTime`` of an ``appendOplogNote`` on each set's primary, so
   each set writes a no-op after it; the cut-off ``restore_to_time`` is the earliest of those no-ops, and each
   source is waited for until it holds its set's no-op;
6. oplog — each set's entries from its start to the cut-off are stored as its ``oplog.bson`` (after proving the
   oplog did not roll over during the dump);
7. manifest — every file with size, SHA-256 and document count, written last; the record says done.

Restoring each set's dump and replaying its oplog to ``restore_to_time`` gives every shard and the config
servers the state of one cluster time: a write that happened after another one (even on another shard) is never
present without it. Config-only and per-shard backups take the same steps for one replica set and are marked
not cluster-consistent.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from bson import Timestamp

from mongo_admin import __version__
from mongo_admin.errors import MongoAdminError, OperationCancelledError
from mongo_admin.ops.backup import balancer, oplog, recovery
from mongo_admin.ops.backup.dump import DumpProgress, Namespace, Throttle, dump_replica_set
from mongo_admin.ops.backup.encryption import EncryptionKey
from mongo_admin.ops.backup.format import DumpLayout, Encoding, StoredObject
from mongo_admin.ops.backup.lock import ClusterLock, Holder
from mongo_admin.ops.backup.manifest import (
    BackupFile,
    BackupManifest,
    BackupRecord,
    ClusterTime,
    EncryptionInfo,
    ReplicaSetBackup,
    ShardTopology,
    Topology,
    backup_prefix,
    current_holder,
    write_manifest,
    write_record,
)
from mongo_admin.ops.backup.sources import Source, choose_source
from mongo_admin.ops.cluster.access import ClusterAccess
from mongo_admin.ops.cluster.state import ClusterPaths, ClusterRecord, open_cluster
from mongo_admin.storage import open_storage
from mongo_admin.storage.base import Storage

if TYPE_CHECKING:
    from mongo_admin.mongo.client import Client

BackupKind = Literal["full", "config", "shard"]
CUTOFF_TIMEOUT_S = 120.0
NOTE = {"config": "config servers only: the sharding catalog, users and roles; not a copy of any shard's data",
        "shard": "one shard only, consistent within that shard but not with the rest of the cluster"}


class BackupFailedError(MongoAdminError):
    """A backup did not complete; its record in storage says at which step and why."""


@dataclass(frozen=True)
class BackupOptions:
    kind: BackupKind = "full"
    shard: str | None = None
    storage_url: str | None = None
    compression: Literal["gzip", "zstd", "none"] | None = None
    encryption_key_file: Path | None = None
    parallel_collections: int | None = None
    # Megabytes of documents read per second over the whole backup (None: as fast as the servers go).
    rate_limit_mb_s: float | None = None
    home: Path | None = None
    # An already opened storage (the API's job runner, tests injecting faults); wins over every URL.
    storage: Storage | None = None
    # Polled at every step: True stops the backup there (OperationCancelledError; its record says cancelled).
    cancelled: Callable[[], bool] | None = None


@dataclass(frozen=True)
class BackupEvent:
    """Progress for the CLI and the job runner: a step starting, or per replica set totals during the dump."""

    backup_id: str
    step: str
    message: str
    replica_set: str | None = None
    collections_done: int = 0
    collections_total: int = 0
    documents: int = 0
    bytes: int = 0


@dataclass(frozen=True)
class BackupResult:
    message: str
    backup_id: str
    cluster: str
    type: str
    state: str
    cluster_consistent: bool
    restore_to_time: str | None
    documents: int
    stored_bytes: int
    elapsed_s: float
    storage: str
    balancer_was: str
    took_over: str | None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_backup_id(now: dt.datetime) -> str:
    """``2026-11-26T08:10:00Z``: sortable, readable, and what PBM users are used to."""
    return now.strftime("%Y-%m-%dT%H:%M:%SZ")


def storage_for(paths: ClusterPaths, record: ClusterRecord, url: str | None = None) -> Storage:
    """The cluster's backup storage: ``url``, else the spec's ``backup.storage``, else under the state directory."""
    return open_storage(url or record.backup.storage or str(paths.root / "backups"))


class _Backup:
    def __init__(self, name: str, options: BackupOptions, progress: Callable[[BackupEvent], None]) -> None:
        self.options = options
        self.progress = progress
        self.paths, self.cluster = open_cluster(name, options.home)
        self.access = ClusterAccess(self.paths, self.cluster)
        settings = self.cluster.backup
        self.storage = options.storage or storage_for(self.paths, self.cluster, options.storage_url)
        key_file = options.encryption_key_file or settings.encryption_key_file
        self.key = EncryptionKey.from_file(key_file) if key_file else None
        self.encoding = Encoding(options.compression or settings.compression, self.key)
        self.parallel = options.parallel_collections or settings.parallel_collections
        limit = options.rate_limit_mb_s or settings.rate_limit_mb_s
        self.throttle = Throttle(limit * 2**20 if limit else None)
        self.started = _now()
        self.backup_id = self._unique_id(name, new_backup_id(self.started))
        self.record = BackupRecord(backup_id=self.backup_id, cluster=name, type=options.kind, started_at=self.started,
                                   updated_at=self.started, holder=current_holder())
        self.prefix = backup_prefix(name, self.backup_id)
        self.sets = self._sets()
        self.balancer_was = ""
        self.took_over: Holder | None = None

    def _unique_id(self, cluster: str, wanted: str) -> str:
        """``wanted``, or ``wanted-2``, ``-3``... when a backup started in the same second already has it."""
        candidate, number = wanted, 1
        while self.storage.stat(backup_prefix(cluster, candidate) + "backup.json") is not None:
            number += 1
            candidate = f"{wanted}-{number}"
        return candidate

    def _sets(self) -> list[str]:
        layout = self.cluster.layout
        if self.options.kind == "config":
            return [layout.config_set]
        if self.options.kind == "shard":
            if self.options.shard not in layout.shard_sets:
                raise BackupFailedError(f"no shard named {self.options.shard!r} in cluster {self.cluster.name}",
                                        f"its shards are {', '.join(layout.shard_sets)}",
                                        "pass one of them with --shard")
            return [self.options.shard]
        return [layout.config_set, *layout.shard_sets]

    # ------------------------------------------------------------------------------------------ bookkeeping
    def _step(self, name: str, message: str) -> None:
        if self.options.cancelled is not None and self.options.cancelled():
            raise OperationCancelledError(f"backup {self.backup_id} was cancelled",
                                          f"it stopped before step '{name}'")
        self.record.begin_step(name, _now())
        write_record(self.storage, self.record)
        self.progress(BackupEvent(self.backup_id, name, message))

    def _state(self, state: Literal["running", "uploading", "done"], progress: float) -> None:
        self.record.state = state
        self.record.progress = progress
        self.record.updated_at = _now()
        write_record(self.storage, self.record)

    # ------------------------------------------------------------------------------------------ run
    def run(self) -> BackupResult:
        began = time.monotonic()
        write_record(self.storage, self.record)
        lock: ClusterLock | None = None
        router: Client | None = None
        try:
            router = self.access.router_client(timeout_s=30.0)
            self._step("lock", "taking the cluster's backup/restore lock")
            lock = ClusterLock(router, "backup", self.backup_id).acquire()
            if lock.taken_over is not None:
                self.took_over = lock.taken_over
                recovery.settle(router, self.storage, self.cluster.name, lock.taken_over,
                                f"{recovery.dead_holder_reason(lock.taken_over)}; the lock was taken over by backup "
                                f"{self.backup_id}")
            self._step("balancer", "stopping the balancer and waiting for migrations to finish")
            # Its mode goes into the lock before it is stopped: whoever finds this run dead puts it back.
            self.balancer_was = balancer.mode(router)
            lock.remember_balancer(self.balancer_was)
            balancer.pause(router)
            self._step("sources", "choosing a member of each replica set to read")
            sources = {name: choose_source(self.access, name) for name in self.sets}
            starts = {name: self._newest(source) for name, source in sources.items()}
            self._state("running", 5.0)
            self._step("dump", "dumping " + ", ".join(f"{s.set_name} from {s.node.address} ({s.kind})"
                                                      for s in sources.values()))
            stored = self._dump_all(sources)
            self._state("uploading", 80.0)
            self._step("cut-off", "making every replica set's oplog reach one cluster time")
            cutoffs = self._cutoff(sources)
            restore_to = min(cutoffs.values())
            self._step("oplog", f"storing each replica set's oplog up to {restore_to.as_datetime().isoformat()}")
            oplogs = {name: self._store_oplog(sources[name], starts[name],
                                              restore_to if self.options.kind == "full" else cutoffs[name])
                      for name in self.sets}
            self._step("manifest", "writing the manifest")
            manifest = self._manifest(sources, starts, stored, oplogs, restore_to)
            write_manifest(self.storage, manifest)
            self.record.finish_step(_now())
            self._state("done", 100.0)
        except BaseException as exc:
            cancelled = isinstance(exc, KeyboardInterrupt | OperationCancelledError)
            self.record.fail("interrupted" if isinstance(exc, KeyboardInterrupt) else exc, _now(),
                             state="cancelled" if cancelled else "failed")
            write_record(self.storage, self.record)
            if isinstance(exc, MongoAdminError) and not cancelled:
                raise BackupFailedError(f"backup {self.backup_id} of cluster {self.cluster.name} failed at step "
                                        f"'{self.record.failed_step}'", exc.message(),
                                        "fix the cause and take a new backup; this one is kept as failed "
                                        f"(mongo-admin backup show {self.backup_id})") from exc
            raise
        finally:
            if router is not None:
                try:
                    if self.balancer_was:
                        balancer.resume(router, self.balancer_was)
                finally:
                    if lock is not None:
                        lock.release()
                    router.close()
        totals = [f for rs in manifest.replica_sets for f in rs.files]
        documents = sum(f.documents or 0 for f in totals if f.kind in ("data", "users", "roles"))
        size = sum(f.size for f in totals)
        took = time.monotonic() - began
        consistent = self.options.kind == "full"
        return BackupResult(
            message=f"backup {self.backup_id} of cluster {self.cluster.name} done: {self.options.kind}, "
                    f"{documents:,} documents, {size / 2**20:.1f} MiB stored in {took:.1f} s; restorable to "
                    f"{restore_to.as_datetime().isoformat()}" + ("" if consistent else f" ({NOTE[self.options.kind]})"),
            backup_id=self.backup_id, cluster=self.cluster.name, type=self.options.kind, state="done",
            cluster_consistent=consistent, restore_to_time=restore_to.as_datetime().isoformat(),
            documents=documents, stored_bytes=size, elapsed_s=round(took, 3), storage=self.storage.describe(),
            balancer_was=self.balancer_was, took_over=self.took_over.describe() if self.took_over else None)

    def _newest(self, source: Source) -> Timestamp:
        with self.access.node(source.node, timeout_s=30.0) as client:
            return oplog.newest_ts(client)

    def _dump_all(self, sources: dict[str, Source]) -> dict[str, list[tuple[Namespace | None, str, StoredObject]]]:
        version = self.cluster.binaries.version
        progress = {name: DumpProgress(name) for name in sources}
        done = threading.Event()

        def report() -> None:
            while not done.wait(1.0):
                for each in progress.values():
                    self._report(each)

        def one(name: str) -> list[tuple[Namespace | None, str, StoredObject]]:
            source = sources[name]
            with self.access.node(source.node, timeout_s=300.0) as client:
                return dump_replica_set(client, self.storage, self.prefix + name, self.encoding,
                                        configsvr=name == self.cluster.layout.config_set, parallel=self.parallel,
                                        progress=progress[name], server_version=version, tool_version=__version__,
                                        throttle=self.throttle)

        reporter = threading.Thread(target=report, name="backup-progress", daemon=True)
        reporter.start()
        try:
            with ThreadPoolExecutor(max_workers=len(sources), thread_name_prefix="dump") as pool:
                futures = {name: pool.submit(one, name) for name in sources}
                results = {name: future.result() for name, future in futures.items()}
        finally:
            done.set()
            reporter.join()
        for each in progress.values():
            self._report(each)
        return results

    def _report(self, each: DumpProgress) -> None:
        self.progress(BackupEvent(self.backup_id, "dump", f"{each.set_name}: {each.collections_done}/"
                                  f"{each.collections_total} collections, {each.documents:,} documents, "
                                  f"{each.bytes / 2**20:.1f} MiB", each.set_name, each.collections_done,
                                  each.collections_total, each.documents, each.bytes))

    def _cutoff(self, sources: dict[str, Source]) -> dict[str, Timestamp]:
        """Each set's no-op past the newest timestamp any dump could have read, once its source holds it."""
        from pymongo.errors import OperationFailure

        from mongo_admin.ops.cluster import replsets

        seen = max(self._newest(source) for source in sources.values())
        notes: dict[str, Timestamp] = {}
        for name in sources:
            primary = replsets.primary_of(self.access, name)
            if primary is None:
                raise BackupFailedError(f"replica set {name} has no primary", "the cut-off note cannot be written",
                                        "wait for an election (mongo-admin cluster status) and retry")
            with self.access.node(primary, timeout_s=30.0) as client:
                try:
                    client.admin.command("appendOplogNote", data={"mongoAdminBackup": self.backup_id},
                                         maxClusterTime=Timestamp(seen.time, seen.inc + 1))
                except OperationFailure as exc:
                    if exc.code != 209:  # StaleClusterTime: the set already wrote past it, which is as good
                        raise
                notes[name] = oplog.newest_ts(client)
        deadline = time.monotonic() + CUTOFF_TIMEOUT_S
        for name, source in sources.items():
            with self.access.node(source.node, timeout_s=30.0) as client:
                while oplog.newest_ts(client) < notes[name]:
                    if time.monotonic() >= deadline:
                        raise BackupFailedError(f"{source.node.address} did not replicate the cut-off of {name}",
                                                f"still behind after {CUTOFF_TIMEOUT_S:g} s",
                                                "check its replication (mongo-admin cluster status) and retry")
                    time.sleep(0.1)
        return notes

    def _store_oplog(self, source: Source, start: Timestamp, end: Timestamp) -> tuple[StoredObject, Timestamp, int]:
        from mongo_admin.ops.backup.format import CollectionWriter

        layout = DumpLayout(self.prefix + source.set_name, self.encoding)
        with self.access.node(source.node, timeout_s=300.0) as client:
            oplog.check_covers(client, source.set_name, start)
            with CollectionWriter(self.storage, layout.oplog_key(), self.encoding) as writer:
                for entry in oplog.entries(client, start, end):
                    writer.write(entry.raw)
            oplog.check_covers(client, source.set_name, start)
        assert writer.result is not None
        return writer.result, end, writer.documents

    def _manifest(self, sources: dict[str, Source], starts: dict[str, Timestamp],
                  stored: dict[str, list[tuple[Namespace | None, str, StoredObject]]],
                  oplogs: dict[str, tuple[StoredObject, Timestamp, int]], restore_to: Timestamp) -> BackupManifest:
        layout = self.cluster.layout
        sets = []
        for name in self.sets:
            files = [BackupFile(key=obj.key.removeprefix(self.prefix), kind=kind,  # type: ignore[arg-type]
                                namespace=namespace.full if namespace else "", size=obj.size, sha256=obj.sha256,
                                documents=obj.documents, raw_size=obj.raw_size)
                     for namespace, kind, obj in stored[name]]
            log, end, entries = oplogs[name]
            files.append(BackupFile(key=log.key.removeprefix(self.prefix), kind="oplog", size=log.size,
                                    sha256=log.sha256, documents=log.documents, raw_size=log.raw_size))
            sets.append(ReplicaSetBackup(name=name, role="configsvr" if name == layout.config_set else "shardsvr",
                                         source_host=sources[name].node.address, first_ts=ClusterTime.of(starts[name]),
                                         last_ts=ClusterTime.of(end), oplog_entries=entries, files=files))
        with self.access.routers(timeout_s=30.0) as router:
            fcv = router.admin.command("getParameter", 1, featureCompatibilityVersion=1)
        topology = Topology(config_set=layout.config_set,
                            shards=[ShardTopology(name=s, hosts=[n.address for n in layout.members(s)])
                                    for s in layout.shard_sets],
                            routers=[n.address for n in layout.routers])
        kind = self.options.kind
        return BackupManifest(
            tool_version=__version__, backup_id=self.backup_id, cluster=self.cluster.name, type=kind,
            cluster_consistent=kind == "full", note=NOTE.get(kind, ""), mongodb_version=self.cluster.binaries.version,
            fcv=str(fcv.get("featureCompatibilityVersion", {}).get("version", "")), started_at=self.started,
            finished_at=_now(), restore_to_time=ClusterTime.of(restore_to), balancer_was=self.balancer_was,
            compression=self.encoding.compression,
            encryption=EncryptionInfo(key_fingerprint=self.key.fingerprint) if self.key else None,
            topology=topology, replica_sets=sets)


def create_backup(name: str, options: BackupOptions | None = None,
                  progress: Callable[[BackupEvent], None] = lambda _: None) -> BackupResult:
    """Take a backup of cluster ``name`` (see the module docstring for the steps)."""
    return _Backup(name, options or BackupOptions(), progress).run()
