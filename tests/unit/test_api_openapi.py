"""docs/api/openapi.json is the document the code generates; this fails when they drift apart."""

from __future__ import annotations

from pathlib import Path

from mongo_admin.api.app import openapi_json

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.json"
REGENERATE = "mongo-admin api openapi -f docs/api/openapi.json"


def test_committed_openapi_document_matches_the_code() -> None:
    assert DOCUMENT.exists(), f"docs/api/openapi.json is missing; generate it with: {REGENERATE}"
    assert DOCUMENT.read_text() == openapi_json(), (
        f"docs/api/openapi.json is out of date with the code; regenerate it with: {REGENERATE}")
