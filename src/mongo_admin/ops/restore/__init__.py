"""Restoring backups into deployed clusters: the whole cluster, one shard, selected namespaces, or the config
servers only, each proven possible by a preflight before any data is touched.

- ``engine``: the four restores (``restore_cluster``, ``restore_shard``, ``restore_namespaces``,
  ``restore_config``), their options, progress events and result, and the lock/balancer/record around them;
- ``preflight``: the checks that refuse a restore before it starts (manifest, files, key, topology, space), and
  the report of a preflight run on its own (``engine.preflight_restore``: what a restore would do, changing
  nothing);
- ``source``: one replica set's dump read back through the manifest (metadata, documents, oplog);
- ``replica_set``: one replica set restored on its primary (drop, create with UUIDs, insert, indexes, users);
- ``catalog``: the sharding catalog on the config servers, shard names mapped to the target's;
- ``replay``: oplog replay with ``applyOps`` up to a time (the extension point of point-in-time restores);
- ``record``: the restore's record, ``<cluster>/restores/<restore_id>.json`` next to the backups.
"""

from mongo_admin.ops.restore.engine import (
    RestoreEvent,
    RestoreFailedError,
    RestoreOptions,
    RestoreResult,
    preflight_restore,
    restore_cluster,
    restore_config,
    restore_namespaces,
    restore_shard,
)
from mongo_admin.ops.restore.preflight import RestorePreflight, RestoreRefusedError
from mongo_admin.ops.restore.replay import ReplayRules, replay_oplog

__all__ = ["ReplayRules", "RestoreEvent", "RestoreFailedError", "RestoreOptions", "RestorePreflight",
           "RestoreRefusedError", "RestoreResult", "preflight_restore", "replay_oplog", "restore_cluster",
           "restore_config", "restore_namespaces", "restore_shard"]
