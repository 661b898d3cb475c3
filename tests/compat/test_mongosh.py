"""The official MongoDB shell (mongosh, from npm, unmodified) against the simulator.

Each test runs one mongosh script and reads back the values it printed as canonical Extended JSON, so a shell
helper that misreads a reply shape fails here the way it would fail for an operator.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from bson import json_util

from tests.support.simproc import SimProcess

MONGOSH = Path(__file__).parent / "node_modules" / ".bin" / "mongosh"


def run_mongosh(server: SimProcess, script: str, db: str = "test") -> Any:
    """Run ``script`` in mongosh; the script ends with ``out(value)``; returns that value decoded."""
    if not MONGOSH.exists():
        pytest.fail(f"mongosh is not installed at {MONGOSH}: run tools/bootstrap.sh (it runs npm ci in tests/compat)")
    node = shutil.which("node")
    assert node, "Node.js is required for the mongosh compatibility tests"
    prelude = "function out(v) { print('@@' + EJSON.stringify(v, null, 0, {relaxed: false})); }\n"
    proc = subprocess.run([str(MONGOSH), "--quiet", "--norc", f"mongodb://{server.address}/{db}?directConnection=true",
                           "--eval", prelude + script], check=False, capture_output=True, text=True, timeout=120,
                          env={"PATH": str(Path(node).parent), "HOME": str(server.workdir),
                               "MONGOSH_SKIP_NODE_VERSION_CHECK": "1", "DO_NOT_TRACK": "1"})
    assert proc.returncode == 0, f"mongosh failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    lines = [line[2:] for line in proc.stdout.splitlines() if line.startswith("@@")]
    assert lines, f"mongosh printed no result:\n{proc.stdout}\n{proc.stderr}"
    return json_util.loads(lines[-1])


def test_shell_connects_and_reads_server_identity(shared_mongod: SimProcess) -> None:
    result = run_mongosh(shared_mongod, """
        const info = db.serverBuildInfo();
        out({version: db.version(), hello: db.hello().isWritablePrimary, fcv:
             db.adminCommand({getParameter: 1, featureCompatibilityVersion: 1}).featureCompatibilityVersion.version,
             sim: info.mongosim ? info.mongosim.simulator : false,
             opts: db.serverCmdLineOpts().parsed.net.port});
    """)
    assert result == {"version": "8.0.4", "hello": True, "fcv": "8.0", "sim": True, "opts": shared_mongod.port}


def test_shell_crud_helpers(shared_mongod: SimProcess) -> None:
    result = run_mongosh(shared_mongod, """
        const c = db.getSiblingDB('shellcrud').items;
        c.drop();
        c.insertOne({_id: 1, name: 'apple', qty: 5, tags: ['red', 'fruit']});
        c.insertMany([{_id: 2, name: 'pear', qty: 0}, {_id: 3, name: 'plum', qty: 12, tags: ['fruit']}]);
        c.updateOne({_id: 2}, {$inc: {qty: 7}, $set: {checked: true}});
        c.updateMany({tags: 'fruit'}, {$push: {tags: 'sold'}});
        c.replaceOne({_id: 3}, {name: 'plum', qty: 11});
        c.deleteOne({name: 'nothing'});
        out({
          all: c.find({}, {_id: 1, qty: 1}).sort({_id: 1}).toArray(),
          count: c.countDocuments({qty: {$gt: 6}}),
          estimated: c.estimatedDocumentCount(),
          distinct: c.distinct('name').sort(),
          agg: c.aggregate([{$group: {_id: null, total: {$sum: '$qty'}}}]).toArray(),
          upd: c.findOneAndUpdate({_id: 1}, {$set: {qty: 1}}, {returnDocument: 'after'}).qty,
          tags: c.findOne({_id: 1}).tags,
        });
    """)
    assert result["all"] == [{"_id": 1, "qty": 5}, {"_id": 2, "qty": 7}, {"_id": 3, "qty": 11}]
    assert result["count"] == 2
    assert result["estimated"] == 3
    assert result["distinct"] == ["apple", "pear", "plum"]
    assert result["agg"] == [{"_id": None, "total": 23}]
    assert result["upd"] == 1
    assert result["tags"] == ["red", "fruit", "sold"]


def test_shell_index_and_explain_helpers(shared_mongod: SimProcess) -> None:
    result = run_mongosh(shared_mongod, """
        const c = db.getSiblingDB('shellidx').people;
        c.drop();
        c.insertMany([{a: 1, b: 'x'}, {a: 2, b: 'y'}, {a: 3, b: 'z'}]);
        const name = c.createIndex({a: 1}, {unique: true});
        const plan = c.find({a: 2}).explain('executionStats');
        let dup = null;
        try { c.insertOne({a: 2}); } catch (e) { dup = e.code; }
        out({name: name, indexes: c.getIndexes().map(i => i.name),
             stage: plan.queryPlanner.winningPlan.inputStage
                    ? plan.queryPlanner.winningPlan.inputStage.stage : plan.queryPlanner.winningPlan.stage,
             returned: plan.executionStats.nReturned, dup: dup,
             dropped: c.dropIndex('a_1').ok});
    """)
    assert result == {"name": "a_1", "indexes": ["_id_", "a_1"], "stage": "IXSCAN", "returned": 1, "dup": 11000,
                      "dropped": 1}


def test_shell_admin_helpers(shared_mongod: SimProcess) -> None:
    result = run_mongosh(shared_mongod, """
        const d = db.getSiblingDB('shelladmin');
        d.things.insertOne({x: 1});
        const status = db.serverStatus();
        const dbs = db.adminCommand({listDatabases: 1}).databases.map(x => x.name);
        out({
          collections: d.getCollectionNames(),
          dbs: dbs.includes('shelladmin'),
          stats: d.stats().collections,
          collStats: d.things.stats().count,
          uptime: typeof status.uptime,
          conns: status.connections.current > 0,
          profiling: d.getProfilingStatus().was,
          log: db.adminCommand({getLog: 'global'}).log.length > 0,
          currentOp: Array.isArray(db.currentOp().inprog),
        });
    """)
    assert result == {"collections": ["things"], "dbs": True, "stats": 1, "collStats": 1, "uptime": "number",
                      "conns": True, "profiling": 0, "log": True, "currentOp": True}


def test_shell_reports_server_errors_with_codes(shared_mongod: SimProcess) -> None:
    result = run_mongosh(shared_mongod, """
        let unknown = null, badOp = null;
        try { db.runCommand({noSuchCommand: 1}); } catch (e) { unknown = [e.code, e.codeName]; }
        try { db.c.find({a: {$nope: 1}}).toArray(); } catch (e) { badOp = [e.code, e.message]; }
        out({unknown: unknown, badOp: badOp});
    """)
    assert result["unknown"] == [59, "CommandNotFound"]
    assert result["badOp"][0] == 2
    assert "unknown operator: $nope" in result["badOp"][1]


