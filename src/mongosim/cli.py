"""mongod / mongos command-line options and YAML config file, merged into MongoDB's YAML-path tree.

``ServerConfig.parsed`` is the tree ``getCmdLineOpts`` returns; the properties below are the typed view the
server reads. (Minimal parser: the full option table, --help and --version are being completed.)
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ServerConfig:
    process: str  # "mongod" or "mongos"
    argv: list[str]
    parsed: dict[str, Any] = field(default_factory=dict)
    # Options accepted but not modelled, reported in the log at start-up.
    ignored: list[str] = field(default_factory=list)

    def get(self, path: str, default: Any = None) -> Any:
        node: Any = self.parsed
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    @property
    def cluster_role(self) -> str | None:
        return self.get("sharding.clusterRole")

    @property
    def port(self) -> int:
        default = 27017
        if self.cluster_role == "shardsvr":
            default = 27018
        elif self.cluster_role == "configsvr":
            default = 27019
        return int(self.get("net.port", default))

    @property
    def bind_ips(self) -> list[str]:
        if self.get("net.bindIpAll"):
            return ["0.0.0.0"]
        raw = self.get("net.bindIp", "localhost")
        return [part.strip() for part in str(raw).split(",") if part.strip()]

    @property
    def dbpath(self) -> str:
        return str(self.get("storage.dbPath", "/data/db"))

    @property
    def logpath(self) -> str | None:
        return self.get("systemLog.path") if self.get("systemLog.destination") == "file" else None

    @property
    def log_append(self) -> bool:
        return bool(self.get("systemLog.logAppend", False))

    @property
    def quiet(self) -> bool:
        return bool(self.get("systemLog.quiet", False))

    @property
    def verbosity(self) -> int:
        return int(self.get("systemLog.verbosity", 0))

    @property
    def fork(self) -> bool:
        return bool(self.get("processManagement.fork", False))

    @property
    def pidfile(self) -> str | None:
        return self.get("processManagement.pidFilePath")

    @property
    def repl_set(self) -> str | None:
        return self.get("replication.replSetName")

    @property
    def oplog_size_mb(self) -> float | None:
        value = self.get("replication.oplogSizeMB")
        return None if value is None else float(value)

    @property
    def key_file(self) -> str | None:
        return self.get("security.keyFile")

    @property
    def auth(self) -> bool:
        return self.get("security.authorization") == "enabled"

    @property
    def cache_size_gb(self) -> float | None:
        value = self.get("storage.wiredTiger.engineConfig.cacheSizeGB")
        return None if value is None else float(value)

    @property
    def set_parameters(self) -> dict[str, Any]:
        return dict(self.get("setParameter", {}) or {})

    @property
    def slowms(self) -> int:
        return int(self.get("operationProfiling.slowOpThresholdMs", 100))

    @property
    def slow_op_sample_rate(self) -> float:
        return float(self.get("operationProfiling.slowOpSampleRate", 1.0))

    @property
    def profile_level(self) -> int:
        mode = self.get("operationProfiling.mode", "off")
        return {"off": 0, "slowOp": 1, "all": 2}.get(str(mode), 0)

    @property
    def config_db(self) -> str | None:
        return self.get("sharding.configDB")

    @property
    def tls_mode(self) -> str:
        return str(self.get("net.tls.mode", "disabled"))


def parse_args(process: str, argv: list[str]) -> ServerConfig:
    parser = argparse.ArgumentParser(prog=process, add_help=False)
    parser.add_argument("--port", type=int)
    parser.add_argument("--bind_ip")
    parser.add_argument("--dbpath")
    parser.add_argument("--logpath")
    parser.add_argument("--logappend", action="store_true")
    parser.add_argument("--replSet")
    parser.add_argument("--slowms", type=int)
    args = parser.parse_args(argv[1:])
    parsed: dict[str, Any] = {}

    def put(path: str, value: Any) -> None:
        node = parsed
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value

    if args.port is not None:
        put("net.port", args.port)
    if args.bind_ip:
        put("net.bindIp", args.bind_ip)
    if args.dbpath:
        put("storage.dbPath", args.dbpath)
    if args.logpath:
        put("systemLog.destination", "file")
        put("systemLog.path", args.logpath)
    if args.logappend:
        put("systemLog.logAppend", True)
    if args.replSet:
        put("replication.replSetName", args.replSet)
    if args.slowms is not None:
        put("operationProfiling.slowOpThresholdMs", args.slowms)
    return ServerConfig(process, list(argv), parsed)
