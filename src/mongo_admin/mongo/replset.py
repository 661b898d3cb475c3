"""Typed helpers for replica-set administration through pymongo: the initiate document, replSetInitiate,
and ``replSetGetStatus`` read into rows an operator can act on (state, health, lag behind the primary).

Field names are the server's (``stateStr``, ``optimeDate``, ``lastAppliedWallTime``); lag is computed the way
``rs.printSecondaryReplicationInfo()`` does, from the primary's and the member's last applied times.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mongo_admin.mongo.client import Client, run_admin

# Server error codes the platform reacts to (src/mongo/base/error_codes.yml).
ALREADY_INITIALIZED = 23
NOT_YET_INITIALIZED = 94
INVALID_REPLICA_SET_CONFIG = 93
NODE_NOT_FOUND = 74

# Member states that serve data and count as healthy for a running set (member_state.h).
HEALTHY_STATES = ("PRIMARY", "SECONDARY", "ARBITER")


def connection_string(hosts: Sequence[str], set_name: str) -> str:
    """``mongodb://h:p,h:p/?replicaSet=name``: every driver discovers the primary from it."""
    return f"mongodb://{','.join(hosts)}/?replicaSet={set_name}"


def initiate_document(set_name: str, hosts: Sequence[str],
                      settings: Mapping[str, int] | None = None) -> dict[str, Any]:
    """The replSetInitiate config: explicit members ``_id`` 0..n-1 with MongoDB's defaults (priority 1, votes
    1); ``settings`` only when given, so the server's own defaults apply otherwise."""
    document: dict[str, Any] = {"_id": set_name,
                                "members": [{"_id": index, "host": host} for index, host in enumerate(hosts)]}
    if settings:
        document["settings"] = dict(settings)
    return document


def initiate(client: Client, config: dict[str, Any]) -> dict[str, Any]:
    """``replSetInitiate``; refusals become ``CommandFailedError`` with the server's code and message."""
    return run_admin(client, {"replSetInitiate": config})


@dataclass(frozen=True)
class MemberRow:
    """One ``members[]`` entry of replSetGetStatus, as the member that answered sees it."""

    member_id: int
    host: str
    state: int
    state_str: str
    health: float
    uptime_s: int | None
    applied_at: dt.datetime | None  # lastAppliedWallTime (ms), else optimeDate (s)
    is_self: bool
    message: str  # lastHeartbeatMessage or infoMessage: why a member is not healthy, in the server's words


@dataclass(frozen=True)
class ReplSetState:
    set_name: str
    term: int | None
    members: list[MemberRow]

    @property
    def primary(self) -> MemberRow | None:
        return next((m for m in self.members if m.state_str == "PRIMARY"), None)

    def lag_s(self, member: MemberRow) -> float | None:
        """How far ``member`` is behind the primary, in seconds; None without a primary or for a member that is
        not replicating (down, arbiter, in initial sync)."""
        primary = self.primary
        if primary is None or primary.applied_at is None or member.applied_at is None:
            return None
        if member.health != 1 or member.state_str not in ("PRIMARY", "SECONDARY"):
            return None
        return max(0.0, (primary.applied_at - member.applied_at).total_seconds())

    def unhealthy(self) -> list[MemberRow]:
        return [m for m in self.members if m.state_str not in HEALTHY_STATES or m.health != 1]


def _date(value: Any) -> dt.datetime | None:
    if not isinstance(value, dt.datetime) or value.year <= 1970:  # the epoch means "no optime"
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def parse_replset_status(reply: Mapping[str, Any]) -> ReplSetState:
    members = []
    for entry in reply.get("members", []):
        uptime = entry.get("uptime")
        members.append(MemberRow(
            member_id=int(entry.get("_id", -1)),
            host=str(entry.get("name", "")),
            state=int(entry.get("state", -1)),
            state_str=str(entry.get("stateStr", "")),
            health=float(entry.get("health", 0)),
            uptime_s=int(uptime) if isinstance(uptime, int | float) else None,
            applied_at=_date(entry.get("lastAppliedWallTime")) or _date(entry.get("optimeDate")),
            is_self=bool(entry.get("self", False)),
            message=str(entry.get("lastHeartbeatMessage") or entry.get("infoMessage") or ""),
        ))
    term = reply.get("term")
    return ReplSetState(set_name=str(reply.get("set", "")), term=int(term) if isinstance(term, int) else None,
                        members=members)


def replset_status(client: Client) -> ReplSetState:
    return parse_replset_status(run_admin(client, {"replSetGetStatus": 1}))
