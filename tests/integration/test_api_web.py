"""The dashboard served by the API process: index.html for the dashboard's own routes, cache headers, security
headers, /api 404s that stay JSON, gzip, the OpenAPI document untouched by the mount, the message without a
build, and Server-Sent Events neither compressed nor buffered (read over real HTTP while the job runs)."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2
import pytest

from mongo_admin.api.app import openapi_document
from mongo_admin.api.web import BUILD_COMMAND
from mongo_admin.jobs.runner import JobContext
from tests.support.platform_api import ApiHarness, make_settings, running_api
from tests.support.served_api import served_api
from tests.support.simproc import wait_until

# Over the compression threshold (1 KB), as a real build's files are.
INDEX_HTML = ('<!doctype html><html><head><script type="module" src="/assets/app-abc123.js"></script></head>'
              '<body><div id="root"></div>' + "<!-- padding -->" * 100 + "</body></html>")
APP_JS = "console.log('mongo-admin dashboard');\n" * 50
IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.fixture
def web_dir(tmp_path: Path) -> Path:
    """A dashboard build as `npm run build` lays it out."""
    build = tmp_path / "dist"
    (build / "assets").mkdir(parents=True)
    (build / "index.html").write_text(INDEX_HTML)
    (build / "assets" / "app-abc123.js").write_text(APP_JS)
    (build / "favicon.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    return build


@contextmanager
def _api(tmp_path: Path, template: Path, web: Path | None) -> Iterator[ApiHarness]:
    db_path = tmp_path / "platform.db"
    shutil.copy(template, db_path)
    with running_api(make_settings(db_path, web_dir=web)) as harness:
        yield harness


@pytest.fixture
def dashboard(tmp_path: Path, migrated_db_template: Path, cheap_password_hashing: None,
              web_dir: Path) -> Iterator[ApiHarness]:
    with _api(tmp_path, migrated_db_template, web_dir) as harness:
        yield harness


@pytest.mark.parametrize("path", ["/", "/clusters/sandbox/topology", "/jobs/3f2a?tab=logs", "/login"])
def test_the_dashboard_routes_answer_index_html_revalidated(dashboard: ApiHarness, path: str) -> None:
    response = dashboard.client.get(path)
    assert response.status_code == 200
    assert response.text == INDEX_HTML
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"


def test_the_html_carries_the_security_headers(dashboard: ApiHarness) -> None:
    headers = dashboard.client.get("/clusters/sandbox").headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    policy = dict(directive.split(" ", 1) for directive in headers["content-security-policy"].split("; "))
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self' 'unsafe-inline'"
    assert policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["default-src"] == "'self'"


def test_hashed_assets_are_cached_for_a_year_and_other_files_revalidated(dashboard: ApiHarness) -> None:
    asset = dashboard.client.get("/assets/app-abc123.js")
    assert asset.status_code == 200 and asset.text == APP_JS
    assert asset.headers["content-type"].startswith("text/javascript")
    assert asset.headers["cache-control"] == IMMUTABLE
    icon = dashboard.client.get("/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
    assert icon.headers["cache-control"] == "no-cache"


def test_a_path_through_assets_to_index_html_is_not_cached_as_an_asset(dashboard: ApiHarness) -> None:
    response = dashboard.client.get("/assets/%2e%2e/index.html")
    assert response.status_code == 200 and response.text == INDEX_HTML
    assert response.headers["cache-control"] == "no-cache"


def test_an_asset_of_another_build_is_a_404_not_index_html(dashboard: ApiHarness) -> None:
    response = dashboard.client.get("/assets/app-old999.js")
    assert response.status_code == 404
    assert response.json() == {"detail": "no such file in the dashboard build: reload the page to get the current one"}


@pytest.mark.parametrize("path", ["/api/v1/nowhere", "/api/v1/clusters/x/nothing/here", "/api", "/api/v2/health"])
def test_api_paths_keep_their_json_404(dashboard: ApiHarness, path: str) -> None:
    response = dashboard.client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": "Not Found"}


def test_api_routes_keep_their_405_and_other_methods_get_405_outside_the_api(dashboard: ApiHarness) -> None:
    wrong_method = dashboard.client.delete("/api/v1/health")
    assert wrong_method.status_code == 405 and wrong_method.json() == {"detail": "Method Not Allowed"}
    posted = dashboard.client.post("/clusters/sandbox")
    assert posted.status_code == 405 and posted.json() == {"detail": "Method Not Allowed"}


@pytest.mark.parametrize(("path", "expected"), [("/..%2f..%2fetc/passwd", 200), ("/%2e%2e/platform.db", 200),
                                              ("/assets/..%2f..%2fplatform.db", 404)])
def test_paths_out_of_the_build_serve_nothing_from_outside(dashboard: ApiHarness, path: str, expected: int) -> None:
    # platform.db is next to the build: never served, whatever the path says.
    response = dashboard.client.get(path)
    assert response.status_code == expected
    assert response.text == INDEX_HTML if expected == 200 else response.json()["detail"].startswith("no such file")


def test_responses_over_1kb_are_gzipped_when_accepted(dashboard: ApiHarness) -> None:
    for path in ("/", "/assets/app-abc123.js", "/api/v1/openapi.json"):
        response = dashboard.client.get(path, headers={"Accept-Encoding": "gzip"})
        assert response.headers["content-encoding"] == "gzip", path
        assert "Accept-Encoding" in response.headers["vary"]
    identity = dashboard.client.get("/", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in identity.headers and identity.text == INDEX_HTML
    small = dashboard.client.get("/api/v1/health", headers={"Accept-Encoding": "gzip"})
    assert small.status_code == 200 and "content-encoding" not in small.headers


def test_the_mount_leaves_the_openapi_document_alone(dashboard: ApiHarness) -> None:
    served = dashboard.client.get("/api/v1/openapi.json").json()
    assert served == openapi_document()
    assert all(path.startswith("/api/v1/") for path in served["paths"])


@pytest.mark.parametrize("configured", ["none", "missing"])
def test_without_a_build_the_api_works_and_says_how_to_build_it(tmp_path: Path, migrated_db_template: Path,
                                                                 cheap_password_hashing: None,
                                                                 configured: str) -> None:
    web = None if configured == "none" else tmp_path / "web" / "dist"
    with _api(tmp_path, migrated_db_template, web) as api:
        for path in ("/", "/clusters/sandbox/topology"):
            response = api.client.get(path)
            assert response.status_code == 404
            detail = response.json()["detail"]
            assert detail.startswith("the dashboard is not built") and f"`{BUILD_COMMAND}`" in detail
            assert "MONGO_ADMIN_WEB_DIR" in detail
        assert api.client.get("/api/v1/health").json()["status"] == "ok"
        assert api.client.get("/api/v1/nowhere").json() == {"detail": "Not Found"}


def test_the_event_stream_is_neither_compressed_nor_buffered(tmp_path: Path, migrated_db_template: Path,
                                                             web_dir: Path) -> None:
    release = threading.Event()

    def hold(ctx: JobContext) -> None:
        ctx.log("holding until the test has read the stream")
        release.wait(120)  # a bound, should the test fail before releasing it

    with served_api(tmp_path / "home", tmp_path, migrated_db_template, background=True, web_dir=web_dir) as api:
        job = api.runner.submit("hold", "web", None, hold)
        try:
            wait_until(lambda: api.runner.get(job.id).state == "running", "the job to run")
            headers = {"Authorization": f"Bearer {api.token('viewer')}", "Accept-Encoding": "gzip"}
            # A stream that were buffered would give nothing before the job ends: the read timeout would end it.
            with httpx2.Client(base_url=api.url, timeout=30.0) as client, \
                    client.stream("GET", f"/api/v1/jobs/{job.id}/events", headers=headers) as response:
                assert response.status_code == 200
                assert response.headers["content-type"].startswith("text/event-stream")
                assert "content-encoding" not in response.headers
                received = b""
                for chunk in response.iter_raw():  # the bytes as sent, before any decoding
                    received += chunk
                    if b"\n\n" in received:
                        break
            first = received.split(b"\n\n", 1)[0]
            assert first.startswith(b"event: state\ndata: "), first[:40]
            data = json.loads(first.removeprefix(b"event: state\ndata: "))
            assert data["job_id"] == job.id and data["state"] == "running"
            assert api.runner.get(job.id).state == "running"
        finally:
            release.set()
        wait_until(lambda: api.runner.get(job.id).terminal, "the job to end")
