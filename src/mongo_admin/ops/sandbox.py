"""Sandbox: a replica set (by default 3 members named rs0) or one standalone mongod on loopback, kept in a
state directory, for trying the platform and for tests.

``start`` launches every member with real MongoDB options (``--replSet NAME`` for a set), initiates the set
through pymongo the first time, and waits for a primary and healthy members; started again, a set comes back
with the config stored in its data on the same ports. ``stop`` stops secondaries first and the primary last.
Files and the record are described in ``sandbox_layout``; every action holds the sandbox's lock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mongo_admin.errors import InvalidInputError, MongoAdminError, SandboxStateError
from mongo_admin.ops import sandbox_replset
from mongo_admin.ops.records import exclusive_lock
from mongo_admin.ops.sandbox_layout import (
    DEFAULT_MEMBERS,
    DEFAULT_NAME,
    DEFAULT_REPLICA_SET,
    FAST_ELECTION_SETTINGS,
    HOST,
    MemberRecord,
    SandboxPaths,
    SandboxRecord,
    check_member_count,
    check_replica_set_name,
    load_record,
    read_record,
    sandbox_paths,
    write_record,
)
from mongo_admin.ops.sandbox_status import (
    MemberStatus,
    ProcessState,
    SandboxState,
    SandboxStatus,
    live_pid,
    observe,
    offline_label,
)
from mongo_admin.providers import local
from mongo_admin.providers.binaries import BinarySource, ServerBinaries, binaries_in, resolve_binaries

__all__ = ["DEFAULT_NAME", "MemberStatus", "ProcessState", "SandboxRecord", "SandboxShape", "SandboxState",
           "SandboxStatus", "list_sandboxes", "sandbox_paths", "sandbox_status", "start_sandbox", "stop_sandbox"]

Progress = Callable[[str], None]


def _silent(_: str) -> None:
    """The default progress sink: operations report progress only to whoever asks for it."""


@dataclass(frozen=True)
class SandboxShape:
    """What to run: a replica set of ``members`` named ``replica_set``, or (``replica_set`` None) one
    standalone mongod. ``settings`` go into replSetInitiate's config (empty: MongoDB's defaults)."""

    replica_set: str | None = DEFAULT_REPLICA_SET
    members: int = DEFAULT_MEMBERS
    settings: dict[str, int] = dataclasses.field(default_factory=dict)

    @classmethod
    def standalone(cls) -> SandboxShape:
        return cls(None, 1)

    @classmethod
    def from_options(cls, *, replica_set: str | None = None, members: int | None = None,
                     standalone: bool = False, fast_elections: bool = False) -> SandboxShape:
        """Command-line options to a shape; options that contradict each other are refused."""
        if standalone:
            given = [flag for flag, value in (("--replica-set", replica_set), ("--members", members),
                                              ("--fast-elections", fast_elections or None)) if value is not None]
            if given:
                raise InvalidInputError(f"--standalone cannot be combined with {', '.join(given)}",
                                        "a standalone mongod is not a replica set member",
                                        "drop --standalone to start a replica set, or drop the replica-set options")
            return cls.standalone()
        return cls(check_replica_set_name(replica_set or DEFAULT_REPLICA_SET),
                   check_member_count(DEFAULT_MEMBERS if members is None else members),
                   dict(FAST_ELECTION_SETTINGS) if fast_elections else {})

    def describe(self) -> str:
        if self.replica_set is None:
            return "a standalone mongod"
        return f"replica set {self.replica_set} of {self.members} member{'s' if self.members != 1 else ''}"


@dataclass(frozen=True)
class SandboxStartResult(SandboxStatus):
    started: bool = False  # False when everything already ran (start is idempotent)
    initiated: bool = False  # True when this start ran replSetInitiate


@dataclass(frozen=True)
class MemberStop:
    member: str
    pid: int | None
    signal: str | None  # SIGTERM for a clean shutdown, SIGKILL when it had to be forced, None: was not running


@dataclass(frozen=True)
class SandboxStopResult:
    message: str
    name: str
    server: str
    stopped: bool  # False when nothing was running
    purged: bool
    directory: str
    members: list[MemberStop]


@dataclass(frozen=True)
class SandboxSummary:
    name: str
    state: SandboxState
    topology: str
    server: str
    ports: list[int]
    pids: list[int]
    version: str | None
    directory: str


@dataclass(frozen=True)
class SandboxList:
    home: str
    sandboxes: list[SandboxSummary]


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def _shape_of(record: SandboxRecord) -> SandboxShape:
    if record.replica_set is None:
        return SandboxShape.standalone()
    return SandboxShape(record.replica_set, len(record.members), dict(record.settings))


def _check_same_shape(record: SandboxRecord, wanted: SandboxShape | None) -> None:
    """An existing sandbox keeps its shape: its data and stored config were made for it."""
    if wanted is None:
        return
    have = _shape_of(record)
    if wanted != have:
        raise SandboxStateError(f"sandbox '{record.name}' is {have.describe()}",
                                f"the options ask for {wanted.describe()}"
                                + (" with different settings" if wanted.describe() == have.describe() else ""),
                                f"start it without those options, or remove it first (mongo-admin sandbox stop "
                                f"--name {record.name} --purge), or use another --name")


def _choose_binaries(record: SandboxRecord | None, binary_dir: Path | None) -> ServerBinaries:
    """Explicit choice first; else the executables that created the data (a data directory written by one
    server is not always readable by another); else the normal search."""
    if binary_dir is None and record is not None:
        previous = Path(record.binary).parent
        if (previous / "mongod").is_file():
            return binaries_in(previous, BinarySource.PREVIOUS, simulator=record.simulator)
    return resolve_binaries(binary_dir)


def _check_port(port: int) -> int:
    if not 1 <= port <= 65535:
        raise InvalidInputError(f"invalid port {port}", "ports are 1-65535", "choose another port")
    local.check_port_free(port, HOST)
    return port


def _new_ports(count: int, port: int | None) -> list[int]:
    """``--port P``: P, P+1, ... (as mlaunch numbers members); else ports the kernel picks."""
    if port is not None:
        return [_check_port(port + offset) for offset in range(count)]
    ports: list[int] = []
    while len(ports) < count:
        candidate = local.free_port(HOST)
        if candidate not in ports:
            ports.append(candidate)
    return ports


def _new_record(paths: SandboxPaths, shape: SandboxShape, port: int | None,
                binaries: ServerBinaries, previous: SandboxRecord | None) -> SandboxRecord:
    ports = _new_ports(shape.members, port)
    members = []
    for index, member_port in enumerate(ports):
        files = paths.member(None if shape.replica_set is None else index)
        members.append(MemberRecord(index, member_port, None, str(files.dbpath), str(files.logpath),
                                    str(files.pidfile)))
    return SandboxRecord(name=paths.name, replica_set=shape.replica_set, members=members,
                         binary=str(binaries.mongod), binary_source=binaries.source.value, version=binaries.version,
                         simulator=binaries.simulator, started_at=None,
                         stopped_at=previous.stopped_at if previous else None, settings=dict(shape.settings))


def _reuse_ports(record: SandboxRecord, port: int | None, to_start: list[MemberRecord]) -> None:
    """A replica set's config names its members by host:port, so a set always comes back on its ports; a
    standalone server may move to ``--port`` or, when its old port is taken, to a free one."""
    if record.replica_set is None:
        member = record.members[0]
        if port is not None:
            member.port = _check_port(port)
        elif not local.port_is_free(member.port, HOST):
            member.port = local.free_port(HOST)
        return
    if port is not None and port != record.members[0].port:
        raise SandboxStateError(f"sandbox '{record.name}' uses ports {', '.join(str(m.port) for m in record.members)}",
                                f"--port {port} asks for others, but the replica set's config names its members "
                                "by host:port",
                                f"start it without --port, or remove it first (mongo-admin sandbox stop --name "
                                f"{record.name} --purge)")
    for member in to_start:
        local.check_port_free(member.port, HOST)


def _launch(record: SandboxRecord, paths: SandboxPaths, binaries: ServerBinaries, to_start: list[MemberRecord],
            progress: Progress, timeout_s: float) -> None:
    """Start the members in parallel (each ``--fork`` returns once its server listens); record every pid
    that came up, then raise the first failure."""
    extra = ("--replSet", record.replica_set) if record.replica_set else ()
    for member in to_start:
        progress(f"starting mongod on {member.host} with data in {member.dbpath}")

    def start(member: MemberRecord) -> int:
        Path(member.pidfile).unlink(missing_ok=True)  # a stale pid file must not be mistaken for the new server
        return local.start(local.LaunchSpec(binaries.mongod, member.port, Path(member.logpath), Path(member.pidfile),
                                            Path(member.dbpath), extra_args=extra), timeout_s)

    failures: list[MongoAdminError] = []
    with ThreadPoolExecutor(max_workers=len(to_start)) as pool:
        futures = [(member, pool.submit(start, member)) for member in to_start]
        for member, future in futures:
            try:
                member.pid = future.result()
            except MongoAdminError as exc:
                failures.append(exc)
    record.started_at = _now()
    write_record(paths, record)
    if failures:
        raise failures[0]


def start_sandbox(home: Path, name: str = DEFAULT_NAME, *, shape: SandboxShape | None = None,
                  port: int | None = None, binary_dir: Path | None = None, progress: Progress = _silent,
                  timeout_s: float = local.START_TIMEOUT_S,
                  ready_timeout_s: float = sandbox_replset.READY_TIMEOUT_S) -> SandboxStartResult:
    """Start the sandbox ``name`` (or find it running): a new one takes ``shape`` (default: the 3-member set
    rs0), an existing one keeps its own. A taken port fails before anything starts."""
    paths = sandbox_paths(home, name)
    with exclusive_lock(paths.lock):
        record = read_record(paths)
        if record is not None:
            _check_same_shape(record, shape)
            live = {m.member_id: pid for m in record.members if (pid := live_pid(m)) is not None}
            for member in record.members:
                if member.member_id in live:
                    member.pid = live[member.member_id]  # it may have been known only from its pid file
            if live and record.replica_set is None and port is not None and port != record.members[0].port:
                raise SandboxStateError(f"sandbox '{name}' is already running on port {record.members[0].port}",
                                        f"--port {port} asks for a different port",
                                        f"stop it first: mongo-admin sandbox stop --name {name}")
            if len(live) == len(record.members):
                status, _ = observe(paths, record)
                if status.state is SandboxState.RUNNING or record.replica_set is None:
                    message = f"sandbox '{name}' is already running at {record.uri}; server: {status.server}"
                    return SandboxStartResult(**{**_fields(status), "message": message})
            gone = [m for m in record.members if m.member_id not in live and m.pid is not None]
            for member in gone:
                progress(f"process {member.pid} ({member.host}) from the previous start is gone; starting again")
            to_start = [m for m in record.members if m.member_id not in live]
            _reuse_ports(record, port, to_start)  # first: the cheapest refusal, before any process runs
            binaries = _choose_binaries(record, binary_dir)
            record.binary, record.binary_source = str(binaries.mongod), binaries.source.value
        else:
            binaries = _choose_binaries(None, binary_dir)
            record = _new_record(paths, shape or SandboxShape(), port, binaries, None)
            to_start = list(record.members)
        progress(f"using {binaries.server_label} mongod {binaries.version} from {binaries.mongod.parent} "
                 f"({binaries.source.value})")
        for member in to_start:
            member.pid = None
        write_record(paths, record)  # recorded before launch: a failed start still leaves a findable sandbox
        if to_start:
            _launch(record, paths, binaries, to_start, progress, timeout_s)
        initiated = False
        if record.replica_set is not None:
            initiated = sandbox_replset.ensure_initiated(record, progress)
            record.initiated = True
            write_record(paths, record)
            sandbox_replset.wait_ready(record, progress, ready_timeout_s)
        status, probes = observe(paths, record)
        first = next(iter(probes.values()), None)
        if first is not None:
            # buildInfo is the authority on what the server is: keep what it said for offline listings.
            record.simulator, record.version = first.build.simulator, first.build.version
            write_record(paths, record)
        message = f"started sandbox '{name}' at {record.uri}; server: {status.server}"
        if status.state is not SandboxState.RUNNING:
            message = status.message
        return SandboxStartResult(**{**_fields(status), "message": message}, started=bool(to_start),
                                  initiated=initiated)


def _fields(status: SandboxStatus) -> dict[str, Any]:
    return {each.name: getattr(status, each.name) for each in dataclasses.fields(SandboxStatus)}


def sandbox_status(home: Path, name: str = DEFAULT_NAME) -> SandboxStatus:
    """Every member's process, state, health, lag and uptime, and a summary of the primary (or the server)."""
    paths = sandbox_paths(home, name)
    return observe(paths, load_record(paths))[0]


