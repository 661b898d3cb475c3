"""Login, JWT expiry, throttling, API tokens, and the error shape, against a real app over a migrated SQLite
database."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text

from mongo_admin.api import auth
from mongo_admin.api.throttle import LoginThrottle
from mongo_admin.db.base import utcnow
from mongo_admin.db.models import LoginFailure
from tests.support.platform_api import (
    PASSWORD,
    ApiHarness,
)


def test_login_success_returns_a_bearer_token_that_identifies_the_user(api: ApiHarness) -> None:
    response = api.login("operator")
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == api.settings.access_token_minutes * 60
    me = api.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["username"] == "operator"
    assert me.json()["role"] == "operator"
    assert "password_hash" not in me.json()


def test_login_failure_is_the_same_for_a_wrong_password_and_an_unknown_user(api: ApiHarness) -> None:
    wrong = api.login("admin", "not the password")
    unknown = api.login("nobody", PASSWORD)
    assert (wrong.status_code, wrong.json()) == (401, {"detail": "incorrect username or password"})
    assert (unknown.status_code, unknown.json()) == (401, {"detail": "incorrect username or password"})


def test_disabled_user_cannot_log_in_nor_use_an_earlier_token(api: ApiHarness) -> None:
    headers = api.headers("viewer")
    with api.sessions()() as session:
        session.execute(text("UPDATE users SET disabled = 1 WHERE username = 'viewer'"))
        session.commit()
    assert api.login("viewer").json() == {"detail": "user is disabled"}
    response = api.client.get("/api/v1/auth/me", headers=headers)
    assert (response.status_code, response.json()) == (401, {"detail": "user is disabled"})


def test_login_is_throttled_per_user_and_client_after_repeated_failures(api: ApiHarness) -> None:
    for _ in range(api.settings.login_max_failures):
        assert api.login("admin", "wrong password").status_code == 401
    refused = api.login("admin")  # even the right password is refused while locked out
    assert refused.status_code == 429
    assert refused.json() == {"detail": "too many failed logins; try again later"}
    assert int(refused.headers["Retry-After"]) > 0
    assert api.login("operator").status_code == 200  # another user from the same client is not affected


def test_throttle_forgets_failures_after_the_lockout_and_on_success(api: ApiHarness) -> None:
    now = [datetime(2026, 11, 27, 10, 0, tzinfo=UTC)]
    throttle = LoginThrottle(api.sessions(), max_failures=3, lockout_s=60, clock=lambda: now[0])
    for _ in range(3):
        throttle.failed("Alice", "10.0.0.1")
    assert throttle.retry_after("alice", "10.0.0.1") == 60
    assert throttle.retry_after("alice", "10.0.0.2") == 0
    now[0] += timedelta(seconds=59)
    assert throttle.retry_after("alice", "10.0.0.1") == 1
    now[0] += timedelta(seconds=1)
    assert throttle.retry_after("alice", "10.0.0.1") == 0
    throttle.failed("bob", "c")
    throttle.failed("bob", "c")
    throttle.succeeded("bob", "c")
    throttle.failed("bob", "c")
    assert throttle.retry_after("bob", "c") == 0
    # Recording a failure removes the rows that left the window (alice's three).
    with api.sessions()() as session:
        assert session.scalar(select(func.count()).select_from(LoginFailure)) == 1


def test_throttle_waits_for_the_failure_that_completes_the_budget(api: ApiHarness) -> None:
    # Two API processes failing at once may record more failures than the budget: the pair stays locked until
    # fewer than max_failures remain in the window.
    now = [datetime(2026, 11, 27, 10, 0, tzinfo=UTC)]
    throttle = LoginThrottle(api.sessions(), max_failures=3, lockout_s=60, clock=lambda: now[0])
    for _ in range(4):
        throttle.failed("carol", "10.0.0.1")
        now[0] += timedelta(seconds=10)
    # Failures at 0, 10, 20 and 30 s; now is 40 s: the one at 10 s completes the budget, it leaves at 70 s.
    assert throttle.retry_after("carol", "10.0.0.1") == 30
    now[0] += timedelta(seconds=30)
    assert throttle.retry_after("carol", "10.0.0.1") == 0


def test_an_expired_access_token_is_refused(api: ApiHarness) -> None:
    user = api.users["admin"]
    issued = utcnow() - timedelta(minutes=api.settings.access_token_minutes + 1)
    expired = auth.issue_access_token(user, api.settings, now=issued)
    response = api.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {expired}"})
    assert (response.status_code, response.json()) == (401, {"detail": "invalid or expired token"})
    assert response.headers["WWW-Authenticate"] == "Bearer"
    fresh = auth.issue_access_token(user, api.settings, now=utcnow() - timedelta(minutes=1))
    assert api.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200


def test_a_token_signed_with_another_key_is_refused(api: ApiHarness) -> None:
    import jwt

    forged = jwt.encode({"sub": str(api.users["admin"].id), "typ": "access", "iat": utcnow(),
                         "exp": utcnow() + timedelta(minutes=5)}, "another-key-" + "z" * 40, algorithm="HS256")
    response = api.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


def test_api_token_is_shown_once_stored_hashed_usable_and_revocable(api: ApiHarness) -> None:
    created = api.client.post("/api/v1/tokens", json={"name": "ci"}, headers=api.headers("operator"))
    assert created.status_code == 201
    token = created.json()["token"]
    assert token.startswith("mat_")
    assert created.json()["prefix"] == token[:12]
    token_id = created.json()["id"]

    listed = api.client.get("/api/v1/tokens", headers=api.headers("operator")).json()
    assert listed["count"] == 1
    assert "token" not in listed["data"][0]
    with api.sessions()() as session:
        raw = session.execute(text("SELECT * FROM api_tokens")).all()
    assert token not in repr(raw)
    assert hashlib.sha256(token.encode()).hexdigest() in repr(raw)

    with_token = {"Authorization": f"Bearer {token}"}
    me = api.client.get("/api/v1/auth/me", headers=with_token)
    assert (me.status_code, me.json()["username"]) == (200, "operator")
    assert api.client.get("/api/v1/tokens", headers=with_token).json()["data"][0]["last_used_at"] is not None

    # Another non-admin user cannot see nor revoke it.
    other = api.client.delete(f"/api/v1/tokens/{token_id}", headers=api.headers("viewer"))
    assert (other.status_code, other.json()) == (404, {"detail": "token not found"})
    assert api.client.delete(f"/api/v1/tokens/{token_id}", headers=with_token).status_code == 204
    revoked = api.client.get("/api/v1/auth/me", headers=with_token)
    assert (revoked.status_code, revoked.json()) == (401, {"detail": "invalid or expired token"})


def test_an_api_token_past_its_expiry_is_refused(api: ApiHarness) -> None:
    created = api.client.post("/api/v1/tokens", json={"name": "short", "expires_in_days": 1},
                              headers=api.headers("viewer")).json()
    with api.sessions()() as session:
        session.execute(text("UPDATE api_tokens SET expires_at = :at"),
                        {"at": (utcnow() - timedelta(seconds=1)).replace(tzinfo=None)})
        session.commit()
    response = api.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {created['token']}"})
    assert response.status_code == 401


def test_every_error_body_is_a_single_detail_string(api: ApiHarness) -> None:
    admin = api.headers("admin")
    responses = [
        api.client.get("/api/v1/nowhere"),
        api.client.put("/api/v1/health"),
        api.client.get("/api/v1/auth/me"),
        api.client.get("/api/v1/users", headers=api.headers("viewer")),
        api.client.post("/api/v1/users", json={"username": "x y", "password": "short"}, headers=admin),
        api.client.post("/api/v1/users", content=b"{not json", headers={**admin, "Content-Type": "application/json"}),
        api.client.get("/api/v1/audit?limit=0", headers=admin),
        api.client.patch("/api/v1/users/999", json={}, headers=admin),
        api.client.post("/api/v1/auth/token", data={}),
    ]
    assert [r.status_code for r in responses] == [404, 405, 401, 403, 422, 422, 422, 404, 422]
    for response in responses:
        body = response.json()
        assert list(body) == ["detail"] and isinstance(body["detail"], str), body
    assert responses[4].json()["detail"].startswith("body.username: String should match pattern")
    assert "short" not in responses[4].json()["detail"]  # the value itself is never echoed


def test_an_unexpected_error_is_a_500_without_internals(api: ApiHarness) -> None:
    from fastapi import APIRouter

    router = APIRouter()

    @router.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("secret internals: /etc/shadow")

    api.client.app.include_router(router)  # type: ignore[attr-defined]
    response = api.client.get("/api/v1/boom")
    assert (response.status_code, response.json()) == (500, {"detail": "internal server error"})
