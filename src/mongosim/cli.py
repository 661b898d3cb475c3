"""mongod / mongos command-line options and YAML config file, merged into MongoDB's YAML-path tree.

``parse_args`` reads the command line the way mongod 8.0 does (boost::program_options without guessing, with
single-dash long names), merges the ``--config`` file under it (the command line wins), canonicalises
command-line-only spellings (``--auth``, ``--logpath``, ``-vv``...) into their YAML paths and validates the
result. ``ServerConfig.parsed`` is then the tree ``getCmdLineOpts`` returns (keys sorted, as the server's
``std::map`` orders them); the properties below are the typed view the server reads.
"""

from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bson import json_util

from mongosim import GIT_VERSION, MONGODB_VERSION, SIM_VERSION, parameters
from mongosim.configfile import OptionsError, load_config_file, read_command_line
from mongosim.errors import CommandError
from mongosim.optiontable import (
    BY_PATH,
    COMPONENT_VERBOSITY_PREFIX,
    SECRET_FLAGS,
    SECRET_PATHS,
    render_help,
)
from mongosim.validate import canonicalize, validate

if TYPE_CHECKING:
    from mongosim.audit.options import AuditOptions

__all__ = ["OptionsError", "ServerConfig", "parse_args", "render_help", "version_info", "version_text"]

# What the simulator reports as its build: a MongoDB 8.0 community build for Ubuntu 24.04 on x86_64.
OPENSSL_VERSION = "OpenSSL 3.0.13 30 Jan 2024"
ALLOCATOR = "tcmalloc-google"
BUILD_ENVIRONMENT = {"distmod": "ubuntu2404", "distarch": "x86_64", "target_arch": "x86_64"}
CENSORED = "<password>"


_BARE_KEY = re.compile(r"([{,]\s*)([A-Za-z_$][\w$.]*)\s*:")


def parse_filter(text: str) -> dict[str, Any]:
    """A query document from its shell-style text (``{ op: "query", millis: { $gt: 2000 } }``)."""
    for candidate in (text, _BARE_KEY.sub(r'\1"\2":', text)):
        try:
            value = json_util.loads(candidate)
        except (ValueError, TypeError):
            continue
        if isinstance(value, dict):
            return value
    raise OptionsError(f"BadValue: operationProfiling.filter must be a query document, not {text!r}")


def version_info() -> dict[str, Any]:
    """The "Build Info" document of ``--version`` and of the start-up log line (id 23403)."""
    # The extra "mongosim" field (as in the buildInfo command) lets tools tell the simulator from a real binary
    # without starting it; parsers of the real output read the first line and the fields they know.
    return {"version": MONGODB_VERSION, "gitVersion": GIT_VERSION, "openSSLVersion": OPENSSL_VERSION,
            "modules": [], "allocator": ALLOCATOR, "environment": dict(BUILD_ENVIRONMENT),
            "mongosim": {"version": SIM_VERSION, "simulator": True}}


def version_text(process: str) -> str:
    first = f"db version v{MONGODB_VERSION}" if process == "mongod" else f"mongos version v{MONGODB_VERSION}"
    return f"{first}\nBuild Info: {json.dumps(version_info(), indent=4)}"


