"""``ReplSetConfig``: a replica-set configuration parsed from replSetInitiate / replSetReconfig / storage,
with MongoDB's defaults, its validation rules and its messages (``repl_set_config.cpp``, ``member_config.cpp``).

Parsing and ``validate()`` raise ``ConfigError`` carrying the server's own code and reason; the commands wrap
them as the server does (replSetInitiate reports InvalidReplicaSetConfig, replSetReconfig
NewReplicaSetConfigurationIncompatible). ``to_document()`` is what ``local.system.replset`` stores and
``replSetGetConfig`` returns, in the server's field order and BSON types.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

from bson.int64 import Int64
from bson.objectid import ObjectId

from mongosim.namespaces import render
from mongosim.query.compare import is_number, type_name

MAX_MEMBERS = 50
MAX_VOTING_MEMBERS = 7
_MEMBER_FIELDS = frozenset({"_id", "host", "arbiterOnly", "buildIndexes", "hidden", "priority", "tags",
                            "secondaryDelaySecs", "slaveDelay", "votes", "newlyAdded", "horizons"})
_CONFIG_FIELDS = frozenset({"_id", "version", "term", "members", "protocolVersion",
                            "writeConcernMajorityJournalDefault", "configsvr", "settings", "repaired"})
_SETTINGS_DEFAULTS: dict[str, Any] = {
    "chainingAllowed": True, "heartbeatIntervalMillis": 2000, "heartbeatTimeoutSecs": 10,
    "electionTimeoutMillis": 10000, "catchUpTimeoutMillis": -1, "catchUpTakeoverDelayMillis": 30000,
}


class ConfigError(Exception):
    """An invalid configuration: ``code`` (a name from errors.CODES or a number) and the server's reason."""

    def __init__(self, code: int | str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def _int(value: Any, where: str) -> int:
    if not is_number(value) or isinstance(value, bool):
        raise ConfigError("TypeMismatch", f"BSON field '{where}' is the wrong type '{type_name(value)}', "
                          "expected types '[long, int, decimal, double]'")
    number = float(str(value))
    if not math.isfinite(number) or number != int(number):
        raise ConfigError("BadValue", f"BSON field '{where}' value must be an integer, actual value "
                          f"'{value}'")
    return int(number)


def _bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if is_number(value):
        return bool(value)
    raise ConfigError("TypeMismatch", f"BSON field '{where}' is the wrong type '{type_name(value)}', "
                      "expected types '[bool, long, int, decimal, double]'")


def is_localhost(host: str) -> bool:
    """``HostAndPort::isLocalHost``."""
    name = host.rsplit(":", 1)[0].strip("[]") if not host.startswith("/") else host
    return name in ("localhost", "::1", "anonymous unix socket") or name.startswith("127.") or name.startswith("/")


def normalize_host(host: str) -> str:
    """Trimmed, with the port made explicit (``h`` -> ``h:27017``), as ``MemberConfig`` stores it."""
    host = host.strip()
    if host.startswith("["):
        return host if "]:" in host else f"{host}:27017"
    return host if ":" in host else f"{host}:27017"


@dataclass
class MemberConfig:
    id: int
    host: str
    arbiter_only: bool = False
    build_indexes: bool = True
    hidden: bool = False
    priority: float = 1.0
    tags: dict[str, str] = field(default_factory=dict)
    secondary_delay_secs: int = 0
    votes: int = 1
    newly_added: bool = False

    @property
    def is_voter(self) -> bool:
        """Counts in elections and majorities; a newlyAdded member does not until the primary clears it."""
        return self.votes > 0 and not self.newly_added

    @property
    def base_priority(self) -> float:
        return self.priority

    @property
    def effective_priority(self) -> float:
        return 0.0 if self.newly_added else self.priority

    @property
    def is_electable(self) -> bool:
        return not self.arbiter_only and self.effective_priority > 0 and self.is_voter

    @property
    def data_bearing(self) -> bool:
        return not self.arbiter_only

    def to_document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"_id": self.id, "host": self.host, "arbiterOnly": self.arbiter_only}
        if self.newly_added:
            doc["newlyAdded"] = True
        doc.update({"buildIndexes": self.build_indexes, "hidden": self.hidden, "priority": float(self.priority),
                    "tags": dict(self.tags), "secondaryDelaySecs": Int64(self.secondary_delay_secs),
                    "votes": 1 if self.votes else 0})
        return doc

    @classmethod
    def parse(cls, raw: Any, index: int) -> MemberConfig:
        if not isinstance(raw, dict):
            raise ConfigError("TypeMismatch", f"BSON field 'ReplSetConfig.members.{index}' is the wrong type "
                              f"'{type_name(raw)}', expected type 'object'")
        try:
            return cls._parse(raw)
        except ConfigError as exc:
            raise ConfigError(exc.code, f"member: {render(raw)} :: caused by :: {exc.reason}") from exc

    @classmethod
    def _parse(cls, raw: dict[str, Any]) -> MemberConfig:
        for key in raw:
            if key not in _MEMBER_FIELDS:
                raise ConfigError(40415, f"BSON field 'MemberConfig.{key}' is an unknown field.")
        for required in ("_id", "host"):
            if required not in raw:
                raise ConfigError(40414, f"BSON field 'MemberConfig.{required}' is missing but a required field")
        member_id = _int(raw["_id"], "MemberConfig._id")
        if member_id < 0:
            raise ConfigError(51024, f"BSON field '_id' value must be >= 0, actual value '{member_id}'")
        host = raw["host"]
        if not isinstance(host, str):
            raise ConfigError("TypeMismatch", f"BSON field 'MemberConfig.host' is the wrong type "
                              f"'{type_name(host)}', expected type 'string'")
        if not host.strip():
            raise ConfigError("FailedToParse", "Empty host component parsing HostAndPort from \"\"")
        member = cls(member_id, normalize_host(host))
        member.arbiter_only = _bool(raw.get("arbiterOnly", False), "MemberConfig.arbiterOnly")
        member.build_indexes = _bool(raw.get("buildIndexes", True), "MemberConfig.buildIndexes")
        member.hidden = _bool(raw.get("hidden", False), "MemberConfig.hidden")
        member.newly_added = _bool(raw.get("newlyAdded", False), "MemberConfig.newlyAdded")
        if "priority" in raw:
            priority = raw["priority"]
            if not is_number(priority) or isinstance(priority, bool):
                raise ConfigError("TypeMismatch", f"BSON field 'MemberConfig.priority' is the wrong type "
                                  f"'{type_name(priority)}', expected types '[long, int, decimal, double]'")
            member.priority = float(str(priority))
            if member.priority < 0:
                raise ConfigError(51024, f"BSON field 'priority' value must be >= 0, actual value "
                                  f"'{_num(member.priority)}'")
            if member.priority > 1000:
                raise ConfigError(51025, f"BSON field 'priority' value must be <= 1000, actual value "
                                  f"'{_num(member.priority)}'")
        if "votes" in raw:
            votes = _int(raw["votes"], "MemberConfig.votes")
            if votes < 0:
                raise ConfigError(51024, f"BSON field 'votes' value must be >= 0, actual value '{votes}'")
            if votes > 1:
                raise ConfigError(51025, f"BSON field 'votes' value must be <= 1, actual value '{votes}'")
            member.votes = votes
        delay_key = "secondaryDelaySecs" if "secondaryDelaySecs" in raw else "slaveDelay"
        if delay_key in raw:
            delay = _int(raw[delay_key], f"MemberConfig.{delay_key}")
            if delay < 0:
                raise ConfigError(51024, f"BSON field '{delay_key}' value must be >= 0, actual value '{delay}'")
            member.secondary_delay_secs = delay
        tags = raw.get("tags", {})
        if not isinstance(tags, dict):
            raise ConfigError("TypeMismatch", f"BSON field 'MemberConfig.tags' is the wrong type "
                              f"'{type_name(tags)}', expected type 'object'")
        for key, value in tags.items():
            if not isinstance(value, str):
                raise ConfigError("TypeMismatch", f"tags.{key} field has non-string value of type "
                                  f"{type_name(value)}")
        member.tags = dict(tags)
        member._check_rules("priority" in raw)
        return member

    def _check_rules(self, priority_given: bool) -> None:
        """The electability rules of ``MemberConfig``'s constructor."""
        if self.arbiter_only:
            if self.priority == 1.0:
                self.priority = 0.0  # an arbiter's default priority is 0
            if self.votes == 0:
                raise ConfigError("BadValue", "Arbiter must vote (cannot have 0 votes)")
            if self.newly_added:
                raise ConfigError("BadValue", "Arbiter cannot have newlyAdded field set")
            if self.tags:
                raise ConfigError("BadValue", "Cannot set tags on arbiters.")
        if self.priority != 0:
            if self.votes == 0:
                raise ConfigError("BadValue", "priority must be 0 when non-voting (votes:0)")
            if self.secondary_delay_secs > 0:
                raise ConfigError("BadValue", "priority must be 0 when secondaryDelaySecs is used")
            if self.hidden:
                raise ConfigError("BadValue", "priority must be 0 when hidden=true")
            if not self.build_indexes:
                raise ConfigError("BadValue", "priority must be 0 when buildIndexes=false")


