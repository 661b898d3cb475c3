"""Process administration against real simulator processes: getCmdLineOpts, getParameter/setParameter, profile
settings, fsync and its lock, currentOp/killOp, logRotate, shutdown, sessions and transaction numbers."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pymongo
import pytest
from bson.binary import Binary
from bson.int64 import Int64
from pymongo.errors import AutoReconnect, OperationFailure

from tests.support.simproc import SimProcess, wait_until

Database = pymongo.database.Database[dict[str, Any]]


@pytest.fixture(scope="module")
def admin(shared_mongod: SimProcess) -> Database:
    return shared_mongod.client().admin


def _error(call: Any) -> OperationFailure:
    with pytest.raises(OperationFailure) as info:
        call()
    return info.value


def test_get_cmd_line_opts_echoes_argv_and_parsed_tree(admin: Database, shared_mongod: SimProcess) -> None:
    reply = admin.command("getCmdLineOpts")
    assert str(shared_mongod.port) in reply["argv"]
    assert reply["parsed"]["net"]["port"] == shared_mongod.port
    assert reply["parsed"]["storage"]["dbPath"] == str(shared_mongod.dbpath)
    assert _error(lambda: admin.client.test.command("getCmdLineOpts")).code == 13


def test_get_parameter_forms(admin: Database) -> None:
    assert admin.command("getParameter", 1, featureCompatibilityVersion=1)["featureCompatibilityVersion"] == \
        {"version": "8.0"}
    detailed = admin.command({"getParameter": {"showDetails": True}, "logLevel": 1})["logLevel"]
    assert detailed == {"value": 0, "settableAtRuntime": True, "settableAtStartup": True}
    everything = admin.command("getParameter", "*")
    assert {"cursorTimeoutMillis", "logLevel", "featureCompatibilityVersion"} <= set(everything)
    assert isinstance(everything["cursorTimeoutMillis"], Int64)
    verbosity = admin.command("getParameter", 1, logComponentVerbosity=1)["logComponentVerbosity"]
    assert verbosity["verbosity"] == 0 and verbosity["command"]["verbosity"] == -1
    error = _error(lambda: admin.command("getParameter", 1, noSuchParameter=1))
    assert (error.code, error.details["errmsg"]) == (72, "no option found to get")


def test_set_parameter_returns_previous_value_and_applies_it(admin: Database) -> None:
    assert admin.command("setParameter", 1, cursorTimeoutMillis=300000)["was"] == 600000
    assert admin.command("getParameter", 1, cursorTimeoutMillis=1)["cursorTimeoutMillis"] == 300000
    assert admin.command("setParameter", 1, logLevel=1)["was"] == 0
    assert admin.command("getParameter", 1, logComponentVerbosity=1)["logComponentVerbosity"]["verbosity"] == 1
    assert admin.command("setParameter", 1, logLevel=0)["was"] == 1
    admin.command("setParameter", 1, cursorTimeoutMillis=600000)


def test_set_parameter_errors(admin: Database) -> None:
    unknown = _error(lambda: admin.command("setParameter", 1, noSuchParameter=1))
    assert unknown.code == 72
    assert unknown.details["errmsg"] == "attempted to set unrecognized parameter [noSuchParameter], use help:true " \
                                        "to see options "
    startup_only = _error(lambda: admin.command("setParameter", 1, enableTestCommands=True))
    assert (startup_only.code, startup_only.details["errmsg"]) == (20, "not allowed to change [enableTestCommands] "
                                                                       "at runtime")
    assert _error(lambda: admin.command("setParameter", 1)).code == 72
    assert _error(lambda: admin.command("setParameter", 1, logLevel="loud")).code == 2


def test_profile_returns_previous_settings(tmp_path: Path) -> None:
    proc = SimProcess(tmp_path).start()
    try:
        db = proc.client().profiled
        assert db.command("profile", -1) == {"was": 0, "slowms": 100, "sampleRate": 1.0, "ok": 1.0}
        assert db.command("profile", 1, slowms=20, sampleRate=0.5)["was"] == 0
        assert db.command("profile", -1) == {"was": 1, "slowms": 20, "sampleRate": 0.5, "ok": 1.0}
        db.command("profile", 1, filter={"millis": {"$gt": 5}})
        with_filter = db.command("profile", 0)
        assert with_filter["filter"] == {"millis": {"$gt": 5}}
        assert with_filter["note"].startswith("When a filter expression is set")
        assert _error(lambda: db.command("profile", 3)).code == 2
        assert _error(lambda: db.command("profile", 1, sampleRate=2)).code == 2
        # slowms is process-wide: another database sees it.
        assert proc.client().other.command("profile", -1)["slowms"] == 20
    finally:
        assert proc.stop() == 0


def test_fsync_without_lock_flushes(admin: Database) -> None:
    assert admin.command("fsync") == {"numFiles": 1, "ok": 1.0}


def test_fsync_unlock_when_not_locked(admin: Database) -> None:
    error = _error(lambda: admin.command("fsyncUnlock"))
    assert (error.code, error.details["errmsg"]) == (20, "fsyncUnlock called when not locked")


def _run_in_thread(fn: Any) -> tuple[threading.Thread, dict[str, Any]]:
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["reply"] = fn()
        except Exception as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, outcome


def test_fsync_lock_blocks_writes_until_unlock(mongod: SimProcess) -> None:
    client = mongod.client()
    admin = client.admin
    locked = admin.command("fsync", lock=True)
    assert locked["info"] == "now locked against writes, use db.fsyncUnlock() to unlock"
    assert locked["lockCount"] == 1 and isinstance(locked["lockCount"], Int64)
    assert locked["seeAlso"] == "http://dochub.mongodb.org/core/fsynccommand"
    assert admin.command("fsync", lock=True)["lockCount"] == 2
    writer = mongod.client()
    thread, outcome = _run_in_thread(lambda: writer.blocked.command("create", "waiting"))

    def blocked_op() -> list[dict[str, Any]]:
        return admin.command({"currentOp": 1, "command.create": "waiting"})["inprog"]

    ops = wait_until(blocked_op, "see the create parked behind the fsync lock")
    assert ops[0]["waitingForLock"] is True and ops[0]["op"] == "command"
    current = admin.command("currentOp")
    assert current["fsyncLock"] is True
    assert current["info"] == "use db.fsyncUnlock() to terminate the fsync write/snapshot lock"
    assert "blocked" not in client.list_database_names()
    assert admin.command("fsyncUnlock") == {"info": "fsyncUnlock completed", "lockCount": 1, "ok": 1.0}
    assert thread.is_alive()
    assert admin.command("fsyncUnlock")["lockCount"] == 0
    thread.join(10)
    assert outcome == {"reply": {"ok": 1.0}}
    assert "waiting" in client.blocked.list_collection_names()


def test_current_op_document_and_kill_op(mongod: SimProcess) -> None:
    client = mongod.client(appname="h4-killer")
    admin = client.admin
    admin.command("fsync", lock=True)
    victim = mongod.client(appname="h4-victim")
    thread, outcome = _run_in_thread(lambda: victim.doomed.command("create", "never"))
    ops = wait_until(lambda: admin.command({"currentOp": 1, "appName": "h4-victim", "active": True,
                                                       "command.create": "never"})["inprog"],
                     "see the victim's operation")
    op = ops[0]
    assert list(op)[:6] == ["type", "host", "desc", "connectionId", "client", "appName"]
    assert op["desc"] == f"conn{op['connectionId']}"
    assert op["ns"] == "doomed.never" and op["command"]["create"] == "never"
    assert isinstance(op["microsecs_running"], Int64) and isinstance(op["secs_running"], Int64)
    assert op["clientMetadata"]["application"]["name"] == "h4-victim"
    idle = admin.command({"currentOp": 1, "$all": True, "active": False})["inprog"]
    assert idle and all(entry["active"] is False for entry in idle)
    assert admin.command("killOp", op=op["opid"]) == {"info": "attempting to kill op", "ok": 1.0}
    thread.join(10)
    error = outcome["error"]
    assert isinstance(error, OperationFailure)
    assert (error.code, error.details["codeName"]) == (11601, "Interrupted")
    assert error.details["errmsg"] == "operation was interrupted"
    admin.command("fsyncUnlock")
    assert "doomed" not in client.list_database_names()


def test_log_rotate_renames_the_log_file(mongod: SimProcess) -> None:
    admin = mongod.client().admin
    assert admin.command("logRotate", 1) == {"ok": 1.0}
    rotated = list(mongod.logpath.parent.glob(mongod.logpath.name + ".*"))
    assert len(rotated) == 1
    assert "Log rotation initiated" in rotated[0].read_text()
    admin.command("ping")
    assert mongod.logpath.exists()
    assert admin.command("logRotate", "server") == {"ok": 1.0}
    assert len(list(mongod.logpath.parent.glob(mongod.logpath.name + ".*"))) >= 1


def test_shutdown_command_closes_the_connection_and_exits_zero(tmp_path: Path) -> None:
    proc = SimProcess(tmp_path).start()
    try:
        with pytest.raises(AutoReconnect):
            proc.client().admin.command("shutdown", force=True)
        assert proc.proc is not None
        assert proc.proc.wait(30) == 0
        assert any('"Terminating via shutdown command"' in line for line in proc.log_lines())
    finally:
        proc.stop()


def test_start_and_end_sessions(admin: Database) -> None:
    session = admin.command("startSession")
    assert list(session) == ["id", "timeoutMinutes", "ok"]
    assert isinstance(session["id"]["id"], Binary) and session["id"]["id"].subtype == 4
    assert session["timeoutMinutes"] == 30
    assert admin.command("refreshSessions", [session["id"]]) == {"ok": 1.0}
    assert admin.command("endSessions", [session["id"]]) == {"ok": 1.0}
    assert admin.command("killSessions", [session["id"]]) == {"ok": 1.0}
    assert admin.command("killAllSessionsByPattern", []) == {"ok": 1.0}
    assert admin.command("killAllSessions", []) == {"ok": 1.0}
    active = admin.command("serverStatus")["logicalSessionRecordCache"]["activeSessionsCount"]
    assert isinstance(active, int)


def test_transaction_numbers_are_refused_on_a_standalone(admin: Database) -> None:
    session = admin.command("startSession")["id"]
    error = _error(lambda: admin.command({"ping": 1, "lsid": session, "txnNumber": Int64(1)}))
    assert (error.code, error.details["errmsg"]) == (20, "Transaction numbers are only allowed on a replica set "
                                                         "member or mongos")
    error = _error(lambda: admin.command("commitTransaction"))
    assert (error.code, error.details["errmsg"]) == (125, "commitTransaction must be run within a transaction")
    assert _error(lambda: admin.command("abortTransaction")).code == 125
