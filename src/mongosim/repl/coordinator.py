"""``ReplicationCoordinator``: the one owner of a member's replication state.

It holds the installed config, this member's state and term, its last vote, its applied and durable optimes,
the commit point, and the table of other members fed by heartbeats (``heartbeat.py``) and position updates.
Elections (``election.py``), step-down (``stepdown.py``), status (``status.py``) and write-concern waits
(``waits.py``) work on this state. Other areas use the calls listed in ``mongosim.repl``'s module map.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from bson.timestamp import Timestamp

from mongosim.context import CommandContext
from mongosim.repl import codes, persist
from mongosim.repl.config import ConfigError, MemberConfig, ReplSetConfig
from mongosim.repl.format import now_ms
from mongosim.repl.optime import EPOCH, MemberState, OpTime
from mongosim.repl.peer import PeerPool
from mongosim.repl.topology import MemberData, MemberView

if TYPE_CHECKING:
    from mongosim.server import Server

StateListener = Callable[[MemberState, MemberState], None]
StepUpHook = Callable[[], Awaitable[None]]


async def wait_event(event: asyncio.Event, timeout_s: float | None) -> bool:
    """Wait for ``event`` up to ``timeout_s``; True if it is set. Unlike ``asyncio.wait_for`` on Python 3.11,
    a cancellation arriving as the event fires is never swallowed (the caller's task must stop when cancelled)."""
    if event.is_set():
        return True
    waiter = asyncio.ensure_future(event.wait())
    try:
        await asyncio.wait({waiter}, timeout=timeout_s)
    finally:
        waiter.cancel()
    return event.is_set()


class ReplicationCoordinator:
    def __init__(self, server: Server) -> None:
        from mongosim.repl.election import ElectionManager
        from mongosim.repl.heartbeat import HeartbeatManager

        self.server = server
        self.log = server.log
        self.set_name: str = server.config.repl_set or ""
        self.configsvr_node = server.config.cluster_role == "configsvr"
        self.config: ReplSetConfig | None = None
        self.self_id: int | None = None
        self.state = MemberState.STARTUP
        self.term = 0
        self.last_vote: tuple[int, int] = (-1, -1)
        self.applied, self.applied_wall = OpTime.null(), EPOCH
        self.durable, self.durable_wall = OpTime.null(), EPOCH
        self.last_committed, self.last_committed_wall = OpTime.null(), EPOCH
        self.members: dict[int, MemberData] = {}
        self.primary_id: int | None = None
        # A primary accepts writes only once its step-up hooks ran (applier drained, "new primary" written).
        self.writable = False
        self.election_time: Timestamp | None = None
        self.election_date: dt.datetime | None = None
        self.maintenance_count = 0
        self.requested_sync_source: str | None = None
        # Set by the sync manager: the member this node fetches from ("" when none).
        self.sync_source_host = ""
        # The data replication layer (repl/sync.py), set by install; it moves STARTUP2 members on.
        self.sync_manager: Any = None
        self.state_listeners: list[StateListener] = []
        self.step_up_hooks: list[StepUpHook] = []
        self.peers = PeerPool()
        self.frozen_until = 0.0         # monotonic: replSetFreeze
        self.stepdown_until = 0.0       # monotonic: not electable after a stepDown
        self.last_heard_primary = time.monotonic()
        self.reconfig_in_progress = False
        # The rollback id (rbid): the rollback layer increments it after each rollback.
        self.rbid = 1
        self.started = time.monotonic()
        self._progress = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.heartbeats = HeartbeatManager(self)
        self.elections = ElectionManager(self)

    # ------------------------------------------------------------------------------------------- identity
    @property
    def initialized(self) -> bool:
        return self.config is not None

    @property
    def self_member(self) -> MemberConfig | None:
        if self.config is None or self.self_id is None:
            return None
        return self.config.find_id(self.self_id)

    @property
    def self_host(self) -> str:
        member = self.self_member
        return member.host if member is not None else f"{self.server.hostname}:{self.server.bound_port}"

    @property
    def is_primary(self) -> bool:
        return self.state is MemberState.PRIMARY

    @property
    def is_writable_primary(self) -> bool:
        return self.state is MemberState.PRIMARY and self.writable

    def primary_host(self) -> str | None:
        if self.primary_id is None or self.config is None:
            return None
        member = self.config.find_id(self.primary_id)
        return member.host if member is not None else None

    def log_repl(self, msg_id: int, msg: str, attr: dict[str, Any] | None = None, *,
                 component: str = "REPL", ctx: str = "ReplCoord-0") -> None:
        self.log.info(component, msg_id, ctx, msg, attr)

    # ------------------------------------------------------------------------------------------- life cycle
    async def start(self) -> None:
        """Load the stored config and vote, then run heartbeats and the election timer."""
        engine = self.server.storage
        if engine is not None:
            self.last_vote = persist.load_vote(engine)
            self.term = max(self.term, self.last_vote[0], 0)
            stored = persist.load_config(engine)
            if stored is not None:
                try:
                    config = ReplSetConfig.parse({k: v for k, v in stored.items()})
                    self.install_config(config, persist_it=False, startup=True)
                except ConfigError as exc:
                    self.log.error("REPL", 21414, "ReplCoord-0", "Locally stored replica set configuration is "
                                   "invalid", {"error": exc.reason})
        loop = asyncio.get_running_loop()
        self._tasks.append(loop.create_task(self.elections.run(), name="ReplCoordElectionTimer"))

    async def stop(self) -> None:
        self.heartbeats.stop()
        for task in self._tasks:
            task.cancel()
        self.peers.close()

    def sync_durable(self) -> None:
        """Flush the journal and make everything applied so far durable (j and majority write concern; the
        oplog's journal listener does the same after each background group commit)."""
        if self.durable >= self.applied:
            return
        applied, wall = self.applied, self.applied_wall
        if self.server.storage is not None:
            self.server.storage.sync_journal()
        self.advance_durable(applied, wall)

    # ------------------------------------------------------------------------------------------- config
    def find_self(self, config: ReplSetConfig) -> MemberConfig | None:
        """This node's entry: the member whose host names this process (its port, on a local address)."""
        port = self.server.bound_port
        names = {"localhost", "127.0.0.1", "::1", self.server.hostname, "0.0.0.0"}
        names.update(self.server.config.bind_ips)
        for member in config.members:
            host, _, member_port = member.host.rpartition(":")
            if member_port.isdigit() and int(member_port) == port and host.strip("[]") in names:
                return member
        return None

    def install_config(self, config: ReplSetConfig, *, persist_it: bool = True, startup: bool = False) -> None:
        """Make ``config`` the current one: member table, own entry, and the state that follows from it."""
        if persist_it and self.server.storage is not None:
            persist.save_config(self.server.storage, config.to_document())
        old_members = self.members
        self.config = config
        me = self.find_self(config)
        self.self_id = me.id if me is not None else None
        self.members = {}
        for member in config.members:
            if me is not None and member.id == me.id:
                continue
            data = old_members.get(member.id)
            if data is not None and data.host == member.host:
                data.config = member
                self.members[member.id] = data
            else:
                self.members[member.id] = MemberData(member)
        if self.primary_id is not None and config.find_id(self.primary_id) is None:
            self.primary_id = None
        self.peers.forget({m.host for m in config.members})
        self.log_repl(codes.NEW_CONFIG, "New replica set config in use",
                      {"config": config.to_document()})
        self._settle_state(me, startup)
        self.heartbeats.restart()
        self.server.bump_topology()
        self.notify_progress()

    def _settle_state(self, me: MemberConfig | None, startup: bool) -> None:
        if me is None:
            self.log.log("W", "REPL", codes.REMOVED, "ReplCoord-0", "Did not find local replica set configuration "
                         "document at startup" if startup else "This node is not a member of the config",
                         {"hostAndPort": self.self_host})
            if self.is_primary:
                self.step_down("removed from the config")
            self.set_state(MemberState.REMOVED)
            return
        if me.arbiter_only:
            self.set_state(MemberState.ARBITER)
            return
        if self.state in (MemberState.STARTUP, MemberState.REMOVED):
            self.set_state(MemberState.STARTUP2)
            self.elections.reset_timer()
            # The data layer decides whether an initial sync is needed before SECONDARY (state listeners run
            # synchronously); without one, a member with a config and its data is a SECONDARY at once.
            if self.sync_manager is None and self.state_is(MemberState.STARTUP2):
                self.set_follower_state(MemberState.SECONDARY)
        elif self.is_primary and not me.is_electable:
            self.step_down("no longer electable in the new config")

    # ------------------------------------------------------------------------------------------- states
    def state_is(self, state: MemberState) -> bool:
        """A check that survives listeners changing the state in between (mypy narrows ``self.state``)."""
        return self.state is state

    def set_state(self, new: MemberState) -> None:
        old = self.state
        if new is old:
            return
        self.state = new
        if new is not MemberState.PRIMARY:
            self.writable = False
            if self.primary_id == self.self_id and self.self_id is not None:
                self.primary_id = None
        self.log_repl(codes.STATE_TRANSITION, "Replica set state transition",
                      {"newState": new.name, "oldState": old.name})
        for listener in list(self.state_listeners):
            listener(old, new)
        self.server.bump_topology()
        self.notify_progress()

    def set_follower_state(self, state: MemberState) -> bool:
        """SECONDARY, RECOVERING, ROLLBACK or STARTUP2, asked by the data layer; refused (False) while primary.
        In maintenance mode a member stays RECOVERING when the data layer would make it a SECONDARY."""
        if self.is_primary or self.state in (MemberState.ARBITER, MemberState.REMOVED):
            return False
        if state is MemberState.SECONDARY and self.maintenance_count > 0:
            state = MemberState.RECOVERING
        self.set_state(state)
        if state is MemberState.SECONDARY:
            self.elections.reset_timer()
        return True

    def update_term(self, term: int, reason: str = "") -> bool:
        """Adopt a higher term seen from a peer; a primary steps down. True when the term changed."""
        if term <= self.term:
            return False
        old = self.term
        self.term = term
        self.log_repl(codes.NEW_TERM, "Updated term", {"term": term, "previousTerm": old, "reason": reason})
        if self.is_primary:
            self.elections.metrics.step_downs_higher_term += 1
            self.log_repl(codes.STEP_DOWN_HIGHER_TERM, "Stepping down from primary, because we received a new term",
                          {"newTerm": term, "oldTerm": old})
            self.step_down("received a new term")
        self.server.bump_topology()
        return True

    def record_vote(self, term: int, candidate_index: int) -> None:
        self.last_vote = (term, candidate_index)
        if self.server.storage is not None:
            persist.save_vote(self.server.storage, term, candidate_index)

    async def become_primary(self) -> None:
        """An election was won: PRIMARY at once (not yet writable), then the step-up hooks, then writes."""
        self.primary_id = self.self_id
        self.election_time = self.applied.ts if not self.applied.is_null() else Timestamp(int(time.time()), 1)
        self.election_date = now_ms()
        self.set_state(MemberState.PRIMARY)
        term = self.term
        for hook in list(self.step_up_hooks):
            await hook()
            if not self.is_primary or self.term != term:
                return  # stepped down while draining
        if self.config is not None and self.config.term != term:
            # A new primary stamps its term on the config (same version), as mongod does after winning.
            self.install_config(self.config.with_changes(term=term))
        self.writable = True
        self.elections.metrics.write_available(term)
        self.log_repl(codes.PRIMARY_COMPLETE, "Transition to primary complete; database writes are now permitted",
                      {"term": term})
        self.server.bump_topology()
        self._update_commit_point()

    def step_down(self, reason: str, *, ineligible_s: float = 0.0) -> None:
        """Leave PRIMARY now: writes stop, write-concern waiters fail, in-progress writes are killed."""
        if not self.is_primary:
            return
        self.log_repl(codes.STEPPING_DOWN, "Starting to kill user operations", {"reason": reason})
        killed = self._kill_user_writes()
        if ineligible_s > 0:
            self.stepdown_until = max(self.stepdown_until, time.monotonic() + ineligible_s)
        self.set_state(MemberState.SECONDARY)
        self.log_repl(codes.STEP_DOWN_COMPLETE, "Stopped killing user operations",
                      {"numOpsKilled": killed, "numOpsRunning": len(self.server.active_ops)})
        self.elections.reset_timer()

    def _kill_user_writes(self) -> int:
        from mongosim.repl.gate import WRITE_COMMANDS

        killed = 0
        for ctx in list(self.server.active_ops.values()):
            if ctx.name in WRITE_COMMANDS and ctx.db != "local" and not ctx.killed:
                ctx.kill("InterruptedDueToReplStateChange", "operation was interrupted")
                killed += 1
        return killed

    # ------------------------------------------------------------------------------------------- optimes
    def advance_applied(self, optime: OpTime, wall: dt.datetime) -> None:
        """This node applied (or, on a primary, wrote) the oplog up to ``optime``."""
        if optime > self.applied:
            self.applied, self.applied_wall = optime, wall
            self.term = max(self.term, optime.term)
            self.notify_progress()

    def advance_durable(self, optime: OpTime, wall: dt.datetime) -> None:
        if optime > self.durable:
            self.durable, self.durable_wall = optime, wall
            self._update_commit_point()
            self.notify_progress()

    def learn_commit_point(self, optime: OpTime, wall: dt.datetime) -> None:
        """A secondary hears the commit point from its sync source or a heartbeat (never past its applied)."""
        if self.is_primary:
            return
        if optime > self.applied:
            optime, wall = self.applied, self.applied_wall
        if optime > self.last_committed:
            self.last_committed, self.last_committed_wall = optime, wall
            self.notify_progress()

    def _update_commit_point(self) -> None:
        """Primary: the highest optime durable on a write majority of voting data-bearing members, once it
        belongs to this term (Raft's rule: earlier terms commit only through an entry of the current one)."""
        config = self.config
        me = self.self_member
        if config is None or me is None or not self.is_primary:
            return
        journal = config.write_concern_majority_journal_default
        positions = [(self.durable if journal else self.applied, self.durable_wall if journal else self.applied_wall)]
        for data in self.members.values():
            if data.config.is_voter and data.config.data_bearing:
                positions.append((data.durable, data.durable_wall) if journal else (data.applied, data.applied_wall))
        need = config.write_majority
        if len(positions) < need or need <= 0:
            return
        positions.sort(key=lambda p: p[0], reverse=True)
        optime, wall = positions[need - 1]
        if optime.term == self.term and optime > self.last_committed:
            self.last_committed, self.last_committed_wall = optime, wall
            self.notify_progress()

    def process_update_position(self, optimes: list[dict[str, Any]]) -> None:
        """replSetUpdatePosition: members' applied/durable optimes (forwarded along the sync chain)."""
        now = time.monotonic()
        for entry in optimes:
            data = self.members.get(int(entry.get("memberId", -1)))
            if data is None:
                continue
            applied = OpTime.from_document(entry.get("appliedOpTime"))
            durable = OpTime.from_document(entry.get("durableOpTime"))
            if applied > data.applied:
                data.applied, data.applied_wall = applied, entry.get("appliedWallTime", EPOCH)
            if durable > data.durable:
                data.durable, data.durable_wall = durable, entry.get("durableWallTime", EPOCH)
            data.last_update = now
        self._update_commit_point()
        self.notify_progress()

    def progress_for_upstream(self) -> list[dict[str, Any]]:
        """The ``optimes`` array of replSetUpdatePosition: this node and every data-bearing member it knows."""
        version = self.config.version if self.config else -1
        out = []
        if self.self_id is not None:
            out.append(self._position(self.self_id, self.durable, self.durable_wall, self.applied,
                                      self.applied_wall, version))
        for data in self.members.values():
            if data.config.data_bearing and not data.applied.is_null():
                out.append(self._position(data.id, data.durable, data.durable_wall, data.applied, data.applied_wall,
                                          version))
        return out

    @staticmethod
    def _position(member_id: int, durable: OpTime, durable_wall: dt.datetime, applied: OpTime,
                  applied_wall: dt.datetime, version: int) -> dict[str, Any]:
        return {"durableOpTime": durable.to_document(), "durableWallTime": durable_wall,
                "appliedOpTime": applied.to_document(), "appliedWallTime": applied_wall,
                "writtenOpTime": applied.to_document(), "writtenWallTime": applied_wall,
                "memberId": member_id, "cfgver": version}

    def members_view(self) -> list[MemberView]:
        """Every member of the config (self included), as this node currently sees it."""
        out: list[MemberView] = []
        if self.config is None:
            return out
        for member in self.config.members:
            if member.id == self.self_id:
                out.append(MemberView(member.id, member.host, member, self.state, 1.0, self.applied, self.durable,
                                      None, True, self.sync_source_host, None))
                continue
            data = self.members[member.id]
            out.append(MemberView(member.id, member.host, member, data.state, data.health, data.applied,
                                  data.durable, data.ping_ms, False, data.sync_source, data.last_heartbeat))
        return out

    def reset_optimes(self, optime: OpTime, wall: dt.datetime) -> None:
        """After a rollback truncated the oplog: applied and durable go back to its new top."""
        self.applied, self.applied_wall = optime, wall
        self.durable, self.durable_wall = optime, wall
        if self.last_committed > optime:
            self.last_committed, self.last_committed_wall = optime, wall
        self.notify_progress()

    def cluster_time(self) -> Timestamp:
        """The cluster time gossiped in replies: the oplog clock (never behind the applied optime)."""
        oplog = self.server.oplog
        clock = getattr(oplog, "last_ts", None)
        if isinstance(clock, Timestamp) and clock > self.applied.ts:
            return clock
        return self.applied.ts

    # ------------------------------------------------------------------------------------------- waits
    def notify_progress(self) -> None:
        """Wake everything waiting on optimes, states or the commit point."""
        self._progress.set()
        self._progress = asyncio.Event()

    async def wait_progress(self, ctx: CommandContext | None, timeout_s: float | None) -> bool:
        event = self._progress
        if ctx is not None:
            return await ctx.wait_for(event, timeout_s)
        return await wait_event(event, timeout_s)