def _num(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


@dataclass
class ReplSetConfig:
    name: str
    version: int
    term: int
    members: list[MemberConfig]
    settings: dict[str, Any]
    replica_set_id: ObjectId
    configsvr: bool | None = None
    write_concern_majority_journal_default: bool = True
    get_last_error_modes: dict[str, dict[str, int]] = field(default_factory=dict)

    # ------------------------------------------------------------------------------------ parsing
    @classmethod
    def parse(cls, raw: Any, *, for_initiate: bool = False, configsvr_node: bool = False) -> ReplSetConfig:
        """A config from a command or storage document. ``for_initiate`` applies replSetInitiate's defaults
        (version 1, term 0, a new replicaSetId; configsvr: true on a --configsvr node)."""
        if not isinstance(raw, dict):
            raise ConfigError("TypeMismatch", f"Expected replica set configuration to be an object, found "
                              f"{type_name(raw)}")
        for key in raw:
            if key not in _CONFIG_FIELDS:
                raise ConfigError(40415, f"BSON field 'ReplSetConfig.{key}' is an unknown field.")
        if "_id" not in raw:
            raise ConfigError(40414, "BSON field 'ReplSetConfig._id' is missing but a required field")
        name = raw["_id"]
        if not isinstance(name, str):
            raise ConfigError("TypeMismatch", f"BSON field 'ReplSetConfig._id' is the wrong type "
                              f"'{type_name(name)}', expected type 'string'")
        if "version" not in raw and not for_initiate:
            raise ConfigError(40414, "BSON field 'ReplSetConfig.version' is missing but a required field")
        version = _int(raw.get("version", 1), "ReplSetConfig.version")
        if version < 1:
            raise ConfigError(51024, f"BSON field 'version' value must be >= 1, actual value '{version}'")
        term = 0 if for_initiate else _int(raw.get("term", -1), "ReplSetConfig.term")
        if "protocolVersion" in raw and _int(raw["protocolVersion"], "ReplSetConfig.protocolVersion") != 1:
            raise ConfigError("BadValue", "Support for replication protocol version 0 was removed in MongoDB "
                              "4.4. For more information, see https://dochub.mongodb.org/core/4.4-deprecate-pv0")
        if "members" not in raw:
            raise ConfigError(40414, "BSON field 'ReplSetConfig.members' is missing but a required field")
        if not isinstance(raw["members"], list):
            raise ConfigError("TypeMismatch", f"BSON field 'ReplSetConfig.members' is the wrong type "
                              f"'{type_name(raw['members'])}', expected type 'array'")
        members = [MemberConfig.parse(m, i) for i, m in enumerate(raw["members"])]
        settings_raw = raw.get("settings", {})
        if not isinstance(settings_raw, dict):
            raise ConfigError("TypeMismatch", f"BSON field 'ReplSetConfig.settings' is the wrong type "
                              f"'{type_name(settings_raw)}', expected type 'object'")
        settings = dict(_SETTINGS_DEFAULTS)
        for key in _SETTINGS_DEFAULTS:
            if key in settings_raw:
                settings[key] = (_bool(settings_raw[key], f"ReplSetConfig.settings.{key}")
                                 if key == "chainingAllowed" else _int(settings_raw[key], f"settings.{key}"))
        for key in ("heartbeatIntervalMillis", "electionTimeoutMillis", "heartbeatTimeoutSecs"):
            if settings[key] <= 0:
                raise ConfigError("BadValue", f"{key} field value must be positive, but found {settings[key]}")
        modes = settings_raw.get("getLastErrorModes", {})
        if not isinstance(modes, dict) or not all(isinstance(v, dict) for v in modes.values()):
            raise ConfigError("TypeMismatch", "Expected getLastErrorModes to be an object of objects")
        parsed_modes = {mode: {tag: _int(n, f"getLastErrorModes.{mode}.{tag}") for tag, n in spec.items()}
                        for mode, spec in modes.items()}
        defaults = settings_raw.get("getLastErrorDefaults", {"w": 1, "wtimeout": 0})
        if isinstance(defaults, dict) and (defaults.get("w", 1) != 1 or defaults.get("wtimeout", 0) != 0
                                           or "j" in defaults):
            raise ConfigError(5624101, "Failed to initiate: Replica set config contains customized "
                              "getLastErrorDefaults, which has been deprecated and is now ignored. Use "
                              "setDefaultRWConcern instead to set a cluster-wide default writeConcern.")
        replica_set_id = settings_raw.get("replicaSetId")
        if for_initiate and replica_set_id is not None:
            raise ConfigError("InvalidReplicaSetConfig", f"replica set configuration cannot contain "
                              f"'replicaSetId' field when called from replSetInitiate: {render(raw)}")
        if replica_set_id is not None and not isinstance(replica_set_id, ObjectId):
            raise ConfigError("TypeMismatch", "BSON field 'ReplSetConfig.settings.replicaSetId' is the wrong "
                              f"type '{type_name(replica_set_id)}', expected type 'objectId'")
        configsvr = _bool(raw["configsvr"], "ReplSetConfig.configsvr") if "configsvr" in raw else None
        if for_initiate and configsvr_node and configsvr is None:
            configsvr = True
        journal_default = _bool(raw.get("writeConcernMajorityJournalDefault", True),
                                "ReplSetConfig.writeConcernMajorityJournalDefault")
        config = cls(name, version, term, members, settings, replica_set_id or ObjectId(), configsvr,
                     journal_default, parsed_modes)
        config._check_modes()
        return config

    def _check_modes(self) -> None:
        known = {key for member in self.members for key in member.tags}
        for mode, spec in self.get_last_error_modes.items():
            for tag, count in spec.items():
                if tag not in known:
                    raise ConfigError("NoSuchKey", f"No replica set tag key named \"{tag}\" used in mode "
                                      f"\"{mode}\"")
                if count <= 0:
                    raise ConfigError("BadValue", f"Value of {count} for constraint \"{tag}\" in mode "
                                      f"\"{mode}\" must be positive")

    # ------------------------------------------------------------------------------------ validation
    def validate(self, *, configsvr_node: bool = False) -> None:
        """``ReplSetConfig::validate``: whole-set rules (sizes, uniqueness, voters, electability, CSRS)."""
        members = self.members
        if not members or len(members) > MAX_MEMBERS:
            raise ConfigError("BadValue", f"Replica set configuration contains {len(members)} members, but must "
                              f"have at least 1 and no more than  {MAX_MEMBERS}")
        for i, first in enumerate(members):
            for j, second in enumerate(members):
                if i == j:
                    continue
                if first.id == second.id:
                    raise ConfigError("BadValue", f"Found two member configurations with same _id field, "
                                      f"members.{i}._id == members.{j}._id == {first.id}")
                if first.host == second.host:
                    raise ConfigError("BadValue", f"Found two member configurations with same host field, "
                                      f"members.{i}.host == members.{j}.host == {first.host}")
        localhost = sum(1 for m in members if is_localhost(m.host))
        if localhost not in (0, len(members)):
            raise ConfigError("BadValue", "Either all host names in a replica set configuration must be localhost "
                              f"references, or none must be; found {localhost} out of {len(members)}")
        voters = sum(1 for m in members if m.votes > 0)
        if voters == 0 or voters > MAX_VOTING_MEMBERS:
            raise ConfigError("BadValue", f"Replica set configuration contains {voters} voting members, but must "
                              f"be at least 1 and no more than {MAX_VOTING_MEMBERS}")
        if not any(not m.arbiter_only and m.priority > 0 for m in members):
            raise ConfigError("BadValue", "Replica set configuration must contain at least one non-arbiter "
                              "member with priority > 0")
        if self.configsvr:
            if any(m.arbiter_only for m in members):
                raise ConfigError("BadValue", "Arbiters are not allowed in replica set configurations being used "
                                  "for config servers")
            if any(not m.build_indexes for m in members):
                raise ConfigError("BadValue", "Members in replica set configurations being used for config "
                                  "servers must build indexes")
            if any(m.secondary_delay_secs for m in members):
                raise ConfigError("BadValue", "Members in replica set configurations being used for config "
                                  "servers cannot have a non-zero secondaryDelaySecs")
            if not configsvr_node:
                raise ConfigError("BadValue", "Nodes being used for config servers must be started with the "
                                  "--configsvr flag")
            if not self.write_concern_majority_journal_default:
                raise ConfigError("BadValue", "writeConcernMajorityJournalDefault must be true in replica set "
                                  "configurations being used for config servers")
        elif configsvr_node:
            raise ConfigError("BadValue", "Nodes started with the --configsvr flag must have configsvr:true in "
                              "their config")
        for member in members:
            if member.arbiter_only and member.priority != 0:
                raise ConfigError("InvalidReplicaSetConfig", f"Member {member.host} is an arbiter but has priority "
                                  f"{_num(member.priority)}. Arbiter priority must be 0.")

    # ------------------------------------------------------------------------------------ derived values
    @property
    def heartbeat_interval_s(self) -> float:
        return float(self.settings["heartbeatIntervalMillis"]) / 1000.0

    @property
    def heartbeat_timeout_s(self) -> float:
        return float(self.settings["heartbeatTimeoutSecs"])

    @property
    def election_timeout_s(self) -> float:
        return float(self.settings["electionTimeoutMillis"]) / 1000.0

    @property
    def catch_up_takeover_delay_s(self) -> float:
        return float(self.settings["catchUpTakeoverDelayMillis"]) / 1000.0

    @property
    def voting_members(self) -> list[MemberConfig]:
        return [m for m in self.members if m.is_voter]

    @property
    def majority_vote_count(self) -> int:
        return len(self.voting_members) // 2 + 1

    @property
    def writable_voting_count(self) -> int:
        return sum(1 for m in self.voting_members if not m.arbiter_only)

    @property
    def write_majority(self) -> int:
        """Members that must have a write for "majority" (arbiters never count)."""
        return min(self.majority_vote_count, self.writable_voting_count)

    @property
    def data_bearing_count(self) -> int:
        return sum(1 for m in self.members if m.data_bearing)

    def version_and_term(self) -> tuple[int, int]:
        return self.version, self.term

    def version_term_string(self) -> str:
        return f"{{version: {self.version}, term: {self.term}}}"

    def newer_than(self, other: ReplSetConfig) -> bool:
        """``ConfigVersionAndTerm`` order: by term then version, by version alone when either term is -1
        (a force reconfig)."""
        if self.term == -1 or other.term == -1:
            return self.version > other.version
        return (self.term, self.version) > (other.term, other.version)

    def find_host(self, host: str) -> MemberConfig | None:
        return next((m for m in self.members if m.host == host), None)

    def find_id(self, member_id: int) -> MemberConfig | None:
        return next((m for m in self.members if m.id == member_id), None)

    def index_of(self, member_id: int) -> int:
        return next((i for i, m in enumerate(self.members) if m.id == member_id), -1)

    def priority_rank(self, priority: float) -> int:
        """How many members have a higher priority (the priority takeover delay is rank+1 timeouts)."""
        return sum(1 for m in self.members if m.effective_priority > priority)

    def with_changes(self, **changes: Any) -> ReplSetConfig:
        return replace(self, **changes)

    def to_document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"_id": self.name, "version": self.version}
        if self.term != -1:
            doc["term"] = self.term
        doc["members"] = [m.to_document() for m in self.members]
        if self.configsvr is not None:
            doc["configsvr"] = self.configsvr
        doc["protocolVersion"] = Int64(1)
        doc["writeConcernMajorityJournalDefault"] = self.write_concern_majority_journal_default
        settings = dict(self.settings)
        settings["getLastErrorModes"] = {mode: dict(spec) for mode, spec in self.get_last_error_modes.items()}
        settings["getLastErrorDefaults"] = {"w": 1, "wtimeout": 0}
        settings["replicaSetId"] = self.replica_set_id
        doc["settings"] = settings
        return doc
