"""Dashboard sessions (cookie, CSRF, timeouts, revocation, logout) and login throttling shared by API processes,
against real apps over a migrated SQLite database."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text, update

from mongo_admin.api.app import create_app
from mongo_admin.api.auth import CSRF_REFUSED, INVALID_SESSION, TOO_MANY_LOGINS
from mongo_admin.api.browser_sessions import COOKIE_NAME, CSRF_HEADER
from mongo_admin.api.routers.auth import NO_SESSION
from mongo_admin.db.base import utcnow
from mongo_admin.db.models import BrowserSession
from mongo_admin.ops.platform_audit import prune_audit
from tests.support.platform_api import PASSWORD, ApiHarness, make_settings, running_api

ME = "/api/v1/auth/me"
SESSION = "/api/v1/auth/session"


def cookie_only(headers: dict[str, str]) -> dict[str, str]:
    return {"Cookie": headers["Cookie"]}


def session_id(headers: dict[str, str]) -> str:
    return headers["Cookie"].split("=", 1)[1]


def audit(api: ApiHarness, query: str = "") -> list[dict[str, object]]:
    response = api.client.get(f"/api/v1/audit{query}", headers=api.headers("admin"))
    assert response.status_code == 200
    return response.json()["data"]  # type: ignore[no-any-return]


def test_session_login_sets_a_hardened_cookie_and_stores_only_its_hash(api: ApiHarness) -> None:
    response = api.client.post(SESSION, json={"username": "operator", "password": PASSWORD})
    assert response.status_code == 201, response.text
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=")
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=strict", "path=/api",
            f"max-age={api.settings.session_max_hours * 3600}"} <= flags
    body = response.json()
    assert body["user"]["username"] == "operator" and body["user"]["role"] == "operator"
    assert body["idle_timeout_s"] == api.settings.session_idle_minutes * 60
    assert len(body["csrf_token"]) >= 32
    assert "password" not in str(body)
    raw_id = response.cookies[COOKIE_NAME]
    with api.sessions()() as session:
        rows = session.execute(text("SELECT * FROM sessions")).all()
    assert raw_id not in repr(rows) and body["csrf_token"] not in repr(rows)
    assert hashlib.sha256(raw_id.encode()).hexdigest() in repr(rows)
    assert rows[0].client == "testclient"


def test_session_login_takes_json_or_form_fields_and_names_what_is_wrong(api: ApiHarness) -> None:
    form = api.client.post(SESSION, data={"username": "viewer", "password": PASSWORD})
    assert form.status_code == 201, form.text
    missing = api.client.post(SESSION, json={"username": "viewer"})
    assert (missing.status_code, missing.json()) == (422, {"detail": "body.password: Field required"})
    other = api.client.post(SESSION, content=b"viewer:secret", headers={"Content-Type": "text/plain"})
    assert other.status_code == 415
    assert other.json()["detail"].startswith("send username and password as JSON")
    wrong = api.client.post(SESSION, json={"username": "viewer", "password": "not the password"})
    assert (wrong.status_code, wrong.json()) == (401, {"detail": "incorrect username or password"})
    assert COOKIE_NAME not in wrong.headers.get("set-cookie", "")
    api.add_user("dormant", "viewer", disabled=True)
    disabled = api.client.post(SESSION, json={"username": "dormant", "password": PASSWORD})
    assert (disabled.status_code, disabled.json()) == (403, {"detail": "user is disabled"})


def test_the_cookie_authenticates_and_state_changes_need_the_csrf_token(api: ApiHarness) -> None:
    headers = api.session_headers("operator")
    me = api.client.get(ME, headers=cookie_only(headers))
    assert (me.status_code, me.json()["username"]) == (200, "operator")

    no_csrf = api.client.post("/api/v1/tokens", json={"name": "a"}, headers=cookie_only(headers))
    assert (no_csrf.status_code, no_csrf.json()) == (403, {"detail": CSRF_REFUSED})
    wrong_csrf = api.client.post("/api/v1/tokens", json={"name": "b"},
                                 headers={**cookie_only(headers), CSRF_HEADER: headers[CSRF_HEADER][:-1] + "x"})
    assert wrong_csrf.status_code == 403
    # Another session's token is not this one's.
    other = api.session_headers("operator")
    crossed = api.client.post("/api/v1/tokens", json={"name": "c"},
                              headers={**cookie_only(headers), CSRF_HEADER: other[CSRF_HEADER]})
    assert crossed.status_code == 403
    assert api.client.post("/api/v1/tokens", json={"name": "d"}, headers=headers).status_code == 201
    # A bearer token needs no CSRF token, even when a session cookie comes along.
    bearer = api.client.post("/api/v1/tokens", json={"name": "e"},
                             headers={**api.headers("operator"), **cookie_only(headers)})
    assert bearer.status_code == 201
    # The role is enforced for cookies as for bearer tokens.
    assert api.client.get("/api/v1/users", headers=cookie_only(headers)).status_code == 403

    events = audit(api, "?path_prefix=/api/v1/tokens")
    assert [(e["actor"], e["actor_kind"], e["status"]) for e in events] == [
        ("operator", "user", 201), ("operator", "session", 201), ("operator", "session", 403),
        ("operator", "session", 403), ("operator", "session", 403)]


def test_get_session_returns_its_csrf_token_and_bearer_callers_have_no_session(api: ApiHarness) -> None:
    headers = api.session_headers("viewer")
    current = api.client.get(SESSION, headers=cookie_only(headers))
    assert current.status_code == 200
    assert current.json()["csrf_token"] == headers[CSRF_HEADER]
    assert current.json()["user"]["username"] == "viewer"
    for method in ("GET", "DELETE"):
        response = api.client.request(method, SESSION, headers=api.headers("viewer"))
        assert (response.status_code, response.json()) == (404, {"detail": NO_SESSION})
    anonymous = api.client.get(SESSION)
    assert (anonymous.status_code, anonymous.json()) == (401, {"detail": "not authenticated"})


def test_logout_revokes_the_session_clears_the_cookie_and_is_audited(api: ApiHarness) -> None:
    headers = api.session_headers("viewer")
    forced = api.client.delete(SESSION, headers=cookie_only(headers))  # another site cannot log you out
    assert (forced.status_code, forced.json()) == (403, {"detail": CSRF_REFUSED})
    assert api.client.get(ME, headers=cookie_only(headers)).status_code == 200

    logout = api.client.delete(SESSION, headers=headers)
    assert logout.status_code == 204
    cleared = logout.headers["set-cookie"].lower()
    assert cleared.startswith(f'{COOKIE_NAME}=""') and "max-age=0" in cleared and "path=/api" in cleared
    after = api.client.get(ME, headers=cookie_only(headers))
    assert (after.status_code, after.json()) == (401, {"detail": INVALID_SESSION})
    with api.sessions()() as session:
        assert session.query(BrowserSession).one().revoked_at is not None

    events = audit(api, "?path_prefix=/api/v1/auth/session")
    assert [(e["actor"], e["actor_kind"], e["method"], e["target"], e["status"]) for e in events] == [
        ("viewer", "session", "DELETE", "logout:viewer", 204),
        ("viewer", "session", "DELETE", None, 403),
        ("viewer", "session", "POST", "login:viewer", 201),
    ]


def _age(api: ApiHarness, headers: dict[str, str], **columns: object) -> None:
    digest = hashlib.sha256(session_id(headers).encode()).hexdigest()
    with api.sessions()() as session:
        session.execute(update(BrowserSession).where(BrowserSession.id_hash == digest).values(**columns))
        session.commit()


def test_a_session_ends_after_the_idle_timeout_and_at_its_absolute_expiry(api: ApiHarness) -> None:
    idle = timedelta(minutes=api.settings.session_idle_minutes)
    active, idle_one, expired = (api.session_headers("viewer") for _ in range(3))

    _age(api, active, last_seen_at=utcnow() - idle + timedelta(minutes=1))
    assert api.client.get(ME, headers=cookie_only(active)).status_code == 200
    with api.sessions()() as session:
        seen = {row.id_hash: row.last_seen_at for row in session.query(BrowserSession)}
    assert seen[hashlib.sha256(session_id(active).encode()).hexdigest()] > utcnow() - timedelta(minutes=1)

    _age(api, idle_one, last_seen_at=utcnow() - idle - timedelta(seconds=1))
    response = api.client.get(ME, headers=cookie_only(idle_one))
    assert (response.status_code, response.json()) == (401, {"detail": INVALID_SESSION})

    _age(api, expired, expires_at=utcnow() - timedelta(seconds=1))
    assert api.client.get(ME, headers=cookie_only(expired)).status_code == 401

    # Ended sessions are deleted at the next login; the live one stays.
    api.session_headers("operator")
    with api.sessions()() as session:
        assert session.query(BrowserSession).count() == 2


def test_disabling_a_user_or_changing_their_password_revokes_their_sessions(api: ApiHarness) -> None:
    admin = api.headers("admin")
    operator_id = api.users["operator"].id
    operator = api.session_headers("operator")
    assert api.client.patch(f"/api/v1/users/{operator_id}", json={"disabled": True}, headers=admin).status_code == 200
    assert api.client.patch(f"/api/v1/users/{operator_id}", json={"disabled": False},
                            headers=admin).status_code == 200
    again = api.client.get(ME, headers=cookie_only(operator))  # enabled again, but that session is over
    assert (again.status_code, again.json()) == (401, {"detail": INVALID_SESSION})

    first, second = api.session_headers("viewer"), api.session_headers("viewer")
    admin_session = api.session_headers("admin")
    changed = api.client.put("/api/v1/users/me/password", headers=first,
                             json={"current_password": PASSWORD, "new_password": "a brand new password"})
    assert changed.status_code == 204
    for headers in (first, second):
        assert api.client.get(ME, headers=cookie_only(headers)).status_code == 401
    assert api.client.get(ME, headers=cookie_only(admin_session)).status_code == 200  # other users keep theirs
    relogin = api.client.post(SESSION, json={"username": "viewer", "password": "a brand new password"})
    assert relogin.status_code == 201


def test_a_cookie_without_the_secure_flag_only_in_development(tmp_path: Path, migrated_db_template: Path,
                                                              cheap_password_hashing: None) -> None:
    db_path = tmp_path / "platform.db"
    shutil.copy(migrated_db_template, db_path)
    settings = make_settings(db_path, environment="development", session_cookie_secure=False)
    with running_api(settings) as api:
        response = api.client.post(SESSION, json={"username": "viewer", "password": PASSWORD})
        assert response.status_code == 201
        flags = {part.strip().lower() for part in response.headers["set-cookie"].split(";")[1:]}
        assert "secure" not in flags and {"httponly", "samesite=strict"} <= flags


@pytest.fixture
def two_processes(tmp_path: Path, migrated_db_template: Path,
                  cheap_password_hashing: None) -> Iterator[tuple[ApiHarness, TestClient, Path]]:
    """Two applications on one SQLite file, as two API replicas sharing a platform database."""
    db_path = tmp_path / "platform.db"
    shutil.copy(migrated_db_template, db_path)
    settings = make_settings(db_path, login_max_failures=3, login_lockout_s=600)
    with running_api(settings) as first, TestClient(create_app(settings), raise_server_exceptions=False) as second:
        yield first, second, db_path


def test_login_throttling_is_shared_by_api_processes_and_survives_a_restart(
        two_processes: tuple[ApiHarness, TestClient, Path]) -> None:
    first, second, db_path = two_processes
    bad = {"username": "admin", "password": "wrong password"}
    assert first.client.post("/api/v1/auth/token", data=bad).status_code == 401
    assert second.post(SESSION, json=bad).status_code == 401
    assert first.client.post(SESSION, data=bad).status_code == 401
    good = {"username": "admin", "password": PASSWORD}
    for response in (second.post("/api/v1/auth/token", data=good), first.client.post(SESSION, json=good)):
        assert (response.status_code, response.json()) == (429, {"detail": TOO_MANY_LOGINS})
        assert 0 < int(response.headers["Retry-After"]) <= 600
    # A process started afterwards (a restart, a new replica) sees the same lockout.
    with TestClient(create_app(make_settings(db_path, login_max_failures=3, login_lockout_s=600)),
                    raise_server_exceptions=False) as third:
        assert third.post(SESSION, json=good).status_code == 429
    assert second.post(SESSION, json={"username": "viewer", "password": PASSWORD}).status_code == 201


def test_sessions_throttling_and_retention_on_each_database(api_on_each_database: ApiHarness) -> None:
    api = api_on_each_database
    headers = api.session_headers("operator")
    assert api.client.post("/api/v1/tokens", json={"name": "x"}, headers=headers).status_code == 201
    assert api.client.delete(SESSION, headers=headers).status_code == 204
    assert api.client.get(ME, headers=cookie_only(headers)).status_code == 401
    for _ in range(api.settings.login_max_failures):
        assert api.login("viewer", "wrong password").status_code == 401
    locked = api.client.post(SESSION, json={"username": "viewer", "password": PASSWORD})
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    recorded = audit(api)
    assert len(recorded) == 3 + api.settings.login_max_failures + 1
    # Two days on, with a retention of one day, all of it goes; the removal is recorded.
    pruned = prune_audit(api.sessions(), 1, now=utcnow() + timedelta(days=2))
    assert pruned.removed == len(recorded)
    assert [(e["actor"], e["method"], e["detail"]) for e in audit(api)] == [("system", "PRUNE", pruned.message)]
