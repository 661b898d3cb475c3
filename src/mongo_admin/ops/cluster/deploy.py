"""Deploy a sharded cluster from its spec, in MongoDB's order, verifying each step; converge when run again.

Steps: preflight → prepare (state directory, keyfile, certificates, administrator credentials) → config
servers started → config replica set initiated with a primary → shard members started → shard replica sets
initiated with primaries → shard administrators → routers started → cluster administrator → addShard for each
shard → verification. Every step checks what already exists and does only what is missing, so deploying a
healthy cluster again changes nothing and says so, and a deploy interrupted at any point completes when run
again.

The record is written before anything is launched and after every step. When a step fails, what this run
started is stopped and what it created is removed (unless ``keep_on_failure``); the error names the step, the
cause, what remains, and the deploy log. Secrets are never written to the log or the result.
"""

from __future__ import annotations

import datetime as dt
import functools
import shutil
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TextIO

from mongo_admin.errors import DeployError, MongoAdminError, PortInUseError
from mongo_admin.home import platform_home
from mongo_admin.ops import pki
from mongo_admin.ops.cluster import admin_user, replsets
from mongo_admin.ops.cluster.access import ClusterAccess
from mongo_admin.ops.cluster.layout import Layout, Node, plan_layout
from mongo_admin.ops.cluster.processes import launch_spec, provider, running_pid, start_nodes, stop_node
from mongo_admin.ops.cluster.secrets import ensure_admin_credentials, generate_keyfile
from mongo_admin.ops.cluster.state import (
    BinariesRecord,
    ClusterPaths,
    ClusterRecord,
    DeployRun,
    ServerOptions,
    read_record,
    write_record,
)
from mongo_admin.ops.records import exclusive_lock, write_atomic
from mongo_admin.providers.binaries import resolve_binaries, version_matches
from mongo_admin.providers.local import LaunchSpec
from mongo_admin.spec.model import ClusterSpec

if TYPE_CHECKING:
    from mongo_admin.mongo.client import Client

MIN_FREE_BYTES = 256 * 1024 * 1024
CHECK_DB = "mongo_admin"
CHECK_COLLECTION = "deploy_checks"

STEPS: list[tuple[str, str]] = [
    ("preflight", "binaries and their version, ports free, directories writable, disk space"),
    ("prepare", "state directory, keyfile, TLS certificates, administrator credentials"),
    ("config servers", "start the config server members"),
    ("config replica set", "initiate the config server replica set and wait for a primary"),
    ("shard members", "start every shard's members"),
    ("shard replica sets", "initiate each shard's replica set and wait for its primary"),
    ("shard administrators", "create the administrator on every shard (for maintenance on shard members)"),
    ("routers", "start the mongos routers"),
    ("cluster administrator", "create the cluster's administrator through a router"),
    ("add shards", "addShard for every shard not yet in the cluster"),
    ("verify", "every member healthy, a primary per replica set, every router sees every shard, a write and a "
               "read through a router, balancer state"),
]

StepStatus = Literal["started", "done", "unchanged", "failed"]


@dataclass(frozen=True)
class StepEvent:
    step: str
    status: StepStatus
    message: str
    elapsed_s: float = 0.0


Progress = Callable[[StepEvent], None]


def _silent(_: StepEvent) -> None:
    """The default progress sink: an operation reports progress only to whoever asks."""


@dataclass(frozen=True)
class DeployOptions:
    binary_dir: Path | None = None
    version: str | None = None  # overrides the spec's binaries.version (``8.0`` or ``8.0.4``)
    keep_on_failure: bool = False
    home: Path | None = None
    ready_timeout_s: float = 120.0


@dataclass(frozen=True)
class PlannedNode:
    node: str
    role: str
    replica_set: str | None
    address: str
    dbpath: str | None
    log: str


@dataclass(frozen=True)
class DeployPlan:
    """What ``deploy --dry-run`` shows: the steps and every process with its files."""

    message: str
    cluster: str
    server: str
    steps: list[dict[str, str]]
    nodes: list[PlannedNode]


@dataclass(frozen=True)
class StepOutcome:
    step: str
    status: StepStatus
    message: str
    elapsed_s: float


