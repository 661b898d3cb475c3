"""Server parameters: the table ``getParameter`` reads and ``setParameter`` changes.

Each parameter has a type, a default and whether it may be set at start-up (``--setParameter k=v``) and/or at
runtime. Values live in ``server.parameters``; the few that steer the simulator (log verbosity, the cursor
time-out) are pushed to the objects that use them when set. Only parameters the simulator keeps are listed:
an unknown name fails exactly as on mongod.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bson.int64 import Int64

from mongosim import FCV
from mongosim.errors import CommandError

if TYPE_CHECKING:
    from mongosim.server import Server

# logv2 components, as getParameter logComponentVerbosity nests them.
LOG_COMPONENTS: dict[str, Any] = {
    "accessControl": {}, "assert": {}, "command": {}, "control": {}, "executor": {}, "geo": {},
    "globalIndex": {}, "index": {}, "network": {"asio": {}, "bridge": {}, "connectionPool": {}},
    "processHealth": {}, "query": {"optimizer": {}, "ce": {}}, "queryStats": {}, "replication": {
        "election": {}, "heartbeats": {}, "initialSync": {}, "rollback": {}},
    "sharding": {"rangeDeleter": {}, "shardingCatalogRefresh": {}, "migration": {}, "reshard": {}},
    "storage": {"recovery": {}, "journal": {}, "wt": {"wtBackup": {}, "wtCheckpoint": {}}},
    "write": {}, "ftdc": {}, "tracking": {}, "transaction": {}, "tenantMigration": {}, "test": {},
    "resourceConsumption": {}, "streams": {},
}


@dataclass(frozen=True)
class Parameter:
    kind: type
    default: Any
    runtime: bool = True
    startup: bool = True


PARAMETERS: dict[str, Parameter] = {
    "allowDiskUseByDefault": Parameter(bool, True),
    "auditAuthorizationSuccess": Parameter(bool, False),
    "balancerMigrationsThrottlingMs": Parameter(int, 1000),
    "authenticationMechanisms": Parameter(list, ["MONGODB-X509", "SCRAM-SHA-1", "SCRAM-SHA-256"], runtime=False),
    "createRollbackDataFiles": Parameter(bool, True),
    "cursorTimeoutMillis": Parameter(Int64, Int64(600_000)),
    "diagnosticDataCollectionEnabled": Parameter(bool, True),
    "disableJavaScriptJIT": Parameter(bool, True),
    "enableLocalhostAuthBypass": Parameter(bool, True, runtime=False),
    "enableTestCommands": Parameter(bool, False, runtime=False),
    "featureCompatibilityVersion": Parameter(dict, {"version": FCV}, runtime=False, startup=False),
    "honorSystemUmask": Parameter(bool, False, runtime=False),
    "internalQueryExecMaxBlockingSortBytes": Parameter(int, 104_857_600),
    "internalQueryFrameworkControl": Parameter(str, "trySbeRestricted"),
    "journalCommitInterval": Parameter(int, 100),
    "localLogicalSessionTimeoutMinutes": Parameter(int, 30, runtime=False),
    "logComponentVerbosity": Parameter(dict, {}),
    "logLevel": Parameter(int, 0),
    "logicalSessionRefreshMillis": Parameter(int, 300_000, runtime=False),
    "maxLogSizeKB": Parameter(int, 10),
    "maxTransactionLockRequestTimeoutMillis": Parameter(int, 5),
    "minSnapshotHistoryWindowInSeconds": Parameter(int, 300),
    # Simulator-only (MongoDB has no such parameter): the pause between balancer rounds that moved nothing,
    # 10 s in MongoDB; tests shorten it.
    "mongosimBalancerRoundIntervalMillis": Parameter(int, 10_000),
    "notablescan": Parameter(bool, False),
    "oplogFetcherUsesExhaust": Parameter(bool, True, runtime=False),
    "orphanCleanupDelaySecs": Parameter(int, 900),
    "periodicNoopIntervalSecs": Parameter(int, 10, runtime=False),
    "quiet": Parameter(bool, False),
    "receiveChunkWaitForRangeDeleterTimeoutMS": Parameter(int, 10_000),
    "replWriterThreadCount": Parameter(int, 16, runtime=False),
    "scramIterationCount": Parameter(int, 10_000),
    "scramSHA256IterationCount": Parameter(int, 15_000),
    "shutdownTimeoutMillisForSignaledShutdown": Parameter(int, 15_000),
    "slowConnectionThresholdMillis": Parameter(int, 100),
    "storageEngineConcurrencyAdjustmentAlgorithm": Parameter(str, "throughputProbing", runtime=False),
    "suppressNoTLSPeerCertificateWarning": Parameter(bool, False, runtime=False),
    "syncdelay": Parameter(float, 60.0),
    "tlsUseSystemCA": Parameter(bool, False, runtime=False),
    "transactionLifetimeLimitSeconds": Parameter(int, 60),
    "ttlMonitorEnabled": Parameter(bool, True),
    "ttlMonitorSleepSecs": Parameter(int, 60),
    "userCacheInvalidationIntervalSecs": Parameter(int, 30),
    "wiredTigerConcurrentReadTransactions": Parameter(int, 128),
    "wiredTigerConcurrentWriteTransactions": Parameter(int, 128),
    "writePeriodicNoops": Parameter(bool, True),
}


def _bad(name: str, value: Any) -> CommandError:
    return CommandError("BadValue", f"Invalid value for {name}: {value!r}")


def coerce(name: str, value: Any) -> Any:
    """A value converted to the parameter's type (strings come from ``--setParameter k=v``)."""
    kind = PARAMETERS[name].kind
    if kind is bool:
        if isinstance(value, str):
            if value.lower() not in ("true", "false", "1", "0"):
                raise _bad(name, value)
            return value.lower() in ("true", "1")
        return bool(value)
    if kind in (int, Int64, float):
        try:
            number = float(value) if kind is float else int(float(value)) if isinstance(value, str) else int(value)
        except (TypeError, ValueError) as exc:
            raise _bad(name, value) from exc
        if isinstance(value, bool):
            raise _bad(name, value)
        return Int64(number) if kind is Int64 else number
    if kind is list:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        if not isinstance(value, list):
            raise _bad(name, value)
        return list(value)
    if kind is dict:
        if not isinstance(value, dict):
            raise _bad(name, value)
        return dict(value)
    if not isinstance(value, str):
        raise _bad(name, value)
    return value


