"""Audit retention: only events older than the retention go, the removal is itself audited, 0 keeps everything;
run by the API's background at start and by ``mongo-admin api prune-audit``."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from mongo_admin.cli.main import cli
from mongo_admin.db.base import utcnow
from mongo_admin.db.models import AuditEvent
from mongo_admin.errors import InvalidInputError
from mongo_admin.ops.platform_audit import prune_audit
from tests.support.platform_api import ApiHarness, make_settings, open_sessions, running_api
from tests.support.simproc import wait_until

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def add_events(sessions, *ages: timedelta, now: datetime = NOW) -> None:  # type: ignore[no-untyped-def]
    with sessions() as session:
        for age in ages:
            session.add(AuditEvent(at=now - age, actor="alice", actor_kind="user", method="POST",
                                   path="/api/v1/tokens", status=201, detail=f"aged {age.days} days"))
        session.commit()


def details(sessions) -> list[str | None]:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return list(session.scalars(select(AuditEvent.detail).order_by(AuditEvent.at)).all())


def test_only_events_older_than_the_retention_are_removed_and_the_removal_is_audited(api: ApiHarness) -> None:
    day = timedelta(days=1)
    add_events(api.sessions(), 400 * day, 366 * day, 365 * day, 365 * day - timedelta(minutes=1), 10 * day)
    result = prune_audit(api.sessions(), 365, now=NOW)
    cutoff = NOW - 365 * day
    assert (result.removed, result.cutoff, result.retention_days) == (2, cutoff, 365)
    assert result.message == f"removed 2 audit events older than {cutoff.isoformat()} (retention 365 days)"
    # The event exactly at the cutoff is 365 days old, not older: it stays.
    assert details(api.sessions()) == ["aged 365 days", "aged 364 days", "aged 10 days", result.message]

    trail = api.client.get("/api/v1/audit?actor=system", headers=api.headers("admin")).json()["data"]
    assert [(e["actor_kind"], e["method"], e["path"], e["target"], e["status"], e["detail"]) for e in trail] == [
        ("system", "PRUNE", "audit-retention", "audit_events", 200, result.message)]

    again = prune_audit(api.sessions(), 365, now=NOW)
    assert again.removed == 0
    assert len(details(api.sessions())) == 4  # nothing removed, nothing recorded


def test_a_retention_of_zero_keeps_everything_and_a_negative_one_is_refused(api: ApiHarness) -> None:
    add_events(api.sessions(), timedelta(days=20 * 365))
    kept = prune_audit(api.sessions(), 0, now=NOW)
    assert (kept.removed, kept.cutoff) == (0, None)
    assert kept.message == "audit retention is 0 days: audit events are kept forever"
    assert details(api.sessions()) == ["aged 7300 days"]
    with pytest.raises(InvalidInputError, match="audit retention of -1 days"):
        prune_audit(api.sessions(), -1, now=NOW)
    assert details(api.sessions()) == ["aged 7300 days"]


def test_the_api_background_prunes_the_trail_when_it_starts(tmp_path: Path, migrated_db_template: Path,
                                                             cheap_password_hashing: None) -> None:
    db_path = tmp_path / "platform.db"
    shutil.copy(migrated_db_template, db_path)
    sessions = open_sessions(f"sqlite:///{db_path}")
    add_events(sessions, timedelta(days=31), timedelta(days=29), now=utcnow())
    settings = make_settings(db_path, background=True, scheduler_enabled=False, metrics_interval_s=0,
                             audit_retention_days=30, home=tmp_path / "home")
    with running_api(settings):
        wait_until(lambda: "aged 31 days" not in details(sessions), "the background to prune the audit trail")
        remaining = details(sessions)
    assert remaining[0] == "aged 29 days"
    assert remaining[1] is not None and remaining[1].startswith("removed 1 audit event older than ")


def test_cli_prune_audit(tmp_path: Path, migrated_db_template: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db_path = tmp_path / "platform.db"
    shutil.copy(migrated_db_template, db_path)
    url = f"sqlite:///{db_path}"
    add_events(open_sessions(url), timedelta(days=400), timedelta(days=100), timedelta(days=1), now=utcnow())
    runner = CliRunner()

    default = runner.invoke(cli, ["--output", "json", "api", "prune-audit", "--database-url", url])
    assert default.exit_code == 0, default.output
    assert json.loads(default.stdout)["removed"] == 1  # the default retention: 365 days

    monkeypatch.setenv("MONGO_ADMIN_AUDIT_RETENTION_DAYS", "30")
    from_env = runner.invoke(cli, ["--output", "json", "api", "prune-audit", "--database-url", url])
    assert from_env.exit_code == 0, from_env.output
    body = json.loads(from_env.stdout)
    assert (body["removed"], body["retention_days"]) == (1, 30)
    assert body["message"].startswith("removed 1 audit event older than ")
    assert body["message"].endswith(" (retention 30 days)")

    bad = runner.invoke(cli, ["api", "prune-audit", "--retention-days", "-5", "--database-url", url])
    assert bad.exit_code == 2
    assert "-5 is not in the range 0<=x<=36500" in bad.stderr
    unmigrated = runner.invoke(cli, ["api", "prune-audit", "--database-url", f"sqlite:///{tmp_path / 'empty.db'}"])
    assert unmigrated.exit_code == 1
    assert "the platform database schema is out of date" in unmigrated.stderr
