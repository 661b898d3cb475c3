"""``mongo-admin backup``: take, list, inspect, verify and delete backups of a cluster.

With --api every command but ``schedule`` (this machine's crontab) and ``pitr run`` (a slicer on this machine)
runs through the API, on the cluster's own backup storage; backups and restore drills run as jobs followed on
stderr.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from mongo_admin.cli.app import Application, pass_app
from mongo_admin.cli.cluster import cluster_option, selected_cluster

if TYPE_CHECKING:
    from mongo_admin.cli.api_client import ApiClient
    from mongo_admin.ops.backup.engine import BackupEvent

storage_option = click.option("--storage", "storage_url", metavar="URL",
                              help="Backup storage: file:///path, a path, gs://bucket/prefix or s3://bucket/prefix "
                                   "(default: the spec's backup.storage, else the cluster's state directory).")


def through_api(app: Application, local_options: dict[str, object]) -> ApiClient | None:
    """The API's client when the command runs through it (None: run here). Options naming storage or keys as this
    machine reaches them are refused: the API uses the cluster's own backup storage and takes no keys."""
    if app.api is None:
        return None
    given = [name for name, value in local_options.items() if value not in (None, False)]
    if given:
        raise click.UsageError(f"{', '.join(given)} cannot go through --api: the API uses the cluster's own backup "
                               "storage (the spec's backup.storage), takes no encryption keys and keeps no scratch "
                               "cluster; leave them out, or run the command without --api")
    return app.api


def _backups(name: str) -> str:
    from mongo_admin.cli.api_client import segment

    return f"/clusters/{segment(name)}/backups"


@click.group()
def backup() -> None:
    """Cluster-consistent backups: full, config-server-only and per-shard; catalog, verification.

    A full backup stops the balancer, dumps every replica set in parallel from a secondary, and captures each
    one's oplog up to one cluster time, so the restored cluster is consistent at that time.
    """


@backup.command()
@cluster_option
@click.option("--type", "kind", type=click.Choice(["full", "config", "shard"]), default="full", show_default=True,
              help="full: every shard and the config servers, consistent at one cluster time; config: the config "
                   "servers only; shard: one shard (with --shard), not consistent with the rest of the cluster.")
@click.option("--shard", metavar="NAME", help="The shard a --type shard backup takes.")
@storage_option
@click.option("--compression", type=click.Choice(["gzip", "zstd", "none"]),
              help="gzip keeps the dump readable by mongorestore (default: the spec's backup.compression).")
@click.option("--encryption-key-file", type=click.Path(path_type=Path, dir_okay=False),
              help="Encrypt every file with this key (AES-256-GCM); the key is never stored with the backup.")
@click.option("--parallel", type=click.IntRange(1, 64), help="Collections dumped at once per replica set.")
@click.option("--rate-limit", type=click.FloatRange(min=0.01), metavar="MB/S",
              help="Read at most this many megabytes of documents per second (bounds the load on the servers).")
@pass_app
def create(app: Application, cluster_name: str | None, kind: str, shard: str | None, storage_url: str | None,
           compression: str | None, encryption_key_file: Path | None, parallel: int | None,
           rate_limit: float | None) -> None:
    """Take a backup now and wait for it; progress per replica set on stderr."""
    from mongo_admin.ops.backup.engine import BackupOptions, BackupResult, create_backup

    if (kind == "shard") != (shard is not None):
        raise click.UsageError("--shard NAME goes with --type shard, and only with it")
    client = through_api(app, {"--storage": storage_url, "--encryption-key-file": encryption_key_file})
    if client is not None:
        from mongo_admin.cli.remote_jobs import run_job

        body = {"type": kind, "shard": shard, "compression": compression, "parallel": parallel,
                "rate_limit_mb_s": rate_limit}
        accepted = client.post(_backups(selected_cluster(app, cluster_name)),
                               {key: value for key, value in body.items() if value is not None})
        app.render(run_job(app, client, accepted, BackupResult))
        return
    options = BackupOptions(kind=kind, shard=shard, storage_url=storage_url,  # type: ignore[arg-type]
                            compression=compression, encryption_key_file=encryption_key_file,  # type: ignore[arg-type]
                            parallel_collections=parallel, rate_limit_mb_s=rate_limit, home=app.home)

    def show(event: BackupEvent) -> None:
        app.progress(f"[{event.step}] {event.message}")

    app.render(create_backup(selected_cluster(app, cluster_name), options, show))