def initial_values(set_parameters: dict[str, Any]) -> dict[str, Any]:
    """Defaults overridden by the start-up ``setParameter`` map (unknown names are kept as given)."""
    values = {name: spec.default for name, spec in PARAMETERS.items()}
    for name, raw in set_parameters.items():
        values[name] = coerce(name, raw) if name in PARAMETERS else raw
    return values


def _verbosity_tree(overrides: dict[str, Any], tree: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, children in tree.items():
        given = overrides.get(name)
        node: dict[str, Any] = {"verbosity": -1}
        if isinstance(given, dict):
            node["verbosity"] = int(given.get("verbosity", -1))
        elif isinstance(given, (int, float)):
            node["verbosity"] = int(given)
        node.update(_verbosity_tree(given if isinstance(given, dict) else {}, children))
        out[name] = node
    return out


def value(server: Server, name: str) -> Any:
    """The current value as getParameter reports it."""
    if name == "logLevel":
        return server.log.verbosity
    if name == "cursorTimeoutMillis":
        return Int64(server.cursors.timeout_ms)
    if name == "logComponentVerbosity":
        overrides = server.parameters.get(name) or {}
        return {"verbosity": server.log.verbosity, **_verbosity_tree(overrides, LOG_COMPONENTS)}
    if name == "featureCompatibilityVersion":
        return {"version": FCV}
    return server.parameters.get(name, PARAMETERS[name].default if name in PARAMETERS else None)


def _apply_log_components(server: Server, new: dict[str, Any]) -> None:
    merged = dict(server.parameters.get("logComponentVerbosity") or {})
    for key, given in new.items():
        if key == "verbosity":
            server.log.verbosity = max(0, int(given))
        else:
            merged[key] = given
    server.parameters["logComponentVerbosity"] = merged


def _apply_log_level(server: Server, level: Any) -> None:
    server.log.verbosity = int(level)


def _apply_cursor_timeout(server: Server, millis: Any) -> None:
    server.cursors.timeout_ms = int(millis)


_SIDE_EFFECTS: dict[str, Callable[[Server, Any], None]] = {
    "logLevel": _apply_log_level,
    "cursorTimeoutMillis": _apply_cursor_timeout,
    "logComponentVerbosity": _apply_log_components,
}


def apply_startup(server: Server) -> None:
    """Push start-up values into the objects they steer."""
    server.parameters = initial_values(server.config.set_parameters)
    for name in ("logLevel", "cursorTimeoutMillis"):
        if name in server.config.set_parameters:
            _SIDE_EFFECTS[name](server, server.parameters[name])


def set_value(server: Server, name: str, raw: Any) -> None:
    new = coerce(name, raw)
    if name == "logLevel" and new < 0:
        raise _bad(name, raw)
    effect = _SIDE_EFFECTS.get(name)
    if effect is not None:
        effect(server, new)
    if name != "logComponentVerbosity":
        server.parameters[name] = new
