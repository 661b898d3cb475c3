"""The dashboard's production build (``web/dist``: index.html and hashed files under assets/) served by the API
process, next to /api/v1.

Every path outside /api answers a file of the build when there is one, else index.html (the dashboard's own routes,
such as /clusters/sandbox/topology, are decided in the browser). index.html is revalidated on every load
(``no-cache``) so a new build is picked up at once; the files under assets/ carry a hash of their content in their
name and are cached for a year. /api paths never reach here: an unknown one keeps the API's JSON 404. Without a
build, these paths answer a JSON 404 saying how to make one; the API works the same either way.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, status
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.requests import Request
from starlette.routing import Match, Route
from starlette.types import Scope

API_ROOT = "/api"
INDEX = "index.html"
ASSETS = "assets/"
BUILD_COMMAND = "npm run build --prefix web"
NOT_BUILT = (f"the dashboard is not built: run `{BUILD_COMMAND}` in the source checkout, or set MONGO_ADMIN_WEB_DIR "
             "to the directory of a built dashboard; the API itself is under /api/v1")
NO_SUCH_ASSET = "no such file in the dashboard build: reload the page to get the current one"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# Scripts, styles and API calls from this origin only; inline styles are allowed for the chart and graph libraries,
# which set element styles. Vite may inline small images and fonts as data: URLs.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def is_api_path(path: str) -> bool:
    return path == API_ROOT or path.startswith(API_ROOT + "/")


class DashboardRoute(Route):
    """GET and HEAD of every path outside /api (any other method answers 405); left out of the OpenAPI
    document."""

    def __init__(self, web_dir: Path | None) -> None:
        self.web_dir = web_dir.resolve() if web_dir is not None else None
        super().__init__("/{path:path}", self.serve, methods=["GET"], name="dashboard", include_in_schema=False)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and is_api_path(scope["path"]):
            return Match.NONE, {}
        return super().matches(scope)

    def serve(self, request: Request) -> Response:
        web_dir = self.web_dir
        if web_dir is None or not (web_dir / INDEX).is_file():
            return JSONResponse({"detail": NOT_BUILT}, status.HTTP_404_NOT_FOUND, headers=SECURITY_HEADERS)
        path: str = request.path_params["path"]
        found = _file_in(web_dir, path)
        if found is not None:
            cache = IMMUTABLE if found.is_relative_to(web_dir / ASSETS) else REVALIDATE
            return FileResponse(found, headers={**SECURITY_HEADERS, "Cache-Control": cache})
        if path.startswith(ASSETS):
            # A script or style of another build: index.html in its place would only fail in the browser.
            return JSONResponse({"detail": NO_SUCH_ASSET}, status.HTTP_404_NOT_FOUND, headers=SECURITY_HEADERS)
        return FileResponse(web_dir / INDEX, headers={**SECURITY_HEADERS, "Cache-Control": REVALIDATE})


def _file_in(web_dir: Path, path: str) -> Path | None:
    """The file of the build at ``path``, if there is one inside it (``..`` and links out of it lead nowhere)."""
    try:
        candidate = (web_dir / path).resolve()
    except (OSError, ValueError):
        return None
    return candidate if candidate.is_relative_to(web_dir) and candidate.is_file() else None


def serve_dashboard(app: FastAPI, web_dir: Path | None) -> None:
    """Serve the build in ``web_dir`` (None: no dashboard) at every path outside /api. Call it after the routers
    are included, so that it comes last."""
    app.router.routes.append(DashboardRoute(web_dir))
