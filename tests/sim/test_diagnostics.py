"""Diagnostic commands against a real simulator process: buildInfo, hostInfo, serverStatus, getDiagnosticData,
connectionStatus, whatsmyuri, listCommands, getLog, top, lockInfo and the commands a self-managed server lacks."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pymongo
import pytest
from bson.int64 import Int64
from pymongo.errors import OperationFailure

from tests.support.simproc import SimProcess


@pytest.fixture(scope="module")
def admin(shared_mongod: SimProcess) -> pymongo.database.Database[dict[str, Any]]:
    return shared_mongod.client().admin


def test_build_info_shape_and_simulator_marker(admin: pymongo.database.Database[dict[str, Any]]) -> None:
    info = admin.command("buildInfo")
    assert info["version"].startswith("8.0.")
    assert info["versionArray"][:2] == [8, 0] and all(type(part) is int for part in info["versionArray"])
    assert len(info["gitVersion"]) == 40
    assert info["buildEnvironment"]["target_os"] == "linux"
    assert info["storageEngines"] == ["devnull", "wiredTiger"]
    assert info["maxBsonObjectSize"] == 16 * 1024 * 1024
    assert info["mongosim"]["simulator"] is True
    assert admin.command("buildinfo")["version"] == info["version"]


def test_host_info_reports_the_real_machine(admin: pymongo.database.Database[dict[str, Any]]) -> None:
    info = admin.command("hostInfo")
    assert list(info)[:3] == ["system", "os", "extra"]
    assert info["system"]["numCores"] >= 1
    assert isinstance(info["system"]["memSizeMB"], Int64) and info["system"]["memSizeMB"] > 0
    assert info["os"]["type"] == "Linux"
    assert isinstance(info["system"]["currentTime"], dt.datetime)


def test_server_status_header_order_and_types(admin: pymongo.database.Database[dict[str, Any]]) -> None:
    status = admin.command("serverStatus")
    assert list(status)[:8] == ["host", "version", "process", "pid", "uptime", "uptimeMillis", "uptimeEstimate",
                                "localTime"]
    assert status["process"] == "mongod"
    assert isinstance(status["pid"], Int64)
    assert isinstance(status["uptime"], float)
    assert isinstance(status["uptimeMillis"], Int64)
    sections = [key for key in list(status)[8:] if key != "ok"]
    assert sections == sorted(sections)
    for section in ("asserts", "connections", "electionMetrics", "extra_info", "featureCompatibilityVersion",
                    "flowControl", "globalLock", "locks", "logicalSessionRecordCache", "mem", "metrics", "network",
                    "opLatencies", "opcounters", "opcountersRepl", "queues", "storageEngine", "transactions",
                    "wiredTiger"):
        assert section in status, section
    assert status["storageEngine"]["name"] == "wiredTiger"
    assert status["featureCompatibilityVersion"] == {"major": 8, "minor": 0, "transitioning": 0}
    assert list(status["connections"])[:3] == ["current", "available", "totalCreated"]
    assert isinstance(status["connections"]["totalCreated"], Int64)
    assert all(isinstance(value, Int64) for value in status["opcounters"].values())
    assert isinstance(status["globalLock"]["totalTime"], Int64)
    assert status["mem"]["bits"] == 64 and status["mem"]["resident"] > 0
    cache = status["wiredTiger"]["cache"]
    assert cache["maximum bytes configured"] >= 256 * 1024 * 1024
    assert "tracked dirty bytes in the cache" in cache
    assert set(status["metrics"]["queryExecutor"]) == {"scanned", "scannedObjects", "collectionScans"}


def test_server_status_counts_commands(admin: pymongo.database.Database[dict[str, Any]]) -> None:
    before = admin.command("serverStatus")
    admin.command("ping")
    with pytest.raises(OperationFailure):
        admin.command("getLog", 5)
    after = admin.command("serverStatus")
    ping_before = before["metrics"]["commands"]["ping"]["total"]
    assert after["metrics"]["commands"]["ping"]["total"] == ping_before + 1
    assert after["metrics"]["commands"]["getLog"]["failed"] >= before["metrics"]["commands"]["getLog"]["failed"] + 1
    assert isinstance(after["metrics"]["commands"]["ping"]["failed"], Int64)
    assert after["opcounters"]["command"] > before["opcounters"]["command"]
    assert after["network"]["numRequests"] > before["network"]["numRequests"]


def test_server_status_sections_can_be_excluded(admin: pymongo.database.Database[dict[str, Any]]) -> None:
    status = admin.command({"serverStatus": 1, "metrics": 0, "wiredTiger": 0, "locks": 0})
    assert "metrics" not in status and "wiredTiger" not in status and "locks" not in status
    assert "connections" in status


def test_wired_tiger_cache_size_follows_the_option(tmp_path: Any) -> None:
    proc = SimProcess(tmp_path, args=["--wiredTigerCacheSizeGB", "1"]).start()
    try:
        status = proc.client().admin.command("serverStatus")
        assert status["wiredTiger"]["cache"]["maximum bytes configured"] == 1 << 30
    finally:
        assert proc.stop() == 0


def test_diagnostic_data_uses_the_8_0_block_layout(admin: pymongo.database.Database[dict[str, Any]]) -> None:
    data = admin.command("getDiagnosticData")["data"]
    assert isinstance(data["start"], dt.datetime) and isinstance(data["end"], dt.datetime)
    assert data["common"]["serverStatus"]["process"] == "mongod"
    assert data["common"]["systemMetrics"]["cpu"]["num_cpus"] >= 1


def test_connection_status_and_whatsmyuri(admin: pymongo.database.Database[dict[str, Any]]) -> None:
    status = admin.command("connectionStatus", showPrivileges=True)
    assert status["authInfo"] == {"authenticatedUsers": [], "authenticatedUserRoles": [],
                                  "authenticatedUserPrivileges": []}
    you = admin.command("whatsmyuri")["you"]
    assert you.startswith("127.0.0.1:") and int(you.rsplit(":", 1)[1]) > 0


@pytest.mark.parametrize("name", ["atlasVersion", "getLastError"])
def test_commands_a_self_managed_8_0_server_lacks(admin: pymongo.database.Database[dict[str, Any]],
                                                  name: str) -> None:
    with pytest.raises(OperationFailure) as info:
        admin.command(name)
    assert info.value.code == 59
    assert info.value.details["codeName"] == "CommandNotFound"


def test_list_commands_describes_registered_commands(admin: pymongo.database.Database[dict[str, Any]]) -> None:
    listed = admin.command("listCommands")["commands"]
    assert list(listed) == sorted(listed)
    assert listed["ping"]["requiresAuth"] is False
    assert listed["serverStatus"]["requiresAuth"] is True
    assert listed["getLog"]["adminOnly"] is True
    assert "atlasVersion" not in listed


def test_get_log_returns_parseable_json_lines(admin: pymongo.database.Database[dict[str, Any]]) -> None:
    assert admin.command("getLog", "*")["names"] == ["global", "startupWarnings"]
    reply = admin.command("getLog", "global")
    assert reply["totalLinesWritten"] >= len(reply["log"]) > 0
    entries = [json.loads(line) for line in reply["log"]]
    assert any(entry["msg"] == "Waiting for connections" and entry["id"] == 23016 for entry in entries)
    assert all({"t", "s", "c", "id", "ctx", "msg"} <= set(entry) for entry in entries)
    warnings = admin.command("getLog", "startupWarnings")
    assert isinstance(warnings["log"], list) and warnings["totalLinesWritten"] == len(warnings["log"])


def test_get_log_errors(admin: pymongo.database.Database[dict[str, Any]]) -> None:
    with pytest.raises(OperationFailure) as info:
        admin.command("getLog", 1)
    assert info.value.code == 14
    with pytest.raises(OperationFailure) as info:
        admin.command("getLog", "nosuchlog")
    assert info.value.code == 96
    with pytest.raises(OperationFailure) as info:
        admin.client.test.command("getLog", "global")
    assert info.value.code == 13


def test_top_and_lock_info(admin: pymongo.database.Database[dict[str, Any]]) -> None:
    db = admin.client.top_db
    db.command("create", "tracked")
    db.command("collMod", "tracked")
    totals = admin.command("top")["totals"]
    assert totals["note"] == "all times in microseconds"
    entry = totals["top_db.tracked"]
    assert entry["total"]["count"] >= 2 and isinstance(entry["total"]["time"], Int64)
    assert entry["writeLock"]["count"] >= 2
    assert admin.command("lockInfo")["lockInfo"] == []
