"""The CLI's client of the operations API: JSON requests with a bearer token, answers read back as the operations'
own result objects (so they render exactly as the local command's), a job's event stream, and every refusal
turned into the CLI's usual ``error: <what>: <why>`` / ``  fix: <what to do>``.

It uses the standard library's urllib, imported by the first request, so local commands and ``--help`` pay
nothing for API mode.
"""

from __future__ import annotations

import json
import re
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, urlencode

from mongo_admin import __version__
from mongo_admin.cli.api_config import API_PREFIX, TOKEN_ENV, TOKEN_FILE_ENV, Token
from mongo_admin.errors import MongoAdminError

if TYPE_CHECKING:
    from http.client import HTTPResponse

T = TypeVar("T")

REQUEST_TIMEOUT_S = 300.0  # a cluster's status, a verification of a large backup: answered when done
# Longer than the API's keep-alive interval on an event stream (15 s): silence this long means a dead connection.
EVENTS_TIMEOUT_S = 60.0
# How a domain error's fix travels in an API detail (api.errors joins the two lines of MongoAdminError.message).
DETAIL_FIX = "; fix: "
_JOB_ID = re.compile(r"\bjob ([0-9a-f]{32})\b")


class ApiRequestError(MongoAdminError):
    """The API refused a request (``status``: its HTTP status; ``detail``: the API's own words) or could not be
    reached (``status`` None)."""

    def __init__(self, what: str, why: str = "", fix: str = "", status: int | None = None,
                 detail: str | None = None) -> None:
        self.status = status
        self.detail = detail
        super().__init__(what, why, fix)


def segment(value: str) -> str:
    """One path segment, quoted."""
    return quote(value, safe="")


@dataclass(frozen=True)
class ApiEvent:
    """One Server-Sent Event: its ``event:`` type and its ``data:`` object."""

    type: str
    data: dict[str, Any]


