"""Installing a configuration by command: replSetInitiate (with its quorum check) and replSetReconfig (the
rules of ``repl_set_config_checks.cpp``, config commitment, ``force``, ``newlyAdded``).

Error codes follow mongod's command layer: whatever makes an initiate config unusable is reported as
InvalidReplicaSetConfig (93), an unusable reconfig as NewReplicaSetConfigurationIncompatible (103), both
with the underlying reason; an unreachable member fails the quorum check with NodeNotFound (74).
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import TYPE_CHECKING, Any

from mongosim.errors import CommandError
from mongosim.repl import codes
from mongosim.repl.config import ConfigError, ReplSetConfig
from mongosim.repl.optime import MemberState
from mongosim.repl.peer import PeerError

if TYPE_CHECKING:
    from mongosim.context import CommandContext
    from mongosim.repl.coordinator import ReplicationCoordinator

DEFAULT_COMMIT_WAIT_S = 30.0


def _default_host(coord: ReplicationCoordinator) -> str:
    """``someHostAndPortForMe``: the first bind address that names this host, else the host name."""
    port = coord.server.bound_port
    for address in coord.server.config.bind_ips:
        if address not in ("0.0.0.0", "::", "*"):
            return f"{'127.0.0.1' if address == 'localhost' else address}:{port}"
    return f"{coord.server.hostname}:{port}"


# ------------------------------------------------------------------------------------------------ initiate
async def initiate(coord: ReplicationCoordinator, ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    if coord.config is not None:
        raise CommandError("AlreadyInitialized", "already initialized")
    if coord.reconfig_in_progress:
        raise CommandError("ConfigurationInProgress", "Cannot run replSetInitiate while another configuration is "
                           "being installed")
    raw = cmd.get("replSetInitiate")
    reply: dict[str, Any] = {}
    if not isinstance(raw, dict) or not raw:
        me = _default_host(coord)
        raw = {"_id": coord.set_name, "version": 1, "members": [{"_id": 0, "host": me}]}
        coord.log_repl(codes.CONFIG_INITIATE, "Created configuration for initiation", {"config": raw})
        reply = {"info2": "no configuration specified. Using a default configuration for the set", "me": me}
    coord.log_repl(codes.INITIATE_CONFIG, "replSetInitiate admin command received from client")
    coord.reconfig_in_progress = True
    try:
        config = _validate_initiate(coord, raw)
        await _quorum_check(coord, config, initiate=True)
        if coord.config is not None:
            raise CommandError("AlreadyInitialized", "already initialized")
        coord.install_config(config)
    finally:
        coord.reconfig_in_progress = False
    oplog = coord.server.oplog
    if oplog is not None:
        oplog.write_noop("initiating set")
    # The initiating member holds the set's data: it needs no initial sync.
    if coord.state is MemberState.STARTUP2:
        coord.set_follower_state(MemberState.SECONDARY)
    return reply


def _invalid(reason: str) -> CommandError:
    return CommandError("InvalidReplicaSetConfig", reason)


def _validate_initiate(coord: ReplicationCoordinator, raw: dict[str, Any]) -> ReplSetConfig:
    try:
        config = ReplSetConfig.parse(raw, for_initiate=True, configsvr_node=coord.configsvr_node)
        if config.name != coord.set_name:
            raise ConfigError("InvalidReplicaSetConfig", "Rejecting initiate with a set name that differs from "
                              f"command line set name, initiate set name: {config.name}, command line set name: "
                              f"{coord.set_name}")
        config.validate(configsvr_node=coord.configsvr_node)
        for member in config.members:
            if member.newly_added:
                raise ConfigError("InvalidReplicaSetConfig", f"Member {member.host}, with _id {member.id}, has a "
                                  "newlyAdded field, which is not valid for initial configuration of a replica set.")
        if config.version != 1:
            raise ConfigError("NewReplicaSetConfigurationIncompatible", "Configuration used to initiate a replica "
                              f"set must  have version 1, but found {config.version}")
        _check_self(coord, config, electable=True)
    except ConfigError as exc:
        coord.log.error("REPL", codes.INITIATE_FAILED, "conn", "replSetInitiate failed", {"error": exc.reason})
        raise _invalid(exc.reason) from exc
    return config


def _check_self(coord: ReplicationCoordinator, config: ReplSetConfig, *, electable: bool) -> None:
    me = coord.find_self(config)
    if me is None:
        raise ConfigError("NodeNotFound", f"No host described in new configuration with "
                          f"{config.version_term_string()} for replica set {config.name} maps to this node")
    if electable and not me.is_electable:
        raise ConfigError("NodeNotElectable", f"This node, {me.host}, with _id {me.id} is not electable under the "
                          f"new configuration with {config.version_term_string()} for replica set {config.name}")


async def _quorum_check(coord: ReplicationCoordinator, config: ReplSetConfig, *, initiate: bool) -> None:
    """Every proposed member (initiate) or a majority of voters (reconfig) must answer a heartbeat for the
    new config; a member already initiated, with data, or of another set vetoes an initiate."""
    me = coord.find_self(config)
    request = {"replSetHeartbeat": config.name, "configVersion": config.version, "configTerm": config.term,
               "hbv": 1, "from": me.host if me else "", "fromId": me.id if me else -1, "term": coord.term}
    if initiate:
        request["checkEmpty"] = True
    others = [m for m in config.members if me is None or m.id != me.id]

    async def ask(host: str) -> dict[str, Any] | str:
        try:
            return await coord.peers.get(host, "heartbeat").command("admin", request, config.heartbeat_timeout_s)
        except PeerError as exc:
            return str(exc)

    replies = await asyncio.gather(*(ask(m.host) for m in others))
    failures: list[str] = []
    responded = [me] if me is not None else []
    for member, reply in zip(others, replies, strict=True):
        if isinstance(reply, str):
            failures.append(f"{member.host} failed with {reply}")
            continue
        if reply.get("ok") != 1:
            if reply.get("codeName") == "InconsistentReplicaSetNames":
                raise CommandError("NewReplicaSetConfigurationIncompatible",
                                   f"Our set name did not match that of {member.host}")
            failures.append(f"{member.host} failed with {reply.get('errmsg', '')}")
            continue
        if initiate and reply.get("hasData"):
            raise CommandError("CannotInitializeNodeWithData", f"'{member.host}' has data already, cannot initiate "
                               "set.")
        remote_version = int(reply.get("v", -2))
        if initiate and remote_version >= config.version:
            raise CommandError("NewReplicaSetConfigurationIncompatible", f"Our config version of {config.version} "
                               f"is no larger than the version on {member.host}, which is {remote_version}")
        responded.append(member)
    if initiate:
        if failures:
            raise CommandError("NodeNotFound", "replSetInitiate quorum check failed because not all proposed set "
                               "members responded affirmatively: " + ", ".join(failures))
        return
    voters = [m for m in responded if m is not None and m.is_voter]
    if len(voters) < config.majority_vote_count:
        raise CommandError("NodeNotFound", "replSetReconfig quorum check failed because not enough voting nodes "
                           f"responded; required {config.majority_vote_count} but only the following "
                           f"{len(voters)} voting nodes responded: {', '.join(m.host for m in voters)}; the "
                           "following nodes did not respond affirmatively: " + ", ".join(failures))


# ------------------------------------------------------------------------------------------------ reconfig
def config_committed(coord: ReplicationCoordinator) -> bool:
    """A majority of the config's voters run it, and the commit point reached an entry of its term."""
    config = coord.config
    if config is None:
        return False
    have = 1 if coord.self_member is not None and coord.self_member.is_voter else 0
    have += sum(1 for d in coord.members.values() if d.config.is_voter and d.health == 1.0
                and d.config_version == config.version and d.config_term == config.term)
    term_ok = config.term == -1 or coord.last_committed.term >= config.term
    return have >= config.majority_vote_count and term_ok


