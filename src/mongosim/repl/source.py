"""Choosing a sync source and deciding when to leave it (the topology coordinator's rules, in brief).

``choose(view, last_fetched, ...)`` picks, among the other members of the config: a replSetSyncFrom target when
one was requested and is usable; the primary alone when ``chainingAllowed`` is false; otherwise the closest
(lowest ping) member that is PRIMARY or SECONDARY, reachable, not behind us, builds indexes when we do, and is
not on the deny list — first excluding hidden and delayed members and members more than
``maxSyncSourceLagSecs`` (30 s) behind the primary, then without those exclusions. Arbiters never qualify.
``reason_to_change(...)`` says why the current source should be left (None to keep it).
"""

from __future__ import annotations

from collections.abc import Sequence

from mongosim.repl.optime import MemberState, OpTime
from mongosim.repl.topology import MemberView

MAX_SYNC_SOURCE_LAG_SECS = 30
_SOURCE_STATES = (MemberState.PRIMARY, MemberState.SECONDARY)


def _usable(member: MemberView, last_fetched: OpTime, me: MemberView | None, denied: set[str]) -> bool:
    if member.is_self or member.host in denied or member.config.arbiter_only:
        return False
    if member.state not in _SOURCE_STATES or member.health <= 0:
        return False
    if me is not None and me.config.build_indexes and not member.config.build_indexes:
        return False
    return member.applied > last_fetched  # strictly ahead, as mongod requires: equal peers would sync from each other


def _too_stale(member: MemberView, primary: MemberView | None) -> bool:
    if primary is None or member is primary:
        return False
    return primary.applied.ts.time - member.applied.ts.time > MAX_SYNC_SOURCE_LAG_SECS


def choose(view: Sequence[MemberView], last_fetched: OpTime, *, chaining: bool = True,
           requested: str | None = None, denied: set[str] | None = None) -> MemberView | None:
    denied = denied or set()
    me = next((m for m in view if m.is_self), None)
    primary = next((m for m in view if m.state is MemberState.PRIMARY and not m.is_self), None)
    if requested:
        target = next((m for m in view if m.host == requested), None)
        if target is not None and _usable(target, OpTime.null(), me, set()):
            return target
    if not chaining:
        return primary if primary is not None and _usable(primary, last_fetched, me, denied) else None
    candidates = [m for m in view if _usable(m, last_fetched, me, denied)]
    strict = [m for m in candidates
              if not m.config.hidden and m.config.secondary_delay_secs == 0 and not _too_stale(m, primary)]
    pool = strict or candidates
    if not pool:
        return None
    return min(pool, key=lambda m: (m.ping_ms if m.ping_ms is not None else 1 << 30, m.state is not
                                    MemberState.PRIMARY, m.id))


def reason_to_change(view: Sequence[MemberView], source: str, *, chaining: bool = True,
                     requested: str | None = None) -> str | None:
    """Why the node should stop syncing from ``source`` now, or None."""
    if requested and requested != source:
        return f"replSetSyncFrom asked for {requested}"
    current = next((m for m in view if m.host == source), None)
    if current is None:
        return f"{source} is no longer a member of the config"
    if current.state not in _SOURCE_STATES or current.health <= 0:
        return f"{source} is {current.state.label}"
    primary = next((m for m in view if m.state is MemberState.PRIMARY and not m.is_self), None)
    if not chaining and primary is not None and current is not primary:
        return "chaining is not allowed and a primary exists"
    if current is not primary and _too_stale(current, primary):
        return f"{source} is more than {MAX_SYNC_SOURCE_LAG_SECS} s behind the primary"
    return None