@dataclass(frozen=True)
class DeployResult:
    message: str
    cluster: str
    server: str
    changed: bool
    elapsed_s: float
    connection_string: str
    admin_user: str | None
    credentials_file: str | None
    deploy_log: str
    steps: list[StepOutcome] = field(default_factory=list)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _binaries(spec: ClusterSpec, options: DeployOptions) -> BinariesRecord:
    wanted = options.version or spec.binaries.version
    found = resolve_binaries(options.binary_dir or spec.binaries.directory, version=wanted,
                             home=options.home or platform_home())
    if found.mongos is None:
        raise DeployError("preflight", f"no mongos next to {found.mongod}",
                          "install MongoDB's mongos in the same directory as mongod")
    if wanted is not None and not version_matches(found.version, wanted):
        asker = "--mongodb-version" if options.version else "the spec"
        raise DeployError("preflight", f"{asker} asks for MongoDB {wanted} but {found.mongod} is {found.version}",
                          f"install it with 'mongo-admin binaries install {wanted}', point binaries.directory at "
                          f"MongoDB {wanted}, or change binaries.version")
    return BinariesRecord(source=found.source.value, mongod=str(found.mongod),
                          mongos=str(found.mongos), version=found.version, simulator=found.simulator)


def plan_deploy(spec: ClusterSpec, options: DeployOptions | None = None) -> DeployPlan:
    """The deploy ``spec`` would run, without touching anything."""
    options = options or DeployOptions()
    paths = ClusterPaths.for_spec(spec, options.home)
    previous = read_record(paths)
    binaries = _binaries(spec, options)
    layout = plan_layout(spec, previous=previous.layout if previous else None,
                         port_free=provider(paths).port_is_free)
    nodes = [PlannedNode(n.id, n.role, n.set_name, n.address, str(paths.dbpath(n)) if paths.dbpath(n) else None,
                         str(paths.logpath(n))) for n in layout.nodes]
    what = "converge" if previous is not None else "deploy"
    return DeployPlan(message=f"would {what} cluster {spec.name}: {len(layout.nodes)} processes on "
                              f"{binaries.server_label} {binaries.version}",
                      cluster=spec.name, server=binaries.server_label,
                      steps=[{"step": name, "does": does} for name, does in STEPS], nodes=nodes)


