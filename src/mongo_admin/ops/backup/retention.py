"""Retention: which backups to keep, by count, age and calendar (grandfather-father-son), and the point-in-time
window — decided by a pure function on a list of backups and a clock, applied (or only shown) by ``prune``.

Every rule keeps; nothing else is deleted: ``keep_last`` the newest N complete backups, ``keep_daily`` /
``keep_weekly`` / ``keep_monthly`` the newest backup of each of the N most recent days / ISO weeks / months that
have one, ``keep_within_days`` everything younger. Rules apply to each backup type (full, config, shard) on its
own. The point-in-time window (``pitr_window_hours``) keeps the newest full backup at or before the window's
start and every full backup after it, so every moment of the window stays restorable; oplog slices that end
before the oldest kept full backup's oplog start are no longer needed. Failed and unfinished backups are kept
``keep_failed_days`` for the post-mortem (never one still running), then deleted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from mongo_admin.spec.model import RetentionSpec as RetentionPolicy


@dataclass(frozen=True)
class Candidate:
    """What retention needs to know of one backup."""

    backup_id: str
    type: str
    state: str  # done, failed, cancelled, running...
    started_at: dt.datetime
    restore_to: dt.datetime | None  # complete backups only


@dataclass(frozen=True)
class Decision:
    backup_id: str
    keep: bool
    reasons: list[str]


Period = Callable[[dt.datetime], str]
PERIODS: dict[str, Period] = {"daily": lambda t: t.strftime("%Y-%m-%d"),
                              "weekly": lambda t: "{}-W{:02d}".format(*t.isocalendar()[:2]),
                              "monthly": lambda t: t.strftime("%Y-%m")}


def _newest_per_period(done: list[Candidate], count: int, period: str, key: Period) -> dict[str, str]:
    """The newest backup of each of the ``count`` most recent periods: backup id -> reason."""
    kept: dict[str, str] = {}
    seen: list[str] = []
    for backup in done:  # newest first
        bucket = key(backup.started_at)
        if bucket in seen:
            continue
        if len(seen) >= count:
            break
        seen.append(bucket)
        kept[backup.backup_id] = f"{period} {bucket}"
    return kept


def decide(backups: list[Candidate], policy: RetentionPolicy, now: dt.datetime) -> list[Decision]:
    """Keep or delete each backup, with the rules that keep it (or why it goes), newest first."""
    reasons: dict[str, list[str]] = {b.backup_id: [] for b in backups}
    ordered = sorted(backups, key=lambda b: b.started_at, reverse=True)
    for kind in sorted({b.type for b in backups}):
        done = [b for b in ordered if b.type == kind and b.state == "done"]
        for backup in done[:policy.keep_last]:
            reasons[backup.backup_id].append(f"one of the last {policy.keep_last}")
        counts = {"daily": policy.keep_daily, "weekly": policy.keep_weekly, "monthly": policy.keep_monthly}
        for period, key in PERIODS.items():
            for backup_id, bucket in _newest_per_period(done, counts[period], period, key).items():
                reasons[backup_id].append(bucket)
        if policy.keep_within_days:
            horizon = now - dt.timedelta(days=policy.keep_within_days)
            for backup in done:
                if backup.started_at >= horizon:
                    reasons[backup.backup_id].append(f"younger than {policy.keep_within_days:g} days")
        if kind == "full" and policy.pitr_window_hours:
            window_start = now - dt.timedelta(hours=policy.pitr_window_hours)
            base = next((b for b in done if b.restore_to is not None and b.restore_to <= window_start), None)
            for backup in done:
                if backup is base or (backup.restore_to is not None and backup.restore_to > window_start):
                    reasons[backup.backup_id].append(f"needed for the {policy.pitr_window_hours:g} h "
                                                     "point-in-time window")
    failed_horizon = now - dt.timedelta(days=policy.keep_failed_days)
    decisions = []
    for backup in ordered:
        why = reasons[backup.backup_id]
        if backup.state not in ("done", "failed", "cancelled"):
            why.append(f"{backup.state}: never deleted while it may still run")
        elif backup.state != "done" and backup.started_at >= failed_horizon:
            why.append(f"{backup.state} less than {policy.keep_failed_days:g} days ago (kept for the post-mortem)")
        keep = bool(why)
        gone = [f"{backup.state} {backup.type} backup kept by no rule"]
        decisions.append(Decision(backup.backup_id, keep, why if keep else gone))
    return decisions


def oldest_needed_oplog(backups: list[Candidate], decisions: list[Decision],
                        first_ts: dict[str, dt.datetime]) -> dt.datetime | None:
    """Oplog slices ending before this are not needed by any kept full backup (``first_ts``: each complete full
    backup's earliest oplog start over its replica sets)."""
    kept = {d.backup_id for d in decisions if d.keep}
    starts = [first_ts[b.backup_id] for b in backups
              if b.backup_id in kept and b.type == "full" and b.backup_id in first_ts]
    return min(starts) if starts else None