@dataclass
class ServerConfig:
    process: str  # "mongod" or "mongos"
    argv: list[str]
    parsed: dict[str, Any] = field(default_factory=dict)
    # Options accepted but not modelled (YAML paths), reported in the log at start-up.
    ignored: list[str] = field(default_factory=list)
    show_help: bool = False
    show_version: bool = False
    # Working directory at start-up: relative paths are resolved against it (a forked server runs in "/").
    cwd: str = field(default_factory=os.getcwd)

    def get(self, path: str, default: Any = None) -> Any:
        node: Any = self.parsed
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    def get_str(self, path: str) -> str | None:
        value = self.get(path)
        return None if value is None else str(value)

    def _abs(self, path: str | None) -> str | None:
        return None if path is None else os.path.normpath(os.path.join(self.cwd, str(path)))

    @property
    def cluster_role(self) -> str | None:
        return self.get_str("sharding.clusterRole")

    @property
    def port(self) -> int:
        default = 27017
        if self.cluster_role == "shardsvr":
            default = 27018
        elif self.cluster_role == "configsvr":
            default = 27019
        return int(self.get("net.port", default))

    @property
    def ipv6(self) -> bool:
        return bool(self.get("net.ipv6", False))

    @property
    def bind_ips(self) -> list[str]:
        raw = self.get("net.bindIp", "localhost")
        ips = [part.strip() for part in str(raw).split(",") if part.strip()]
        if self.get("net.bindIpAll") or "*" in ips:
            return ["0.0.0.0", "::"] if self.ipv6 else ["0.0.0.0"]
        return ips

    @property
    def dbpath(self) -> str:
        default = "/data/configdb" if self.cluster_role == "configsvr" else "/data/db"
        return self._abs(self.get_str("storage.dbPath")) or default

    @property
    def log_destination(self) -> str | None:
        return self.get_str("systemLog.destination")

    @property
    def logpath(self) -> str | None:
        return self._abs(self.get_str("systemLog.path")) if self.log_destination == "file" else None

    @property
    def log_append(self) -> bool:
        return bool(self.get("systemLog.logAppend", False))

    @property
    def log_rotate(self) -> str:
        return str(self.get("systemLog.logRotate", "rename"))

    @property
    def timestamp_format(self) -> str:
        return str(self.get("systemLog.timeStampFormat", "iso8601-utc"))

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
        return self._abs(self.get_str("processManagement.pidFilePath"))

    @property
    def config_file(self) -> str | None:
        return self.get_str("config")

    @property
    def shutdown_requested(self) -> bool:
        return bool(self.get("shutdown", False))

    @property
    def repl_set(self) -> str | None:
        """The replica set name: ``--replSet name[/seed,list]`` on the command line, ``replSetName`` in YAML."""
        value = self.get("replication.replSet") or self.get("replication.replSetName")
        return None if value is None else str(value).split("/", 1)[0]

    @property
    def oplog_size_mb(self) -> float | None:
        value = self.get("replication.oplogSizeMB")
        return None if value is None else float(value)

    @property
    def key_file(self) -> str | None:
        return self._abs(self.get_str("security.keyFile"))

    @property
    def cluster_auth_mode(self) -> str:
        return str(self.get("security.clusterAuthMode", "keyFile"))

    @property
    def transition_to_auth(self) -> bool:
        return bool(self.get("security.transitionToAuth", False))

    @property
    def auth(self) -> bool:
        """Access control is on with ``--auth``, or implied by ``--keyFile`` as in mongod (unless
        ``security.authorization: disabled`` or ``--transitionToAuth`` turn it off)."""
        setting = self.get("security.authorization")
        if setting == "disabled" or self.transition_to_auth:
            return False
        return setting == "enabled" or self.key_file is not None

    @property
    def cache_size_gb(self) -> float | None:
        value = self.get("storage.wiredTiger.engineConfig.cacheSizeGB")
        return None if value is None else float(value)

    @property
    def journal_commit_interval_ms(self) -> int:
        return int(self.get("storage.journal.commitIntervalMs", 100))

    @property
    def sync_period_secs(self) -> float:
        return float(self.get("storage.syncPeriodSecs", 60.0))

    @property
    def set_parameters(self) -> dict[str, Any]:
        """``--setParameter`` values typed as mongod parses them for the parameters the simulator knows
        (``enableTestCommands=1`` -> True), strings otherwise; ``parsed`` keeps the strings, as getCmdLineOpts
        shows them. Raises OptionsError for a value mongod would refuse at start-up."""
        raw = dict(self.get("setParameter", {}) or {})
        if self.get("notablescan"):
            raw.setdefault("notablescan", "true")
        typed: dict[str, Any] = {}
        for name, value in raw.items():
            spec = parameters.PARAMETERS.get(name)
            if spec is None:
                typed[name] = value
                continue
            if not spec.startup:
                raise OptionsError(f'BadValue: Cannot use --setParameter to set "{name}" at startup')
            try:
                typed[name] = parameters.coerce(name, value)
            except CommandError as exc:
                raise OptionsError(f'BadValue: Bad value for parameter "{name}": {exc.errmsg}') from None
        return typed

    @property
    def profile_filter(self) -> dict[str, Any] | None:
        """``operationProfiling.filter`` (a query document written as a string, as mongod takes it)."""
        text = self.get("operationProfiling.filter")
        return None if text is None else parse_filter(str(text))

    @property
    def audit_options(self) -> AuditOptions:
        """``auditLog.*`` (mongosim.audit.options): destination, format, absolute path, filter."""
        from mongosim.audit.options import from_config

        return from_config(self)

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
        return self.get_str("sharding.configDB")

    @property
    def tls_mode(self) -> str:
        return str(self.get("net.tls.mode", "disabled"))

    @property
    def tls_certificate_key_file(self) -> str | None:
        return self._abs(self.get_str("net.tls.certificateKeyFile"))

    @property
    def tls_certificate_key_file_password(self) -> str | None:
        return self.get_str("net.tls.certificateKeyFilePassword")

    @property
    def tls_ca_file(self) -> str | None:
        return self._abs(self.get_str("net.tls.CAFile"))

    @property
    def tls_cluster_ca_file(self) -> str | None:
        return self._abs(self.get_str("net.tls.clusterCAFile"))

    @property
    def tls_cluster_password(self) -> str | None:
        return self.get_str("net.tls.clusterPassword")

    @property
    def tls_crl_file(self) -> str | None:
        return self._abs(self.get_str("net.tls.CRLFile"))

    @property
    def tls_cluster_file(self) -> str | None:
        return self._abs(self.get_str("net.tls.clusterFile"))

    @property
    def tls_allow_connections_without_certificates(self) -> bool:
        return bool(self.get("net.tls.allowConnectionsWithoutCertificates", False))

    @property
    def tls_allow_invalid_hostnames(self) -> bool:
        return bool(self.get("net.tls.allowInvalidHostnames", False))

    @property
    def tls_allow_invalid_certificates(self) -> bool:
        return bool(self.get("net.tls.allowInvalidCertificates", False))

    @property
    def tls_disabled_protocols(self) -> list[str]:
        raw = self.get("net.tls.disabledProtocols")
        return [] if raw is None else [p.strip() for p in str(raw).split(",") if p.strip()]

    def redacted_parsed(self) -> dict[str, Any]:
        """``parsed`` with passwords replaced by ``<password>``, as getCmdLineOpts and the log show it."""
        tree = copy.deepcopy(self.parsed)
        for path in SECRET_PATHS:
            *parents, leaf = path.split(".")
            node: Any = tree
            for part in parents:
                node = node.get(part) if isinstance(node, dict) else None
            if isinstance(node, dict) and leaf in node:
                node[leaf] = CENSORED
        return tree

    def redacted_argv(self, mask: str | None = None) -> list[str]:
        """argv with password values censored: ``<password>`` for getCmdLineOpts, or ``mask`` characters
        (mongod overwrites its own argv with x's so ``ps`` never shows them)."""
        out: list[str] = []
        censor_next = False
        for arg in self.argv:
            hidden = CENSORED if mask is None else mask * len(arg)
            if censor_next:
                out.append(hidden)
                censor_next = False
                continue
            name, sep, value = arg.lstrip("-").partition("=")
            if arg.startswith("-") and name in SECRET_FLAGS:
                if sep:
                    hidden = CENSORED if mask is None else mask * len(value)
                    out.append(arg[: len(arg) - len(value)] + hidden)
                else:
                    out.append(arg)
                    censor_next = True
                continue
            out.append(arg)
        return out

    def cmdline_opts(self) -> dict[str, Any]:
        """The ``getCmdLineOpts`` reply body (without ``ok``)."""
        return {"argv": self.redacted_argv(), "parsed": self.redacted_parsed()}


