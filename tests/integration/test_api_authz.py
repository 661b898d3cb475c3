"""The authorization matrix: every endpoint of the API x {anonymous, viewer, operator, admin} → expected status.

Each row names an endpoint and the least role that may call it (None: anyone, even anonymous). Callers below
that role get 403, anonymous callers 401, the others the endpoint's success status. A new router adds its rows
here; ``test_every_endpoint_is_in_the_matrix`` fails until it does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from mongo_admin.api.app import build_app
from tests.support.platform_api import (
    PASSWORD,
    ApiHarness,
    make_settings,
)

CALLERS = (None, "viewer", "operator", "admin")
RANK = {"viewer": 0, "operator": 1, "admin": 2}


def _new_user(api: ApiHarness, caller: str | None) -> dict[str, str]:
    return {"user_id": str(api.add_user(f"target-{caller}", "viewer").id)}


def _own_token(api: ApiHarness, caller: str | None) -> dict[str, str]:
    owner = caller or "viewer"
    created = api.client.post("/api/v1/tokens", json={"name": "t"}, headers=api.headers(owner))
    return {"token_id": str(created.json()["id"])}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    minimum: str | None
    ok: int
    json: dict[str, Any] | None = None
    form: dict[str, str] | None = None
    # Makes the objects the path names, for the calling role; returns the path parameters.
    setup: Callable[[ApiHarness, str | None], dict[str, str]] = field(default=lambda api, caller: {})

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


ENDPOINTS = [
    Endpoint("POST", "/api/v1/auth/token", None, 200, form={"username": "viewer", "password": PASSWORD}),
    Endpoint("GET", "/api/v1/auth/me", "viewer", 200),
    Endpoint("POST", "/api/v1/tokens", "viewer", 201, json={"name": "automation"}),
    Endpoint("GET", "/api/v1/tokens", "viewer", 200),
    Endpoint("DELETE", "/api/v1/tokens/{token_id}", "viewer", 204, setup=_own_token),
    Endpoint("GET", "/api/v1/users", "admin", 200),
    Endpoint("POST", "/api/v1/users", "admin", 201,
             json={"username": "newcomer", "password": "a long enough password", "role": "operator"}),
    Endpoint("PUT", "/api/v1/users/me/password", "viewer", 204,
             json={"current_password": PASSWORD, "new_password": "another long password"}),
    Endpoint("PATCH", "/api/v1/users/{user_id}", "admin", 200, json={"role": "operator"}, setup=_new_user),
    Endpoint("DELETE", "/api/v1/users/{user_id}", "admin", 204, setup=_new_user),
    Endpoint("GET", "/api/v1/audit", "admin", 200),
    Endpoint("GET", "/api/v1/health", None, 200),
]


def expected_status(endpoint: Endpoint, caller: str | None) -> int:
    if endpoint.minimum is None:
        return endpoint.ok
    if caller is None:
        return 401
    return endpoint.ok if RANK[caller] >= RANK[endpoint.minimum] else 403


@pytest.mark.parametrize("caller", CALLERS, ids=lambda caller: caller or "anonymous")
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_authorization_matrix(api: ApiHarness, endpoint: Endpoint, caller: str | None) -> None:
    path = endpoint.path.format(**endpoint.setup(api, caller))
    response = api.client.request(endpoint.method, path, json=endpoint.json, data=endpoint.form,
                                  headers=api.headers(caller))
    assert response.status_code == expected_status(endpoint, caller), response.text
    if response.status_code >= 400:
        assert response.json() == {"detail": response.json()["detail"]}


def test_every_endpoint_is_in_the_matrix(tmp_path: Any) -> None:
    # The OpenAPI document is the list of what the API exposes (included routers are nested in app.routes).
    paths = build_app(make_settings(tmp_path / "unused.db")).openapi()["paths"]
    routes = {f"{method.upper()} {path}" for path, operations in paths.items() for method in operations}
    assert routes == {str(endpoint) for endpoint in ENDPOINTS}
