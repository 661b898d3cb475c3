"""Bringing a sandbox replica set up and down: initiate once, wait for a primary and healthy members, and
stop members in the order MongoDB recommends (secondaries first, then the primary).

Everything here talks to the members through pymongo, one direct connection per member, exactly as it
would to real mongod processes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mongo_admin.errors import CommandFailedError, MongoAdminError, ProcessStartError, ReplicaSetError
from mongo_admin.ops.sandbox_layout import MemberRecord, SandboxRecord
from mongo_admin.providers import local

READY_TIMEOUT_S = 90.0
POLL_INTERVAL_S = 0.1
MEMBER_TIMEOUT_S = 2.0

Progress = Callable[[str], None]

if TYPE_CHECKING:  # pymongo is imported lazily, inside the functions, so `--help` stays fast
    from mongo_admin.mongo.client import Client, HelloSummary
    from mongo_admin.mongo.replset import ReplSetState


def member_uri(member: MemberRecord) -> str:
    return f"mongodb://{member.host}/?directConnection=true"


def member_label(member: MemberRecord) -> str:
    return f"{member.host} (member {member.member_id}, log {member.logpath})"


@contextmanager
def member_clients(members: list[MemberRecord]) -> Iterator[dict[int, Client]]:
    """One short-timeout direct client per member, closed afterwards."""
    from mongo_admin.mongo import client as mongo

    clients = {m.member_id: mongo.connect(member_uri(m), timeout_s=MEMBER_TIMEOUT_S) for m in members}
    try:
        yield clients
    finally:
        for each in clients.values():
            each.close()


def _hello(client: Client) -> HelloSummary | None:
    from mongo_admin.mongo import client as mongo

    try:
        return mongo.hello(client)
    except MongoAdminError:
        return None


def _initiate(record: SandboxRecord, clients: dict[int, Client], progress: Progress) -> None:
    from mongo_admin.mongo import replset

    assert record.replica_set is not None
    hosts = [m.host for m in record.members]
    config = replset.initiate_document(record.replica_set, hosts, record.settings)
    first = record.members[0]
    progress(f"initiating replica set {record.replica_set} on {first.host} with members {', '.join(hosts)}")
    try:
        replset.initiate(clients[first.member_id], config)
    except CommandFailedError as exc:
        if exc.code == replset.ALREADY_INITIALIZED:
            return  # initiated by an earlier start that stopped before recording it
        raise ReplicaSetError(f"replSetInitiate of replica set {record.replica_set} failed",
                              f"{exc.why} (code {exc.code})",
                              f"see {first.logpath}; stop the sandbox with: mongo-admin sandbox stop --name "
                              f"{record.name} --purge, and start again") from exc


def ensure_initiated(record: SandboxRecord, progress: Progress) -> bool:
    """Initiate the set unless it already has a config; True when this call initiated it. A set whose members
    were restarted comes back with the config stored in their data, so it is never initiated twice."""
    if record.initiated:
        return False
    with member_clients(record.members) as clients:
        hellos = [_hello(clients[m.member_id]) for m in record.members]
        if any(h is not None and h.set_name for h in hellos):
            return False
        _initiate(record, clients, progress)
    return True


@dataclass(frozen=True)
class _Observation:
    primary: MemberRecord | None
    state: ReplSetState | None


def _observe(record: SandboxRecord, clients: dict[int, Client]) -> _Observation:
    from mongo_admin.mongo import replset

    primary: MemberRecord | None = None
    answering: list[MemberRecord] = []
    for member in record.members:
        hello = _hello(clients[member.member_id])
        if hello is None:
            continue
        answering.append(member)
        if hello.writable_primary:
            primary = member
    # The primary's view is the authority; without one, any member's view explains what is going on.
    for source in ([primary] if primary else []) + answering:
        try:
            return _Observation(primary, replset.replset_status(clients[source.member_id]))
        except MongoAdminError:
            continue
    return _Observation(primary, None)


def _check_processes(record: SandboxRecord) -> None:
    for member in record.members:
        if not local.is_running(member.pid, member.dbpath):
            tail = "; ".join(local.log_tail(Path(member.logpath), 3))
            raise ProcessStartError(f"member {member.host} of replica set {record.replica_set} exited",
                                    f"process {member.pid} is gone" + (f"; last log lines: {tail}" if tail else ""),
                                    f"see {member.logpath}")


def _not_ready_reason(record: SandboxRecord, seen: _Observation | None) -> str:
    if seen is None or seen.state is None:
        return "no member answered replSetGetStatus; members: " + ", ".join(member_label(m) for m in record.members)
    rows = {row.host: row for row in seen.state.members}
    parts = [] if seen.primary else ["no primary has been elected"]
    for member in record.members:
        row = rows.get(member.host)
        if row is None:
            parts.append(f"{member_label(member)} is not in the config")
        elif row.state_str not in ("PRIMARY", "SECONDARY") or row.health != 1:
            said = f" ({row.message})" if row.message else ""
            parts.append(f"{member_label(member)} is {row.state_str}{said}")
    return "; ".join(parts)


def wait_ready(record: SandboxRecord, progress: Progress, timeout_s: float = READY_TIMEOUT_S) -> ReplSetState:
    """Wait until a primary is elected and every member is PRIMARY or SECONDARY with health 1 (bounded)."""
    progress(f"waiting for a primary and for every member to be PRIMARY or SECONDARY (up to {timeout_s:g} s)")
    deadline = time.monotonic() + timeout_s
    seen: _Observation | None = None
    with member_clients(record.members) as clients:
        while True:
            _check_processes(record)
            seen = _observe(record, clients)
            if seen.primary is not None and seen.state is not None:
                rows = {row.host: row for row in seen.state.members}
                if all(m.host in rows and rows[m.host].state_str in ("PRIMARY", "SECONDARY")
                       and rows[m.host].health == 1 for m in record.members):
                    return seen.state
            if time.monotonic() >= deadline:
                break
            time.sleep(POLL_INTERVAL_S)
    raise ReplicaSetError(f"replica set {record.replica_set} did not become ready within {timeout_s:g} s",
                          _not_ready_reason(record, seen),
                          f"read the member logs named above; follow it with: mongo-admin sandbox status --name "
                          f"{record.name}; stop it with: mongo-admin sandbox stop --name {record.name}")


def stop_order(record: SandboxRecord, running: list[MemberRecord]) -> list[MemberRecord]:
    """Secondaries (and anything that is not primary) first, the primary last: stopping the primary first
    would make the others hold an election only to be stopped a moment later."""
    if record.replica_set is None or len(running) < 2:
        return running
    with member_clients(running) as clients:
        primaries = {m.member_id for m in running
                     if (hello := _hello(clients[m.member_id])) is not None and hello.writable_primary}
    return [m for m in running if m.member_id not in primaries] + [m for m in running if m.member_id in primaries]
