"""Replica-set configuration: MongoDB's defaults, validation rules and messages, and the reconfig rules."""

from __future__ import annotations

from typing import Any

import pytest
from bson.int64 import Int64
from bson.objectid import ObjectId

from mongosim.repl.config import ConfigError, ReplSetConfig
from mongosim.repl.reconfig import _check_compatible


def members(*specs: dict[str, Any], hosts: int = 0) -> list[dict[str, Any]]:
    out = [{"_id": i, "host": f"h{i}:27017", **spec} for i, spec in enumerate(specs)]
    out += [{"_id": len(out) + i, "host": f"h{len(out) + i}:27017"} for i in range(hosts)]
    return out


def config(*specs: dict[str, Any], hosts: int = 0, **fields: Any) -> dict[str, Any]:
    return {"_id": "rs0", "version": 1, "members": members(*specs, hosts=hosts), **fields}


def parse(doc: dict[str, Any], **kwargs: Any) -> ReplSetConfig:
    parsed = ReplSetConfig.parse(doc, **kwargs)
    parsed.validate(configsvr_node=kwargs.get("configsvr_node", False))
    return parsed


def test_defaults_and_document_shape() -> None:
    parsed = parse({"_id": "rs0", "members": [{"_id": 0, "host": "h0"}]}, for_initiate=True)
    doc = parsed.to_document()
    assert list(doc) == ["_id", "version", "term", "members", "protocolVersion", "writeConcernMajorityJournalDefault",
                         "settings"]
    assert doc["version"] == 1 and doc["term"] == 0
    assert doc["members"] == [{"_id": 0, "host": "h0:27017", "arbiterOnly": False, "buildIndexes": True,
                               "hidden": False, "priority": 1.0, "tags": {}, "secondaryDelaySecs": Int64(0),
                               "votes": 1}]
    assert isinstance(doc["members"][0]["secondaryDelaySecs"], Int64)
    assert isinstance(doc["protocolVersion"], Int64) and doc["protocolVersion"] == 1
    assert doc["writeConcernMajorityJournalDefault"] is True
    settings = doc["settings"]
    assert {k: settings[k] for k in ("chainingAllowed", "heartbeatIntervalMillis", "heartbeatTimeoutSecs",
                                     "electionTimeoutMillis", "catchUpTimeoutMillis", "catchUpTakeoverDelayMillis",
                                     "getLastErrorModes", "getLastErrorDefaults")} == {
        "chainingAllowed": True, "heartbeatIntervalMillis": 2000, "heartbeatTimeoutSecs": 10,
        "electionTimeoutMillis": 10000, "catchUpTimeoutMillis": -1, "catchUpTakeoverDelayMillis": 30000,
        "getLastErrorModes": {}, "getLastErrorDefaults": {"w": 1, "wtimeout": 0}}
    assert isinstance(settings["replicaSetId"], ObjectId)


def test_arbiter_defaults_to_priority_zero_and_majorities() -> None:
    parsed = parse(config({}, {}, {"arbiterOnly": True}))
    assert parsed.members[2].priority == 0
    assert parsed.majority_vote_count == 2
    assert parsed.writable_voting_count == 2
    assert parsed.write_majority == 2
    assert parsed.data_bearing_count == 2


def test_configsvr_defaults_true_at_initiate_on_a_configsvr_node() -> None:
    parsed = parse(config({}), for_initiate=True, configsvr_node=True)
    assert parsed.configsvr is True
    assert parsed.to_document()["configsvr"] is True


