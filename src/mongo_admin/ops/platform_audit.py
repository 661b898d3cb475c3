"""Retention of the platform's audit trail: events older than the retention are removed, never a younger one, and
the removal is itself recorded as an audit event saying how many went and up to when. Run hourly by the API's
background and on demand by ``mongo-admin api prune-audit``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from mongo_admin.db.base import utcnow
from mongo_admin.db.models import AuditEvent
from mongo_admin.errors import InvalidInputError

DEFAULT_RETENTION_DAYS = 365
# How the removal appears in the trail (queryable with ?actor=system or ?method=PRUNE).
SYSTEM_ACTOR = "system"
PRUNE_METHOD = "PRUNE"
RETENTION_PATH = "audit-retention"


@dataclass(frozen=True)
class AuditPruneResult:
    retention_days: int
    # Events before this instant were removed; None when the retention is 0 (the trail is kept forever).
    cutoff: datetime | None
    removed: int
    message: str


def prune_audit(sessions: sessionmaker[Session], retention_days: int, now: datetime | None = None) -> AuditPruneResult:
    """Remove the audit events older than ``retention_days`` days before ``now`` (0: none, ever) and, when any
    went, record one system event saying how many and the cutoff, in the same transaction."""
    if retention_days < 0:
        # A negative retention would put the cutoff in the future and remove the newest events.
        raise InvalidInputError(f"audit retention of {retention_days} days", "the retention cannot be negative",
                                "give 0 (keep forever) or a number of days")
    if retention_days == 0:
        return AuditPruneResult(0, None, 0, "audit retention is 0 days: audit events are kept forever")
    now = now or utcnow()
    cutoff = now - timedelta(days=retention_days)
    with sessions() as session:
        removed = int(getattr(session.execute(delete(AuditEvent).where(AuditEvent.at < cutoff)), "rowcount", 0))
        message = (f"removed {removed} audit event{'s' if removed != 1 else ''} older than {cutoff.isoformat()} "
                   f"(retention {retention_days} days)")
        if removed:
            session.add(AuditEvent(at=now, actor=SYSTEM_ACTOR, actor_kind=SYSTEM_ACTOR, method=PRUNE_METHOD,
                                   path=RETENTION_PATH, target=AuditEvent.__tablename__, status=200,
                                   detail=message))
        session.commit()
    return AuditPruneResult(retention_days, cutoff, removed, message)
