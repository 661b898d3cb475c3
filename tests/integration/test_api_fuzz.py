"""Property-based fuzzing of the API from its own OpenAPI document (schemathesis): for every operation, a bounded,
derandomized set of generated requests, valid and invalid by the document, against the real application (SQLite
platform database, no background threads), as admin and, for the read operations, anonymously. No request may get
a 5xx, every error body is ``{"detail": "<str>"}``, and every check of schemathesis passes: each status is one the
document lists, each body and header matches it, valid requests are accepted and invalid ones refused."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings
from schemathesis.config import SchemathesisConfig

from mongo_admin.api.app import create_app, openapi_document
from mongo_admin.db.models import RegisteredCluster
from tests.support.platform_api import ROLES, ApiHarness, make_settings

# Small enough for the whole file to run in well under a minute; derandomized so that CI replays the same
# requests every run (and no example database is written to the working tree).
FUZZ_SETTINGS = settings(
    max_examples=8,
    derandomize=True,
    database=None,
    deadline=None,
    # Only generation: the explicit/coverage phases would multiply the request count, and shrinking a
    # failure is not worth the time in CI (the failing request is printed as a reproducible call).
    phases=[Phase.generate],
    # Each operation gets a fresh app from a function-scoped fixture, which is what we want.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.filter_too_much],
    print_blob=False,
)


# Operations that take a value whose validity no JSON Schema can state, and answer 400 naming it when it is wrong.
# For these alone, a request valid by the document may get 400: positive_data_acceptance is narrowed to them, and
# to that status, and stays as strict as schemathesis makes it everywhere else (422 included).
REFUSED_BY_MEANING = {
    "POST /api/v1/clusters": "deployed must name a cluster deployed on this machine",
    "POST /api/v1/deployments": "the spec is YAML text that must be a valid cluster spec",
    "POST /api/v1/deployments/plan": "the spec is YAML text that must be a valid cluster spec",
    "PUT /api/v1/users/me/password": "current_password must be the caller's password",
    "POST /api/v1/schedules": "cron must be a cron expression, timezone an IANA time zone",
    "PATCH /api/v1/schedules/{schedule_id}": "cron must be a cron expression, timezone an IANA time zone",
    "POST /api/v1/schedules/preview": "cron must be a cron expression, timezone an IANA time zone",
    "GET /api/v1/clusters/{name}/metrics/series": "start must come before end, with at most so many steps between",
}
# Schemathesis's default expected statuses for positive_data_acceptance, plus 400.
ACCEPTED_OR_REFUSED_BY_MEANING = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]
# A cluster the app knows (registered as deployed, without files: what reads them answers 409). Half of the
# requests that name a cluster name this one, so that they get past the lookup and their bodies are checked too.
FUZZ_CLUSTER = "fuzz"
FUZZ_CONFIG = SchemathesisConfig.from_dict({
    "dictionaries": {"clusters": {"values": [FUZZ_CLUSTER]}},
    "operations": [
        {"include-path-regex": "^/api/v1/clusters/[{]name[}]/",
         "parameters": {"path.name": {"dictionary": "clusters", "probability": 0.5}}},
        {"include-name": "POST /api/v1/schedules",
         "parameters": {"body.cluster": {"dictionary": "clusters", "probability": 0.5}}},
        {"include-name": sorted(REFUSED_BY_MEANING),
         "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED_OR_REFUSED_BY_MEANING}}},
    ],
})

# The document as the code defines it (the committed docs/api/openapi.json is checked against it elsewhere);
# each request goes to the per-test app through ``case.call(app=...)``.
DOCUMENT = openapi_document()
schema = schemathesis.openapi.from_dict(DOCUMENT, config=FUZZ_CONFIG)


@pytest.fixture
def fuzz_api(tmp_path: Path, migrated_db_template: Path,
             cheap_password_hashing: None) -> Iterator[tuple[FastAPI, ApiHarness]]:
    """The app as the ``api`` fixture builds it, but with a private MONGO_ADMIN_HOME (deployed clusters, backups
    and metrics read it), users of every role, and FUZZ_CLUSTER registered as deployed (without its files)."""
    db_path = tmp_path / "platform.db"
    shutil.copy(migrated_db_template, db_path)
    settings = make_settings(db_path, home=tmp_path / "home")
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        harness = ApiHarness(settings, client)
        for role in ROLES:
            harness.users[role] = harness.add_user(role, role)
        with harness.sessions()() as session:
            session.add(RegisteredCluster(name=FUZZ_CLUSTER, connection_string="mongodb://127.0.0.1:1",
                                          source="deployed"))
            session.commit()
        yield app, harness


def assert_error_shape(response: Any) -> None:
    """Every error is JSON with exactly one string member ``detail``."""
    if response.status_code < 400:
        return
    content_type = response.headers.get("content-type", [""])[0]  # schemathesis keeps every value of a header
    assert content_type.startswith("application/json"), \
        f"{response.status_code} is not JSON: {content_type!r} {response.text[:200]!r}"
    body = json.loads(response.text)
    assert isinstance(body, dict) and set(body) == {"detail"} and isinstance(body["detail"], str), \
        f"{response.status_code} body is not {{'detail': str}}: {response.text[:200]!r}"


def fuzz(case: schemathesis.Case[Any], fuzz_api: tuple[FastAPI, ApiHarness], role: str | None) -> None:
    app, api = fuzz_api
    headers = api.headers(role)
    # The document declares the bearer and session cookie schemes, so schemathesis generates an Authorization
    # header of its own: replace it by the real one (or drop it, anonymously; its random cookie then gets 401).
    case.headers.pop("Authorization", None)  # a case-insensitive mapping
    case.headers.update(headers)
    response = case.call(app=app)
    assert response.status_code < 500, \
        f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]!r}"
    assert_error_shape(response)
    case.validate_response(response, headers=headers, transport_kwargs={"app": app})


def test_refusals_by_meaning_are_operations_that_document_400() -> None:
    for name in REFUSED_BY_MEANING:
        method, path = name.split(" ")
        assert "400" in DOCUMENT["paths"][path][method.lower()]["responses"], name


@schema.parametrize()
@FUZZ_SETTINGS
def test_fuzz_as_admin(case: schemathesis.Case[Any], fuzz_api: tuple[FastAPI, ApiHarness]) -> None:
    fuzz(case, fuzz_api, "admin")


# The read operations (`exclude`: with an [[operations]] config, schemathesis adds an `include` as an alternative).
@schema.exclude(method=["POST", "PUT", "PATCH", "DELETE"]).parametrize()
@FUZZ_SETTINGS
def test_fuzz_anonymously(case: schemathesis.Case[Any], fuzz_api: tuple[FastAPI, ApiHarness]) -> None:
    fuzz(case, fuzz_api, None)