class ApiClient:
    """Requests to the API at ``url`` (its root, as api_config.normalize_url gives it) as the holder of ``token``."""

    def __init__(self, url: str, token: Token | None) -> None:
        self.url = url
        self.token = token

    # ------------------------------------------------------------------------------------------ requests
    def get(self, path: str, query: Mapping[str, Any] | None = None) -> Any:
        return self.request("GET", path, query=query)

    def post(self, path: str, body: Any = None, query: Mapping[str, Any] | None = None) -> Any:
        return self.request("POST", path, body=body, query=query)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)

    def request(self, method: str, path: str, *, body: Any = None, query: Mapping[str, Any] | None = None,
                form: Mapping[str, str] | None = None) -> Any:
        """The decoded JSON answer (None for 204); ApiRequestError for any refusal or a missing answer."""
        import http.client

        try:
            with self._open(method, path, body=body, query=query, form=form, timeout=REQUEST_TIMEOUT_S) as response:
                raw = response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise self._unreachable(exc) from None
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise ApiRequestError(f"the API at {self.url} answered {method} {path} with something else than JSON",
                                  f"{len(raw)} bytes of {response.headers.get('Content-Type', 'unknown type')}",
                                  "check that --api names the mongo-admin API and not another server") from None

    def result(self, result_type: type[T], data: Any) -> T:
        """``data`` (an API answer or a job's result) read as the operation's result type, so it renders as the
        local command's result does; fields the API adds (``count``) are ignored."""
        from pydantic import TypeAdapter, ValidationError

        try:
            return TypeAdapter(result_type).validate_python(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first.get("loc", ())) or "the answer"
            name = getattr(result_type, "__name__", str(result_type))
            raise ApiRequestError(f"the API at {self.url} answered with a {name} this CLI cannot read",
                                  f"{where}: {first.get('msg', 'invalid')}",
                                  "use a mongo-admin CLI of the same version as the API server") from None

    def events(self, job_id: str) -> Generator[ApiEvent, None, None]:
        """A job's live events (``state``, ``progress``, ``log``), the first one a snapshot; ends after the job's
        terminal state. Closing the iterator closes the connection."""
        import http.client

        response = self._open("GET", f"/jobs/{segment(job_id)}/events", accept="text/event-stream",
                              timeout=EVENTS_TIMEOUT_S)
        with response:
            kind, data = "message", ""
            try:
                for raw in response:
                    line = raw.decode("utf-8").rstrip("\r\n")
                    if not line:
                        if data:
                            yield ApiEvent(kind, json.loads(data))
                        kind, data = "message", ""
                    elif line.startswith(":"):
                        continue  # a keep-alive comment
                    elif line.startswith("event:"):
                        kind = line.removeprefix("event:").strip()
                    elif line.startswith("data:"):
                        data += line.removeprefix("data:").strip()
            except (OSError, http.client.HTTPException) as exc:
                lost = self._unreachable(exc)
                raise ApiRequestError(f"lost the API at {self.url} while following job {job_id}", lost.why,
                                      f"the job goes on without the CLI: follow it again with 'mongo-admin --api "
                                      f"{self.url} jobs follow {job_id}'") from None

    # ------------------------------------------------------------------------------------------ transport
    def _open(self, method: str, path: str, *, body: Any = None, query: Mapping[str, Any] | None = None,
              form: Mapping[str, str] | None = None, accept: str = "application/json",
              timeout: float) -> HTTPResponse:
        import urllib.error
        import urllib.request

        target = f"{self.url}{API_PREFIX}{path}"
        if query:
            target += "?" + urlencode({key: _query_value(value) for key, value in query.items() if value is not None})
        headers = {"Accept": accept, "User-Agent": f"mongo-admin-cli/{__version__}"}
        data = None
        if form is not None:
            data = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token.value}"
        request = urllib.request.Request(target, data=data, headers=headers, method=method)
        try:
            response: HTTPResponse = urllib.request.urlopen(request, timeout=timeout)
        except urllib.error.HTTPError as exc:
            with exc:
                raise self._refusal(method, path, exc.code, exc.read()) from None
        except urllib.error.URLError as exc:
            raise self._unreachable(exc.reason) from None
        except TimeoutError as exc:
            raise self._unreachable(exc) from None
        except OSError as exc:
            raise self._unreachable(exc) from None
        return response

    def _unreachable(self, reason: object) -> ApiRequestError:
        if isinstance(reason, ConnectionRefusedError):
            why = "connection refused"
        elif isinstance(reason, TimeoutError):
            why = "no answer in time"
        elif isinstance(reason, OSError) and reason.strerror:
            why = reason.strerror
        else:
            why = str(reason)
        return ApiRequestError(f"cannot reach the API at {self.url}", why,
                               f"is the API running at {self.url}? Start it with 'mongo-admin api serve', or correct "
                               "--api (or $MONGO_ADMIN_API_URL)")

    def _refusal(self, method: str, path: str, status: int, raw: bytes) -> ApiRequestError:
        detail = _detail(raw) or f"HTTP {status}"
        text, _, fix = detail.partition(DETAIL_FIX)
        if status == 401:
            return ApiRequestError(f"the API at {self.url} refused the request: {text}", self._no_token_why(),
                                   f"log in with 'mongo-admin --api {self.url} api login', or give a valid token "
                                   f"with --token-file FILE (or ${TOKEN_FILE_ENV}) or ${TOKEN_ENV}", status, text)
        if status == 403:
            return ApiRequestError(f"the API refused {method} {path}", text,
                                   "use the token of a user with that role, or ask an admin of the API to give "
                                   "it to yours", status, text)
        if status == 409 and not fix:
            holder = _JOB_ID.search(text)
            fix = ("wait for it to finish, or cancel it, then try again" if holder is None else
                   f"follow it with 'mongo-admin --api {self.url} jobs follow {holder.group(1)}', or cancel it with "
                   f"'mongo-admin --api {self.url} jobs cancel {holder.group(1)}', then try again")
        if status == 404 and not fix and text.startswith("cluster not found"):
            return ApiRequestError(f"the API at {self.url} has no cluster registered as {_cluster_in(path)}",
                                   "backups, restores and schedules act on clusters registered with the API",
                                   "deploy the cluster through the API, or register the one deployed on the API's "
                                   "machine (POST /api/v1/clusters {\"deployed\": NAME}, as an admin)", status, text)
        if status >= 500 and not fix:
            return ApiRequestError(f"the API at {self.url} failed on {method} {path}", text,
                                   "see the API server's log", status, text)
        return ApiRequestError(text, "", fix, status, text)

    def _no_token_why(self) -> str:
        if self.token is None:
            return "no API token was given"
        return f"the token from {self.token.source} is not valid (expired, revoked, or for another API)"


def _query_value(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _detail(raw: bytes) -> str | None:
    """The one-line ``detail`` of an API error body (None when the body is not the API's error shape)."""
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    detail = body.get("detail") if isinstance(body, dict) else None
    return detail if isinstance(detail, str) else None


def _cluster_in(path: str) -> str:
    parts = path.split("/")
    return parts[2] if len(parts) > 2 and parts[1] == "clusters" else path
