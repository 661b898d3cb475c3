"""``mongo-admin schedules``: the operations API's cron schedules of backups, verifications, restore drills and
health checks — list, show, create, pause, resume, delete.

Schedules exist only in the API (its scheduler runs them as jobs), so every ``schedules`` command needs ``--api``.
On a machine without the API, ``mongo-admin backup schedule`` writes crontab lines instead.
"""

from __future__ import annotations

from typing import Any

import click

from mongo_admin.cli.app import Application, pass_app
from mongo_admin.cli.cluster import cluster_option, selected_cluster

NEEDS_API = ("schedules are run by the API's scheduler; without the API, 'mongo-admin backup schedule' writes "
             "crontab lines")
# The columns of `schedules list`.
LISTED = ("id", "name", "kind", "cluster", "cron", "timezone", "paused", "next_run_at", "last_run_at",
          "last_outcome")


def _path(schedule_id: str) -> str:
    from mongo_admin.cli.api_client import segment

    return f"/schedules/{segment(schedule_id)}"


def _summary(schedule: dict[str, Any]) -> str:
    when = "paused" if schedule["paused"] else f"next run {schedule['next_run_at']}"
    return (f"schedule {schedule['name']} ({schedule['id']}): {schedule['kind']} of cluster {schedule['cluster']} "
            f"at '{schedule['cron']}' {schedule['timezone']}, {when}")


@click.group()
def schedules() -> None:
    """Cron schedules of the operations API (needs --api): backups, verifications, restore drills, health checks."""


@schedules.command("list")
@click.option("--cluster", "cluster_name", metavar="NAME", help="Only this cluster's schedules.")
@pass_app
def list_(app: Application, cluster_name: str | None) -> None:
    """Every schedule with its next run time."""
    client = app.require_api("schedules list", NEEDS_API)
    answer = client.get("/schedules", {"cluster": cluster_name})
    rows = [{column: schedule.get(column) for column in LISTED} for schedule in answer["data"]]
    app.render({"message": f"{answer['count']} schedules", "schedules": rows})


@schedules.command()
@click.argument("schedule_id")
@pass_app
def show(app: Application, schedule_id: str) -> None:
    """One schedule, its parameters and its next run times."""
    client = app.require_api("schedules show", NEEDS_API)
    schedule = client.get(_path(schedule_id))
    app.render({"message": _summary(schedule), **schedule})


@schedules.command()
@click.option("--name", required=True, help="What to call it (letters, digits, spaces, _ . : @ -).")
@click.option("--kind", required=True, type=click.Choice(["backup", "verify", "drill", "health-check"]),
              help="What runs: a backup, a verification, a restore drill or a health check.")
@cluster_option
@click.option("--cron", required=True, metavar="CRON", help="When: five fields, minute hour day month weekday.")
@click.option("--timezone", default="UTC", show_default=True, help="IANA time zone the cron fields are read in.")
@click.option("--type", "backup_type", type=click.Choice(["full", "config", "shard"]), help="A backup's type.")
@click.option("--shard", metavar="NAME", help="The shard of a --type shard backup.")
@click.option("--compression", type=click.Choice(["gzip", "zstd", "none"]), help="A backup's compression.")
@click.option("--backup-id", metavar="ID", help="The backup a verify or drill checks (default: the newest complete "
                                                "one when it runs).")
@click.option("--misfire-grace", type=click.IntRange(0, 86400), default=300, show_default=True, metavar="SECONDS",
              help="A run this late is still run; later, it is skipped and the skip recorded.")
@click.option("--paused", is_flag=True, help="Create it paused.")
@pass_app
def create(app: Application, name: str, kind: str, cluster_name: str | None, cron: str, timezone: str,
           backup_type: str | None, shard: str | None, compression: str | None, backup_id: str | None,
           misfire_grace: int, paused: bool) -> None:
    """Create a schedule (admin)."""
    client = app.require_api("schedules create", NEEDS_API)
    params = {key: value for key, value in {"type": backup_type, "shard": shard, "compression": compression,
                                            "backup_id": backup_id}.items() if value is not None}
    schedule = client.post("/schedules", {"name": name, "kind": kind, "cluster": selected_cluster(app, cluster_name),
                                          "cron": cron, "timezone": timezone, "params": params,
                                          "misfire_grace_s": misfire_grace, "paused": paused})
    app.render({"message": f"created {_summary(schedule)}", **schedule})


@schedules.command()
@click.argument("schedule_id")
@pass_app
def pause(app: Application, schedule_id: str) -> None:
    """Pause a schedule: no run until it is resumed (operator)."""
    client = app.require_api("schedules pause", NEEDS_API)
    schedule = client.post(f"{_path(schedule_id)}/pause")
    app.render({"message": _summary(schedule), **schedule})


@schedules.command()
@click.argument("schedule_id")
@pass_app
def resume(app: Application, schedule_id: str) -> None:
    """Resume a schedule from now: what was missed while paused does not run (operator)."""
    client = app.require_api("schedules resume", NEEDS_API)
    schedule = client.post(f"{_path(schedule_id)}/resume")
    app.render({"message": _summary(schedule), **schedule})


@schedules.command()
@click.argument("schedule_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_app
def delete(app: Application, schedule_id: str, yes: bool) -> None:
    """Delete a schedule and its run history (admin)."""
    import sys

    client = app.require_api("schedules delete", NEEDS_API)
    if not yes:
        if not sys.stdin.isatty():
            raise click.UsageError(f"deleting schedule {schedule_id} cannot be undone; confirm with --yes")
        click.confirm(f"Delete schedule {schedule_id}?", abort=True, err=True)
    client.delete(_path(schedule_id))
    app.render({"message": f"schedule {schedule_id} deleted", "id": schedule_id})