def _to_tree(env: dict[str, Any]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for path in sorted(env):
        node = tree
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = env[path]
    sorted_tree: dict[str, Any] = _sorted(tree)
    return sorted_tree


def _sorted(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _sorted(node[key]) for key in sorted(node)}
    return node


def _ignored(env: dict[str, Any]) -> list[str]:
    out = []
    for path in env:
        opt = BY_PATH.get(path)
        if (opt is not None and not opt.modelled) or path.startswith(COMPONENT_VERBOSITY_PREFIX):
            out.append(path)
    return sorted(out)


def parse_args(process: str, argv: list[str], cwd: str | None = None) -> ServerConfig:
    """Parse ``argv`` (``argv[0]`` is the program) for ``process``; raises OptionsError with mongod's message."""
    cli_values = read_command_line(process, argv[1:])
    config = ServerConfig(process, list(argv), cwd=cwd or os.getcwd())
    config.show_help = bool(cli_values.pop("help", False))
    config.show_version = bool(cli_values.pop("version", False))
    env: dict[str, Any] = {}
    config_path = cli_values.pop("config", None)
    if config_path is not None:
        env.update(load_config_file(process, os.path.join(config.cwd, config_path)))
    for path, value in cli_values.items():
        if isinstance(value, dict) and isinstance(env.get(path), dict):
            env[path] = {**env[path], **value}
        else:
            env[path] = value
    if config.show_help or config.show_version:
        return config
    config.ignored = _ignored(env)
    env = canonicalize(env)
    validate(process, env)
    if config_path is not None:
        env["config"] = config_path
    config.parsed = _to_tree(env)
    # Convert now so a bad --setParameter or profile filter fails at start-up, as in mongod.
    config.set_parameters  # noqa: B018
    config.profile_filter  # noqa: B018
    # PSMDB checks its audit options in start-up initializers, after the server's own (AuditOptionsError).
    from mongosim.audit.options import check_startup

    check_startup(config)
    return config
