"""A restore runbook generated from one backup's manifest: the exact steps and commands for this backup, this
topology and this storage, for the operator on call — with mongo-admin, and by hand with the official tools when
mongo-admin itself is not available.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mongo_admin.ops.backup.catalog import BackupNotFoundError
from mongo_admin.ops.backup.manifest import BackupManifest, read_manifest
from mongo_admin.ops.cluster.state import open_cluster


@dataclass(frozen=True)
class Runbook:
    message: str
    backup_id: str
    markdown: str


def _size(manifest: BackupManifest) -> str:
    total = sum(f.size for rs in manifest.replica_sets for f in rs.files)
    return f"{total / 2**20:.1f} MiB"


def render(manifest: BackupManifest, storage: str, cluster_option: str) -> str:
    """The runbook as Markdown."""
    restore_to = manifest.restore_to_time.time.isoformat() if manifest.restore_to_time else "(none)"
    sets = ", ".join(f"{rs.name} ({rs.role}, read from {rs.source_host})" for rs in manifest.replica_sets)
    lines = [
        f"# Restore runbook — backup {manifest.backup_id} of cluster {manifest.cluster}",
        "",
        f"- type: **{manifest.type}**, "
        + ("cluster-consistent" if manifest.cluster_consistent else "NOT cluster-consistent")
        + (f" ({manifest.note})" if manifest.note else ""),
        f"- restores the cluster as it was at **{restore_to}** (cluster time "
        f"{manifest.restore_to_time.t if manifest.restore_to_time else '-'}, "
        f"{manifest.restore_to_time.i if manifest.restore_to_time else '-'})",
        f"- MongoDB {manifest.mongodb_version}, FCV {manifest.fcv or '-'}; taken by mongo-admin "
        f"{manifest.tool_version}",
        f"- replica sets: {sets}",
        f"- storage: {storage}/{manifest.prefix} ({_size(manifest)}, {manifest.compression}"
        + (", encrypted: have the key file ready (fingerprint " + manifest.encryption.key_fingerprint[:16] + "…)"
           if manifest.encryption else "") + ")",
        f"- balancer was `{manifest.balancer_was or 'unknown'}` when the backup ran",
        "",
        "## 1. Check the backup before touching the cluster",
        "",
        "```sh",
        f"mongo-admin backup verify {manifest.backup_id}{cluster_option}"
        + (" --encryption-key-file KEY" if manifest.encryption else ""),
        "```",
        "",
        "Every file is re-read (size, SHA-256, BSON, document counts). Stop here if it reports a problem: restore "
        "from an older backup instead (`mongo-admin backup list`).",
        "",
        "## 2. Tell the application owners",
        "",
        "A restore drops and rewrites the restored databases: writes made after "
        f"{restore_to} to them are lost. Stop the application's writes for the duration.",
        "",
        "## 3. Restore",
        "",
    ]
    if manifest.type == "full":
        lines += ["Whole cluster (the preflight refuses before dropping anything if files, topology or keys are "
                  "wrong):", "", "```sh", f"mongo-admin restore cluster {manifest.backup_id}{cluster_option}", "```",
                  "", "Only some collections:", "", "```sh",
                  f"mongo-admin restore namespaces {manifest.backup_id} --ns 'db.collection'{cluster_option}", "```",
                  "", "Only one shard (consistent within that shard only):", ""]
        for shard in manifest.topology.shards:
            lines += ["```sh", f"mongo-admin restore shard {manifest.backup_id} --shard {shard.name}{cluster_option}",
                      "```"]
    elif manifest.type == "config":
        lines += ["```sh", f"mongo-admin restore config {manifest.backup_id}{cluster_option}", "```"]
    else:
        only = manifest.replica_sets[0].name
        lines += ["```sh", f"mongo-admin restore shard {manifest.backup_id} --shard {only}{cluster_option}", "```"]
    lines += ["", "## 4. Without mongo-admin (official tools)", ""]
    if manifest.compression != "gzip" or manifest.encryption:
        lines += ["This backup is stored with "
                  + ("zstd compression" if manifest.compression == "zstd" else "")
                  + (" and " if manifest.compression == "zstd" and manifest.encryption else "")
                  + ("client-side encryption" if manifest.encryption else "")
                  + ": mongorestore cannot read it directly; use mongo-admin.", ""]
    else:
        lines += ["Each replica set's folder is a `mongodump --gzip --oplog` folder. With the balancer stopped "
                  "(`sh.stopBalancer()`), for each replica set, against its primary:", ""]
        # mongorestore replays entries strictly before --oplogLimit: one increment past the cut-off.
        cut = manifest.restore_to_time
        limit = f" --oplogLimit {cut.t}:{cut.i + 1}" if cut else ""
        for rs in manifest.replica_sets:
            lines += ["```sh", f"# {rs.name} ({rs.role})",
                      f"mongorestore --host <{rs.name} primary> --gzip --drop --oplogReplay{limit} "
                      f"--dir <download of {manifest.prefix}{rs.name}/>", "```"]
        lines += ["", "then `sh.startBalancer()` if it was `full`, and `db.adminCommand({flushRouterConfig: 1})` on "
                  "every mongos."]
    lines += ["", "## 5. Check the result", "", "```sh", f"mongo-admin cluster status{cluster_option}",
              f"mongo-admin health-check{cluster_option}", "```", ""]
    return "\n".join(lines)


def runbook(name: str, backup_id: str, home: Path | None = None, storage_url: str | None = None) -> Runbook:
    from mongo_admin.ops.backup.engine import storage_for

    paths, record = open_cluster(name, home)
    storage = storage_for(paths, record, storage_url)
    manifest = read_manifest(storage, name, backup_id)
    if manifest is None:
        raise BackupNotFoundError(f"backup {backup_id} of cluster {name} is not a complete backup",
                                  "it has no manifest (failed, unfinished or missing)",
                                  "list complete backups with: mongo-admin backup list")
    return Runbook(message=f"restore runbook for backup {backup_id}", backup_id=backup_id,
                   markdown=render(manifest, storage.describe(), f" --cluster {name}"))
