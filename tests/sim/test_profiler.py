"""The profiler and the slow query log against a real simulator process: system.profile documents, levels,
slowms / filter, the capped profile collection, and the "Slow query" line (id 51803)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pymongo
import pytest
from pymongo.errors import OperationFailure

from tests.support.simproc import SimProcess, wait_until


def _entries(db: pymongo.database.Database[dict[str, Any]], **filter_doc: Any) -> list[dict[str, Any]]:
    return list(db.system.profile.find(filter_doc))


def test_level_2_profiles_every_operation(mongod: SimProcess) -> None:
    client = mongod.client(appname="h4-profiled")
    db = client.prof
    db.command("profile", 2)
    assert "system.profile" in db.list_collection_names()
    options = next(db.list_collections(filter={"name": "system.profile"}))["options"]
    assert options == {"capped": True, "size": 1048576}
    db.command("create", "things")
    entries = wait_until(lambda: _entries(db, **{"command.create": "things"}), "profile the create")
    entry = entries[0]
    keys = [key for key in entry if key != "_id"]
    assert keys[:3] == ["op", "ns", "command"]
    assert keys.index("numYield") < keys.index("locks") < keys.index("responseLength") < keys.index("protocol") \
        < keys.index("millis") < keys.index("ts") < keys.index("client") < keys.index("appName") \
        < keys.index("allUsers") < keys.index("user")
    assert entry["op"] == "command" and entry["ns"] == "prof.things"
    assert entry["protocol"] == "op_msg"
    assert isinstance(entry["ts"], dt.datetime) and isinstance(entry["millis"], int)
    assert entry["client"] == "127.0.0.1" and entry["appName"] == "h4-profiled"
    assert entry["allUsers"] == [] and entry["user"] == ""
    assert entry["responseLength"] > 0


def test_failed_operations_record_the_error(mongod: SimProcess) -> None:
    db = mongod.client().proferr
    db.command("profile", 2)
    with pytest.raises(OperationFailure):
        db.command("create", "bad", capped=True)
    entry = wait_until(lambda: _entries(db, **{"command.create": "bad"}), "profile the failed create")[0]
    assert entry["ok"] == 0 and entry["errCode"] == 72 and entry["errName"] == "InvalidOptions"


def test_level_1_uses_slowms_and_filter(mongod: SimProcess) -> None:
    client = mongod.client()
    db = client.prof1
    db.command("profile", 1, slowms=10_000)
    db.command("create", "fast")
    assert _entries(db, **{"command.create": "fast"}) == []
    db.command("profile", 1, slowms=-1)
    db.command("create", "slow")
    assert wait_until(lambda: _entries(db, **{"command.create": "slow"}), "profile the slow create")
    db.command("profile", 1, slowms=10_000, filter={"command.create": "matched"})
    db.command("create", "matched")
    db.command("create", "unmatched")
    assert wait_until(lambda: _entries(db, **{"command.create": "matched"}), "profile the filtered create")
    assert _entries(db, **{"command.create": "unmatched"}) == []
    db.command("profile", 0, filter="unset")
    db.command("create", "off")
    assert _entries(db, **{"command.create": "off"}) == []
    assert "filter" not in db.command("profile", -1)


def test_system_profile_cannot_be_dropped_while_profiling(mongod: SimProcess) -> None:
    db = mongod.client().profdrop
    db.command("profile", 2)
    with pytest.raises(OperationFailure) as info:
        db.command("drop", "system.profile")
    assert info.value.code == 20
    db.command("profile", 0)
    assert db.command("drop", "system.profile")["ns"] == "profdrop.system.profile"


def test_slow_query_line_has_mongod_attribute_order(mongod: SimProcess) -> None:
    client = mongod.client(appname="h4-slow")
    db = client.slowlog
    db.command("profile", 0, slowms=-1)
    db.command("create", "logged")

    def slow_line() -> dict[str, Any] | None:
        for line in client.admin.command("getLog", "global")["log"]:
            entry = json.loads(line)
            if entry["id"] == 51803 and entry["attr"]["command"].get("create") == "logged":
                return entry
        return None

    entry = wait_until(slow_line, "log the create as a slow query")
    assert (entry["s"], entry["c"], entry["msg"]) == ("I", "COMMAND", "Slow query")
    attr = list(entry["attr"])
    assert attr[0] == "type" and attr[-1] == "durationMillis"
    assert attr.index("ns") < attr.index("appName") < attr.index("command") < attr.index("numYields") \
        < attr.index("reslen") < attr.index("locks") < attr.index("remote") < attr.index("protocol")
    assert entry["attr"]["ns"] == "slowlog.logged" and entry["attr"]["appName"] == "h4-slow"
    db.command("profile", 0, slowms=100)