class _DeployLog:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file: TextIO = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed by close()

    def write(self, step: str, text: str) -> None:
        stamp = _now().isoformat(timespec="milliseconds").replace("+00:00", "Z")
        self._file.write(f"{stamp} [{step}] {text}\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()


class _Deployment:
    def __init__(self, spec: ClusterSpec, spec_text: str, options: DeployOptions, progress: Progress) -> None:
        self.spec = spec
        self.spec_text = spec_text
        self.options = options
        self.progress = progress
        self.paths = ClusterPaths.for_spec(spec, options.home)
        self.previous = read_record(self.paths)
        self.record: ClusterRecord | None = None
        self.started: list[str] = []  # node ids this run launched, in order
        self.created: list[Path] = []  # files and directories this run created, in order
        self._mkdir(self.paths.root)
        self._mkdir(self.paths.logs)
        self.log = _DeployLog(self.paths.logs / f"deploy-{_now().strftime('%Y%m%dT%H%M%SZ')}.log")
        self.outcomes: list[StepOutcome] = []

    # ------------------------------------------------------------------------------------------ helpers
    @property
    def access(self) -> ClusterAccess:
        assert self.record is not None
        return ClusterAccess(self.paths, self.record)

    @property
    def layout(self) -> Layout:
        assert self.record is not None
        return self.record.layout

    def _node_client(self, node: Node, as_admin: bool) -> AbstractContextManager[Client]:
        return self.access.node(node, as_admin=as_admin, timeout_s=10.0)

    def _mkdir(self, path: Path) -> None:
        missing = [p for p in [path, *path.parents] if not p.exists()]
        path.mkdir(parents=True, exist_ok=True)
        self.created += reversed(missing)

    def _save(self) -> None:
        assert self.record is not None
        write_record(self.paths, self.record)

    def _server_options(self) -> ServerOptions:
        spec = self.spec
        tls = spec.security.tls
        return ServerOptions(keyfile=self.paths.keyfile if spec.security.keyfile else None,
                             tls_mode=tls.mode if tls.enabled else None,
                             ca_file=self.paths.ca_file if tls.enabled else None,
                             cache_size_gb=spec.storage.cache_size_gb, oplog_size_mb=spec.storage.oplog_size_mb)

    # ------------------------------------------------------------------------------------------ steps
    def preflight(self) -> tuple[bool, str]:
        spec = self.spec
        binaries = _binaries(spec, self.options)
        previous_layout = self.previous.layout if self.previous else None
        running = {n.id for n in previous_layout.nodes if running_pid(self.paths, n)} if previous_layout else set()
        where = provider(self.paths)
        layout = plan_layout(spec, previous=previous_layout, port_free=where.port_is_free)
        if previous_layout is not None:
            self._check_same_shape(previous_layout, layout)
        busy = []
        for node in layout.nodes:
            if node.id not in running and not where.port_is_free(node.host, node.port):
                busy.append(f"{node.id} port {node.port} is held by {where.port_holder(node.host, node.port)}")
        if busy:
            raise DeployError("preflight", "; ".join(busy), "stop what holds the ports, or give those nodes other "
                              "ports in the spec (ports.base or explicit ports)")
        places = {(n.host, p.parent) for n in layout.nodes if (p := self.paths.dbpath(n))}
        for host, directory in sorted({*places, (layout.nodes[0].host, self.paths.logs)}, key=str):
            if not where.writable(host, directory):
                raise DeployError("preflight", f"{directory} is not writable on {host}", "fix its permissions or "
                                  "change storage.data_root / logs.directory in the spec")
            _, free = where.disk_usage(host, directory)
            if free < MIN_FREE_BYTES:
                raise DeployError("preflight", f"only {free // 2**20} MiB free under {directory} on {host}",
                                  f"free at least {MIN_FREE_BYTES // 2**20} MiB or move storage.data_root")
        run = DeployRun(started_at=_now(), log=str(self.log.path))
        security = spec.security
        self.record = ClusterRecord(
            name=spec.name, state="deploying", created_at=self.previous.created_at if self.previous else _now(),
            binaries=binaries, layout=layout, auth=security.auth, keyfile=security.keyfile, tls=security.tls.enabled,
            admin_user=security.admin_user if security.auth else None, server_options=self._server_options(),
            provider=spec.provider.kind, backup=spec.backup,
            data_root=str(self.paths.data_root) if self.paths.data_root else None,
            log_root=str(self.paths.log_root) if self.paths.log_root else None,
            runs=[*(self.previous.runs[-9:] if self.previous else []), run])
        self._save()
        write_atomic(self.paths.spec, self.spec_text.encode())
        return False, (f"{binaries.server_label} {binaries.version} from {Path(binaries.mongod).parent}; "
                       f"{len(layout.nodes)} processes, ports {', '.join(str(n.port) for n in layout.nodes)}")

    def _check_same_shape(self, old: Layout, new: Layout) -> None:
        before = {(n.id, n.role, n.set_name, n.host, n.port) for n in old.nodes}
        after = {(n.id, n.role, n.set_name, n.host, n.port) for n in new.nodes}
        if before != after:
            changed = sorted({n[0] for n in before ^ after})
            raise DeployError("preflight", f"the spec changes the deployed topology ({', '.join(changed)})",
                              "deploy converges an existing cluster to the same topology only; destroy and "
                              "deploy again, or use the scaling commands to add shards, members or routers")

    def prepare(self) -> tuple[bool, str]:
        security = self.spec.security
        made = []
        if security.keyfile and not self.paths.keyfile.exists():
            self._mkdir(self.paths.secrets)
            generate_keyfile(self.paths.keyfile)
            self.created.append(self.paths.keyfile)
            made.append("keyfile")
        if security.auth and not self.paths.admin_credentials.exists():
            self._mkdir(self.paths.secrets)
            ensure_admin_credentials(self.paths.admin_credentials, security.admin_user)
            self.created.append(self.paths.admin_credentials)
            made.append(f"administrator credentials in {self.paths.admin_credentials}")
        if security.tls.enabled:
            made += self._certificates()
        return bool(made), ("created " + ", ".join(made)) if made else "keyfile, credentials and certificates exist"

    def _certificates(self) -> list[str]:
        tls = self.spec.security.tls
        made = []
        if not self.paths.ca_key.exists():
            self._mkdir(self.paths.secrets)
            self._mkdir(self.paths.tls)
            ca = pki.create_ca(self.spec.name, tls.ca_days)
            pki.write_credential(ca, self.paths.ca_key)
            write_atomic(self.paths.ca_file, ca.cert_pem)
            self.created += [self.paths.ca_key, self.paths.ca_file]
            made.append("a certificate authority")
        ca = pki.read_credential(self.paths.ca_key)
        for node in self.layout.nodes:
            path = self.paths.node_certificate(node)
            if not path.exists():
                names = sorted({node.host, "localhost", "127.0.0.1"})
                pki.write_credential(pki.issue(ca, self.spec.name, node.id, names, days=tls.certificate_days), path)
                self.created.append(path)
                made.append(f"certificate {path.name}")
        if not self.paths.client_certificate.exists():
            client = pki.issue(ca, self.spec.name, "mongo-admin", days=tls.certificate_days, unit="clients")
            pki.write_credential(client, self.paths.client_certificate)
            self.created.append(self.paths.client_certificate)
            made.append("the mongo-admin client certificate")
        return made

    def _start(self, nodes: list[Node]) -> tuple[bool, str]:
        waiting = [node for node in nodes if running_pid(self.paths, node) is None]
        if not waiting:
            return False, "all running: " + ", ".join(f"{n.id} {n.address}" for n in nodes)
        assert self.record is not None
        options = self.record.server_options
        specs: dict[Node, LaunchSpec] = {}
        for node in waiting:
            for path in (self.paths.node_dir(node), self.paths.dbpath(node), self.paths.logpath(node).parent):
                if path is not None:
                    self._mkdir(path)
            specs[node] = launch_spec(self.paths, self.layout, node, self.record.binaries, options)
            self.log.write("start", f"{node.id}: {' '.join(specs[node].argv())}")

        def started(node_id: str, pid: int) -> None:
            self.started.append(node_id)
            self.log.write("start", f"{node_id} running as pid {pid}")

        start_nodes(self.paths, specs, started)
        return True, "started " + ", ".join(f"{n.id} {n.address}" for n in waiting)

    def config_servers(self) -> tuple[bool, str]:
        return self._start(self.layout.config_nodes)

    def _replica_sets(self, names: list[str]) -> tuple[bool, str]:
        """Initiate every set that has no config yet, then wait for all of them at once (each election takes
        its own time; waiting one after the other would add them up)."""
        initiated = [name for name in names if replsets.initiate(self.access, name)]
        timeout = self.options.ready_timeout_s

        def bring_up(name: str) -> tuple[list[str], Node]:
            added = replsets.add_members(self.access, name, timeout)
            return added, replsets.wait_ready(self.access, name, timeout, nudge=name in initiated)

        with ThreadPoolExecutor(max_workers=len(names)) as pool:
            waits = {name: pool.submit(bring_up, name) for name in names}
            results = {name: future.result() for name, future in waits.items()}
        said = [f"{name} primary {primary.address}" for name, (_, primary) in results.items()]
        added = [node for nodes, _ in results.values() for node in nodes]
        prefix = f"initiated {', '.join(initiated)}; " if initiated else ""
        prefix += f"added {', '.join(added)}; " if added else ""
        return bool(initiated or added), prefix + "; ".join(said)

    def config_replica_set(self) -> tuple[bool, str]:
        return self._replica_sets([self.layout.config_set])

    def shard_members(self) -> tuple[bool, str]:
        return self._start([n for n in self.layout.nodes if n.role == "shardsvr"])

    def shard_replica_sets(self) -> tuple[bool, str]:
        return self._replica_sets(self.layout.shard_sets)

    def _admin(self) -> tuple[str, str] | None:
        if not self.spec.security.auth:
            return None
        credentials = ensure_admin_credentials(self.paths.admin_credentials, self.spec.security.admin_user)
        return credentials.user, credentials.password

    def shard_administrators(self) -> tuple[bool, str]:
        admin = self._admin()
        if admin is None:
            return False, "access control is off (security.auth: false): no users to create"
        created = []
        for name in self.layout.shard_sets:
            primary = replsets.primary_of(self.access, name)
            if primary is None:
                raise DeployError("shard administrators", f"shard {name} has no primary",
                                  "check the shard's member logs")

            connect = functools.partial(self._node_client, primary)
            if admin_user.ensure_admin(connect, admin[0], admin[1], f"shard {name}"):
                created.append(name)
        return bool(created), (f"created {admin[0]!r} on " + ", ".join(created)) if created else \
            f"{admin[0]!r} exists on every shard"

    def routers(self) -> tuple[bool, str]:
        return self._start(self.layout.routers)

    def cluster_administrator(self) -> tuple[bool, str]:
        admin = self._admin()
        if admin is None:
            return False, "access control is off (security.auth: false): no users to create"

        connect = functools.partial(self._node_client, self.layout.routers[0])
        if admin_user.ensure_admin(connect, admin[0], admin[1], "routers"):
            return True, f"created {admin[0]!r} (root) on the config servers through {self.layout.routers[0].id}"
        return False, f"{admin[0]!r} exists"

    def add_shards(self) -> tuple[bool, str]:
        from mongo_admin.mongo import client as mongo

        added = []
        with self.access.node(self.layout.routers[0], timeout_s=30.0) as router:
            present = {shard["_id"] for shard in mongo.run_admin(router, {"listShards": 1}).get("shards", [])}
            for name in self.layout.shard_sets:
                if name not in present:
                    mongo.run_admin(router, {"addShard": self.layout.connection_string(name), "name": name})
                    added.append(name)
        return bool(added), ("added " + ", ".join(added)) if added else "every shard is in the cluster"

    def verify(self) -> tuple[bool, str]:
        from mongo_admin.mongo import client as mongo

        for name in [self.layout.config_set, *self.layout.shard_sets]:
            replsets.wait_healthy(self.access, name, self.options.ready_timeout_s)
        expected = set(self.layout.shard_sets)
        for router in self.layout.routers:
            with self.access.node(router, timeout_s=10.0) as client:
                hello = mongo.run_admin(client, {"hello": 1})
                if hello.get("msg") != "isdbgrid":
                    raise DeployError("verify", f"{router.id} ({router.address}) is not a mongos",
                                      f"see {self.paths.logpath(router)}")
                seen = {s["_id"] for s in mongo.run_admin(client, {"listShards": 1}).get("shards", [])}
                if seen != expected:
                    raise DeployError("verify", f"{router.id} sees shards {sorted(seen)}, expected "
                                      f"{sorted(expected)}", "run deploy again to add the missing shards")
        from pymongo import WriteConcern

        token = str(uuid.uuid4())
        with self.access.routers(timeout_s=30.0) as client:
            checks = client[CHECK_DB][CHECK_COLLECTION].with_options(write_concern=WriteConcern(w="majority"))
            checks.insert_one({"_id": token, "at": _now()})
            if checks.find_one({"_id": token}) is None:
                raise DeployError("verify", "a document written through the routers could not be read back",
                                  "check the shard logs")
            checks.delete_one({"_id": token})
            balancer = mongo.run_admin(client, {"balancerStatus": 1})
        return False, (f"{len(self.layout.nodes)} processes healthy, {len(expected)} shards seen by "
                       f"{len(self.layout.routers)} router(s), write/read through a router ok, balancer "
                       f"{balancer.get('mode', 'unknown')}")

    # ------------------------------------------------------------------------------------------ engine
    def run(self) -> DeployResult:
        began = time.monotonic()
        self.log.write("deploy", f"deploying cluster {self.spec.name} from its spec")
        actions = [self.preflight, self.prepare, self.config_servers, self.config_replica_set, self.shard_members,
                   self.shard_replica_sets, self.shard_administrators, self.routers, self.cluster_administrator,
                   self.add_shards, self.verify]
        try:
            for (name, _), action in zip(STEPS, actions, strict=True):
                self._step(name, action)
        except BaseException as exc:
            self.log.write("deploy", f"failed: {exc}")
            raise self._fail(exc) from exc
        finally:
            self.log.close()
        assert self.record is not None
        self.record.state = "running"
        self.record.runs[-1].outcome = "succeeded"
        self.record.runs[-1].finished_at = _now()
        self._save()
        changed = any(o.status == "done" for o in self.outcomes)
        took = time.monotonic() - began
        uri = self.layout.router_uri()
        verb = "deployed" if changed else "already matches its spec; nothing changed"
        return DeployResult(
            message=f"cluster {self.spec.name} {verb} ({took:.1f} s); connect with: {uri}",
            cluster=self.spec.name, server=self.record.binaries.server_label, changed=changed, elapsed_s=took,
            connection_string=uri, admin_user=self.record.admin_user,
            credentials_file=str(self.paths.admin_credentials) if self.record.auth else None,
            deploy_log=str(self.log.path), steps=self.outcomes)

    def _step(self, name: str, action: Callable[[], tuple[bool, str]]) -> None:
        self.progress(StepEvent(name, "started", dict(STEPS)[name]))
        self.log.write(name, "started")
        began = time.monotonic()
        changed, message = action()
        took = time.monotonic() - began
        status: StepStatus = "done" if changed else "unchanged"
        self.log.write(name, f"{status} in {took:.2f} s: {message}")
        self.outcomes.append(StepOutcome(name, status, message, round(took, 3)))
        self.progress(StepEvent(name, status, message, took))
        if self.record is not None:
            self._save()

    def _fail(self, exc: BaseException) -> DeployError:
        step = STEPS[len(self.outcomes)][0]
        self.progress(StepEvent(step, "failed", str(exc)))
        cause = exc.message() if isinstance(exc, MongoAdminError) else f"{type(exc).__name__}: {exc}"
        if isinstance(exc, DeployError):
            cause = f"{exc.why}" + (f"\n  fix: {exc.fix}" if exc.fix else "")
        remains = self._undo()
        if self.record is not None and self.paths.record.exists():
            self.record.state = "failed"
            self.record.runs[-1].outcome = "failed"
            self.record.runs[-1].failed_step = step
            self.record.runs[-1].error = cause.splitlines()[0]
            self.record.runs[-1].finished_at = _now()
            self._save()
        fix = f"fix the cause, then run deploy again (it resumes where it stopped); deploy log: {self.log.path}"
        if isinstance(exc, PortInUseError):
            fix = exc.fix + f"; deploy log: {self.log.path}"
        return DeployError(step, cause, fix, remains=remains)

    def _undo(self) -> str:
        """Stop what this run started and (unless asked to keep it) remove what it created; says what remains."""
        stopped = []
        for node_id in reversed(self.started):
            node = self.layout.node(node_id)
            stop_node(self.paths, node)
            stopped.append(node_id)
            self.log.write("rollback", f"stopped {node_id}")
        removed = 0
        if not self.options.keep_on_failure:
            # The deploy log and the server logs stay: the error points at them.
            keep = {self.log.path, *(self.paths.logpath(n) for n in self.record.layout.nodes)} if self.record \
                else {self.log.path}
            for path in reversed(self.created):
                removed += _remove_keeping(path, keep)
        parts = []
        if stopped:
            parts.append("stopped what this run started (" + ", ".join(stopped) + ")")
        if removed:
            parts.append(f"removed the {removed} files and directories it created (logs are kept)")
        elif self.created and self.options.keep_on_failure:
            parts.append("kept the files it created (--keep-on-failure)")
        running = [n.id for n in (self.record.layout.nodes if self.record else []) if running_pid(self.paths, n)]
        parts.append("still running from earlier deploys: " + ", ".join(running) if running else "nothing is running")
        return "; ".join(parts)


def _remove_keeping(path: Path, keep: set[Path]) -> int:
    """Remove ``path`` (file or tree) except the files in ``keep`` and the directories leading to them; how many
    files and directories were removed."""
    if path in keep or (not path.exists() and not path.is_symlink()):
        return 0
    if path.is_dir() and not path.is_symlink():
        if any(path in kept.parents for kept in keep):
            return sum(_remove_keeping(child, keep) for child in list(path.iterdir()))
        shutil.rmtree(path)
    else:
        path.unlink()
    return 1


def deploy(spec: ClusterSpec, spec_text: str, options: DeployOptions | None = None,
           progress: Progress = _silent) -> DeployResult:
    """Deploy (or converge) ``spec``; ``spec_text`` is kept in the state directory as the spec last deployed."""
    options = options or DeployOptions()
    paths = ClusterPaths.for_spec(spec, options.home)
    with exclusive_lock(paths.lock):
        return _Deployment(spec, spec_text, options, progress).run()
