"""Operator control of a member's role: replSetStepDown (catch-up wait, force, election handoff),
replSetStepUp, replSetFreeze, replSetMaintenance and replSetSyncFrom."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import TYPE_CHECKING, Any

from mongosim.errors import CommandError
from mongosim.query.compare import is_number
from mongosim.repl import codes
from mongosim.repl.optime import MemberState
from mongosim.repl.peer import PeerError

if TYPE_CHECKING:
    from mongosim.context import CommandContext
    from mongosim.repl.coordinator import ReplicationCoordinator
    from mongosim.repl.topology import MemberData

DEFAULT_STEPDOWN_SECS = 60
DEFAULT_CATCH_UP_SECS = 10


def _seconds(value: Any, default: int) -> float:
    if not is_number(value) or isinstance(value, bool):
        return float(default)
    return float(str(value))


def caught_up_secondaries(coord: ReplicationCoordinator) -> list[MemberData]:
    """Electable, healthy secondaries whose applied optime reached ours, most caught up first — or none when
    fewer than a majority of the voters caught up (``TopologyCoordinator::isSafeToStepDown``)."""
    config = coord.config
    if config is None:
        return []
    caught_up = [d for d in coord.members.values() if d.health == 1.0 and d.applied >= coord.applied]
    voters = 1 + sum(1 for d in caught_up if d.config.is_voter)
    if voters < config.majority_vote_count:
        return []
    found = [d for d in caught_up if d.config.is_electable and d.state is MemberState.SECONDARY]
    return sorted(found, key=lambda d: (d.applied, d.config.effective_priority), reverse=True)


async def step_down(coord: ReplicationCoordinator, ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    raw = cmd.get("replSetStepDown")
    secs = _seconds(raw, DEFAULT_STEPDOWN_SECS)
    if secs == 0:
        secs = DEFAULT_STEPDOWN_SECS
    if secs < 0:
        raise CommandError("BadValue", "stepdown period must be a positive integer")
    force = bool(cmd.get("force", False))
    catch_up = _seconds(cmd.get("secondaryCatchUpPeriodSecs"), 0 if force else DEFAULT_CATCH_UP_SECS)
    if catch_up < 0:
        raise CommandError("BadValue", "secondaryCatchUpPeriodSecs period must be a positive or absent")
    if catch_up >= secs:
        raise CommandError("BadValue", "stepdown period must be longer than secondaryCatchUpPeriodSecs")
    coord.log_repl(21579, "Received replSetStepDown request", {"stepDownSecs": secs,
                   "secondaryCatchUpPeriodSecs": catch_up, "force": force})
    if not coord.is_primary:
        raise CommandError("NotWritablePrimary", "not primary so can't step down")
    # Writes stop while the secondaries catch up (mongod holds the replication state lock).
    coord.writable = False
    term = coord.term
    deadline = time.monotonic() + catch_up
    while not caught_up_secondaries(coord):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not coord.is_primary or coord.term != term:
            break
        await coord.wait_progress(ctx, min(remaining, 0.1))
    if not coord.is_primary or coord.term != term:
        raise CommandError("PrimarySteppedDown", "Primary stepped down while waiting for secondaries to catch up")
    targets = caught_up_secondaries(coord)
    if not targets and not force:
        coord.writable = True
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
            f"{dt.datetime.now(dt.UTC).microsecond // 1000:03d}+00:00"
        coord.log_repl(21580, "Stepping down from primary failed", {"error": "ExceededTimeLimit"})
        raise CommandError("ExceededTimeLimit", f"No electable secondaries caught up as of {now}. Please use the "
                           "replSetStepDown command with the argument {force: true} to force node to step down.")
    coord.step_down("replSetStepDown command", ineligible_s=secs)
    if targets:
        _hand_off(coord, targets[0])
    return {}


def _hand_off(coord: ReplicationCoordinator, target: MemberData) -> None:
    """Election handoff: ask the most caught-up electable secondary to run for election without a dry run."""
    coord.log_repl(codes.HANDOFF, "Handing off election", {"target": target.host})

    async def send() -> None:
        try:
            await coord.peers.get(target.host, "election").command(
                "admin", {"replSetStepUp": 1, "skipDryRun": True}, 30.0)
        except PeerError as exc:
            coord.log_repl(21348, "replSetStepUp request failed", {"target": target.host, "error": str(exc)})

    asyncio.get_running_loop().create_task(send(), name="ElectionHandoff")


async def step_up(coord: ReplicationCoordinator, cmd: dict[str, Any]) -> dict[str, Any]:
    if coord.config is None:
        raise CommandError("NotYetInitialized", "no replset config has been received")
    if coord.is_primary:
        return {"info": "already primary"}
    skip = bool(cmd.get("skipDryRun", False))
    reason = coord.elections.electable_reason()
    if reason is not None:
        coord.log_repl(codes.STEP_UP_REQUEST, "Not starting an election for a replSetStepUp request, since we are "
                       "not electable", {"reason": reason}, component="ELECTION")
        raise CommandError("CommandFailed", "Election failed.")
    won = await coord.elections.start_election("stepUpRequestSkipDryRun" if skip else "stepUpRequest",
                                               skip_dry_run=skip)
    if not won:
        raise CommandError("CommandFailed", "Election failed.")
    return {}


def freeze(coord: ReplicationCoordinator, cmd: dict[str, Any]) -> dict[str, Any]:
    if coord.config is None:
        raise CommandError("NotYetInitialized", "no replset config has been received")
    secs = _seconds(cmd.get("replSetFreeze"), 0)
    if coord.is_primary or coord.elections.in_progress:
        raise CommandError("NotSecondary", f"cannot freeze node when primary or running for election. state: "
                           f"{coord.state.name.capitalize()}")
    out: dict[str, Any] = {}
    if secs <= 0:
        coord.frozen_until = 0.0
        coord.log_repl(codes.FREEZE, "'unfreezing'")
        out["info"] = "unfreezing"
        coord.elections.reset_timer()
    else:
        if secs == 1:
            out["warning"] = "you really want to freeze for only 1 second?"
        coord.frozen_until = time.monotonic() + secs
        coord.log_repl(codes.FREEZE, "Freezing", {"secs": secs})
    return out


def maintenance(coord: ReplicationCoordinator, cmd: dict[str, Any]) -> dict[str, Any]:
    if coord.config is None:
        raise CommandError("NotYetInitialized", "no replset config has been received")
    enable = bool(cmd.get("replSetMaintenance"))
    if coord.is_primary:
        raise CommandError("NotSecondary", "primaries can't modify maintenance mode")
    if coord.state is MemberState.ARBITER or coord.state is MemberState.REMOVED:
        raise CommandError("NotSecondary", "arbiters and removed members can't modify maintenance mode")
    if enable:
        coord.log_repl(codes.MAINTENANCE, "Going into maintenance mode",
                       {"otherMaintenanceModeTasksInProgress": coord.maintenance_count})
        coord.maintenance_count += 1
        if coord.state is MemberState.SECONDARY:
            coord.set_state(MemberState.RECOVERING)
        return {}
    if coord.maintenance_count == 0:
        raise CommandError("OperationFailed", "already out of maintenance mode")
    coord.maintenance_count -= 1
    coord.log_repl(codes.MAINTENANCE, "Leaving maintenance mode",
                   {"otherMaintenanceModeTasksOngoing": coord.maintenance_count})
    if coord.maintenance_count == 0 and coord.state is MemberState.RECOVERING:
        coord.set_follower_state(MemberState.SECONDARY)
    return {}


def sync_from(coord: ReplicationCoordinator, cmd: dict[str, Any]) -> dict[str, Any]:
    config = coord.config
    if config is None:
        raise CommandError("NotYetInitialized", "no replset config has been received")
    host = cmd.get("replSetSyncFrom")
    if not isinstance(host, str):
        raise CommandError("TypeMismatch", "Expected replSetSyncFrom to be a string")
    if coord.state is MemberState.ARBITER:
        raise CommandError("NotSecondary", "arbiters don't sync")
    if coord.is_primary:
        raise CommandError("NotSecondary", "primaries don't sync")
    if host == coord.self_host:
        raise CommandError("InvalidOptions", "I cannot sync from myself")
    target = config.find_host(host)
    if target is None:
        raise CommandError("NodeNotFound", f"Could not find member \"{host}\" in replica set")
    if target.arbiter_only:
        raise CommandError("InvalidOptions", f"Cannot sync from \"{host}\" because it is an arbiter")
    me = coord.self_member
    if me is not None and me.build_indexes and not target.build_indexes:
        raise CommandError("InvalidOptions", f"Cannot sync from \"{host}\" because it does not build indexes")
    data = coord.members.get(target.id)
    if data is None or data.health != 1.0:
        raise CommandError("HostUnreachable", f"I cannot reach the requested member: {host}")
    out: dict[str, Any] = {"syncFromRequested": host}
    if coord.sync_source_host:
        out["prevSyncTarget"] = coord.sync_source_host
    if data.applied.ts.time + 10 < coord.applied.ts.time:
        out["warning"] = f"requested member \"{host}\" is more than 10 seconds behind us"
    coord.requested_sync_source = host
    coord.log_repl(codes.SYNC_FROM, "replSetSyncFrom", {"requested": host})
    return out