@backup.command("list")
@cluster_option
@storage_option
@pass_app
def list_(app: Application, cluster_name: str | None, storage_url: str | None) -> None:
    """Every backup of the cluster, complete or not (failed ones with their failing step)."""
    from mongo_admin.ops.backup.catalog import BackupList, list_backups

    client = through_api(app, {"--storage": storage_url})
    name = selected_cluster(app, cluster_name)
    if client is not None:
        app.render(client.result(BackupList, client.get(_backups(name))))
        return
    app.render(list_backups(name, app.home, storage_url))


@backup.command()
@click.argument("backup_id")
@cluster_option
@storage_option
@pass_app
def show(app: Application, backup_id: str, cluster_name: str | None, storage_url: str | None) -> None:
    """One backup: its record (steps, state) and manifest (topology, files, restore_to_time)."""
    from mongo_admin.ops.backup.catalog import BackupDetails, show_backup

    client = through_api(app, {"--storage": storage_url})
    name = selected_cluster(app, cluster_name)
    if client is not None:
        from mongo_admin.cli.api_client import segment

        app.render(client.result(BackupDetails, client.get(f"{_backups(name)}/{segment(backup_id)}")))
        return
    app.render(show_backup(name, backup_id, app.home, storage_url))


@backup.command()
@click.argument("backup_id")
@cluster_option
@storage_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_app
def delete(app: Application, backup_id: str, cluster_name: str | None, storage_url: str | None, yes: bool) -> None:
    """Delete one backup's files."""
    import sys

    from mongo_admin.ops.backup.catalog import DeleteResult, delete_backup

    client = through_api(app, {"--storage": storage_url})
    name = selected_cluster(app, cluster_name)
    if not yes:
        if not sys.stdin.isatty():
            raise click.UsageError(f"deleting backup {backup_id} cannot be undone; confirm with --yes")
        click.confirm(f"Delete backup {backup_id} of cluster {name}?", abort=True, err=True)
    if client is not None:
        from mongo_admin.cli.api_client import segment

        app.render(client.result(DeleteResult, client.delete(f"{_backups(name)}/{segment(backup_id)}")))
        return
    app.render(delete_backup(name, backup_id, app.home, storage_url))


@backup.command()
@cluster_option
@storage_option
@pass_app
def status(app: Application, cluster_name: str | None, storage_url: str | None) -> None:
    """What runs now; releases the lock of a run that died (its backup marked failed, balancer restored)."""
    from mongo_admin.ops.backup.catalog import StatusResult, backup_status

    client = through_api(app, {"--storage": storage_url})
    name = selected_cluster(app, cluster_name)
    if client is not None:
        app.render(client.result(StatusResult, client.get(f"{_backups(name)}/status")))
        return
    app.render(backup_status(name, app.home, storage_url))


@backup.command()
@click.argument("backup_id")
@cluster_option
@storage_option
@click.option("--encryption-key-file", type=click.Path(path_type=Path, dir_okay=False),
              help="The key of an encrypted backup (without it only sizes and checksums are checked).")
@click.option("--restore", "drill", is_flag=True,
              help="Also restore it into a scratch sandbox cluster, compare every collection, time each phase.")
