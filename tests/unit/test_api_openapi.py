"""docs/api/openapi.json is the document the code generates, and every error in it is a ``{"detail": str}`` body;
this fails when they drift apart."""

from __future__ import annotations

from pathlib import Path

from mongo_admin.api.app import openapi_document, openapi_json

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.json"
REGENERATE = "mongo-admin api openapi -f docs/api/openapi.json"
ERROR_BODY = "#/components/schemas/ErrorBody"


def test_committed_openapi_document_matches_the_code() -> None:
    assert DOCUMENT.exists(), f"docs/api/openapi.json is missing; generate it with: {REGENERATE}"
    assert DOCUMENT.read_text() == openapi_json(), (
        f"docs/api/openapi.json is out of date with the code; regenerate it with: {REGENERATE}")


def test_every_error_response_is_documented_as_a_detail_body() -> None:
    document = openapi_document()
    # FastAPI's own 422 body (a list of problems) is documented for a route outside DocumentedRoute.
    assert not {"HTTPValidationError", "ValidationError"} & set(document["components"]["schemas"])
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    assert response["content"] == {"application/json": {"schema": {"$ref": ERROR_BODY}}}, \
                        f"{method.upper()} {path} {status}"


def test_every_operation_that_needs_a_caller_documents_401() -> None:
    for path, operations in openapi_document()["paths"].items():
        for method, operation in operations.items():
            if operation.get("security"):
                assert "401" in operation["responses"], f"{method.upper()} {path}"
