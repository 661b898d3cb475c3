"""Restoring a backup into a deployed cluster: the whole cluster, one shard, selected namespaces, or the config
servers only. Every restore takes the same steps, its record (``<cluster>/restores/<id>.json``) written before
the first and after each one:

1. preflight - prove it can succeed (``preflight``); a refusal changes nothing but the record;
2. lock - the cluster's backup/restore lock, so no backup runs meanwhile (a dead holder's stale lock is taken
   over: its record marked failed, its balancer put back);
3. balancer - stopped (its mode recorded in the lock first) and put back as it was at the end, whatever happens;
4. data - every replica set involved at once, each on its primary directly (``replica_set``): drop, create with
   the original UUIDs, insert, build indexes, users and roles, the sharding catalog on the config servers
   (``catalog``), then the set's oplog replayed up to the backup's ``restore_to_time``;
5. routing - every router and every shard member forgets its cached routing and users (``flushRouterConfig``,
   ``invalidateUserCache``) so reads and writes route by the restored catalog at once.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import itertools
import threading
import time
import uuid as uuid_module
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bson import Timestamp
from bson.binary import Binary

from mongo_admin.errors import InvalidInputError, MongoAdminError, OperationCancelledError
from mongo_admin.ops.backup import balancer, recovery
from mongo_admin.ops.backup.engine import new_backup_id, storage_for
from mongo_admin.ops.backup.format import Encoding
from mongo_admin.ops.backup.lock import ClusterLock
from mongo_admin.ops.backup.manifest import BackupManifest, current_holder
from mongo_admin.ops.cluster.access import ClusterAccess
from mongo_admin.ops.cluster.layout import Node
from mongo_admin.ops.cluster.state import open_cluster
from mongo_admin.ops.restore import catalog as catalog_ops
from mongo_admin.ops.restore import preflight
from mongo_admin.ops.restore.preflight import PlannedNamespace, PreflightCheck, RestorePreflight, RestoreRefusedError
from mongo_admin.ops.restore.record import (
    RestoreKind,
    RestoreRecord,
    restore_key,
    restore_storage,
    write_restore_record,
)
from mongo_admin.ops.restore.replay import ReplayRules
from mongo_admin.ops.restore.replica_set import SetPlan, SetProgress, SetResult, restore_set
from mongo_admin.ops.restore.source import SetDump, open_set

if TYPE_CHECKING:
    from mongo_admin.mongo.client import Client

CAVEAT = {"shard": "consistent within the shard only: the other shards and the config servers were not rolled "
                   "back, so writes that span shards may be half present",
          "config": "the sharding catalog, users and roles are as at the backup; the shards' data is today's, so "
                    "chunks that moved since the backup point at shards that no longer hold their documents",
          "namespaces": "only the selected namespaces were restored; the rest of the cluster is unchanged"}
PRIMARY_TIMEOUT_S = 600.0
NAMESPACE_NOT_FOUND = 26


class RestoreFailedError(MongoAdminError):
    """A restore failed after its preflight; its record says at which step and why."""


@dataclass(frozen=True)
class RestoreOptions:
    """``source_cluster``: the cluster the backup belongs to (default: the target); ``shard_map``: backup
    shard -> target shard; ``by_position``: pair shards in order when their names differ; ``users_and_roles``:
    restore them (default: yes, except for a selective restore); ``from_shard``: the backup shard a one-shard
    restore reads (default: the shard of the same name, or the mapped one, or the backup's only shard)."""

    home: Path | None = None
    storage_url: str | None = None
    source_cluster: str | None = None
    shard_map: Mapping[str, str] | None = None
    by_position: bool = False
    encryption_key_file: Path | None = None
    users_and_roles: bool | None = None
    from_shard: str | None = None
    batch_documents: int = 1000
    # Point in time (timezone-aware): the backup's data and oplog, then the oplog slices up to this moment.
    point_in_time: dt.datetime | None = None
    # Polled at every step: True stops the restore there (OperationCancelledError; its record says cancelled).
    cancelled: Callable[[], bool] | None = None


@dataclass(frozen=True)
class RestoreEvent:
    restore_id: str
    step: str
    message: str
    replica_set: str | None = None
    collections_done: int = 0
    collections_total: int = 0
    documents: int = 0
    bytes: int = 0


@dataclass(frozen=True)
class ReplicaSetOutcome:
    source: str
    target: str
    collections: int
    views: int
    documents: int
    bytes: int
    indexes: int
    users: int
    roles: int
    oplog_applied: int
    oplog_skipped: int
    timings: dict[str, float]


@dataclass(frozen=True)
class RestoreResult:
    """``phases``: seconds per phase (the longest replica set's, as they run at once): drop, insert, indexes,
    users, catalog, oplog, routing."""

    message: str
    restore_id: str
    backup_id: str
    source_cluster: str
    cluster: str
    kind: str
    state: str
    caveat: str | None
    shard_map: dict[str, str]
    restore_to_time: str | None
    documents: int
    bytes: int
    collections: int
    indexes: int
    oplog_applied: int
    phases: dict[str, float]
    replica_sets: list[ReplicaSetOutcome]
    notes: list[str]
    elapsed_s: float
    balancer_was: str
    storage: str


@dataclass
class _Job:
    """The plans one target replica set runs, one after the other."""

    target: str
    plans: list[SetPlan] = field(default_factory=list)


def _wall(entry: Mapping[str, Any]) -> dt.datetime:
    """An oplog entry's wall time (UTC), the moment its write was applied on the primary."""
    wall = entry.get("wall")
    if not isinstance(wall, dt.datetime):
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    return wall if wall.tzinfo else wall.replace(tzinfo=dt.UTC)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _matches(ns: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(ns, pattern) for pattern in patterns)


def rename_namespace(ns: str, rename: Mapping[str, str]) -> str:
    """``--nsFrom/--nsTo`` style: an exact ``db.coll`` key, else a ``db.*`` key renames the database."""
    if ns in rename:
        return rename[ns]
    db, _, name = ns.partition(".")
    for source, target in rename.items():
        if source == f"{db}.*" and target.endswith(".*"):
            return f"{target[:-2]}.{name}"
    return ns


def data_rules(*, users: bool, keep_users: frozenset[str]) -> ReplayRules:
    """A shard's replay: everything but ``config``, ``admin`` other than users and roles (when restored), and
    the kept users."""

    def target(ns: str) -> str | None:
        if ns in ("admin.system.users", "admin.system.roles"):
            return ns if users else None
        return None if ns.startswith(("config.", "admin.")) else ns

    def transform(entry: dict[str, Any]) -> dict[str, Any] | None:
        ids = {(entry.get("o") or {}).get("_id"), (entry.get("o2") or {}).get("_id")}
        return None if entry["ns"] == "admin.system.users" and ids & keep_users else entry

    return ReplayRules(target=target, transform=transform)


class _Restore:
    def __init__(self, name: str, backup_id: str, kind: RestoreKind, options: RestoreOptions,
                 progress: Callable[[RestoreEvent], None], *, shard: str | None = None,
                 namespaces: Sequence[str] = (), rename: Mapping[str, str] | None = None) -> None:
        self.options = options
        self.kind = kind
        self.progress = progress
        self.shard = shard
        self.patterns = list(namespaces)
        self.rename = dict(rename or {})
        self.backup_id = backup_id
        self.paths, self.cluster = open_cluster(name, options.home)
        self.access = ClusterAccess(self.paths, self.cluster)
        self.source_cluster = options.source_cluster or name
        self.storage = restore_storage(self.paths, self.cluster, options.storage_url, self.source_cluster,
                                       options.home)
        self.started = _now()
        self.restore_id = self._new_id()
        self.record = RestoreRecord(restore_id=self.restore_id, backup_id=backup_id, source_cluster=self.source_cluster,
                                    cluster=name, kind=kind, started_at=self.started, updated_at=self.started,
                                    holder=current_holder())
        self.users = options.users_and_roles if options.users_and_roles is not None else kind != "namespaces"
        admin = self.cluster.admin_user
        self.keep_users = frozenset({f"admin.{admin}"} if admin else set())
        self.notes: list[str] = []
        self.balancer_was = ""
        self.set_progress: dict[str, SetProgress] = {}
        # Set by the preflight.
        self.manifest: BackupManifest
        self.mapping: dict[str, str] = {}
        self.dumps: dict[str, SetDump] = {}
        self.primaries: dict[str, Node] = {}
        self.end: Timestamp | None = None
        self.point_in_time: tuple[dt.datetime, Timestamp, dict[str, list[str]], Encoding] | None = None
        self.files_checked = 0
        self.selected: dict[str, str] = {}
        self.sharded_targets: dict[str, tuple[str, Binary]] = {}
        self.checks: list[PreflightCheck] = []

    def _new_id(self) -> str:
        base = new_backup_id(self.started)
        candidate, n = base, 1
        while self.storage.stat(restore_key(self.cluster.name, candidate)) is not None:
            n += 1
            candidate = f"{base}-{n}"
        return candidate

    # ------------------------------------------------------------------------------------------ bookkeeping
    def _step(self, name: str, message: str, progress: float | None = None) -> None:
        if self.options.cancelled is not None and self.options.cancelled():
            raise OperationCancelledError(f"restore {self.restore_id} was cancelled",
                                          f"it stopped before step '{name}'; what earlier steps restored stays")
        self.record.begin_step(name, _now())
        if progress is not None:
            self.record.progress = progress
        write_restore_record(self.storage, self.record)
        self.progress(RestoreEvent(self.restore_id, name, message))

    # ------------------------------------------------------------------------------------------ run
    def run(self) -> RestoreResult:
        began = time.monotonic()
        write_restore_record(self.storage, self.record)
        router: Client | None = None
        lock: ClusterLock | None = None
        results: list[SetResult] = []
        routing_s = 0.0
        try:
            self._step("preflight", "checking the backup, its files, the key, the topology and the target")
            self._preflight()
            router = self.access.router_client(timeout_s=30.0)
            self._step("lock", "taking the cluster's backup/restore lock", 5.0)
            lock = ClusterLock(router, "restore", self.restore_id).acquire()
            if lock.taken_over is not None:
                recovery.settle(router, self.storage, self.cluster.name, lock.taken_over,
                                f"{recovery.dead_holder_reason(lock.taken_over)}; the lock was taken over by "
                                f"restore {self.restore_id}")
            self._step("balancer", "stopping the balancer and waiting for migrations to finish", 8.0)
            # Its mode goes into the lock before it is stopped: whoever finds this run dead puts it back.
            self.balancer_was = balancer.mode(router)
            lock.remember_balancer(self.balancer_was)
            balancer.pause(router)
            self.record.state = "running"
            jobs = self._jobs(router)
            self._step("data", f"restoring {', '.join(sorted({job.target for job in jobs}))}", 10.0)
            results = self._run_jobs(jobs)
            if self.kind == "namespaces":
                self._install_sharded(router)
            self._step("routing", "routers and shards forget their cached routing and users", 90.0)
            routed = time.monotonic()
            self._flush()
            routing_s = time.monotonic() - routed
            self.record.finish_step(_now())
            self.record.state = "done"
            self.record.progress = 100.0
            write_restore_record(self.storage, self.record)
        except BaseException as exc:
            cancelled = isinstance(exc, KeyboardInterrupt | OperationCancelledError)
            self.record.fail("interrupted" if isinstance(exc, KeyboardInterrupt) else exc, _now(),
                             state="cancelled" if cancelled else "failed")
            write_restore_record(self.storage, self.record)
            if isinstance(exc, MongoAdminError) and not isinstance(exc, RestoreRefusedError | OperationCancelledError):
                raise RestoreFailedError(f"restore {self.restore_id} of backup {self.backup_id} into cluster "
                                         f"{self.cluster.name} failed at step '{self.record.failed_step}'",
                                         f"{exc.what}: {exc.why}" if exc.why else exc.what,
                                         exc.fix or "fix the cause and run the restore again (it starts over from "
                                         "the backup); the record keeps this attempt") from exc
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
        return self._result(results, routing_s, time.monotonic() - began)

    # ------------------------------------------------------------------------------------------ preflight
    def _preflight(self) -> None:
        with self._check("backup") as found:
            manifest = preflight.load_manifest(self.storage, self.source_cluster, self.backup_id)
            self.manifest = manifest
            allowed = {"full": ("full",), "shard": ("full", "shard"), "namespaces": ("full",),
                       "config": ("full", "config")}
            if manifest.type not in allowed[self.kind]:
                raise RestoreRefusedError(f"backup {self.backup_id} is a {manifest.type} backup",
                                          f"a {self.kind} restore needs a {' or '.join(allowed[self.kind])} backup",
                                          {"config": "use restore_config (backup restore --config-only)",
                                           "shard": "use restore_shard (backup restore --shard NAME)"}.get(
                                              manifest.type, "choose a full backup"))
            found.append(f"backup {self.backup_id} of cluster {self.source_cluster} is a complete {manifest.type} "
                         "backup (its manifest is present)")
        layout = self.cluster.layout
        backup_shards = [rs.name for rs in manifest.replica_sets if rs.role == "shardsvr"] or \
            [shard.name for shard in manifest.topology.shards]
        with self._check("topology") as found:
            used = self._used_sets(manifest, backup_shards)
            found.append("replica sets map onto cluster " + self.cluster.name + ": "
                         + ", ".join(f"{source} → {target}" for source, target in self.mapping.items()))
        with self._check("key") as found:
            key_file = self.options.encryption_key_file or self.cluster.backup.encryption_key_file
            key = preflight.resolve_key(manifest, key_file)
            found.append("the key file matches the backup's key" if key else "the backup is not encrypted")
        with self._check("files") as found:
            self.files_checked = preflight.check_files(self.storage, manifest, key, set(used))
            found.append(f"{self.files_checked} files re-read: present, sizes, SHA-256, BSON and document counts "
                         "match the manifest")
        targets = {name: self.mapping.get(name, layout.config_set) for name in used}
        with self._check("primaries") as found:
            self.primaries = preflight.find_primaries(self.access, sorted(set(targets.values())))
            found.append(", ".join(f"{name}: {node.address}" for name, node in self.primaries.items()))
        encoding = Encoding(manifest.compression, key)
        self.dumps = {rs.name: open_set(self.storage, manifest, rs, encoding)
                      for rs in manifest.replica_sets if rs.name in used}
        if self.kind == "namespaces":
            with self._check("namespaces") as found:
                self.selected = {ns.full: rename_namespace(ns.full, self.rename) for name in backup_shards
                                 for ns in self.dumps[name].data_namespaces() if _matches(ns.full, self.patterns)}
                if not self.selected:
                    raise RestoreRefusedError(f"no namespace of backup {self.backup_id} matches "
                                              f"{', '.join(self.patterns) or '(none given)'}",
                                              "the backup holds " + ", ".join(sorted(
                                                  {ns.full for name in backup_shards
                                                   for ns in self.dumps[name].data_namespaces()}))[:500],
                                              "pass namespaces as db.collection or db.*")
                found.append(", ".join(source if source == target else f"{source} → {target}"
                                       for source, target in sorted(self.selected.items())))
        with self._check("space") as found:
            room = preflight.check_space(self.access, {targets[name]: dump.raw_size
                                                       for name, dump in self.dumps.items()})
            found.append("; ".join(f"{need.path}: about {need.needed / 2**20:.0f} MiB needed, "
                                   f"{need.free / 2**20:.0f} MiB free" for need in room)
                         or "not measured: the cluster's data paths are not on this machine")
        end = manifest.restore_to_time
        if self.kind == "shard" and manifest.type == "shard":
            end = self.dumps[used[0]].backup.last_ts or end
        self.end = end.timestamp() if end else None
        self.record.shard_map = self.mapping
        self.record.restore_to_time = end.time if end else None
        if self.options.point_in_time is not None:
            with self._check("point in time") as found:
                self._plan_point_in_time(used, encoding)
                base = manifest.restore_to_time
                assert base is not None  # a backup without a restore point was refused just above
                found.append(f"the oplog slices of every replica set cover {base.time.isoformat()} to "
                             f"{self.options.point_in_time.isoformat()} without a hole")

    @contextmanager
    def _check(self, name: str) -> Iterator[list[str]]:
        """One preflight check, recorded in ``checks``: passed with what the block appended, or refused with the
        refusal's reason (which goes on up)."""
        found: list[str] = []
        try:
            yield found
        except RestoreRefusedError as exc:
            self.checks.append(PreflightCheck(name, False, f"{exc.what}: {exc.why}" if exc.why else exc.what,
                                              exc.fix))
            raise
        self.checks.append(PreflightCheck(name, True, "; ".join(found)))

    def _plan_point_in_time(self, used: list[str], encoding: Encoding) -> None:
        """Prove every replica set has contiguous slices from the backup's cut-off to the chosen time; the replay
        then stops at the first entry written after it (the oplog's ``wall`` time)."""
        from mongo_admin.ops.backup.slices import PitrRangeError, slices_for

        moment = self.options.point_in_time
        assert moment is not None
        if moment.tzinfo is None:
            raise RestoreRefusedError(f"the time {moment.isoformat()} has no timezone",
                                      "a point in time is ambiguous without one",
                                      "give it with an offset, e.g. 2026-11-26T08:30:00+00:00 or ...Z")
        base = self.manifest.restore_to_time
        if self.kind not in ("full", "namespaces") or base is None:
            raise RestoreRefusedError(f"a {self.kind} restore cannot go to a point in time",
                                      "only whole-cluster and selective restores replay oplog slices",
                                      "drop --time, or restore the whole cluster or selected namespaces")
        if moment < base.time:
            raise RestoreRefusedError(f"backup {self.backup_id} is restorable from {base.time.isoformat()} on",
                                      f"{moment.isoformat()} is before it",
                                      "choose an older full backup, or let mongo-admin choose (omit the backup id)")
        upto = Timestamp(int(moment.timestamp()) + 1, 0)
        keys: dict[str, list[str]] = {}
        for name in used:
            try:
                keys[name] = slices_for(self.storage, self.source_cluster, name, base.timestamp(), upto)
            except PitrRangeError as exc:
                raise RestoreRefusedError(f"cluster {self.source_cluster} cannot be restored to "
                                          f"{moment.isoformat()}", f"{exc.what}: {exc.why}" if exc.why else exc.what,
                                          "choose a time inside a window of `mongo-admin backup list` (the newest "
                                          "slices may still be on their way: see `backup pitr status`)") from exc
        self.point_in_time = (moment, upto, keys, encoding)
        self.end = upto
        self.record.restore_to_time = moment

    def _oplog_for(self, dump: SetDump) -> Callable[[], Iterable[Mapping[str, Any]]] | None:
        """The entries a set replays in a point-in-time restore: its backup oplog, then its slices, up to the
        first entry written after the chosen moment."""
        if self.point_in_time is None:
            return None
        from mongo_admin.ops.backup.slices import replay_entries

        moment, upto, keys, encoding = self.point_in_time
        base = self.manifest.restore_to_time
        assert base is not None
        name = dump.backup.name

        def entries() -> Iterable[Mapping[str, Any]]:
            chained = itertools.chain(dump.oplog(), replay_entries(self.storage, keys[name], base.timestamp(), upto,
                                                                   encoding))
            return itertools.takewhile(lambda entry: _wall(entry) <= moment, chained)

        return entries

    def _used_sets(self, manifest: BackupManifest, backup_shards: list[str]) -> list[str]:
        layout = self.cluster.layout
        config_set = manifest.topology.config_set
        if self.kind == "shard":
            assert self.shard is not None
            if self.shard not in layout.shard_sets:
                raise RestoreRefusedError(f"no shard named {self.shard!r} in cluster {self.cluster.name}",
                                          f"its shards are {', '.join(layout.shard_sets)}", "pass one of them")
            inverse = {target: source for source, target in (self.options.shard_map or {}).items()}
            source = self.options.from_shard or (self.shard if self.shard in backup_shards else None) \
                or inverse.get(self.shard) or (backup_shards[0] if len(backup_shards) == 1 else None)
            if source not in backup_shards:
                raise RestoreRefusedError(f"backup {self.backup_id} has no shard to restore onto {self.shard}",
                                          f"its shards are {', '.join(backup_shards)}",
                                          "name the backup's shard with --from-shard")
            assert source is not None
            self.mapping = {source: self.shard}
            return [source]
        self.mapping = preflight.map_shards(backup_shards, layout.shard_sets, self.options.shard_map,
                                            self.options.by_position, self.cluster.name)
        if self.kind == "full" and len(backup_shards) != len(layout.shard_sets):
            raise RestoreRefusedError(f"the backup's topology does not match cluster {self.cluster.name}",
                                      f"the backup has {len(backup_shards)} shard(s), the target "
                                      f"{len(layout.shard_sets)}", "restore into a cluster with as many shards, or "
                                      "restore selected namespaces")
        self.mapping[config_set] = layout.config_set
        if self.kind == "config":
            return [config_set]
        return [config_set, *backup_shards]

    # ------------------------------------------------------------------------------------------ dry run
    def check(self) -> RestorePreflight:
        """The preflight on its own, then whether the cluster's backup/restore lock is free; nothing is written,
        not even the restore's record."""
        from pymongo.errors import PyMongoError

        from mongo_admin.ops.backup.lock import STALE_AFTER_S, Holder
        from mongo_admin.ops.backup.lock import current_holder as lock_holder

        try:
            self._preflight()
            with self._check("lock") as found:
                holder: Holder | None = None
                try:
                    with self.access.routers(timeout_s=10.0) as router:
                        holder = lock_holder(router)
                except (MongoAdminError, PyMongoError) as exc:
                    raise RestoreRefusedError(f"cannot read the backup/restore lock of cluster {self.cluster.name}",
                                              str(exc).splitlines()[0], "bring a router back, then check again") \
                        from exc
                age = (_now() - holder.heartbeat).total_seconds() if holder else 0.0
                if holder is not None and age < STALE_AFTER_S:
                    raise RestoreRefusedError(f"cluster {self.cluster.name} is busy", f"{holder.describe()} holds its "
                                              "backup/restore lock", "wait for it to finish, then check again")
                found.append(f"the lock of {holder.describe()} is stale: the restore will take it over" if holder
                             else "no backup or restore runs on the cluster")
        except RestoreRefusedError:
            pass
        return self._preflight_report()

    def _preflight_report(self) -> RestorePreflight:
        planned: dict[str, PlannedNamespace] = {}
        if self.kind == "namespaces":
            for dump in self.dumps.values():
                for ns in dump.data_namespaces():
                    if ns.full in self.selected:
                        before = planned.get(ns.full)
                        planned[ns.full] = PlannedNamespace(ns.full, self.selected[ns.full],
                                                            ns.documents + (before.documents if before else 0))
        elif self.kind in ("full", "shard"):
            config_set = self.manifest.topology.config_set if self.dumps else ""
            for name, dump in self.dumps.items():
                if name == config_set and self.kind != "full":
                    continue
                for ns in dump.data_namespaces():
                    before = planned.get(ns.full)
                    planned[ns.full] = PlannedNamespace(ns.full, ns.full,
                                                        ns.documents + (before.documents if before else 0))
        ok = bool(self.checks) and all(check.ok for check in self.checks)
        refused = next((check for check in self.checks if not check.ok), None)
        target = f"cluster {self.cluster.name}" + (f" (shard {self.shard})" if self.shard else "")
        message = (f"restore of backup {self.backup_id} into {target}: {len(self.checks)} checks passed" if ok
                   else f"restore of backup {self.backup_id} into {target} refused at check "
                        f"'{refused.name if refused else '?'}': {refused.detail if refused else ''}")
        return RestorePreflight(
            message=message, ok=ok, cluster=self.cluster.name, source_cluster=self.source_cluster, kind=self.kind,
            backup_id=self.backup_id, point_in_time=self.options.point_in_time,
            restore_to_time=self.record.restore_to_time, shard_map=dict(self.mapping),
            namespaces=sorted(planned.values(), key=lambda each: each.namespace),
            documents=sum(each.documents for each in planned.values()),
            bytes=sum(dump.raw_size for dump in self.dumps.values()), files_checked=self.files_checked,
            checks=list(self.checks))

    # ------------------------------------------------------------------------------------------ plans
    def _jobs(self, router: Client) -> list[_Job]:
        jobs: dict[str, _Job] = {}

        def add(plan: SetPlan) -> None:
            plan = replace(plan, oplog=self._oplog_for(plan.dump))
            jobs.setdefault(plan.target_set, _Job(plan.target_set)).plans.append(plan)

        config_set = self.manifest.topology.config_set
        shard_map = {k: v for k, v in self.mapping.items() if k != config_set}
        if self.kind in ("full", "config"):
            dump = self.dumps[config_set]
            catalog = catalog_ops.CatalogDump.read(dump)
            databases = catalog.database_names()
            if self.kind == "full":
                databases |= {ns.db for name, each in self.dumps.items() if name != config_set
                              for ns in each.data_namespaces()}
            databases -= {"admin", "config", "local"}
            for name, each in self.dumps.items():
                if name == config_set:
                    continue
                add(SetPlan(each, self.mapping[name], {ns.full: ns.full for ns in each.data_namespaces()},
                            drop_databases=frozenset(databases), users=self.users, keep_users=self.keep_users,
                            replay=data_rules(users=self.users, keep_users=self.keep_users), end=self.end))

            def restore_catalog(client: Client) -> None:
                written = catalog_ops.replace_databases(client, catalog, shard_map, databases)
                catalog_ops.restore_settings(client, catalog)
                self.notes.append("catalog: " + ", ".join(f"{count} {name}" for name, count in written.items()))

            add(SetPlan(dump, self.cluster.layout.config_set,
                        {ns.full: ns.full for ns in dump.data_namespaces()} if self.kind == "full" else {},
                        users=self.users, keep_users=self.keep_users,
                        replay=catalog_ops.config_replay_rules(shard_map, users=self.users,
                                                               keep_users=self.keep_users),
                        end=self.end, before=restore_catalog))
        elif self.kind == "shard":
            ((source, target),) = self.mapping.items()
            dump = self.dumps[source]
            add(SetPlan(dump, target, {ns.full: ns.full for ns in dump.data_namespaces()},
                        drop_databases=frozenset(ns.db for ns in dump.data_namespaces()),
                        uuids=self._catalog_uuids(router, dump), users=self.users, keep_users=self.keep_users,
                        replay=data_rules(users=self.users, keep_users=self.keep_users), end=self.end))
        else:
            for plan in self._namespace_plans(router, shard_map):
                add(plan)
        return list(jobs.values())

    def _catalog_uuids(self, router: Client, dump: SetDump) -> dict[str, Binary | None]:
        """A one-shard restore keeps the UUIDs the target's catalog has for its sharded collections."""
        uuids: dict[str, Binary | None] = {}
        for doc in router.config.collections.find({"_id": {"$in": [ns.full for ns in dump.data_namespaces()]}}):
            namespace = dump.namespaces[str(doc["_id"])]
            uuids[namespace.full] = doc["uuid"]
            if namespace.uuid is not None and doc["uuid"] != namespace.uuid:
                self.notes.append(f"{namespace.full} was re-created since the backup: restored under the "
                                  "cluster's current UUID")
        return uuids

    def _namespace_plans(self, router: Client, shard_map: dict[str, str]) -> list[SetPlan]:
        config_set = self.manifest.topology.config_set
        catalog = catalog_ops.CatalogDump.read(self.dumps[config_set])
        sharded = catalog.sharded()
        for target in sorted(set(self.selected.values())):
            db, _, name = target.partition(".")
            reply = router[db].command({"drop": name, "writeConcern": {"w": "majority"}}, check=False)
            if not reply.get("ok") and reply.get("code") != NAMESPACE_NOT_FOUND:
                raise RestoreFailedError(f"cannot drop {target}", str(reply.get("errmsg")), "check the router log")
        per_source: dict[tuple[str, str], dict[str, str]] = {}
        uuids: dict[str, Binary | None] = {}
        for source, target in sorted(self.selected.items()):
            db = target.partition(".")[0]
            primary = catalog_ops.ensure_database(router, catalog, shard_map, db)
            if source in sharded:
                backup_uuid = sharded[source]["uuid"]
                in_use = router.config.collections.find_one({"uuid": backup_uuid}) is not None
                uuid = backup_uuid if target == source and not in_use else Binary(uuid_module.uuid4().bytes, 4)
                self.sharded_targets[source] = (target, uuid)
                uuids[target] = uuid
                holders = [name for name, dump in self.dumps.items() if source in dump.namespaces]
                for holder in holders:
                    per_source.setdefault((holder, shard_map[holder]), {})[source] = target
            else:
                holder = next(name for name, dump in self.dumps.items() if source in dump.namespaces)
                uuids[target] = None
                per_source.setdefault((holder, primary), {})[source] = target
        plans = []
        for (holder, target_set), chosen in per_source.items():
            rules = ReplayRules(target=chosen.get, databases=False, keep_uuids=False)
            plans.append(SetPlan(self.dumps[holder], target_set, chosen, uuids={chosen[s]: uuids[chosen[s]]
                                                                                for s in chosen},
                                 users=False, replay=rules, end=self.end))
        return plans

    def _install_sharded(self, router: Client) -> None:
        config_set = self.manifest.topology.config_set
        catalog = catalog_ops.CatalogDump.read(self.dumps[config_set])
        shard_map = {k: v for k, v in self.mapping.items() if k != config_set}
        with self.access.node(self.primaries[self.cluster.layout.config_set], timeout_s=PRIMARY_TIMEOUT_S) as client:
            for source, (target, uuid) in sorted(self.sharded_targets.items()):
                chunks = catalog_ops.install_collection(client, catalog, shard_map, source, target, uuid)
                self.notes.append(f"{target}: sharded as at the backup ({chunks} chunks)")

    # ------------------------------------------------------------------------------------------ execution
    def _run_jobs(self, jobs: list[_Job]) -> list[SetResult]:
        from mongo_admin.ops.cluster import replsets

        done = threading.Event()
        for job in jobs:
            self.set_progress[job.target] = SetProgress(job.target)

        def report() -> None:
            while not done.wait(1.0):
                self._report_sets()

        def one(job: _Job) -> list[SetResult]:
            primary = self.primaries.get(job.target) or replsets.primary_of(self.access, job.target)
            if primary is None:
                raise RestoreFailedError(f"replica set {job.target} has no primary", "it lost it during the restore",
                                         "wait for an election and run the restore again")
            with self.access.node(primary, timeout_s=PRIMARY_TIMEOUT_S) as client:
                return [restore_set(client, plan, self.set_progress[job.target],
                                    batch_documents=self.options.batch_documents) for plan in job.plans]

        reporter = threading.Thread(target=report, name="restore-progress", daemon=True)
        reporter.start()
        try:
            with ThreadPoolExecutor(max_workers=max(1, len(jobs)), thread_name_prefix="restore") as pool:
                futures = [pool.submit(one, job) for job in jobs]
                results = [result for future in futures for result in future.result()]
        finally:
            done.set()
            reporter.join()
        self._report_sets()
        return results

    def _report_sets(self) -> None:
        for each in self.set_progress.values():
            self.progress(RestoreEvent(self.restore_id, "data", f"{each.set_name}: {each.collections_done}/"
                                       f"{each.collections_total} collections, {each.documents:,} documents, "
                                       f"{each.bytes / 2**20:.1f} MiB", each.set_name, each.collections_done,
                                       each.collections_total, each.documents, each.bytes))

    def _flush(self) -> None:
        from pymongo.errors import PyMongoError

        layout = self.cluster.layout
        touched = set(layout.shard_sets) if self.kind != "shard" else set(self.mapping.values())
        for node in layout.routers:
            with self.access.node(node, timeout_s=30.0) as client:
                client.admin.command("flushRouterConfig", 1)
                client.admin.command("invalidateUserCache")
        for set_name in sorted(touched):
            for node in layout.members(set_name):
                if node.arbiter:
                    continue
                try:
                    with self.access.node(node, timeout_s=10.0) as client:
                        client.admin.command("flushRouterConfig", 1)
                except PyMongoError as exc:
                    if node == self.primaries.get(set_name):
                        raise RestoreFailedError(f"{node.address} did not forget its cached routing", str(exc),
                                                 "run flushRouterConfig on it by hand") from exc
                    self.notes.append(f"{node.address}: flushRouterConfig failed ({exc}); it refreshes on the "
                                      "next stale request")

    # ------------------------------------------------------------------------------------------ result
    def _result(self, results: list[SetResult], routing_s: float, elapsed: float) -> RestoreResult:
        phases: dict[str, float] = {}
        for each in results:
            for phase, seconds in each.timings.items():
                phases[phase] = round(max(phases.get(phase, 0.0), seconds), 3)
        phases["routing"] = round(routing_s, 3)
        documents = sum(r.documents for r in results)
        size = sum(r.bytes for r in results)
        collections = sum(r.collections + r.views for r in results)
        caveat = CAVEAT.get(self.kind)
        end = self.record.restore_to_time.isoformat() if self.record.restore_to_time else None
        outcomes = [ReplicaSetOutcome(r.source, r.target, r.collections, r.views, r.documents, r.bytes, r.indexes,
                                      r.users, r.roles, r.oplog_applied, r.oplog_skipped,
                                      {k: round(v, 3) for k, v in r.timings.items()}) for r in results]
        target = f"cluster {self.cluster.name}" + (f" (shard {self.shard})" if self.shard else "")
        return RestoreResult(
            message=f"restore {self.restore_id}: backup {self.backup_id} of {self.source_cluster} restored into "
                    f"{target} as at {end}: {collections} collections, {documents:,} documents, "
                    f"{sum(r.oplog_applied for r in results)} oplog entries replayed in {elapsed:.1f} s"
                    + (f" ({caveat})" if caveat else ""),
            restore_id=self.restore_id, backup_id=self.backup_id, source_cluster=self.source_cluster,
            cluster=self.cluster.name, kind=self.kind, state="done", caveat=caveat, shard_map=self.mapping,
            restore_to_time=end, documents=documents, bytes=size, collections=collections,
            indexes=sum(r.indexes for r in results), oplog_applied=sum(r.oplog_applied for r in results),
            phases=phases, replica_sets=outcomes, notes=self.notes, elapsed_s=round(elapsed, 3),
            balancer_was=self.balancer_was, storage=self.storage.describe())


def result_dict(result: RestoreResult) -> dict[str, Any]:
    return asdict(result)


# ---------------------------------------------------------------------------------------------- entry points
def restore_cluster(name: str, backup_id: str, options: RestoreOptions | None = None,
                    progress: Callable[[RestoreEvent], None] = lambda _: None) -> RestoreResult:
    """Restore a full backup into cluster ``name`` (the backup's own cluster or another of the same shape)."""
    return _Restore(name, backup_id, "full", options or RestoreOptions(), progress).run()


def restore_shard(name: str, backup_id: str, shard: str, options: RestoreOptions | None = None,
                  progress: Callable[[RestoreEvent], None] = lambda _: None) -> RestoreResult:
    """Restore one shard of cluster ``name`` from a full or per-shard backup (consistent within the shard)."""
    return _Restore(name, backup_id, "shard", options or RestoreOptions(), progress, shard=shard).run()


def restore_namespaces(name: str, backup_id: str, namespaces: Sequence[str], options: RestoreOptions | None = None,
                       rename: Mapping[str, str] | None = None,
                       progress: Callable[[RestoreEvent], None] = lambda _: None) -> RestoreResult:
    """Restore the namespaces matching ``namespaces`` (``db.coll``, ``db.*``), optionally renamed."""
    return _Restore(name, backup_id, "namespaces", options or RestoreOptions(), progress, namespaces=namespaces,
                    rename=rename).run()


def restore_config(name: str, backup_id: str, options: RestoreOptions | None = None,
                   progress: Callable[[RestoreEvent], None] = lambda _: None) -> RestoreResult:
    """Restore the sharding catalog, users and roles from a config (or full) backup."""
    return _Restore(name, backup_id, "config", options or RestoreOptions(), progress).run()




def preflight_restore(name: str, kind: RestoreKind, backup_id: str | None, options: RestoreOptions | None = None, *,
                      shard: str | None = None, namespaces: Sequence[str] = (),
                      rename: Mapping[str, str] | None = None) -> RestorePreflight:
    """Whether that restore can run now, changing nothing: every check its preflight makes (backup complete and of
    the right type, topology, key, files, primaries, namespaces, space, oplog slices up to the point in time),
    whether the cluster's lock is free, and what it would restore. With ``point_in_time`` and no ``backup_id``, the
    base is chosen as the restore job would choose it. A refusal is a failed check, not an exception."""
    options = options or RestoreOptions()
    chosen: PreflightCheck | None = None
    if backup_id is None:
        moment = options.point_in_time
        if moment is None:
            raise InvalidInputError("a restore needs a backup or a point in time", "neither was given",
                                    "name the backup, or the moment to restore to")
        try:
            backup_id = base_for(options.source_cluster or name, moment, options)
        except RestoreRefusedError as exc:
            refused = PreflightCheck("base backup", False, f"{exc.what}: {exc.why}", exc.fix)
            return RestorePreflight(message=f"restore into cluster {name} refused: {refused.detail}", ok=False,
                                    cluster=name, source_cluster=options.source_cluster or name, kind=kind,
                                    backup_id=None, point_in_time=moment, restore_to_time=None, shard_map={},
                                    namespaces=[], documents=0, bytes=0, files_checked=0, checks=[refused])
        chosen = PreflightCheck("base backup", True, f"{backup_id}: the newest full backup restorable at or "
                                f"before {moment.isoformat()}")
    restore = _Restore(name, backup_id, kind, options, lambda _: None, shard=shard, namespaces=namespaces,
                       rename=rename)
    if chosen is not None:
        restore.checks.append(chosen)
    return restore.check()


def base_for(source_cluster: str, moment: dt.datetime, options: RestoreOptions | None = None) -> str:
    """The newest complete full backup restorable at or before ``moment``: the base of a point-in-time
    restore (its oplog slices carry it forward to the moment)."""
    from mongo_admin.ops.backup.pitr_status import full_backups, restore_point

    options = options or RestoreOptions()
    paths, record = open_cluster(source_cluster, options.home)
    storage = storage_for(paths, record, options.storage_url)
    if moment.tzinfo is None:
        raise RestoreRefusedError(f"the time {moment.isoformat()} has no timezone",
                                  "a point in time is ambiguous without one",
                                  "give it with an offset, e.g. 2026-11-26T08:30:00+00:00 or ...Z")
    bases = [b for b in full_backups(storage, source_cluster) if restore_point(b).as_datetime() <= moment]
    if not bases:
        raise RestoreRefusedError(f"no full backup of cluster {source_cluster} is older than {moment.isoformat()}",
                                  "a point-in-time restore starts from a full backup taken before the moment",
                                  "choose a later time (mongo-admin backup list shows the restorable windows)")
    return bases[-1].backup_id
