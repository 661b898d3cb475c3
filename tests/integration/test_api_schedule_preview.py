"""POST /api/v1/schedules/preview: the next run times of a cron expression in a time zone, from the scheduler's own
cron implementation, for any caller with a role; refusals worded as when creating a schedule; nothing recorded."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest

from mongo_admin.db.models import RegisteredCluster
from tests.support.platform_api import ApiHarness

PREVIEW = "/api/v1/schedules/preview"


def _runs(body: dict[str, object]) -> list[dt.datetime]:
    return [dt.datetime.fromisoformat(at) for at in body["next_runs"]]  # type: ignore[attr-defined]


def test_a_preview_lists_the_next_run_times_in_the_zone(api: ApiHarness) -> None:
    response = api.client.post(PREVIEW, json={"cron": "30   2 * * *"}, headers=api.headers("viewer"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["cron"] == "30 2 * * *" and body["timezone"] == "UTC"
    runs = _runs(body)
    assert len(runs) == 5  # the default count
    assert all(run.utcoffset() == dt.timedelta(0) and (run.hour, run.minute) == (2, 30) for run in runs)
    assert all(later - earlier == dt.timedelta(days=1) for earlier, later in itertools.pairwise(runs))
    assert runs[0] > dt.datetime.now(dt.UTC)


def test_a_zone_without_daylight_saving_keeps_its_offset(api: ApiHarness) -> None:
    response = api.client.post(PREVIEW, json={"cron": "0 3 * * *", "timezone": "Asia/Seoul", "count": 3},
                               headers=api.headers("viewer"))
    assert response.status_code == 200, response.text
    runs = _runs(response.json())
    assert len(runs) == 3
    for run in runs:  # 03:00 in Seoul is 18:00 UTC the day before
        assert run.utcoffset() == dt.timedelta(hours=9) and (run.hour, run.minute) == (3, 0)
        assert run.astimezone(dt.UTC).hour == 18


def test_a_zone_with_daylight_saving_changes_offset_at_the_same_wall_time(api: ApiHarness) -> None:
    # Noon on the first of each month, for a year: both New York offsets, always at 12:00 local time.
    response = api.client.post(PREVIEW, json={"cron": "0 12 1 * *", "timezone": "America/New_York", "count": 12},
                               headers=api.headers("operator"))
    assert response.status_code == 200, response.text
    runs = _runs(response.json())
    assert len(runs) == 12 and runs == sorted(runs)
    assert {run.utcoffset() for run in runs} == {dt.timedelta(hours=-5), dt.timedelta(hours=-4)}
    zone = ZoneInfo("America/New_York")
    for run in runs:
        assert (run.day, run.hour, run.minute) == (1, 12, 0)
        assert run.utcoffset() == run.astimezone(zone).utcoffset()
    assert len({run.month for run in runs}) == 12


def _refusal_when_creating(api: ApiHarness, cron: str, timezone: str) -> str:
    with api.sessions()() as session:
        session.add(RegisteredCluster(name="preview", connection_string="mongodb://127.0.0.1:1", source="deployed"))
        session.commit()
    created = api.client.post("/api/v1/schedules", headers=api.headers("admin"), json={
        "name": "nightly", "kind": "backup", "cluster": "preview", "cron": cron, "timezone": timezone})
    assert created.status_code == 400, created.text
    detail: str = created.json()["detail"]
    return detail


@pytest.mark.parametrize(("cron", "timezone", "named"), [
    ("61 3 * * *", "UTC", "'61 3 * * *'"),
    ("0 3 * * * *", "UTC", "it has 6 fields, cron needs 5"),
    ("0 3 * * *", "Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
])
def test_a_bad_expression_or_zone_is_refused_as_when_creating_a_schedule(api: ApiHarness, cron: str, timezone: str,
                                                                         named: str) -> None:
    response = api.client.post(PREVIEW, json={"cron": cron, "timezone": timezone}, headers=api.headers("viewer"))
    assert response.status_code == 400
    assert named in response.json()["detail"]
    assert response.json()["detail"] == _refusal_when_creating(api, cron, timezone)


@pytest.mark.parametrize(("body", "field"), [
    ({"cron": "0 3 * * *", "count": 0}, "body.count"),
    ({"cron": "0 3 * * *", "count": 21}, "body.count"),
    ({"cron": "0 3 * * *", "count": "5"}, "body.count"),
    ({"timezone": "UTC"}, "body.cron"),
    ({"cron": "0 3 * * *", "cluster": "x"}, "body.cluster"),
])
def test_a_body_outside_the_schema_is_a_422_naming_the_field(api: ApiHarness, body: dict[str, object],
                                                             field: str) -> None:
    response = api.client.post(PREVIEW, json=body, headers=api.headers("viewer"))
    assert response.status_code == 422
    assert response.json()["detail"].startswith(f"{field}: ")


def test_twenty_run_times_at_most(api: ApiHarness) -> None:
    response = api.client.post(PREVIEW, json={"cron": "*/5 * * * *", "count": 20}, headers=api.headers("viewer"))
    runs = _runs(response.json())
    assert len(runs) == 20
    assert all(later - earlier == dt.timedelta(minutes=5) for earlier, later in itertools.pairwise(runs))


def test_a_caller_is_needed(api: ApiHarness) -> None:
    response = api.client.post(PREVIEW, json={"cron": "0 3 * * *"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {"detail": response.json()["detail"]}


def test_the_dashboard_previews_with_its_session_and_csrf_token(api: ApiHarness) -> None:
    session = api.session_headers("viewer")
    without_token = {name: value for name, value in session.items() if name == "Cookie"}
    refused = api.client.post(PREVIEW, json={"cron": "0 3 * * *"}, headers=without_token)
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert api.client.post(PREVIEW, json={"cron": "0 3 * * *"}, headers=session).status_code == 200


def test_a_preview_changes_nothing_and_is_not_audited(api: ApiHarness) -> None:
    viewer, admin = api.headers("viewer"), api.headers("admin")
    assert api.client.post(PREVIEW, json={"cron": "0 3 * * *"}, headers=viewer).status_code == 200
    assert api.client.post(PREVIEW, json={"cron": "bad cron!"}, headers=viewer).status_code == 400
    assert api.client.post(PREVIEW, json={"cron": "0 3 * * *"}).status_code == 401
    assert api.client.get("/api/v1/schedules", headers=viewer).json() == {"data": [], "count": 0}
    audited = api.client.get("/api/v1/audit", params={"path_prefix": "/api/v1/schedules"}, headers=admin).json()
    assert audited["count"] == 0
    # Changes are still recorded.
    refused = api.client.post("/api/v1/schedules", headers=admin, json={
        "name": "n", "kind": "backup", "cluster": "nowhere", "cron": "0 3 * * *"})
    assert refused.status_code == 404
    audited = api.client.get("/api/v1/audit", params={"path_prefix": "/api/v1/schedules"}, headers=admin).json()
    assert [(event["method"], event["path"]) for event in audited["data"]] == [("POST", "/api/v1/schedules")]