@click.option("--keep", is_flag=True, help="With --restore: keep the scratch cluster for inspection.")
@pass_app
@click.pass_context
def verify(ctx: click.Context, app: Application, backup_id: str, cluster_name: str | None,
           storage_url: str | None, encryption_key_file: Path | None, drill: bool, keep: bool) -> None:
    """Re-read every file: presence, size, SHA-256, BSON validity, document counts. Exit 1 on any problem.

    With --restore, a restore drill: the backup is restored into a scratch cluster of its shape and every
    collection is compared with what the backup holds at its restore point; recovery time per phase.
    """
    from mongo_admin.ops.backup.catalog import VerifyReport, verify_backup
    from mongo_admin.ops.backup.drill import DrillResult, restore_drill

    client = through_api(app, {"--storage": storage_url, "--encryption-key-file": encryption_key_file,
                               "--keep": keep})
    name = selected_cluster(app, cluster_name)
    result: VerifyReport | DrillResult
    if client is not None:
        from mongo_admin.cli.api_client import segment
        from mongo_admin.cli.remote_jobs import run_job

        path = f"{_backups(name)}/{segment(backup_id)}/verify"
        if drill:
            result = run_job(app, client, client.post(path, query={"restore": True}), DrillResult)
        else:
            result = client.result(VerifyReport, client.post(path))
    elif drill:
        result = restore_drill(name, backup_id, app.home, storage_url, encryption_key_file, keep=keep)
    else:
        result = verify_backup(name, backup_id, app.home, storage_url, encryption_key_file)
    app.render(result)
    if not result.ok:
        ctx.exit(1)


@backup.command()
@cluster_option
@storage_option
@click.option("--dry-run", is_flag=True, help="Only show what the retention policy would delete.")
@pass_app
def prune(app: Application, cluster_name: str | None, storage_url: str | None, dry_run: bool) -> None:
    """Apply the retention policy (the spec's backup.retention): every backup with the rules that keep it."""
    from mongo_admin.ops.backup.catalog import PruneResult, prune_backups

    client = through_api(app, {"--storage": storage_url})
    name = selected_cluster(app, cluster_name)
    if client is not None:
        app.render(client.result(PruneResult, client.post(f"{_backups(name)}/prune", query={"dry_run": dry_run})))
        return
    app.render(prune_backups(name, app.home, storage_url, dry_run=dry_run))


@backup.command()
@click.argument("backup_id")
@cluster_option
@storage_option
@pass_app
def runbook(app: Application, backup_id: str, cluster_name: str | None, storage_url: str | None) -> None:
    """Print the restore runbook of one backup (Markdown): the exact steps and commands for it."""
    from mongo_admin.ops.backup.runbook import Runbook
    from mongo_admin.ops.backup.runbook import runbook as make_runbook
    from mongo_admin.output import OutputFormat

    client = through_api(app, {"--storage": storage_url})
    name = selected_cluster(app, cluster_name)
    if client is not None:
        from mongo_admin.cli.api_client import segment

        book = client.result(Runbook, client.get(f"{_backups(name)}/{segment(backup_id)}/runbook"))
    else:
        book = make_runbook(name, backup_id, app.home, storage_url)
    if app.output is OutputFormat.TABLE:
        click.echo(book.markdown)
    else:
        app.render(book)


