"""Sharded clusters: the config servers' catalog, shards, chunk migration, the balancer, and the mongos router.

A cluster is a config server replica set (``mongod --configsvr --replSet cfg``), shard replica sets
(``mongod --shardsvr --replSet sN``) and routers (``mongos --configdb cfg/h:p,...``). Module map and the
contracts between the parts (each part is written by one owner; the others use only what is listed here):

Shared data model (``shardkey``, ``versions``, ``routing``):
- ``ShardKeyPattern(key: dict)``: ``fields``, ``hashed_field``; ``extract(doc) -> dict`` (the document's shard
  key value, hashed fields hashed with ``storage.hashing``, missing fields as null), ``equality(filter) ->
  dict | None`` (the full key when the filter pins every field by equality), ``ranges(filter)`` (the key ranges
  a filter can touch, for targeting).
- ``ChunkVersion(major, minor, epoch: ObjectId, timestamp: Timestamp)``: ``lastmod`` is
  ``Timestamp(major, minor)``; on the wire a shard version is ``{e: epoch, t: timestamp, v: Timestamp(major,
  minor)}``; ``ChunkVersion.UNSHARDED`` for untracked collections.
- ``RoutingTable``: a collection's key pattern, uuid, epoch/timestamp and chunks sorted by ``min`` (from
  ``config.collections`` and ``config.chunks``): ``chunk_for(key)``, ``chunks_for_ranges(ranges)``,
  ``shards()``, ``collection_version``, ``shard_version(shard)``; built with ``RoutingTable.from_documents(coll_doc,
  chunk_docs)``.

Config server (``configsvr``, ``catalog``, ``balancer`` — owner: config server): the catalog in the ``config``
database with MongoDB 8.0's document shapes, and the internal commands routers and shards call on the config
server primary, all ``admin`` db: ``_configsvrAddShard {_configsvrAddShard: "rs/h:p,...", name?}``,
``_configsvrRemoveShard``, ``_configsvrCreateDatabase {_configsvrCreateDatabase: db, primaryShard?}``,
``_configsvrShardCollection {_configsvrShardCollection: ns, key, unique, numInitialChunks, presplitHashedZones,
collation}``, ``_configsvrCommitChunkSplit``, ``_configsvrCommitChunksMerge``, ``_configsvrMoveRange
{_configsvrMoveRange: ns, toShard, min and/or max, waitForDelete, forceJumbo}`` (asks the donor shard to move it),
``_configsvrCommitChunkMigration`` (called by the donor shard), ``_configsvrBalancerStart``, ``_configsvrBalancerStop``,
``_configsvrBalancerStatus``, ``_configsvrCommitMovePrimary``, ``_configsvrRemoveChunks``, ``_configsvrRemoveTags``.
The balancer runs on the config server primary.
Zones (``zones``): ``_configsvrAddShardToZone {_configsvrAddShardToZone: shard, zone}``,
``_configsvrRemoveShardFromZone``, ``_configsvrUpdateZoneKeyRange {_configsvrUpdateZoneKeyRange: ns, min, max,
zone: str | null}``, ``_configsvrBalancerCollectionStatus {_configsvrBalancerCollectionStatus: ns}``,
``_configsvrConfigureCollectionBalancing {..: ns, chunkSize?, enableAutoMerger?, enableBalancing?}``.

Shard (``shard``, ``migration`` — owner: shard): a ``--shardsvr`` member learns its identity
(``admin.system.version`` ``{_id: "shardIdentity", shardName, clusterId, configsvrConnectionString}``, set by
``_shardsvrSetShardIdentity`` during addShard); it keeps filtering metadata per collection (refreshed from the
config server) and checks the ``shardVersion``/``databaseVersion`` fields routers attach to versioned
commands, answering ``StaleConfig`` (13388, with ``ns``, ``vReceived``, ``vWanted``, ``shardId``) when they
differ; reads of a sharded collection skip orphaned documents (ranges the shard does not own). Migration:
``_shardsvrMoveRange {_shardsvrMoveRange: ns, toShard, min?, max?, waitForDelete, maxChunkSizeBytes, ...}`` on
the donor primary (which computes a missing bound, ``range_bounds``)
clones to the recipient (``_recvChunkStart`` → the recipient pulls with ``_migrateClone`` and catches up with
``_transferMods``, ``_recvChunkStatus``, ``_recvChunkCommit``), commits with ``_configsvrCommitChunkMigration``
and deletes the range on the donor through the range deleter (``range_deleter``: tasks persisted in the
shard's ``config.rangeDeletions``, resumed on step-up; ``cleanupOrphaned`` waits for them).
Coordinated DDL (``ddl_coordinator``, ``move_primary``): the database's primary shard runs
``_shardsvrDropCollection``, ``_shardsvrDropDatabase`` and ``_shardsvrMovePrimary`` (sent by mongos with its
``databaseVersion``), persisting its phase in ``config.system.sharding_ddl_coordinators``; participants answer
``_shardsvrParticipantBlock``, ``_shardsvrDropCollectionParticipant`` and ``_shardsvrDropDatabaseParticipant``.

Router (``router``, ``mongos`` commands — owner: router): a ``mongos`` caches ``RoutingTable``s and database
entries read from the config server (with ``readConcern: majority``), registers itself in ``config.mongos``
every 30 s, forwards admin commands to the config server primary's ``_configsvr*`` commands, targets or
broadcasts CRUD with shard versions attached, merges results, refreshes and retries on StaleConfig, runs the
resolved aggregation when a shard answers a read of a view with CommandOnShardedViewNotSupportedOnMongod (169,
``resolvedView: {ns, pipeline}``, see ``commands.views``), and serves the ``config`` database by reading from the
config server. Every part reaches a replica set through ``remote.RemoteSet``, which treats a connection string
as seeds and learns the members and primary from their ``hello``.
"""
