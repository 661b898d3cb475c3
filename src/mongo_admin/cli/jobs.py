"""``mongo-admin jobs``: the operations API's jobs — list, show, cancel, follow.

Jobs exist only in the API: a command run on this machine runs its operation in the CLI process and records no
job. So every ``jobs`` command needs ``--api``.
"""

from __future__ import annotations

from typing import Any

import click

from mongo_admin.cli.app import Application, pass_app

NEEDS_API = "jobs are the API's record of its long operations; a command run on this machine records none"
# The columns of `jobs list`.
LISTED = ("id", "kind", "cluster", "state", "progress", "step", "requested_by", "created_at", "finished_at")


def _job_path(job_id: str) -> str:
    from mongo_admin.cli.api_client import segment

    return f"/jobs/{segment(job_id)}"


def _summary(job: dict[str, Any]) -> str:
    step = f" at step {job['step']}" if job.get("step") else ""
    return f"job {job['id']}: {job['kind']} of cluster {job['cluster']}, {job['state']} ({job['progress']:g}%{step})"


@click.group()
def jobs() -> None:
    """Jobs of the operations API (needs --api): backups, restores, drills, deploys and lifecycle actions."""


@jobs.command("list")
@click.option("--state", type=click.Choice(["queued", "running", "succeeded", "failed", "cancelled"]))
@click.option("--kind", help="Only jobs of this kind (backup, restore, deploy, cluster-stop, ...).")
@click.option("--cluster", "cluster_name", metavar="NAME", help="Only this cluster's jobs.")
@click.option("--requested-by", metavar="USER", help="Only the jobs this user requested.")
@click.option("--limit", type=click.IntRange(1, 500), default=20, show_default=True, help="At most this many.")
@pass_app
def list_(app: Application, state: str | None, kind: str | None, cluster_name: str | None,
          requested_by: str | None, limit: int) -> None:
    """The API's jobs, newest first."""
    client = app.require_api("jobs list", NEEDS_API)
    answer = client.get("/jobs", {"state": state, "kind": kind, "cluster": cluster_name,
                                  "requested_by": requested_by, "limit": limit})
    rows = [{column: job.get(column) for column in LISTED} for job in answer["data"]]
    app.render({"message": f"{len(rows)} of {answer['count']} matching jobs, newest first", "jobs": rows})


@jobs.command()
@click.argument("job_id")
@pass_app
def show(app: Application, job_id: str) -> None:
    """One job: state, progress, step, parameters, result or error, and its log lines."""
    client = app.require_api("jobs show", NEEDS_API)
    job = client.get(_job_path(job_id))
    app.render({"message": _summary(job), **job})


@jobs.command()
@click.argument("job_id")
@pass_app
def cancel(app: Application, job_id: str) -> None:
    """Cancel a job: a queued one at once; a running backup or restore stops before its next step (stop, start,
    restart and destroy finish what they started)."""
    client = app.require_api("jobs cancel", NEEDS_API)
    job = client.post(f"{_job_path(job_id)}/cancel")
    said = "cancelled" if job["state"] == "cancelled" else "cancellation requested, it stops at its next safe point"
    app.render({"message": f"job {job_id}: {said}", **job})


@jobs.command()
@click.argument("job_id")
@pass_app
def follow(app: Application, job_id: str) -> None:
    """Follow a job to its end: its log on stderr, then its result as the command that runs it prints it (a
    failed or cancelled job: its error, exit code 1). Ctrl-C cancels it; a second Ctrl-C stops following."""
    from mongo_admin.cli.remote_jobs import result_type, run_job

    client = app.require_api("jobs follow", NEEDS_API)
    job = client.get(_job_path(job_id))
    app.render(run_job(app, client, job, result_type(job["kind"]) or object))