def _cron_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A cron schedule, checked here so a bad one is a usage error naming its field; ``off`` leaves the job out."""
    from mongo_admin.errors import InvalidInputError
    from mongo_admin.ops.backup.schedule import check_cron

    if value is None or value == "off":
        return None
    try:
        return check_cron(value, f"--{param.name}")
    except InvalidInputError as exc:
        raise click.BadParameter(f"{value!r}: {exc.why}") from exc


@backup.command()
@cluster_option
@click.option("--full", default="0 2 * * *", show_default=True, callback=_cron_option, metavar="CRON",
              help="When the full backup runs (scripts/backup/full-backup.sh, verified); off leaves it out.")
@click.option("--config", callback=_cron_option, metavar="CRON",
              help="When a config-server backup runs (scripts/backup/config-backup.sh); none by default.")
@click.option("--pitr", is_flag=True,
              help="Slice the oplog every minute (scripts/backup/incremental-backup.sh --once); the spec must "
                   "enable backup.pitr.")
@click.option("--prune", default="30 3 * * *", show_default=True, callback=_cron_option, metavar="CRON",
              help="When the retention policy is applied (scripts/backup/prune-backups.sh); off leaves it out.")
@click.option("--health", callback=_cron_option, metavar="CRON",
              help="When scripts/disaster-recovery/health-check.sh runs; none by default.")
@click.option("--scripts-dir", type=click.Path(path_type=Path, file_okay=False), envvar="MONGO_ADMIN_SCRIPTS_DIR",
              help="The scripts/ directory the lines call (default: this checkout's).")
@click.option("--install", is_flag=True, help="Put the lines into this user's crontab (replacing this cluster's).")
@click.option("--remove", is_flag=True, help="Take this cluster's lines out of this user's crontab.")
@pass_app
def schedule(app: Application, cluster_name: str | None, full: str | None, config: str | None, pitr: bool,
             prune: str | None, health: str | None, scripts_dir: Path | None, install: bool, remove: bool) -> None:
    """Crontab lines that run the backup scripts for the cluster: printed, installed or removed.

    The lines sit between '# mongo-admin <cluster> begin' and '# mongo-admin <cluster> end'; --install replaces
    that block and keeps every other line of the crontab. The crontab command is $MONGO_ADMIN_CRONTAB, else
    crontab on PATH.
    """
    from mongo_admin.ops.backup.schedule import (
        Crontab,
        ScheduleOptions,
        install_schedule,
        remove_schedule,
        schedule_for,
    )
    from mongo_admin.ops.cluster.state import select_cluster
    from mongo_admin.output import OutputFormat

    app.local_only("backup schedule", "it writes this machine's crontab; the API's own schedules are "
                                      "'mongo-admin --api URL schedules ...'")
    if install and remove:
        raise click.UsageError("--install and --remove go separately")
    name = select_cluster(cluster_name, app.home)
    if remove:
        result = remove_schedule(name, Crontab.find())
    else:
        planned = schedule_for(name, ScheduleOptions(full=full, config=config, pitr=pitr, prune=prune,
                                                     health=health, scripts_dir=scripts_dir, home=app.home))
        result = install_schedule(planned, Crontab.find()) if install else planned
    if app.output is not OutputFormat.TABLE:
        app.render(result)
        return
    # The lines themselves on stdout, ready for a crontab; what was done on stderr.
    app.progress(result.message)
    for line in result.lines:
        click.echo(line)


@backup.group()
def pitr() -> None:
    """Point-in-time recovery: continuous oplog slices per replica set (the spec's backup.pitr)."""


@pitr.command("run")
@cluster_option
@storage_option
@click.option("--once", is_flag=True, help="One slicing round, then exit (for cron).")
@click.option("--slice-seconds", type=click.FloatRange(min=1), help="Seconds between slices (default: the spec's).")
@pass_app
def pitr_run(app: Application, cluster_name: str | None, storage_url: str | None, once: bool,
             slice_seconds: float | None) -> None:
    """Slice every replica set's oplog into the backup storage until stopped (Ctrl-C / SIGTERM)."""
    import signal
    import threading

    from mongo_admin.ops.backup.pitr import PitrOptions, RoundResult, run_slicer, slice_once
    from mongo_admin.ops.cluster.state import select_cluster

    app.local_only("backup pitr run", "the oplog slicer runs where it is started, until stopped; start it on the "
                                      "machine the cluster was deployed from")
    name = select_cluster(cluster_name, app.home)
    options = PitrOptions(storage_url=storage_url, slice_seconds=slice_seconds, home=app.home)
    if once:
        app.render(slice_once(name, options))
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def show(result: RoundResult) -> None:
        app.progress(result.message)

    try:
        app.render(run_slicer(name, options, stop, show))
    except KeyboardInterrupt:
        stop.set()


@pitr.command("status")
@cluster_option
@storage_option
@pass_app
def pitr_status_command(app: Application, cluster_name: str | None, storage_url: str | None) -> None:
    """Per replica set the newest slice and its lag, the gaps, and the windows the cluster can be restored to."""
    from mongo_admin.ops.backup.pitr_status import PitrStatus, pitr_status

    client = through_api(app, {"--storage": storage_url})
    name = selected_cluster(app, cluster_name)
    if client is not None:
        from mongo_admin.cli.api_client import segment

        app.render(client.result(PitrStatus, client.get(f"/clusters/{segment(name)}/pitr")))
        return
    app.render(pitr_status(name, storage_url=storage_url, home=app.home))
