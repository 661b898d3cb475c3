"""User management rules and the audit trail of state-changing requests."""

from __future__ import annotations

from tests.support.platform_api import (
    PASSWORD,
    ApiHarness,
)


def audit(api: ApiHarness, query: str = "") -> list[dict[str, object]]:
    response = api.client.get(f"/api/v1/audit{query}", headers=api.headers("admin"))
    assert response.status_code == 200
    return response.json()["data"]  # type: ignore[no-any-return]


def test_state_changing_requests_are_audited_and_reads_are_not(api: ApiHarness) -> None:
    admin = api.headers("admin")
    api.client.get("/api/v1/users", headers=admin)
    api.client.get("/api/v1/health")
    assert audit(api) == []

    created = api.client.post("/api/v1/users", json={"username": "dana", "password": "a long enough password"},
                              headers=admin)
    user_id = created.json()["id"]
    api.client.patch(f"/api/v1/users/{user_id}", json={"role": "operator"}, headers=admin)
    api.client.delete(f"/api/v1/users/{user_id}", headers=api.headers("viewer"))  # refused: 403
    api.client.post("/api/v1/tokens", json={"name": "x"})  # anonymous: 401
    api.login("dana", "wrong password")

    events = audit(api)
    summary = [(e["actor"], e["actor_kind"], e["method"], e["path"], e["target"], e["status"]) for e in events]
    assert summary == [
        ("dana", "anonymous", "POST", "/api/v1/auth/token", "login:dana", 401),
        ("anonymous", "anonymous", "POST", "/api/v1/tokens", None, 401),
        ("viewer", "user", "DELETE", f"/api/v1/users/{user_id}", f"users/{user_id}", 403),
        ("admin", "user", "PATCH", f"/api/v1/users/{user_id}", f"users/{user_id}", 200),
        ("admin", "user", "POST", "/api/v1/users", None, 201),
    ]
    assert all(e["client"] == "testclient" for e in events)
    assert "a long enough password" not in str(events)


def test_audit_filters(api: ApiHarness) -> None:
    api.client.post("/api/v1/tokens", json={"name": "a"}, headers=api.headers("viewer"))
    api.client.post("/api/v1/tokens", json={"name": "b"}, headers=api.headers("operator"))
    api.client.post("/api/v1/tokens", json={"name": "c"})
    assert [e["actor"] for e in audit(api, "?actor=viewer")] == ["viewer"]
    assert [e["status"] for e in audit(api, "?status=401")] == [401]
    assert [e["actor"] for e in audit(api, "?status_class=2xx")] == ["operator", "viewer"]
    assert [e["status"] for e in audit(api, "?status_class=4xx")] == [401]
    assert audit(api, "?status_class=5xx") == []
    refused = api.client.get("/api/v1/audit?status_class=4", headers=api.headers("admin"))
    assert refused.status_code == 422 and refused.json()["detail"].startswith("query.status_class:")
    assert len(audit(api, "?method=post&path_prefix=/api/v1/tokens")) == 3
    assert len(audit(api, "?limit=1")) == 1
    response = api.client.get("/api/v1/audit?limit=1", headers=api.headers("admin")).json()
    assert response["count"] == 3
    assert audit(api, "?since=2999-01-01T00:00:00Z") == []
    assert len(audit(api, "?until=2999-01-01T00:00:00Z")) == 3


def test_api_token_use_is_audited_as_a_token(api: ApiHarness) -> None:
    token = api.client.post("/api/v1/tokens", json={"name": "ci"}, headers=api.headers("operator")).json()
    api.client.post("/api/v1/tokens", json={"name": "from-ci"}, headers={"Authorization": f"Bearer {token['token']}"})
    assert audit(api)[0]["actor_kind"] == "token"
    assert token["token"] not in str(audit(api))


def test_a_user_changes_their_own_password(api: ApiHarness) -> None:
    headers = api.headers("viewer")
    wrong = api.client.put("/api/v1/users/me/password", headers=headers,
                           json={"current_password": "nope", "new_password": "a brand new password"})
    assert (wrong.status_code, wrong.json()) == (400, {"detail": "current password is incorrect"})
    assert api.client.put("/api/v1/users/me/password", headers=headers,
                          json={"current_password": PASSWORD, "new_password": "a brand new password"}
                          ).status_code == 204
    assert api.login("viewer").status_code == 401
    assert api.login("viewer", "a brand new password").status_code == 200


def test_user_management_rules(api: ApiHarness) -> None:
    admin = api.headers("admin")
    admin_id = api.users["admin"].id
    duplicate = api.client.post("/api/v1/users", json={"username": "viewer", "password": "a long enough password"},
                                headers=admin)
    assert (duplicate.status_code, duplicate.json()) == (409, {"detail": "username already exists"})
    assert api.client.delete(f"/api/v1/users/{admin_id}", headers=admin).json() == {
        "detail": "you cannot delete your own user"}
    for change in ({"role": "viewer"}, {"disabled": True}):
        response = api.client.patch(f"/api/v1/users/{admin_id}", json=change, headers=admin)
        assert (response.status_code, response.json()) == (
            409, {"detail": "the last active admin cannot be demoted, disabled or deleted"})
    operator_id = api.users["operator"].id
    disabled = api.client.patch(f"/api/v1/users/{operator_id}", json={"disabled": True}, headers=admin)
    assert disabled.json()["disabled"] is True
    assert api.client.get("/api/v1/auth/me", headers=api.headers("operator")).status_code == 401
    listed = api.client.get("/api/v1/users", headers=admin).json()
    assert listed["count"] == 3
    assert all("password" not in str(user) for user in listed["data"])
    # A role change takes effect at once, whatever token the user holds.
    viewer_headers = api.headers("viewer")
    api.client.patch(f"/api/v1/users/{api.users['viewer'].id}", json={"role": "admin"}, headers=admin)
    assert api.client.get("/api/v1/users", headers=viewer_headers).status_code == 200