def stop_sandbox(home: Path, name: str = DEFAULT_NAME, *, purge: bool = False, progress: Progress = _silent,
                 timeout_s: float = local.STOP_TIMEOUT_S) -> SandboxStopResult:
    """Stop every member (SIGTERM, then SIGKILL after ``timeout_s``), secondaries first and the primary last;
    keep the data unless ``purge``."""
    paths = sandbox_paths(home, name)
    with exclusive_lock(paths.lock):
        record = load_record(paths)
        pids = {m.member_id: live_pid(m) for m in record.members}
        running = [m for m in record.members if pids[m.member_id] is not None]
        stops: dict[int, MemberStop] = {}  # in stop order
        for member in sandbox_replset.stop_order(record, running):
            pid = pids[member.member_id]
            assert pid is not None
            progress(f"stopping mongod {member.host} pid {pid} (SIGTERM, SIGKILL after {timeout_s:g} s)")
            stops[member.member_id] = MemberStop(member.host, pid, local.stop(pid, member.dbpath, timeout_s).signal)
        for member in record.members:
            Path(member.pidfile).unlink(missing_ok=True)
        stopped = [each for each in stops.values() if each.signal]
        if not stopped:
            was = f"sandbox '{name}' was not running"
        elif record.replica_set is None:
            was = f"stopped sandbox '{name}' (pid {stopped[0].pid}, {stopped[0].signal})"
        else:
            was = (f"stopped sandbox '{name}' ({len(stopped)} member{'s' if len(stopped) != 1 else ''}: "
                   + ", ".join(f"{each.member} pid {each.pid} {each.signal}" for each in stopped) + ")")
        results = [stops.get(m.member_id, MemberStop(m.host, None, None)) for m in record.members]
        if purge:
            progress(f"removing {paths.root}")
            shutil.rmtree(paths.root)
            message = f"{was}; removed {paths.root}"
        else:
            for member in record.members:
                member.pid = None
            record.stopped_at = _now()
            write_record(paths, record)
            message = f"{was}; data kept in {paths.root}"
        return SandboxStopResult(message=message, name=name, server=offline_label(record.simulator),
                                 stopped=bool(stopped), purged=purge, directory=str(paths.root), members=results)


def list_sandboxes(home: Path) -> SandboxList:
    """Every sandbox under ``home``, its state read from the process table (no network round trip)."""
    sandboxes: list[SandboxSummary] = []
    for state_file in sorted((home / "sandbox").glob("*/state.json")):
        paths = sandbox_paths(home, state_file.parent.name)
        record = read_record(paths)
        if record is None:
            continue
        pids = [pid for m in record.members if (pid := live_pid(m)) is not None]
        if len(pids) == len(record.members):
            state = SandboxState.RUNNING
        elif pids:
            state = SandboxState.DEGRADED
        else:
            state = SandboxState.STOPPED if all(m.pid is None for m in record.members) else SandboxState.STALE
        sandboxes.append(SandboxSummary(record.name, state, record.topology, offline_label(record.simulator),
                                        [m.port for m in record.members], pids, record.version, str(paths.root)))
    return SandboxList(str(home), sandboxes)