async def _await_commitment(coord: ReplicationCoordinator, ctx: CommandContext, limit: float | None,
                            what: str) -> bool:
    deadline = time.monotonic() + (limit if limit is not None else DEFAULT_COMMIT_WAIT_S)
    coord.heartbeats.beat_now()
    while not config_committed(coord):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        await coord.wait_progress(ctx, min(remaining, 0.1))
    return True


async def reconfig(coord: ReplicationCoordinator, ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    old = coord.config
    if old is None:
        raise CommandError("NotYetInitialized", "Node not yet initialized; use the replSetInitiate command")
    force = bool(cmd.get("force", False))
    raw = cmd.get("replSetReconfig")
    if not isinstance(raw, dict):
        raise CommandError("TypeMismatch", "Expected replSetReconfig to be an object")
    coord.log_repl(codes.RECONFIG_RECEIVED, "replSetReconfig admin command received from client",
                   {"newConfig": raw})
    if not force and not coord.is_writable_primary:
        raise CommandError("NotWritablePrimary", "replSetReconfig should only be run on a writable PRIMARY. "
                           f"Current state {coord.state.name};")
    if coord.reconfig_in_progress:
        raise CommandError("ConfigurationInProgress", "Cannot run replSetReconfig because the node is currently "
                           "updating its configuration")
    max_time = cmd.get("maxTimeMS")
    limit = float(max_time) / 1000.0 if isinstance(max_time, (int, float)) and max_time > 0 else None
    coord.reconfig_in_progress = True
    try:
        if not force and not await _await_commitment(coord, ctx, limit, "current"):
            raise CommandError("CurrentConfigNotCommittedYet", "New config is rejected :: caused by :: Current "
                               f"config with {old.version_term_string()} is not yet committed")
        new = _build(coord, old, raw, force)
        if not force:
            await _quorum_check(coord, new, initiate=False)
        if coord.config is not old:
            raise CommandError("ConfigurationInProgress", "The replica set configuration changed while this "
                               "reconfig was running")
        coord.install_config(new)
    finally:
        coord.reconfig_in_progress = False
    if not force and not await _await_commitment(coord, ctx, limit, "new") and limit is not None:
        raise CommandError("MaxTimeMSExpired", "operation exceeded time limit")
    return {}


def _build(coord: ReplicationCoordinator, old: ReplSetConfig, raw: dict[str, Any], force: bool) -> ReplSetConfig:
    doc = dict(raw)
    doc.pop("term", None)  # the primary stamps its own term; a force reconfig has none
    settings = dict(doc.get("settings") or {})
    settings.setdefault("replicaSetId", old.replica_set_id)
    doc["settings"] = settings
    try:
        new = ReplSetConfig.parse(doc)
    except ConfigError as exc:
        raise _invalid(exc.reason) from exc
    if not force and any(m.newly_added for m in new.members):
        raise _invalid("Cannot provide newlyAdded field to replSetReconfig; the field is managed by the server")
    new.term = -1 if force else coord.term
    if force:
        new.version += 10000 + random.randint(0, 100000)
    else:
        for member in new.members:
            previous = old.find_id(member.id)
            added_voter = previous is None and member.votes > 0 and not member.arbiter_only
            still_new = previous is not None and previous.newly_added and previous.host == member.host
            member.newly_added = added_voter or still_new
    if new.name != coord.set_name:
        raise _invalid(f"Attempting to reconfigure a replica set with name {new.name}, but command line reports "
                       f"{coord.set_name}; rejecting")
    try:
        new.validate(configsvr_node=coord.configsvr_node)
        _check_compatible(old, new, force)
        _check_self(coord, new, electable=not force)
    except ConfigError as exc:
        coord.log.error("REPL", codes.RECONFIG_FAILED, "conn", "replSetReconfig got error", {"error": exc.reason})
        raise CommandError("NewReplicaSetConfigurationIncompatible", exc.reason) from exc
    return new


def _check_compatible(old: ReplSetConfig, new: ReplSetConfig, force: bool) -> None:
    """``validateOldAndNewConfigsCompatible`` and, without force, ``validateSingleNodeChange``."""
    if not new.newer_than(old):
        raise ConfigError("NewReplicaSetConfigurationIncompatible", "New replica set configuration version and term "
                          f"must be greater than old, but {new.version_term_string()} is not greater than "
                          f"{old.version_term_string()} for replica set {new.name}")
    if old.name != new.name:
        raise ConfigError("NewReplicaSetConfigurationIncompatible", "New and old configurations differ in replica "
                          f"set name; old was {old.name}, and new is {new.name}")
    if old.replica_set_id != new.replica_set_id:
        raise ConfigError("NewReplicaSetConfigurationIncompatible", "New and old configurations differ in replica "
                          f"set ID; old was {old.replica_set_id}, and new is {new.replica_set_id}")
    for member in new.members:
        for previous in old.members:
            same_id, same_host = previous.id == member.id, previous.host == member.host
            if same_host and not same_id:
                raise ConfigError("NewReplicaSetConfigurationIncompatible", "New and old configurations both have "
                                  f"members with host of {previous.host} but in the new configuration the _id field "
                                  f"is {member.id} and in the old configuration it is {previous.id} for replica set "
                                  f"{new.name}")
            if not (same_id and same_host):
                continue
            for flag, attr in (("buildIndexes", "build_indexes"), ("arbiterOnly", "arbiter_only")):
                if getattr(previous, attr) != getattr(member, attr):
                    raise ConfigError("NewReplicaSetConfigurationIncompatible", "New and old configurations differ "
                                      f"in the setting of the {flag} field for member {previous.host}; to make this "
                                      "change, remove then re-add the member")
    if not force:
        old_voters = {m.id for m in old.voting_members}
        new_voters = {m.id for m in new.voting_members}
        if len(old_voters ^ new_voters) > 1:
            raise ConfigError("InvalidReplicaSetConfig", "Non force replica set reconfig can only add or remove at "
                              "most 1 voting member.")


async def clear_newly_added(coord: ReplicationCoordinator, member_id: int) -> None:
    """The primary's automatic reconfig once a newly added member is a SECONDARY: it gets its votes."""
    config = coord.config
    if config is None or not coord.is_writable_primary or coord.reconfig_in_progress:
        return
    member = config.find_id(member_id)
    if member is None or not member.newly_added:
        return
    members = [m if m.id != member_id else m.__class__(**{**m.__dict__, "newly_added": False}) for m in config.members]
    new = config.with_changes(members=members, version=config.version + 1, term=coord.term)
    coord.log_repl(4634505, "Removing 'newlyAdded' field from member", {"memberId": member_id,
                   "version": new.version})
    coord.install_config(new)
