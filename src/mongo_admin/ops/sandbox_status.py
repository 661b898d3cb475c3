"""What a sandbox is doing right now: every member's process, what it answers, and the replica set's view.

One observation per call: the process table (is the recorded pid alive and ours?), then per running member
ping, buildInfo, serverStatus and hello over a direct connection, then ``replSetGetStatus`` from the primary
(or from any member when there is none). The result is one ``SandboxStatus``, rendered by every face.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mongo_admin.errors import MongoAdminError
from mongo_admin.ops.sandbox_layout import MemberRecord, SandboxPaths, SandboxRecord
from mongo_admin.providers import local

PROBE_TIMEOUT_S = 5.0

if TYPE_CHECKING:
    from mongo_admin.mongo.client import BuildInfo, HelloSummary, ServerStatusSummary
    from mongo_admin.mongo.replset import ReplSetState


class SandboxState(enum.StrEnum):
    RUNNING = "running"  # every member runs and answers; a replica set has a primary and only healthy members
    DEGRADED = "degraded"  # a replica set with a member down or unhealthy, or without a primary
    UNRESPONSIVE = "unresponsive"  # processes run but none answers
    STOPPED = "stopped"  # stopped by mongo-admin
    STALE = "stale"  # the recorded processes are gone without being stopped (crash, reboot, kill -9)


class ProcessState(enum.StrEnum):
    RUNNING = "running"
    UNRESPONSIVE = "unresponsive"
    STOPPED = "stopped"
    STALE = "stale"


@dataclass(frozen=True)
class MemberStatus:
    member: str  # host:port, as in the replica-set config and the connection string
    id: int | None  # _id in the replica-set config; None for a standalone server
    state: str | None  # replSetGetStatus stateStr (PRIMARY, SECONDARY, (not reachable/healthy), ...)
    health: float | None
    lag_s: float | None  # optime lag behind the primary
    uptime_s: float | None
    process: ProcessState
    pid: int | None
    server: str  # "sandbox (mongosim <version>)" or "MongoDB": says plainly when the target is the simulator


@dataclass(frozen=True)
class SandboxStatus:
    message: str
    name: str
    state: SandboxState
    topology: str
    replica_set: str | None
    server: str
    simulator: bool
    uri: str
    version: str | None
    primary: str | None
    # connections, opcounters and storage size of the primary (or of the standalone server)
    connections_current: int | None
    connections_available: int | None
    opcounters: dict[str, int]
    storage_size_bytes: int | None
    directory: str
    binary: str
    started_at: str | None
    members: list[MemberStatus] = field(default_factory=list)


def offline_label(simulator: bool) -> str:
    return "sandbox (mongosim)" if simulator else "MongoDB"


def live_pid(member: MemberRecord) -> int | None:
    """The member's running server pid (recorded, or from its pid file if we died before recording it)."""
    for pid in (member.pid, local.read_pid_file(Path(member.pidfile))):
        if local.is_running(pid, member.dbpath):
            return pid
    return None


@dataclass(frozen=True)
class MemberProbe:
    build: BuildInfo
    status: ServerStatusSummary | None
    hello: HelloSummary
    storage_size: int | None


def probe_member(member: MemberRecord) -> MemberProbe:
    # Imported here so listing sandboxes (and the CLI's --help) never pays for importing pymongo.
    from mongo_admin.mongo import client as mongo

    client = mongo.connect(f"mongodb://{member.host}/?directConnection=true", timeout_s=PROBE_TIMEOUT_S)
    try:
        mongo.ping(client)
        return MemberProbe(mongo.build_info(client), mongo.optional(mongo.server_status, client),
                           mongo.hello(client), mongo.optional(mongo.storage_size_bytes, client))
    finally:
        client.close()


def _replset_view(record: SandboxRecord, probes: dict[int, MemberProbe]) -> ReplSetState | None:
    from mongo_admin.mongo import client as mongo
    from mongo_admin.mongo import replset

    by_id = {m.member_id: m for m in record.members}
    order = sorted(probes, key=lambda member_id: not probes[member_id].hello.writable_primary)
    for member_id in order:
        client = mongo.connect(f"mongodb://{by_id[member_id].host}/?directConnection=true", timeout_s=PROBE_TIMEOUT_S)
        try:
            return replset.replset_status(client)
        except MongoAdminError:
            continue  # not initiated yet (NotYetInitialized), or gone since the probe
        finally:
            client.close()
    return None


