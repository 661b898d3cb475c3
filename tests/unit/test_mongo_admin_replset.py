"""Replica-set helpers without a server: the initiate document, and replSetGetStatus read into rows and lag."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bson.int64 import Int64
from bson.timestamp import Timestamp

from mongo_admin.mongo.replset import connection_string, initiate_document, parse_replset_status

EPOCH = dt.datetime(1970, 1, 1)
T0 = dt.datetime(2026, 11, 26, 5, 0, 0)


def member(member_id: int, state_str: str, state: int, applied: dt.datetime, **extra: Any) -> dict[str, Any]:
    optime = {"ts": Timestamp(int(applied.timestamp()), 1), "t": Int64(1)}
    return {"_id": member_id, "name": f"127.0.0.1:4000{member_id}", "health": 1.0, "state": state,
            "stateStr": state_str, "uptime": 42, "optime": optime,
            "optimeDate": applied.replace(microsecond=0), "lastAppliedWallTime": applied, **extra}


def test_connection_string_and_initiate_document() -> None:
    hosts = ["127.0.0.1:40001", "127.0.0.1:40002"]
    assert connection_string(hosts, "rs0") == "mongodb://127.0.0.1:40001,127.0.0.1:40002/?replicaSet=rs0"
    assert initiate_document("rs0", hosts) == {
        "_id": "rs0", "members": [{"_id": 0, "host": hosts[0]}, {"_id": 1, "host": hosts[1]}]}
    assert initiate_document("rs0", hosts[:1], {"electionTimeoutMillis": 1000})["settings"] == {
        "electionTimeoutMillis": 1000}


def test_status_rows_and_lag_behind_the_primary() -> None:
    reply = {"set": "rs0", "term": Int64(3), "members": [
        member(0, "PRIMARY", 1, T0 + dt.timedelta(milliseconds=1500), self=True),
        member(1, "SECONDARY", 2, T0 + dt.timedelta(milliseconds=1250), lastHeartbeatMessage=""),
        # a DOWN member, as replSetGetStatus reports it
        {"_id": 2, "name": "127.0.0.1:40002", "health": 0.0, "state": 8, "stateStr": "(not reachable/healthy)",
         "uptime": 0, "optime": {"ts": Timestamp(0, 0), "t": Int64(-1)}, "optimeDate": EPOCH,
         "lastHeartbeatMessage": "Error connecting to 127.0.0.1:40002 :: caused by :: Connection refused"},
    ]}
    state = parse_replset_status(reply)
    assert (state.set_name, state.term) == ("rs0", 3)
    primary, secondary, down = state.members
    assert state.primary == primary
    assert (primary.is_self, primary.uptime_s, state.lag_s(primary)) == (True, 42, 0.0)
    assert state.lag_s(secondary) == 0.25
    assert (down.health, down.applied_at, state.lag_s(down)) == (0.0, None, None)
    assert down.message == "Error connecting to 127.0.0.1:40002 :: caused by :: Connection refused"
    assert state.unhealthy() == [down]


def test_without_a_primary_there_is_no_lag() -> None:
    state = parse_replset_status({"set": "rs0", "members": [member(0, "SECONDARY", 2, T0),
                                                             member(1, "STARTUP2", 5, T0)]})
    assert state.primary is None and state.term is None
    assert [state.lag_s(m) for m in state.members] == [None, None]
    assert [m.state_str for m in state.unhealthy()] == ["STARTUP2"]
