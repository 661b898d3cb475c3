"""Long operations through the API: the request becomes a job; the CLI follows it on stderr while it runs and
ends as the local command ends, with the job's result rendered, or with the job's error as its own error.

Following reads the job's event stream, so every progress and log line shows up as it is written; the lines the
job wrote before the stream was open are read from the job itself, and each line is shown once. Ctrl-C asks the
API to cancel the job and keeps following until it has stopped (a running backup or restore stops before its
next step; stop, start, restart and destroy finish what they started); a second Ctrl-C stops following, and the
job still ends on the server.
"""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any, TypeVar

from mongo_admin.cli.api_client import ApiClient, ApiRequestError, segment
from mongo_admin.cli.app import Application
from mongo_admin.errors import MongoAdminError

T = TypeVar("T")

SUCCEEDED = "succeeded"
FAILED = "failed"
# The log keeps a line's start (long lines are cut); with its time to the microsecond it names one line.
_KEY_CHARS = 200
# The result type of each job kind, so a followed job renders as the command that runs it locally would.
RESULT_TYPES = {
    "backup": ("mongo_admin.ops.backup.engine", "BackupResult"),
    "restore": ("mongo_admin.ops.restore.engine", "RestoreResult"),
    "verify": ("mongo_admin.ops.backup.catalog", "VerifyReport"),
    "drill": ("mongo_admin.ops.backup.drill", "DrillResult"),
    "health-check": ("mongo_admin.ops.health", "HealthReport"),
    "deploy": ("mongo_admin.ops.cluster.deploy", "DeployResult"),
    "cluster-stop": ("mongo_admin.ops.cluster.lifecycle", "LifecycleResult"),
    "cluster-start": ("mongo_admin.ops.cluster.lifecycle", "LifecycleResult"),
    "cluster-restart": ("mongo_admin.ops.cluster.lifecycle", "LifecycleResult"),
    "cluster-destroy": ("mongo_admin.ops.cluster.lifecycle", "DestroyResult"),
    "node-stop": ("mongo_admin.ops.cluster.lifecycle", "LifecycleResult"),
    "node-start": ("mongo_admin.ops.cluster.lifecycle", "LifecycleResult"),
}


class JobEndedError(MongoAdminError):
    """A job did not succeed: its own error (what, why and fix, as the operation reported it), or why the CLI
    stopped following it."""


def result_type(kind: str) -> type[Any] | None:
    """The result type of jobs of ``kind`` (None for a kind this CLI does not know)."""
    where = RESULT_TYPES.get(kind)
    if where is None:
        return None
    found: type[Any] = getattr(importlib.import_module(where[0]), where[1])
    return found


def run_job(app: Application, client: ApiClient, accepted: dict[str, Any], result: type[T]) -> T:
    """Follow the job the API ``accepted`` (a 202 answer, or the job itself) to its end; its result as ``result``."""
    job_id = str(accepted.get("job_id") or accepted["id"])
    app.progress(f"job {job_id}: {accepted['kind']} of cluster {accepted['cluster']} on {client.url} "
                 "(Ctrl-C cancels it)")
    return client.result(result, outcome(client, follow(app, client, job_id)))


def outcome(client: ApiClient, job: dict[str, Any]) -> Any:
    """A finished job's result; JobEndedError with the job's own error when it failed or was cancelled."""
    if job["state"] == SUCCEEDED:
        return job["result"]
    # A failed job's error is the operation's own, as the local command reports it.
    text, _, fix = (job.get("error") or "no error was recorded").partition("\n  fix: ")
    what, why = (text, "") if job["state"] == FAILED else (f"job {job['id']} was {job['state']}", text)
    raise JobEndedError(what, why, fix or f"see its log: mongo-admin --api {client.url} jobs show {job['id']}")


def follow(app: Application, client: ApiClient, job_id: str) -> dict[str, Any]:
    """Show the job's lines on stderr until it has ended (Ctrl-C: see the module); the ended job."""
    shown: set[tuple[dt.datetime, str]] = set()
    cancelling = False
    while True:
        try:
            _watch(app, client, job_id, shown)
            break
        except KeyboardInterrupt:
            if cancelling:
                raise JobEndedError(f"stopped following job {job_id}", "its cancellation was requested",
                                    f"see how it ends: mongo-admin --api {client.url} jobs follow {job_id}") from None
            cancelling = True
            _cancel(app, client, job_id)
    job: dict[str, Any] = client.get(f"/jobs/{segment(job_id)}")
    return job


def _watch(app: Application, client: ApiClient, job_id: str, shown: set[tuple[dt.datetime, str]]) -> None:
    events = client.events(job_id)
    try:
        for number, event in enumerate(events):
            if number == 0:
                # The stream is open and its first event is the job as it is: what the job wrote before is in its
                # log. A line written meanwhile comes both ways; _show shows it once. The line recording how a
                # job failed is left out: its error is the command's error.
                job = client.get(f"/jobs/{segment(job_id)}")
                ending = f"{job['state']}: {job['error']}" if job.get("error") else None
                for line in job.get("logs", []):
                    if line["line"] != ending:
                        _show(app, shown, line["at"], line["line"])
            elif event.type in ("progress", "log") and event.data.get("message"):
                _show(app, shown, event.data["at"], event.data["message"])
    finally:
        events.close()


def _show(app: Application, shown: set[tuple[dt.datetime, str]], at: str, line: str) -> None:
    key = (dt.datetime.fromisoformat(at), line[:_KEY_CHARS])
    if key not in shown:
        shown.add(key)
        app.progress(line)


def _cancel(app: Application, client: ApiClient, job_id: str) -> None:
    try:
        client.post(f"/jobs/{segment(job_id)}/cancel")
    except ApiRequestError as exc:
        if exc.status == 409:  # it has just ended
            return
        app.progress(f"cannot cancel job {job_id}: {exc.message()}")
        return
    app.progress(f"cancelling job {job_id}: waiting for it to stop (Ctrl-C again stops waiting)")
