"""``mongo-admin restore``: restore a backup into a deployed cluster — whole, one shard, selected namespaces,
config servers only — or the whole cluster (or selected namespaces) to a point in time."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from mongo_admin.cli.app import Application, pass_app
from mongo_admin.cli.backup import storage_option
from mongo_admin.cli.cluster import cluster_option

if TYPE_CHECKING:
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
    from mongo_admin.ops.cluster.state import select_cluster

    source = select_cluster(cluster_name, app.home)
    return source, select_cluster(to_cluster, app.home) if to_cluster else source


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

    source, target = _source_and_target(app, cluster_name, to_cluster)
    moment = _moment(at)
    options = _options(app, source, storage_url, encryption_key_file, shard_map=_mapping(pairs) or None,
                       by_position=by_position, point_in_time=moment)
    if backup_id is None:
        if moment is None:
            raise click.UsageError("give a BACKUP_ID, or --time to restore to a moment")
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

    source, target = _source_and_target(app, cluster_name, to_cluster)
    _confirm(yes, f"restoring shard {shard} of cluster {target} from backup {backup_id} drops its data")
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
    source, target = _source_and_target(app, cluster_name, to_cluster)
    moment = _moment(at)
    options = _options(app, source, storage_url, encryption_key_file, point_in_time=moment)
    if backup_id is None:
        if moment is None:
            raise click.UsageError("give a BACKUP_ID, or --time to restore to a moment")
        backup_id = base_for(source, moment, options)
    _confirm(yes, f"restoring {', '.join(namespaces)} into cluster {target} drops those collections")
    rename = {ns_from: ns_to} if ns_from is not None and ns_to is not None else None
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

    source, target = _source_and_target(app, cluster_name, to_cluster)
    _confirm(yes, f"restoring the config servers of cluster {target} replaces its sharding catalog")
    app.render(restore_config(target, backup_id, _options(app, source, storage_url, encryption_key_file),
                              _show(app)))
