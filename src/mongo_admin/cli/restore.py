"""``mongo-admin restore``: restore a backup into a deployed cluster — whole, one shard, selected namespaces,
config servers only — or the whole cluster (or selected namespaces) to a point in time.

With --api every restore runs through the API as a job, followed on stderr; with --time and no BACKUP_ID the
API's job chooses the base backup (and says which in its log).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from mongo_admin.cli.app import Application, pass_app
from mongo_admin.cli.backup import storage_option, through_api
from mongo_admin.cli.cluster import cluster_option, selected_cluster

if TYPE_CHECKING:
    from mongo_admin.cli.api_client import ApiClient
    from mongo_admin.ops.restore.engine import RestoreEvent, RestoreOptions

to_cluster_option = click.option("--to-cluster", metavar="NAME",
                                 help="Restore into this cluster (default: the backup's own cluster).")
key_option = click.option("--encryption-key-file", type=click.Path(path_type=Path, dir_okay=False),
                          help="The key of an encrypted backup.")
yes_option = click.option("--yes", is_flag=True, help="Do not ask for confirmation (a restore drops data).")


def _moment(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time (e.g. 2026-11-26T08:30:00+00:00)",
                                 param_hint="--time") from exc
    if moment.tzinfo is None:
        raise click.BadParameter(f"{value!r} has no timezone; add one, e.g. {value}+00:00 or {value}Z",
                                 param_hint="--time")
    return moment


def _confirm(yes: bool, what: str) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise click.UsageError(f"{what}; confirm with --yes")
    click.confirm(f"{what}. Continue?", abort=True, err=True)


def _options(app: Application, source: str, storage_url: str | None, key_file: Path | None,
             **extra: Any) -> RestoreOptions:
    from mongo_admin.ops.restore.engine import RestoreOptions

    return RestoreOptions(home=app.home, storage_url=storage_url, source_cluster=source,
                          encryption_key_file=key_file, **extra)


def _show(app: Application) -> Any:
    def show(event: RestoreEvent) -> None:
        app.progress(f"[{event.step}] {event.message}")

    return show


def _source_and_target(app: Application, cluster_name: str | None, to_cluster: str | None) -> tuple[str, str]:
    source = selected_cluster(app, cluster_name)
    return source, selected_cluster(app, to_cluster) if to_cluster else source


def _backup_or_moment(backup_id: str | None, moment: dt.datetime | None) -> str:
    if backup_id is not None or moment is None:
        return f"backup {backup_id}"
    return f"the newest full backup before {moment.isoformat()}"


def _through(app: Application, client: ApiClient, target: str, request: dict[str, Any]) -> None:
    """Run the restore ``request`` (the API's RestoreCreate) on cluster ``target`` as a job; render its result."""
    from mongo_admin.cli.api_client import segment
    from mongo_admin.cli.remote_jobs import run_job
    from mongo_admin.ops.restore.engine import RestoreResult

    body = {key: value.isoformat() if isinstance(value, dt.datetime) else value for key, value in request.items()
            if value not in (None, False, [], {})}
    app.render(run_job(app, client, client.post(f"/clusters/{segment(target)}/restores", body), RestoreResult))


def _mapping(pairs: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        source, sep, target = pair.partition("=")
        if not sep or not source or not target:
            raise click.BadParameter(f"{pair!r} is not FROM=TO", param_hint="--map")
        mapping[source] = target
    return mapping


@click.group()
def restore() -> None:
    """Restore backups: every restore first proves it can succeed (files, checksums, key, topology, oplog
    slices) and changes nothing when it cannot. The balancer is stopped meanwhile and put back after."""


@restore.command("cluster")
@click.argument("backup_id", required=False)
@cluster_option
@to_cluster_option
@click.option("--time", "at", metavar="ISO8601", help="Restore to this moment (timezone required): the newest full "
              "backup before it, then the oplog slices up to it.")
@click.option("--map", "pairs", multiple=True, metavar="FROM=TO", help="Backup shard -> target shard (repeatable).")
@click.option("--by-position", is_flag=True, help="Pair the backup's shards with the target's in order.")
@storage_option
@key_option
@yes_option
@pass_app
def restore_cluster_command(app: Application, backup_id: str | None, cluster_name: str | None,
                            to_cluster: str | None, at: str | None, pairs: tuple[str, ...], by_position: bool,
                            storage_url: str | None, encryption_key_file: Path | None, yes: bool) -> None:
    """Restore the whole cluster from BACKUP_ID, or to --time (then BACKUP_ID may be left out)."""
    from mongo_admin.ops.restore.engine import base_for, restore_cluster

    client = through_api(app, {"--storage": storage_url, "--encryption-key-file": encryption_key_file})
    source, target = _source_and_target(app, cluster_name, to_cluster)
    moment = _moment(at)
    if backup_id is None and moment is None:
        raise click.UsageError("give a BACKUP_ID, or --time to restore to a moment")
    if client is not None:
        _confirm(yes, f"restoring {_backup_or_moment(backup_id, moment)} drops and rewrites the backed-up databases "
                      f"of cluster {target}")
        _through(app, client, target, {"kind": "cluster", "backup_id": backup_id, "point_in_time": moment,
                                       "source_cluster": source, "shard_map": _mapping(pairs),
                                       "by_position": by_position})
        return
    options = _options(app, source, storage_url, encryption_key_file, shard_map=_mapping(pairs) or None,
                       by_position=by_position, point_in_time=moment)
    if backup_id is None:
        assert moment is not None
        backup_id = base_for(source, moment, options)
        app.progress(f"base backup for {moment.isoformat()}: {backup_id}")
    _confirm(yes, f"restoring backup {backup_id} drops and rewrites the backed-up databases of cluster {target}")
    app.render(restore_cluster(target, backup_id, options, _show(app)))


@restore.command("shard")
@click.argument("backup_id")
@click.option("--shard", required=True, metavar="NAME", help="The target cluster's shard to restore.")
@click.option("--from-shard", metavar="NAME", help="The backup's shard to read (default: the same name).")
@cluster_option
@to_cluster_option
@storage_option
@key_option
@yes_option
@pass_app
def restore_shard_command(app: Application, backup_id: str, shard: str, from_shard: str | None,
                          cluster_name: str | None, to_cluster: str | None, storage_url: str | None,
                          encryption_key_file: Path | None, yes: bool) -> None:
    """Restore one shard from a full or per-shard backup (consistent within that shard only)."""
    from mongo_admin.ops.restore.engine import restore_shard

    client = through_api(app, {"--storage": storage_url, "--encryption-key-file": encryption_key_file})
    source, target = _source_and_target(app, cluster_name, to_cluster)
    _confirm(yes, f"restoring shard {shard} of cluster {target} from backup {backup_id} drops its data")
    if client is not None:
        _through(app, client, target, {"kind": "shard", "backup_id": backup_id, "shard": shard,
                                       "from_shard": from_shard, "source_cluster": source})
        return
    app.render(restore_shard(target, backup_id, shard,
                             _options(app, source, storage_url, encryption_key_file, from_shard=from_shard),
                             _show(app)))


@restore.command("namespaces")
@click.argument("backup_id", required=False)
@click.option("--ns", "namespaces", multiple=True, required=True, metavar="DB.COLL",
              help="A namespace to restore, wildcards allowed (db.*, db.orders_*); repeatable.")
@click.option("--ns-from", metavar="PREFIX", help="Rename: restore namespaces starting with PREFIX ...")
@click.option("--ns-to", metavar="PREFIX", help="... under this prefix instead.")
@click.option("--time", "at", metavar="ISO8601", help="Restore them as at this moment (timezone required).")
@cluster_option
@to_cluster_option
@storage_option
@key_option
@yes_option
@pass_app
def restore_namespaces_command(app: Application, backup_id: str | None, namespaces: tuple[str, ...],
                               ns_from: str | None, ns_to: str | None, at: str | None, cluster_name: str | None,
                               to_cluster: str | None, storage_url: str | None, encryption_key_file: Path | None,
                               yes: bool) -> None:
    """Restore selected collections (sharded ones included), optionally renamed or as at a point in time."""
    from mongo_admin.ops.restore.engine import base_for, restore_namespaces

    if (ns_from is None) != (ns_to is None):
        raise click.UsageError("--ns-from and --ns-to go together")
    client = through_api(app, {"--storage": storage_url, "--encryption-key-file": encryption_key_file})
    source, target = _source_and_target(app, cluster_name, to_cluster)
    moment = _moment(at)
    if backup_id is None and moment is None:
        raise click.UsageError("give a BACKUP_ID, or --time to restore to a moment")
    rename = {ns_from: ns_to} if ns_from is not None and ns_to is not None else None
    if client is not None:
        _confirm(yes, f"restoring {', '.join(namespaces)} into cluster {target} drops those collections")
        _through(app, client, target, {"kind": "namespaces", "backup_id": backup_id, "point_in_time": moment,
                                       "source_cluster": source, "namespaces": list(namespaces), "rename": rename})
        return
    options = _options(app, source, storage_url, encryption_key_file, point_in_time=moment)
    if backup_id is None:
        assert moment is not None
        backup_id = base_for(source, moment, options)
    _confirm(yes, f"restoring {', '.join(namespaces)} into cluster {target} drops those collections")
    app.render(restore_namespaces(target, backup_id, list(namespaces), options, rename, _show(app)))


@restore.command("config")
@click.argument("backup_id")
@cluster_option
@to_cluster_option
@storage_option
@key_option
@yes_option
@pass_app
def restore_config_command(app: Application, backup_id: str, cluster_name: str | None, to_cluster: str | None,
                           storage_url: str | None, encryption_key_file: Path | None, yes: bool) -> None:
    """Restore the sharding catalog, users and roles from a config (or full) backup."""
    from mongo_admin.ops.restore.engine import restore_config

    client = through_api(app, {"--storage": storage_url, "--encryption-key-file": encryption_key_file})
    source, target = _source_and_target(app, cluster_name, to_cluster)
    _confirm(yes, f"restoring the config servers of cluster {target} replaces its sharding catalog")
    if client is not None:
        _through(app, client, target, {"kind": "config", "backup_id": backup_id, "source_cluster": source})
        return
    app.render(restore_config(target, backup_id, _options(app, source, storage_url, encryption_key_file),
                              _show(app)))
