"""Write concern and majority read concern on a replica-set member.

``w: N`` waits until N data-bearing members (this one included) applied the write (made it durable with
``j: true``); ``w: "majority"`` until the commit point reaches it (a write majority of voting data-bearing
members made it durable; arbiters never count); a ``getLastErrorModes`` tag mode until enough distinct tag
values have it. ``wtimeout`` expiry is WriteConcernFailed (64), as mongod reports it in
``writeConcernError``; the write itself stays applied.

Majority reads: the simulator keeps no snapshots, so a ``readConcern: {level: "majority"}`` read first waits
until the commit point reaches what this node had applied when the read arrived (bounded by ``maxTimeMS``,
and by the election timeout when there is none: a set that lost its majority then serves its latest data).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from mongosim.errors import CommandError
from mongosim.repl.optime import OpTime

if TYPE_CHECKING:
    from mongosim.context import CommandContext
    from mongosim.repl.coordinator import ReplicationCoordinator
    from mongosim.writeconcern import WriteConcern


def _error(code: int, name: str, errmsg: str, wc: WriteConcern, timeout: bool = False) -> dict[str, Any]:
    info: dict[str, Any] = {"wtimeout": True} if timeout else {}
    info["writeConcern"] = wc.to_document()
    return {"code": code, "codeName": name, "errmsg": errmsg, "errInfo": info}


def validate(coord: ReplicationCoordinator, ctx: CommandContext, wc: WriteConcern) -> None:
    """Syntax was checked by the parser; whether the set can satisfy ``w`` is known only after the write
    (mongod reports it in writeConcernError), so nothing is refused here except ``w: 0`` with ``j``."""
    if wc.w == 0 and wc.j:
        raise CommandError("BadValue", "cannot use 'j' option with w:0")


def unsatisfiable(coord: ReplicationCoordinator, wc: WriteConcern) -> dict[str, Any] | None:
    config = coord.config
    if config is None:
        return None
    if isinstance(wc.w, int) and wc.w > config.data_bearing_count:
        return _error(100, "UnsatisfiableWriteConcern", "Not enough data-bearing nodes", wc)
    if isinstance(wc.w, str) and wc.w != "majority":
        mode = config.get_last_error_modes.get(wc.w)
        if mode is None:
            return _error(79, "UnknownReplWriteConcern",
                          f"No write concern mode named '{wc.w}' found in replica set configuration", wc)
        for tag, count in mode.items():
            values = {m.tags[tag] for m in config.members if tag in m.tags}
            if len(values) < count:
                return _error(100, "UnsatisfiableWriteConcern",
                              f"Not enough nodes match write concern mode \"{wc.w}\"", wc)
    return None


def satisfied(coord: ReplicationCoordinator, wc: WriteConcern, target: OpTime) -> bool:
    if wc.w == "majority":
        return coord.last_committed >= target or coord.config is None
    durable = bool(wc.j)
    reached = []
    if coord.self_member is not None and (coord.durable if durable else coord.applied) >= target:
        reached.append(coord.self_member)
    for data in coord.members.values():
        if data.config.data_bearing and (data.durable if durable else data.applied) >= target:
            reached.append(data.config)
    if isinstance(wc.w, int):
        return len(reached) >= wc.w
    mode = coord.config.get_last_error_modes.get(wc.w, {}) if coord.config else {}
    return all(len({m.tags[tag] for m in reached if tag in m.tags}) >= count for tag, count in mode.items())


async def wait_for_write_concern(coord: ReplicationCoordinator, ctx: CommandContext,
                                 wc: WriteConcern) -> dict[str, Any] | None:
    """The ``write_concern_waiter`` hook: None when satisfied, else the ``writeConcernError`` document."""
    if wc.w == 0 and not wc.j:
        return None
    target = coord.applied
    if wc.needs_journal:
        coord.sync_durable()
    if isinstance(wc.w, int) and wc.w <= 1:
        return None
    problem = unsatisfiable(coord, wc)
    if problem is not None:
        return problem
    deadline = time.monotonic() + wc.wtimeout / 1000.0 if wc.wtimeout > 0 else None
    term = coord.term
    while not satisfied(coord, wc, target):
        if not coord.is_primary or coord.term != term:
            return _error(189, "PrimarySteppedDown", "Primary stepped down while waiting for replication", wc)
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            return _error(64, "WriteConcernFailed", "waiting for replication timed out", wc, timeout=True)
        await coord.wait_progress(ctx, remaining)
    return None


def majority_read_target(coord: ReplicationCoordinator, cmd: dict[str, Any]) -> OpTime | None:
    """What a majority read must wait for, or None when it can run at once."""
    read_concern = cmd.get("readConcern")
    if not isinstance(read_concern, dict) or read_concern.get("level") != "majority":
        return None
    target = coord.applied
    return None if coord.last_committed >= target else target


async def wait_majority_read(coord: ReplicationCoordinator, ctx: CommandContext, target: OpTime) -> None:
    max_time = ctx.cmd.get("maxTimeMS")
    limit = float(max_time) / 1000.0 if isinstance(max_time, (int, float)) and max_time > 0 else None
    give_up = coord.config.election_timeout_s if coord.config is not None else 10.0
    deadline = time.monotonic() + (limit if limit is not None else give_up)
    while coord.last_committed < target:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            if limit is not None:
                raise CommandError("MaxTimeMSExpired", "operation exceeded time limit")
            return
        await coord.wait_progress(ctx, remaining)
