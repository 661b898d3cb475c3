"""What this node knows about every other member: fed by heartbeats and replSetUpdatePosition.

``MemberData`` is mutable state owned by the coordinator; ``MemberView`` is the read-only snapshot other
modules (sync source selection, status) are given by ``members_view()``.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from bson.timestamp import Timestamp

from mongosim.repl.config import MemberConfig
from mongosim.repl.optime import EPOCH, MemberState, OpTime


@dataclass
class MemberData:
    """One remote member, as heartbeats describe it. Until the first heartbeat it is UNKNOWN (state 6
    is reported as STARTUP for a member never heard from, health 1 is not assumed)."""

    config: MemberConfig
    state: MemberState = MemberState.UNKNOWN
    health: float = -1.0  # -1: not yet contacted
    applied: OpTime = field(default_factory=OpTime.null)
    applied_wall: dt.datetime = EPOCH
    durable: OpTime = field(default_factory=OpTime.null)
    durable_wall: dt.datetime = EPOCH
    term: int = -1
    config_version: int = -1
    config_term: int = -1
    election_time: Timestamp | None = None
    sync_source: str = ""
    sync_source_id: int = -1
    last_heartbeat: dt.datetime | None = None
    last_heartbeat_recv: dt.datetime | None = None
    last_heartbeat_message: str = ""
    ping_ms: int | None = None
    up_since: float | None = None
    # monotonic time of the last sign of life (heartbeat reply or position update): majority liveness
    last_update: float = 0.0
    heard_from_ever: bool = False
    # heartbeat round bookkeeping: when the current (failing) round started and how many tries failed
    round_started: float | None = None
    round_failures: int = 0
    authenticated: bool = True

    @property
    def host(self) -> str:
        return self.config.host

    @property
    def id(self) -> int:
        return self.config.id

    def uptime(self) -> int:
        return int(time.monotonic() - self.up_since) if self.up_since is not None else 0

    def mark_down(self, message: str) -> bool:
        """No answer within the heartbeat timeout: DOWN with the optimes forgotten, as mongod reports it.
        Returns True when this changed the member's state."""
        changed = self.state is not MemberState.DOWN
        self.state = MemberState.DOWN
        self.health = 0.0
        self.applied = self.durable = OpTime.null()
        self.applied_wall = self.durable_wall = EPOCH
        self.up_since = None
        self.election_time = None
        self.sync_source, self.sync_source_id = "", -1
        self.last_heartbeat_message = message
        return changed


@dataclass(frozen=True)
class MemberView:
    """A snapshot of one member (self included) for other modules."""

    id: int
    host: str
    config: MemberConfig
    state: MemberState
    health: float
    applied: OpTime
    durable: OpTime
    ping_ms: int | None
    is_self: bool
    sync_source: str
    last_heartbeat: dt.datetime | None