@pytest.mark.parametrize(("doc", "code", "message"), [
    (config({}, {"host": "h0:27017"}), "BadValue",
     "Found two member configurations with same host field, members.0.host == members.1.host == h0:27017"),
    (config({}, {"_id": 0}), "BadValue",
     "Found two member configurations with same _id field, members.0._id == members.1._id == 0"),
    (config({"priority": -1}), 51024, "BSON field 'priority' value must be >= 0, actual value '-1'"),
    (config({"priority": 1001}), 51025, "BSON field 'priority' value must be <= 1000, actual value '1001'"),
    (config({}, {"votes": 2}), 51025, "BSON field 'votes' value must be <= 1, actual value '2'"),
    (config({}, {"votes": 0}), "BadValue", "priority must be 0 when non-voting (votes:0)"),
    (config({}, {"hidden": True}), "BadValue", "priority must be 0 when hidden=true"),
    (config({}, {"secondaryDelaySecs": 60}), "BadValue", "priority must be 0 when secondaryDelaySecs is used"),
    (config({}, {"buildIndexes": False}), "BadValue", "priority must be 0 when buildIndexes=false"),
    (config({}, {"arbiterOnly": True, "votes": 0}), "BadValue", "Arbiter must vote (cannot have 0 votes)"),
    (config({}, hosts=7), "BadValue",
     "Replica set configuration contains 8 voting members, but must be at least 1 and no more than 7"),
    (config(hosts=51), "BadValue",
     "Replica set configuration contains 51 members, but must have at least 1 and no more than  50"),
    (config({"priority": 0}), "BadValue",
     "Replica set configuration must contain at least one non-arbiter member with priority > 0"),
    (config({"host": "localhost:1"}, {}), "BadValue",
     "Either all host names in a replica set configuration must be localhost references, or none must be; found 1 "
     "out of 2"),
    (config({}, {"arbiterOnly": True, "priority": 2}), "InvalidReplicaSetConfig",
     "Member h1:27017 is an arbiter but has priority 2. Arbiter priority must be 0."),
    (config({}, configsvr=True), "BadValue",
     "Nodes being used for config servers must be started with the --configsvr flag"),
    ({"_id": "rs0", "version": 1, "members": [{"_id": 0}]}, 40414,
     "BSON field 'MemberConfig.host' is missing but a required field"),
    ({"_id": "rs0", "version": 1}, 40414, "BSON field 'ReplSetConfig.members' is missing but a required field"),
])
def test_invalid_configs(doc: dict[str, Any], code: int | str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(doc)
    assert caught.value.code == code
    assert caught.value.reason.endswith(message)


def test_member_errors_name_the_member() -> None:
    with pytest.raises(ConfigError) as caught:
        parse(config({}, {"hidden": True}))
    assert caught.value.reason == ('member: { _id: 1, host: "h1:27017", hidden: true } :: caused by :: '
                                   "priority must be 0 when hidden=true")


def test_configsvr_flag_rules() -> None:
    with pytest.raises(ConfigError, match="Nodes started with the --configsvr flag must have configsvr:true"):
        parse(config({}, configsvr=False), for_initiate=True, configsvr_node=True)
    with pytest.raises(ConfigError, match="Arbiters are not allowed"):
        parse(config({}, {}, {"arbiterOnly": True}, configsvr=True), configsvr_node=True)


def test_write_concern_modes_must_name_known_tags() -> None:
    doc = config({"tags": {"dc": "a"}}, {"tags": {"dc": "b"}}, settings={"getLastErrorModes": {"twoDCs": {"dc": 2}}})
    assert parse(doc).get_last_error_modes == {"twoDCs": {"dc": 2}}
    bad = config({}, settings={"getLastErrorModes": {"x": {"rack": 1}}})
    with pytest.raises(ConfigError, match='No replica set tag key named "rack"'):
        parse(bad)


# ------------------------------------------------------------------------------------------------ reconfig rules
def pair(old_specs: list[dict[str, Any]], new_specs: list[dict[str, Any]], *, version: int = 2,
         term: int = 1) -> tuple[ReplSetConfig, ReplSetConfig]:
    old = parse({"_id": "rs0", "version": 1, "members": members(*old_specs)})
    old.term = 1
    new = parse({"_id": "rs0", "version": version, "members": members(*new_specs),
                 "settings": {"replicaSetId": old.replica_set_id}})
    new.term = term
    return old, new


def test_one_voting_change_is_allowed() -> None:
    old, new = pair([{}, {}, {}], [{}, {}, {"votes": 0, "priority": 0}])
    _check_compatible(old, new, force=False)


def test_two_voting_changes_are_refused() -> None:
    old, new = pair([{}, {}, {}], [{}, {"votes": 0, "priority": 0}, {"votes": 0, "priority": 0}])
    with pytest.raises(ConfigError) as caught:
        _check_compatible(old, new, force=False)
    assert caught.value.reason == "Non force replica set reconfig can only add or remove at most 1 voting member."
    _check_compatible(old, new, force=True)


def test_version_and_term_must_increase() -> None:
    old, new = pair([{}], [{}], version=1)
    with pytest.raises(ConfigError) as caught:
        _check_compatible(old, new, force=False)
    assert caught.value.code == "NewReplicaSetConfigurationIncompatible"
    assert caught.value.reason == ("New replica set configuration version and term must be greater than old, but "
                                   "{version: 1, term: 1} is not greater than {version: 1, term: 1} for replica "
                                   "set rs0")


def test_member_identity_and_immutable_flags() -> None:
    old, new = pair([{}, {}], [{}, {}])
    new.members[1].id = 5
    with pytest.raises(ConfigError, match="both have members with host of h1:27017 but in the new configuration "
                                          "the _id field is 5 and in the old configuration it is 1"):
        _check_compatible(old, new, force=False)
    old, new = pair([{}, {}, {"arbiterOnly": True}], [{}, {}, {"priority": 0}])
    with pytest.raises(ConfigError, match="differ in the setting of the arbiterOnly field for member h2:27017; to "
                                          "make this change, remove then re-add the member"):
        _check_compatible(old, new, force=False)


def test_replica_set_id_must_not_change() -> None:
    old, new = pair([{}], [{}])
    new.replica_set_id = ObjectId()
    with pytest.raises(ConfigError, match="New and old configurations differ in replica set ID"):
        _check_compatible(old, new, force=False)


def test_config_ordering_uses_term_then_version() -> None:
    old, new = pair([{}], [{}], version=1, term=2)
    assert new.newer_than(old)
    new.term = -1  # a force reconfig compares versions only
    assert not new.newer_than(old)
