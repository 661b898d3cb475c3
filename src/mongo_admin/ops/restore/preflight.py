"""Proving a restore can succeed before any data is touched, and saying exactly what is wrong when it cannot.

Checks, in order: the backup is complete (its manifest exists), the key of an encrypted backup is given and is
the right one, the backup's shards map onto the target's (same names, ``--map from=to``, or by position when
asked), every file the restore reads is present with its size, checksum, framing and document count
(``verify.verify_files``), every target replica set has a primary, and the target's data paths have room (local
clusters).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from mongo_admin.errors import MongoAdminError
from mongo_admin.ops.backup.encryption import EncryptionKey
from mongo_admin.ops.backup.manifest import BackupManifest, read_manifest, read_record
from mongo_admin.ops.backup.verify import verify_files
from mongo_admin.ops.cluster.access import ClusterAccess
from mongo_admin.ops.cluster.layout import Node
from mongo_admin.storage.base import Storage

# Restored data takes more room than its BSON: indexes, and the oplog entries the inserts write.
SPACE_FACTOR = 1.5
SHOWN_PROBLEMS = 5


class RestoreRefusedError(MongoAdminError):
    """The preflight found a reason the restore cannot succeed; nothing was changed."""


@dataclass(frozen=True)
class PreflightCheck:
    """One check of a preflight: what it found when it passed, why it refused (and the fix) when it did not."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


@dataclass(frozen=True)
class PlannedNamespace:
    """A collection or view the restore would drop and write again, under ``restored_as``."""

    namespace: str
    restored_as: str
    documents: int


@dataclass(frozen=True)
class RestorePreflight:
    """A restore's preflight run on its own, changing nothing and recording nothing: every check that ran, in
    order (they stop at the first refusal), and what the restore would do. ``documents`` and ``bytes`` are the
    backup's (before any oplog is replayed)."""

    message: str
    ok: bool
    cluster: str
    source_cluster: str
    kind: str
    backup_id: str | None
    point_in_time: dt.datetime | None
    restore_to_time: dt.datetime | None
    shard_map: dict[str, str]
    namespaces: list[PlannedNamespace]
    documents: int
    bytes: int
    files_checked: int
    checks: list[PreflightCheck]


def load_manifest(storage: Storage, cluster: str, backup_id: str) -> BackupManifest:
    manifest = read_manifest(storage, cluster, backup_id)
    if manifest is not None:
        return manifest
    record = read_record(storage, cluster, backup_id)
    if record is None:
        raise RestoreRefusedError(f"no backup {backup_id} of cluster {cluster} in {storage.describe()}",
                                  "neither its manifest nor its record exists",
                                  "list the backups (mongo-admin backup list) and pass one of their ids")
    why = f"it has no manifest.json (its record says {record.state}"
    why += f", failed at step '{record.failed_step}': {record.error})" if record.failed_step else ")"
    raise RestoreRefusedError(f"backup {backup_id} of cluster {cluster} is not a complete backup", why,
                              "restore from a backup whose state is done")


def resolve_key(manifest: BackupManifest, key_file: Path | None) -> EncryptionKey | None:
    if manifest.encryption is None:
        return None
    fingerprint = manifest.encryption.key_fingerprint
    if key_file is None:
        raise RestoreRefusedError(f"backup {manifest.backup_id} is encrypted and no key was given",
                                  f"it needs the key with fingerprint {fingerprint[:16]}…",
                                  "pass the key file it was taken with (--encryption-key-file)")
    key = EncryptionKey.from_file(key_file)
    if key.fingerprint != fingerprint:
        raise RestoreRefusedError(f"wrong encryption key for backup {manifest.backup_id}",
                                  f"{key_file} has fingerprint {key.fingerprint[:16]}…, the backup needs "
                                  f"{fingerprint[:16]}…", "pass the key file the backup was taken with")
    return key


