"""A restore runbook generated from one backup's manifest: the exact steps and commands for this backup, this
topology and this storage, for the operator on call — with mongo-admin, and by hand with the official tools when
mongo-admin itself is not available.

The runbook is a structure (facts about the backup, then numbered steps made of paragraphs and shell commands),
so that each face renders it its own way: the CLI prints it as Markdown, the dashboard draws the steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from mongo_admin.ops.backup.catalog import BackupNotFoundError
from mongo_admin.ops.backup.manifest import BackupManifest, read_manifest
from mongo_admin.ops.cluster.state import open_cluster


@dataclass(frozen=True)
class RunbookBlock:
    """A paragraph (``text``: prose, inline `code` in backticks) or ``commands``: shell lines to run as written."""

    kind: Literal["text", "commands"]
    text: str


@dataclass(frozen=True)
class RunbookStep:
    title: str
    blocks: list[RunbookBlock]


@dataclass(frozen=True)
class Runbook:
    message: str
    backup_id: str
    title: str
    facts: list[str]
    steps: list[RunbookStep]
    markdown: str


def _text(text: str) -> RunbookBlock:
    return RunbookBlock("text", text)


def _commands(*lines: str) -> RunbookBlock:
    return RunbookBlock("commands", "\n".join(lines))


def _size(manifest: BackupManifest) -> str:
    total = sum(f.size for rs in manifest.replica_sets for f in rs.files)
    return f"{total / 2**20:.1f} MiB"


def _facts(manifest: BackupManifest, storage: str) -> list[str]:
    cut = manifest.restore_to_time
    restore_to = cut.time.isoformat() if cut else "(none)"
    sets = ", ".join(f"{rs.name} ({rs.role}, read from {rs.source_host})" for rs in manifest.replica_sets)
    consistent = "cluster-consistent" if manifest.cluster_consistent else "NOT cluster-consistent"
    encrypted = (", encrypted: have the key file ready (fingerprint " + manifest.encryption.key_fingerprint[:16]
                 + "…)") if manifest.encryption else ""
    return [
        f"type: {manifest.type}, {consistent}" + (f" ({manifest.note})" if manifest.note else ""),
        f"restores the cluster as it was at {restore_to} (cluster time {cut.t if cut else '-'}, "
        f"{cut.i if cut else '-'})",
        f"MongoDB {manifest.mongodb_version}, FCV {manifest.fcv or '-'}; taken by mongo-admin {manifest.tool_version}",
        f"replica sets: {sets}",
        f"storage: {storage}/{manifest.prefix} ({_size(manifest)}, {manifest.compression}{encrypted})",
        f"balancer was `{manifest.balancer_was or 'unknown'}` when the backup ran",
    ]


def _restore_blocks(manifest: BackupManifest, cluster_option: str) -> list[RunbookBlock]:
    backup_id = manifest.backup_id
    if manifest.type == "full":
        return [
            _text("Whole cluster (the preflight refuses before dropping anything if files, topology or keys are "
                  "wrong):"),
            _commands(f"mongo-admin restore cluster {backup_id}{cluster_option}"),
            _text("Only some collections:"),
            _commands(f"mongo-admin restore namespaces {backup_id} --ns 'db.collection'{cluster_option}"),
            _text("Only one shard (consistent within that shard only):"),
            _commands(*(f"mongo-admin restore shard {backup_id} --shard {shard.name}{cluster_option}"
                        for shard in manifest.topology.shards)),
        ]
    if manifest.type == "config":
        return [_commands(f"mongo-admin restore config {backup_id}{cluster_option}")]
    only = manifest.replica_sets[0].name
    return [_commands(f"mongo-admin restore shard {backup_id} --shard {only}{cluster_option}")]


def _official_tools_blocks(manifest: BackupManifest) -> list[RunbookBlock]:
    if manifest.compression != "gzip" or manifest.encryption:
        how = " and ".join(part for part in ("zstd compression" if manifest.compression == "zstd" else "",
                                             "client-side encryption" if manifest.encryption else "") if part)
        return [_text(f"This backup is stored with {how}: mongorestore cannot read it directly; use mongo-admin.")]
    # mongorestore replays entries strictly before --oplogLimit: one increment past the cut-off.
    cut = manifest.restore_to_time
    limit = f" --oplogLimit {cut.t}:{cut.i + 1}" if cut else ""
    blocks = [_text("Each replica set's folder is a `mongodump --gzip --oplog` folder. With the balancer stopped "
                    "(`sh.stopBalancer()`), for each replica set, against its primary:")]
    blocks += [_commands(f"# {rs.name} ({rs.role})",
                         f"mongorestore --host <{rs.name} primary> --gzip --drop --oplogReplay{limit} "
                         f"--dir <download of {manifest.prefix}{rs.name}/>") for rs in manifest.replica_sets]
    blocks.append(_text("then `sh.startBalancer()` if it was `full`, and `db.adminCommand({flushRouterConfig: 1})` "
                        "on every mongos."))
    return blocks


def steps(manifest: BackupManifest, cluster_option: str) -> list[RunbookStep]:
    """The procedure for this backup, in the order an operator follows it."""
    cut = manifest.restore_to_time
    restore_to = cut.time.isoformat() if cut else "(none)"
    key = " --encryption-key-file KEY" if manifest.encryption else ""
    return [
        RunbookStep("Check the backup before touching the cluster", [
            _commands(f"mongo-admin backup verify {manifest.backup_id}{cluster_option}{key}"),
            _text("Every file is re-read (size, SHA-256, BSON, document counts). Stop here if it reports a problem: "
                  "restore from an older backup instead (`mongo-admin backup list`)."),
        ]),
        RunbookStep("Tell the application owners", [
            _text(f"A restore drops and rewrites the restored databases: writes made after {restore_to} to them are "
                  "lost. Stop the application's writes for the duration."),
        ]),
        RunbookStep("Restore", _restore_blocks(manifest, cluster_option)),
        RunbookStep("Without mongo-admin (official tools)", _official_tools_blocks(manifest)),
        RunbookStep("Check the result", [
            _commands(f"mongo-admin cluster status{cluster_option}", f"mongo-admin health-check{cluster_option}"),
        ]),
    ]


def to_markdown(title: str, facts: list[str], procedure: list[RunbookStep]) -> str:
    """The runbook as Markdown: the title, the facts as a list, each step a numbered section."""
    lines = [f"# {title}", "", *(f"- {fact}" for fact in facts)]
    for number, step in enumerate(procedure, start=1):
        lines += ["", f"## {number}. {step.title}", ""]
        for index, block in enumerate(step.blocks):
            if index:
                lines.append("")
            lines += ["```sh", block.text, "```"] if block.kind == "commands" else [block.text]
    return "\n".join([*lines, ""])


def runbook(name: str, backup_id: str, home: Path | None = None, storage_url: str | None = None) -> Runbook:
    from mongo_admin.ops.backup.engine import storage_for

    paths, record = open_cluster(name, home)
    storage = storage_for(paths, record, storage_url)
    manifest = read_manifest(storage, name, backup_id)
    if manifest is None:
        raise BackupNotFoundError(f"backup {backup_id} of cluster {name} is not a complete backup",
                                  "it has no manifest (failed, unfinished or missing)",
                                  "list complete backups with: mongo-admin backup list")
    title = f"Restore runbook — backup {manifest.backup_id} of cluster {manifest.cluster}"
    facts = _facts(manifest, storage.describe())
    procedure = steps(manifest, f" --cluster {name}")
    return Runbook(message=f"restore runbook for backup {backup_id}", backup_id=backup_id, title=title, facts=facts,
                   steps=procedure, markdown=to_markdown(title, facts, procedure))
