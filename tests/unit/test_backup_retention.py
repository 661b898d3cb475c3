"""Retention decisions with a fake clock: count, calendar (grandfather-father-son), age, point-in-time window,
failed backups."""

from __future__ import annotations

import datetime as dt

from mongo_admin.ops.backup.retention import Candidate, Decision, decide, oldest_needed_oplog
from mongo_admin.spec.model import RetentionSpec

NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)


def daily_fulls(days: int, hour: int = 2) -> list[Candidate]:
    """One complete full backup a day at ``hour``, for ``days`` days up to today."""
    out = []
    for back in range(days):
        at = (NOW - dt.timedelta(days=back)).replace(hour=hour, minute=0)
        out.append(Candidate(at.strftime("%Y-%m-%dT%H:%M:%SZ"), "full", "done", at, at + dt.timedelta(minutes=5)))
    return out


def kept(decisions: list[Decision]) -> list[str]:
    return [d.backup_id[:10] for d in decisions if d.keep]


def policy(**rules: float) -> RetentionSpec:
    base = {"keep_last": 0, "keep_daily": 0, "keep_weekly": 0, "keep_monthly": 0, "keep_failed_days": 0}
    return RetentionSpec.model_validate({**base, **rules})


def test_keep_last_counts_complete_backups_only() -> None:
    backups = daily_fulls(5)
    backups.append(Candidate("2026-11-26T11:00:00Z", "full", "failed", NOW - dt.timedelta(hours=1), None))
    decisions = decide(backups, policy(keep_last=2), NOW)
    assert kept(decisions) == ["2026-11-26", "2026-11-25"]
    failed = next(d for d in decisions if d.backup_id == "2026-11-26T11:00:00Z")
    assert not failed.keep and failed.reasons == ["failed full backup kept by no rule"]


def test_grandfather_father_son() -> None:
    backups = daily_fulls(100)
    decisions = decide(backups, policy(keep_daily=3, keep_weekly=2, keep_monthly=3), NOW)
    # 3 newest days; the newest of this ISO week (Thu 26th) and of the previous one (Sun 22nd); the newest of
    # November, October (31st) and September (30th).
    assert kept(decisions) == ["2026-11-26", "2026-11-25", "2026-11-24", "2026-11-22", "2026-10-31", "2026-09-30"]
    reasons = {d.backup_id[:10]: d.reasons for d in decisions}
    assert reasons["2026-11-26"] == ["daily 2026-11-26", "weekly 2026-W48", "monthly 2026-11"]
    assert reasons["2026-10-31"] == ["monthly 2026-10"]


def test_keep_within_days_and_types_apart() -> None:
    backups = daily_fulls(10) + [Candidate(f"c{n}", "config", "done", NOW - dt.timedelta(days=n), None)
                                 for n in range(3)]
    decisions = decide(backups, policy(keep_within_days=2.5, keep_last=1), NOW)
    assert sorted(kept(decisions)) == sorted(["2026-11-26", "2026-11-25", "2026-11-24", "c0", "c1", "c2"])


def test_pitr_window_keeps_the_base_before_its_start_and_everything_after() -> None:
    backups = daily_fulls(6)
    decisions = decide(backups, policy(pitr_window_hours=48), NOW)
    # The window starts 2026-11-24 12:00: the base is the 24th's 02:05 backup; the 25th and 26th follow it.
    assert kept(decisions) == ["2026-11-26", "2026-11-25", "2026-11-24"]
    starts = {b.backup_id: b.started_at for b in backups}
    assert oldest_needed_oplog(backups, decisions, starts) == dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC)


def test_failed_backups_are_kept_for_a_while_and_running_ones_always() -> None:
    recent = Candidate("f1", "full", "failed", NOW - dt.timedelta(days=1), None)
    old = Candidate("f2", "full", "failed", NOW - dt.timedelta(days=9), None)
    running = Candidate("r1", "full", "running", NOW - dt.timedelta(days=30), None)
    decisions = {d.backup_id: d for d in decide([recent, old, running], policy(keep_failed_days=7), NOW)}
    assert decisions["f1"].keep and "kept for the post-mortem" in decisions["f1"].reasons[0]
    assert not decisions["f2"].keep
    assert decisions["r1"].keep and "never deleted while it may still run" in decisions["r1"].reasons[0]


def test_nothing_kept_means_everything_goes_and_defaults_keep_gfs() -> None:
    backups = daily_fulls(3)
    assert kept(decide(backups, policy(), NOW)) == []
    assert kept(decide(backups, RetentionSpec(), NOW)) == ["2026-11-26", "2026-11-25", "2026-11-24"]