def _stale_message(name: str, gone: list[MemberRecord]) -> str:
    if len(gone) == 1:
        return (f"sandbox '{name}' is not running: process {gone[0].pid} exited without being stopped "
                f"(see {gone[0].logpath})")
    return (f"sandbox '{name}' is not running: processes {', '.join(str(m.pid) for m in gone)} exited without "
            f"being stopped (see {', '.join(m.logpath for m in gone)})")


def observe(paths: SandboxPaths, record: SandboxRecord) -> tuple[SandboxStatus, dict[int, MemberProbe]]:
    name = record.name
    pids = {m.member_id: live_pid(m) for m in record.members}
    probes: dict[int, MemberProbe] = {}
    failures: dict[int, str] = {}
    for member in record.members:
        if pids[member.member_id] is None:
            continue
        try:
            probes[member.member_id] = probe_member(member)
        except MongoAdminError as exc:
            failures[member.member_id] = exc.why or exc.what
    view = _replset_view(record, probes) if record.replica_set and probes else None
    rows = {row.host: row for row in view.members} if view else {}
    first = next(iter(probes.values()), None)
    server = first.build.server_label if first else offline_label(record.simulator)

    members: list[MemberStatus] = []
    for member in record.members:
        pid = pids[member.member_id]
        probe = probes.get(member.member_id)
        if pid is None:
            process = ProcessState.STOPPED if member.pid is None else ProcessState.STALE
        else:
            process = ProcessState.RUNNING if probe else ProcessState.UNRESPONSIVE
        row = rows.get(member.host)
        members.append(MemberStatus(
            member=member.host, id=member.member_id if record.replica_set else None,
            state=row.state_str if row else None, health=row.health if row else None,
            lag_s=view.lag_s(row) if view and row else None,
            uptime_s=probe.status.uptime_s if probe and probe.status else None,
            process=process, pid=pid, server=probe.build.server_label if probe else offline_label(record.simulator)))

    primary_row = view.primary if view else None
    target_id = next((m.member_id for m in record.members if primary_row and m.host == primary_row.host), None)
    if record.replica_set is None:
        target_id = record.members[0].member_id
    target = probes.get(target_id) if target_id is not None else None

    live = [m for m in record.members if pids[m.member_id] is not None]
    if not live:
        gone = [m for m in record.members if m.pid is not None]
        state = SandboxState.STALE if gone else SandboxState.STOPPED
        message = _stale_message(name, gone) if gone else f"sandbox '{name}' is stopped"
    elif not probes:
        state = SandboxState.UNRESPONSIVE
        member = live[0]
        message = (f"sandbox '{name}' process {pids[member.member_id]} is running but does not answer: "
                   f"{failures.get(member.member_id, 'no reply')}")
    elif record.replica_set is None:
        state, message = SandboxState.RUNNING, f"sandbox '{name}' is running at {record.uri}; server: {server}"
    else:
        problems = [f"{m.member} is {m.state or m.process.value}" for m in members
                    if m.process is not ProcessState.RUNNING or m.state not in ("PRIMARY", "SECONDARY")
                    or m.health != 1]
        if primary_row is None:
            problems.insert(0, "no primary")
        if problems:
            state = SandboxState.DEGRADED
            message = f"sandbox '{name}' (replica set {record.replica_set}) is degraded: {'; '.join(problems)}"
        else:
            state = SandboxState.RUNNING
            assert primary_row is not None
            message = (f"sandbox '{name}' is running: replica set {record.replica_set}, primary {primary_row.host}, "
                       f"at {record.uri}; server: {server}")
    status = SandboxStatus(
        message=message, name=name, state=state, topology=record.topology, replica_set=record.replica_set,
        server=server, simulator=first.build.simulator if first else record.simulator, uri=record.uri,
        version=first.build.version if first else record.version,
        primary=primary_row.host if primary_row else None,
        connections_current=target.status.connections_current if target and target.status else None,
        connections_available=target.status.connections_available if target and target.status else None,
        opcounters=dict(target.status.opcounters) if target and target.status else {},
        storage_size_bytes=target.storage_size if target else None,
        directory=str(paths.root), binary=record.binary, started_at=record.started_at, members=members)
    return status, probes