def map_shards(backup_shards: Sequence[str], target_shards: Sequence[str], explicit: Mapping[str, str] | None,
               by_position: bool, target_cluster: str) -> dict[str, str]:
    """backup shard -> target shard, every backup shard mapped onto a distinct target shard."""
    fix = (f"map each backup shard with --map FROM=TO (the target's shards are {', '.join(target_shards)}), or "
           "pass --by-position to pair them in order")
    if explicit:
        unknown = sorted(set(explicit) - set(backup_shards))
        missing = sorted(set(explicit.values()) - set(target_shards))
        if unknown or missing:
            raise RestoreRefusedError("the shard mapping does not fit", "; ".join(
                ([f"the backup has no shard {', '.join(unknown)}"] if unknown else [])
                + ([f"cluster {target_cluster} has no shard {', '.join(missing)}"] if missing else [])), fix)
        mapping = {shard: explicit.get(shard, shard) for shard in backup_shards}
        unmapped = sorted(shard for shard, target in mapping.items() if target not in target_shards)
        if unmapped:
            raise RestoreRefusedError("the shard mapping does not fit",
                                      f"backup shard(s) {', '.join(unmapped)} are not mapped", fix)
        if len(set(mapping.values())) != len(mapping):
            raise RestoreRefusedError("the shard mapping does not fit", "two backup shards map onto one target "
                                      "shard", fix)
        return mapping
    if set(backup_shards) <= set(target_shards) and (len(backup_shards) == len(target_shards) or not by_position):
        return {shard: shard for shard in backup_shards}
    if by_position and len(backup_shards) == len(target_shards):
        return dict(zip(backup_shards, target_shards, strict=True))
    raise RestoreRefusedError(f"the backup's topology does not match cluster {target_cluster}",
                              f"the backup has {len(backup_shards)} shard(s) ({', '.join(backup_shards)}), the "
                              f"target {len(target_shards)} ({', '.join(target_shards)}), and no mapping was given",
                              fix)


def check_files(storage: Storage, manifest: BackupManifest, key: EncryptionKey | None, sets: set[str]) -> int:
    """Every file of the replica sets ``sets`` re-read and checked; the number of files."""
    used = manifest.model_copy(update={"replica_sets": [rs for rs in manifest.replica_sets if rs.name in sets]})
    result = verify_files(storage, used, key)
    if not result.ok:
        shown = "; ".join(str(problem) for problem in result.problems[:SHOWN_PROBLEMS])
        more = len(result.problems) - SHOWN_PROBLEMS
        raise RestoreRefusedError(f"backup {manifest.backup_id} is damaged: nothing was restored",
                                  shown + (f"; and {more} more" if more > 0 else ""),
                                  f"restore another backup; mongo-admin backup verify {manifest.backup_id} lists "
                                  "every problem")
    return result.files


def find_primaries(access: ClusterAccess, sets: Sequence[str]) -> dict[str, Node]:
    from mongo_admin.ops.cluster import replsets

    primaries = {}
    for name in sets:
        primary = replsets.primary_of(access, name)
        if primary is None:
            raise RestoreRefusedError(f"replica set {name} of cluster {access.record.name} has no primary",
                                      "a restore writes on each set's primary",
                                      "bring the set back (mongo-admin cluster status / start) and retry")
        primaries[name] = primary
    return primaries


@dataclass(frozen=True)
class SpaceNeed:
    path: Path
    needed: int
    free: int


def check_space(access: ClusterAccess, need_by_set: Mapping[str, int]) -> list[SpaceNeed]:
    """The room each filesystem holding a target member's dbPath needs, for clusters on this machine."""
    if access.record.provider != "local":
        return []
    by_device: dict[int, SpaceNeed] = {}
    for set_name, raw in need_by_set.items():
        for node in access.record.layout.members(set_name):
            path = access.paths.dbpath(node)
            if path is None or node.arbiter:
                continue
            existing = next((p for p in (path, *path.parents) if p.exists()), Path("/"))
            device = os.stat(existing).st_dev
            seen = by_device.get(device)
            needed = int(raw * SPACE_FACTOR) + (seen.needed if seen else 0)
            by_device[device] = SpaceNeed(existing, needed, shutil.disk_usage(existing).free)
    short = [need for need in by_device.values() if need.needed > need.free]
    if short:
        need = short[0]
        raise RestoreRefusedError("not enough disk space for the restore",
                                  f"{need.path} has {need.free / 2**20:.0f} MiB free, the restore needs about "
                                  f"{need.needed / 2**20:.0f} MiB", "free space there or restore fewer namespaces")
    return list(by_device.values())
