"""How a member describes the set: replSetGetStatus (MongoDB 8.0 fields), the replica-set fields of hello,
and the serverStatus ``repl`` / ``oplog`` sections."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from bson.int64 import Int64
from bson.objectid import ObjectId

from mongosim.errors import CommandError
from mongosim.repl.format import now_ms
from mongosim.repl.optime import EPOCH, MemberState, OpTime

if TYPE_CHECKING:
    from mongosim.repl.coordinator import ReplicationCoordinator
    from mongosim.repl.topology import MemberData

NO_CONFIG_INFO = "Does not have a valid replica set config"


def election_id(term: int) -> ObjectId:
    """``OID::fromTerm``: 0x7fffffff then the term as a big-endian 64-bit integer."""
    return ObjectId(b"\x7f\xff\xff\xff" + int(term).to_bytes(8, "big", signed=True))


def _seconds_date(optime: OpTime) -> dt.datetime:
    return optime.wall_date()


# ------------------------------------------------------------------------------------------------ hello
def hello_fields(coord: ReplicationCoordinator, use_hello: bool) -> dict[str, Any]:
    """The replication part of a hello reply (``HelloResponse::addToBSON`` order)."""
    server = coord.server
    primary_field = "isWritablePrimary" if use_hello else "ismaster"
    out: dict[str, Any] = {"topologyVersion": server.topology_version()}
    config = coord.config
    me = coord.self_member
    if config is None or me is None or coord.state is MemberState.REMOVED:
        out[primary_field] = False
        out["secondary"] = False
        out["info"] = NO_CONFIG_INFO
        out["isreplicaset"] = True
        return out
    hosts = [m.host for m in config.members if not m.arbiter_only and not m.hidden and m.effective_priority > 0]
    passives = [m.host for m in config.members if not m.arbiter_only and not m.hidden and m.effective_priority == 0]
    arbiters = [m.host for m in config.members if m.arbiter_only]
    out["hosts"] = hosts
    if passives:
        out["passives"] = passives
    if arbiters:
        out["arbiters"] = arbiters
    out["setName"] = config.name
    out["setVersion"] = config.version
    out[primary_field] = coord.is_writable_primary
    out["secondary"] = coord.state is MemberState.SECONDARY
    primary = coord.primary_host()
    if primary is not None:
        out["primary"] = primary
    if me.arbiter_only:
        out["arbiterOnly"] = True
    if not me.arbiter_only and me.effective_priority == 0:
        out["passive"] = True
    if me.hidden:
        out["hidden"] = True
    if not me.build_indexes:
        out["buildIndexes"] = False
    if me.secondary_delay_secs:
        out["secondaryDelaySecs" if use_hello else "slaveDelay"] = me.secondary_delay_secs
    if me.tags:
        out["tags"] = dict(me.tags)
    out["me"] = me.host
    if coord.is_primary:
        out["electionId"] = election_id(coord.term)
    if not me.arbiter_only:
        out["lastWrite"] = {"opTime": coord.applied.to_document(), "lastWriteDate": _seconds_date(coord.applied),
                            "majorityOpTime": coord.last_committed.to_document(),
                            "majorityWriteDate": _seconds_date(coord.last_committed)}
    if config.configsvr:
        out["configsvr"] = 2
    return out


def repl_section(coord: ReplicationCoordinator) -> dict[str, Any]:
    """serverStatus ``repl``: the hello fields plus the rollback id."""
    out = hello_fields(coord, True)
    out["rbid"] = coord.rbid
    out["userWriteBlockMode"] = 1
    return out


def oplog_section(coord: ReplicationCoordinator) -> dict[str, Any]:
    """serverStatus ``oplog`` (only when asked for): the newest and oldest oplog timestamps."""
    storage = coord.server.storage
    coll = storage.get_collection("local", "oplog.rs") if storage is not None else None
    if coll is None or not len(coll):
        return {}
    newest, oldest = coll.newest(), coll.oldest()
    return {"latestOptime": newest.get("ts") if newest else None,
            "earliestOptime": oldest.get("ts") if oldest else None}


# ------------------------------------------------------------------------------------------------ status
def replset_status(coord: ReplicationCoordinator) -> dict[str, Any]:
    config = coord.config
    if config is None:
        raise CommandError("NotYetInitialized", "no replset config has been received")
    if coord.self_member is None:
        raise CommandError("InvalidReplicaSetConfig", "Our replica set config is invalid or we are not a member of it")
    sync_host = coord.sync_source_host
    sync_member = config.find_host(sync_host) if sync_host else None
    out: dict[str, Any] = {
        "set": config.name, "date": now_ms(), "myState": int(coord.state), "term": Int64(coord.term),
        "syncSourceHost": sync_host, "syncSourceId": sync_member.id if sync_member else -1,
        "heartbeatIntervalMillis": Int64(config.settings["heartbeatIntervalMillis"]),
        "majorityVoteCount": config.majority_vote_count, "writeMajorityCount": config.write_majority,
        "votingMembersCount": len(config.voting_members),
        "writableVotingMembersCount": config.writable_voting_count,
        "optimes": {
            "lastCommittedOpTime": coord.last_committed.to_document(),
            "lastCommittedWallTime": coord.last_committed_wall,
            "readConcernMajorityOpTime": coord.last_committed.to_document(),
            "readConcernMajorityWallTime": coord.last_committed_wall,
            "appliedOpTime": coord.applied.to_document(), "writtenOpTime": coord.applied.to_document(),
            "durableOpTime": coord.durable.to_document(), "lastAppliedWallTime": coord.applied_wall,
            "lastWrittenWallTime": coord.applied_wall, "lastDurableWallTime": coord.durable_wall},
        "lastStableRecoveryTimestamp": coord.last_committed.ts,
    }
    if coord.elections.metrics.candidate is not None and coord.is_primary:
        out["electionCandidateMetrics"] = dict(coord.elections.metrics.candidate)
    if coord.elections.metrics.participant is not None:
        out["electionParticipantMetrics"] = dict(coord.elections.metrics.participant)
    out["members"] = [_self_entry(coord) if m.id == coord.self_id else _member_entry(coord, coord.members[m.id])
                      for m in config.members]
    return out


def _self_entry(coord: ReplicationCoordinator) -> dict[str, Any]:
    config = coord.config
    me = coord.self_member
    assert config is not None and me is not None
    sync_member = config.find_host(coord.sync_source_host) if coord.sync_source_host else None
    entry: dict[str, Any] = {
        "_id": me.id, "name": me.host, "health": 1.0, "state": int(coord.state), "stateStr": coord.state.label,
        "uptime": int(coord.server.uptime()), "optime": coord.applied.to_document(),
        "optimeDate": _seconds_date(coord.applied), "optimeWritten": coord.applied.to_document(),
        "optimeWrittenDate": _seconds_date(coord.applied), "lastAppliedWallTime": coord.applied_wall,
        "lastDurableWallTime": coord.durable_wall, "lastWrittenWallTime": coord.applied_wall,
        "syncSourceHost": coord.sync_source_host, "syncSourceId": sync_member.id if sync_member else -1,
        "infoMessage": _info_message(coord)}
    if coord.state is MemberState.ARBITER:
        for key in ("optime", "optimeDate", "optimeWritten", "optimeWrittenDate", "lastAppliedWallTime",
                    "lastDurableWallTime", "lastWrittenWallTime"):
            entry.pop(key)
    if coord.is_primary and coord.election_time is not None:
        entry["electionTime"] = coord.election_time
        entry["electionDate"] = coord.election_date or EPOCH
    entry["configVersion"] = config.version
    entry["configTerm"] = config.term
    entry["self"] = True
    entry["lastHeartbeatMessage"] = ""
    return entry


def _info_message(coord: ReplicationCoordinator) -> str:
    if coord.state is MemberState.SECONDARY and not coord.sync_source_host and coord.primary_id is None:
        return "Could not find member to sync from"
    return ""


def _member_entry(coord: ReplicationCoordinator, data: MemberData) -> dict[str, Any]:
    down = data.state is MemberState.DOWN
    entry: dict[str, Any] = {
        "_id": data.id, "name": data.host, "health": float(data.health), "state": int(data.state),
        "stateStr": data.state.label, "uptime": data.uptime()}
    if data.state is not MemberState.ARBITER:
        entry.update({
            "optime": data.applied.to_document(), "optimeDurable": data.durable.to_document(),
            "optimeWritten": data.applied.to_document(), "optimeDate": _seconds_date(data.applied),
            "optimeDurableDate": _seconds_date(data.durable), "optimeWrittenDate": _seconds_date(data.applied),
            "lastAppliedWallTime": data.applied_wall, "lastDurableWallTime": data.durable_wall,
            "lastWrittenWallTime": data.applied_wall})
    entry.update({
        "lastHeartbeat": data.last_heartbeat or EPOCH, "lastHeartbeatRecv": data.last_heartbeat_recv or EPOCH,
        "pingMs": Int64(data.ping_ms or 0), "lastHeartbeatMessage": data.last_heartbeat_message,
        "syncSourceHost": data.sync_source, "syncSourceId": data.sync_source_id, "infoMessage": ""})
    if data.state is MemberState.PRIMARY and data.election_time is not None:
        entry["electionTime"] = data.election_time
        entry["electionDate"] = EPOCH + dt.timedelta(seconds=data.election_time.time)
    entry["configVersion"] = -1 if down else data.config_version
    entry["configTerm"] = -1 if down else data.config_term
    return entry
