"""Diagnostic commands: ping, buildInfo, hostInfo, serverStatus, getDiagnosticData, connectionStatus,
whatsmyuri, listCommands, getLog, top, lockInfo, currentOp and killOp; and the helpers the aggregation layer
calls for the $collStats, $indexStats and $currentOp stages.
"""

from __future__ import annotations

import os
import platform
import ssl
from typing import TYPE_CHECKING, Any

import psutil
from bson.int64 import Int64

from mongosim import (
    GIT_VERSION,
    MAX_BSON_OBJECT_SIZE,
    MONGODB_VERSION,
    MONGODB_VERSION_ARRAY,
    SIM_VERSION,
    commands,
    currentop,
    nsstats,
    serverstatus,
    storagestats,
)
from mongosim.commands import command
from mongosim.context import CommandContext
from mongosim.errors import CommandError
from mongosim.nsstats import record_index_access

if TYPE_CHECKING:
    from mongosim.server import Server

__all__ = ["collstats_stage", "currentop_stage", "indexstats_stage", "record_index_access"]

_COLLSTATS_OPTIONS = ("latencyStats", "storageStats", "count", "queryExecStats")


@command("ping", no_auth=True)
def ping(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    return {}


@command("buildInfo", "buildinfo", no_auth=True)
def build_info(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": MONGODB_VERSION, "gitVersion": GIT_VERSION, "modules": [], "allocator": "tcmalloc-google",
        "javascriptEngine": "mozjs", "sysInfo": "deprecated", "versionArray": list(MONGODB_VERSION_ARRAY),
        "openssl": {"running": ssl.OPENSSL_VERSION, "compiled": "OpenSSL 3.0.2 15 Mar 2022"},
        "buildEnvironment": {"distmod": "ubuntu2204", "distarch": "x86_64",
                             "cc": "/opt/mongodbtoolchain/v4/bin/gcc: gcc (GCC) 11.3.0",
                             "ccflags": "-Werror -include mongo/platform/basic.h -ffp-contract=off -fasynchronous-"
                                        "unwind-tables -g2 -Wall -fno-omit-frame-pointer -O2",
                             "cxx": "/opt/mongodbtoolchain/v4/bin/g++: g++ (GCC) 11.3.0",
                             "cxxflags": "-Woverloaded-virtual -Wpessimizing-move -std=c++20",
                             "linkflags": "-Wl,--fatal-warnings -pthread -Wl,-z,now -fuse-ld=lld -Wl,--build-id",
                             "target_arch": "x86_64", "target_os": "linux",
                             "cppdefines": "SAFEINT_USE_INTRINSICS 0 PCRE2_STATIC NDEBUG _XOPEN_SOURCE 700"},
        "bits": 64, "debug": False, "maxBsonObjectSize": MAX_BSON_OBJECT_SIZE,
        "storageEngines": ["devnull", "wiredTiger"],
        # Not in MongoDB's reply: lets tools (and mongo-admin) tell a sandbox from a real server.
        "mongosim": {"version": SIM_VERSION, "simulator": True},
    }


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError:
        return ""


def _os_name() -> str:
    for line in _read("/etc/os-release").splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.split("=", 1)[1].strip().strip('"')
    return platform.system()


def _cpu_features() -> str:
    for line in _read("/proc/cpuinfo").splitlines():
        if line.startswith("flags"):
            return line.split(":", 1)[1].strip()
    return ""


@command("hostInfo")
def host_info(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    memory = psutil.virtual_memory().total >> 20
    frequency = psutil.cpu_freq()
    cores = os.cpu_count() or 1
    uname = platform.uname()
    return {
        "system": {"currentTime": serverstatus.now_ms(), "hostname": ctx.server.host_and_port, "cpuAddrSize": 64,
                   "memSizeMB": Int64(memory), "memLimitMB": Int64(memory), "numCores": cores,
                   "numCoresAvailableToProcess": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                   else cores,
                   "numPhysicalCores": psutil.cpu_count(logical=False) or cores, "numCpuSockets": 1,
                   "cpuArch": uname.machine, "numaEnabled": False, "numNumaNodes": 1},
        "os": {"type": uname.system, "name": _os_name(), "version": f"Kernel {uname.release}"},
        "extra": {"versionString": _read("/proc/version").strip(), "libcVersion": platform.libc_ver()[1],
                  "kernelVersion": uname.release, "cpuFrequencyMHz": f"{frequency.current:.3f}" if frequency else "",
                  "cpuFeatures": _cpu_features(), "pageSize": Int64(os.sysconf("SC_PAGE_SIZE")),
                  "numPages": os.sysconf("SC_PHYS_PAGES"), "maxOpenFiles": os.sysconf("SC_OPEN_MAX"),
                  "physicalCores": psutil.cpu_count(logical=False) or cores, "cpuSockets": 1},
    }


@command("serverStatus")
def server_status(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    return serverstatus.document(ctx.server, cmd)


def _system_metrics() -> dict[str, Any]:
    cpu = psutil.cpu_times()
    memory = psutil.virtual_memory()
    return {"start": serverstatus.now_ms(),
            "cpu": {"user_ms": Int64(int(cpu.user * 1000)), "nice_ms": Int64(int(cpu.nice * 1000)),
                    "system_ms": Int64(int(cpu.system * 1000)), "idle_ms": Int64(int(cpu.idle * 1000)),
                    "iowait_ms": Int64(int(getattr(cpu, "iowait", 0) * 1000)), "num_cpus": os.cpu_count() or 1},
            "memory": {"MemTotal_kb": Int64(memory.total >> 10), "MemAvailable_kb": Int64(memory.available >> 10),
                       "MemFree_kb": Int64(memory.free >> 10)},
            "end": serverstatus.now_ms()}


@command("getDiagnosticData", admin_only=True)
def get_diagnostic_data(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    # 8.0 groups FTDC samples in blocks; process-wide collectors (serverStatus, systemMetrics) are in "common".
    start = serverstatus.now_ms()
    common: dict[str, Any] = {"start": start, "serverStatus": serverstatus.document(ctx.server, {}),
                              "systemMetrics": _system_metrics(), "end": serverstatus.now_ms()}
    data: dict[str, Any] = {"start": start, "common": common}
    # Collectors added by other layers (a replica-set member adds replSetGetStatus, as mongod's FTDC does).
    data.update({name: build() for name, build in getattr(ctx.server, "diagnostic_sections", {}).items()})
    data["end"] = serverstatus.now_ms()
    return {"data": data}


@command("connectionStatus", no_auth=True)
def connection_status(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    conn = ctx.conn
    if conn is None:
        return {"authInfo": {"authenticatedUsers": [], "authenticatedUserRoles": []}}
    session = conn.auth
    roles = [dict(role) for role in session.direct_roles]
    auth_info: dict[str, Any] = {"authenticatedUsers": session.user_documents(), "authenticatedUserRoles": roles}
    if cmd.get("showPrivileges"):
        auth_info["authenticatedUserPrivileges"] = [p.to_document() for p in session.privileges]
    return {"authInfo": auth_info}


@command("whatsmyuri")
def whats_my_uri(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    return {"you": ctx.conn.remote if ctx.conn is not None else ""}


@command("listCommands", no_auth=True)
def list_commands(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    process = ctx.server.process
    out: dict[str, Any] = {}
    known = commands.table(process)
    for name in sorted(known):
        spec = known[name]
        doc = (spec.handler.__doc__ or "").strip().splitlines()
        out[name] = {"help": doc[0] if doc else "", "requiresAuth": not spec.no_auth, "secondaryOk": True,
                     "adminOnly": spec.admin_only, "apiVersions": [], "deprecatedApiVersions": []}
    return {"commands": out}


@command("getLog", admin_only=True)
def get_log(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    name = cmd.get("getLog")
    if not isinstance(name, str):
        raise CommandError("TypeMismatch", f"Argument to getLog must be of type String; found {name!r} of type "
                           f"{type(name).__name__}")
    log = ctx.server.log
    if name == "*":
        return {"names": ["global", "startupWarnings"]}
    if name == "global":
        lines = list(log.ring)
        return {"totalLinesWritten": log.total_lines, "log": lines}
    if name == "startupWarnings":
        warnings = list(log.startup_warnings)
        return {"totalLinesWritten": len(warnings), "log": warnings[-1024:]}
    raise CommandError("OperationFailed", f"No log named '{name}'")


@command("top", admin_only=True, processes=("mongod",))
def top(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    return nsstats.top_document(ctx.server)


@command("lockInfo", admin_only=True, processes=("mongod",))
def lock_info(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    server = ctx.server
    if server.fsync_lock_count == 0:
        return {"lockInfo": []}
    pending = [{"mode": "IX", "convertMode": "NONE", "enqueueAtFront": False, "compatibleFirst": False,
                "debugInfo": "", "clientInfo": {"desc": op.conn.ctx_name if op.conn else "", "opid": op.opid}}
               for op in server.active_ops.values() if serverstatus.is_write(op.name)]
    granted = [{"mode": "S", "convertMode": "NONE", "enqueueAtFront": False, "compatibleFirst": False,
                "debugInfo": "", "clientInfo": {"desc": "fsyncLockWorker", "opid": 0}}]
    return {"lockInfo": [{"resourceId": "{6917529027641081857: Global, 1}", "granted": granted,
                          "pending": pending}]}


@command("currentOp", admin_only=True)
def current_op(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    return currentop.current_op_command(ctx, cmd)


@command("killOp", admin_only=True)
def kill_op(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    if "op" not in cmd:
        raise CommandError(40414, "BSON field 'killOp.op' is missing but a required field")
    currentop.kill_op(ctx.server, cmd["op"])
    ctx.server.log.info("COMMAND", 20482, ctx.conn.ctx_name if ctx.conn else "-", "Going to kill op",
                        {"opId": cmd["op"]})
    return {"info": "attempting to kill op"}


# ----------------------------------------------------------------------------------- aggregation stages
def collstats_stage(ctx: CommandContext, db: str, coll: str, spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The documents $collStats produces: one on a mongod, naming its shard (``shard``) on a shard's member."""
    if not isinstance(spec, dict):
        raise CommandError(5447000, "$collStats must take a nested object but found: " + repr(spec))
    for key in spec:
        if key not in _COLLSTATS_OPTIONS:
            raise CommandError(40415, f"BSON field '$collStats.{key}' is an unknown field.")
    server = ctx.server
    ns = f"{db}.{coll}"
    doc: dict[str, Any] = {"ns": ns}
    shard = _shard_name(server)
    if shard is not None:
        doc["shard"] = shard  # so the documents mongos gathers from every shard say whose they are
    doc["host"] = server.host_and_port
    doc["localTime"] = serverstatus.now_ms()
    if "latencyStats" in spec:
        options = spec["latencyStats"] if isinstance(spec["latencyStats"], dict) else {}
        doc["latencyStats"] = nsstats.latency_stats(server, ns, bool(options.get("histograms")))
    if "storageStats" in spec:
        options = spec["storageStats"] if isinstance(spec["storageStats"], dict) else {}
        scale = storagestats.check_scale(options.get("scale"), "$collStats.storageStats")
        stats = storagestats.collection_stats(server, db, coll, scale)
        stats.pop("ns", None)
        doc["storageStats"] = stats
    if "count" in spec:
        collection = server.storage.get_collection(db, coll) if server.storage is not None else None
        doc["count"] = storagestats.count(collection) if collection is not None else 0
    if "queryExecStats" in spec:
        doc["queryExecStats"] = nsstats.query_exec_stats(server, ns)
    return [doc]


def _shard_name(server: Server) -> str | None:
    """The shard this mongod is (its shardIdentity), None when it is not one."""
    from mongosim.sharding.shard import state_of  # sharding sits above the diagnostics

    state = state_of(server)
    identity = state.identity if state is not None else None
    return str(identity["shardName"]) if identity else None


def indexstats_stage(ctx: CommandContext, db: str, coll: str) -> list[dict[str, Any]]:
    """One $indexStats document per index of ``db.coll`` (none when the collection does not exist), naming its shard
    (``shard``) on a shard's member."""
    server = ctx.server
    collection = server.storage.get_collection(db, coll) if server.storage is not None else None
    if collection is None:
        return []
    ns = f"{db}.{coll}"
    shard = _shard_name(server)
    docs = []
    get_index = getattr(collection, "get_index", None)
    for spec in collection.list_indexes():
        access = nsstats.index_access(server, ns, spec["name"])
        # The engine's planner counts index uses itself; record_index_access covers engines that do not.
        index = get_index(spec["name"]) if callable(get_index) else None
        ops = int(getattr(index, "accesses", 0) or 0) or access.ops
        doc: dict[str, Any] = {"name": spec["name"], "key": spec["key"], "host": server.host_and_port,
                               "accesses": {"ops": Int64(ops), "since": access.since.replace(
                                   microsecond=access.since.microsecond // 1000 * 1000)}}
        if shard is not None:
            doc["shard"] = shard
        doc["spec"] = spec
        docs.append(doc)
    return docs


def currentop_stage(ctx: CommandContext, spec: Any) -> list[dict[str, Any]]:
    """The documents $currentOp produces; the stage must run on admin with ``{aggregate: 1}``."""
    if ctx.db != "admin":
        raise CommandError("InvalidNamespace", "$currentOp must be run against the 'admin' database with "
                           "{aggregate: 1}")
    return currentop.collect(ctx.server, ctx.conn, currentop.parse_stage_spec(spec))

