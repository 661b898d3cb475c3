"""Typed readings of buildInfo and serverStatus replies (real MongoDB and mongosim shapes)."""

from __future__ import annotations

from typing import Any

import pytest

from mongo_admin.mongo.client import (
    BuildInfo,
    HelloSummary,
    parse_build_info,
    parse_hello,
    parse_server_status,
)


@pytest.mark.parametrize(
    ("reply", "expected", "label"),
    [
        ({"version": "8.0.4", "gitVersion": "bf" * 20, "ok": 1.0}, BuildInfo("8.0.4", "bf" * 20, None), "MongoDB"),
        ({"version": "8.0.4", "mongosim": {"simulator": True, "version": "0.1.0"}},
         BuildInfo("8.0.4", None, "0.1.0"), "sandbox (mongosim 0.1.0)"),
        ({"version": "8.0.4", "mongosim": {"simulator": True}}, BuildInfo("8.0.4", None, "unknown"),
         "sandbox (mongosim unknown)"),
        ({"version": "7.0.1", "mongosim": {"simulator": False}}, BuildInfo("7.0.1", None, None), "MongoDB"),
        ({}, BuildInfo("unknown", None, None), "MongoDB"),
    ],
)
def test_build_info_tells_a_simulator_from_real_mongodb(reply: dict[str, Any], expected: BuildInfo,
                                                        label: str) -> None:
    info = parse_build_info(reply)
    assert info == expected
    assert info.server_label == label
    assert info.simulator is (expected.simulator_version is not None)


def test_server_status_summary_from_a_real_shaped_reply() -> None:
    reply = {"host": "db1:27018", "version": "8.0.4", "process": "mongod", "pid": 1234, "uptime": 9137.5,
             "connections": {"current": 22, "available": 838838, "totalCreated": 83},
             "opcounters": {"insert": 2083, "query": 6132, "update": 1559, "delete": 2064, "getmore": 19527,
                            "command": 44255, "deprecated": {"total": 1}},
             "ok": 1.0}
    summary = parse_server_status(reply)
    assert (summary.host, summary.process, summary.pid, summary.uptime_s) == ("db1:27018", "mongod", 1234, 9137.5)
    assert (summary.connections_current, summary.connections_available) == (22, 838838)
    assert summary.opcounters == {"insert": 2083, "query": 6132, "update": 1559, "delete": 2064,
                                  "getmore": 19527, "command": 44255}


def test_server_status_summary_tolerates_missing_sections() -> None:
    summary = parse_server_status({"ok": 1.0, "connections": "n/a", "pid": True})
    assert (summary.host, summary.pid, summary.uptime_s, summary.connections_current, summary.opcounters) == (
        None, None, None, None, {})


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ({"isWritablePrimary": True, "maxWireVersion": 25}, HelloSummary(True, None, False, 25)),
        ({"ismaster": True, "msg": "isdbgrid", "maxWireVersion": 25}, HelloSummary(True, None, True, 25)),
        ({"isWritablePrimary": False, "secondary": True, "setName": "rs0", "primary": "h1:1", "me": "h2:2"},
         HelloSummary(False, "rs0", False, None, secondary=True, primary="h1:1", me="h2:2")),
        # an uninitiated --replSet member (SDAM type RSGhost)
        ({"isWritablePrimary": False, "secondary": False, "info": "Does not have a valid replica set config",
          "isreplicaset": True}, HelloSummary(False, None, False, None, awaiting_config=True)),
    ],
)
def test_hello_summary(reply: dict[str, Any], expected: HelloSummary) -> None:
    assert parse_hello(reply) == expected
