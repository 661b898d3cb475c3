"""The mongod and mongos option table: command-line names, YAML paths, value types, and ``--help`` layout.

One row per option, as MongoDB declares them (``server_options_*.idl``, ``mongod_options_*.idl``,
``mongos_options.idl``, ``ssl_options.idl``): the dotted path is where the value lands in the
``getCmdLineOpts.parsed`` tree, ``flag`` is the command-line spelling (``None`` for config-file-only keys),
``yaml`` says whether the config file accepts the path. Options the simulator accepts but does not act on
are marked ``modelled=False``; they are reported at start-up so nobody mistakes them for working.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Literal

Kind = Literal["switch", "bool", "int", "double", "string", "map", "list"]

BOTH = ("mongod", "mongos")
MONGOD = ("mongod",)
MONGOS = ("mongos",)

GENERAL = "General options"
REPLICATION = "Replication options"
REPLICA_SET = "Replica set options"
SHARDING = "Sharding options"
STORAGE = "Storage options"
TLS = "TLS Options"
WIRED_TIGER = "WiredTiger options"
AUDIT = "Audit Options"

SECTIONS = {
    "mongod": (GENERAL, REPLICATION, REPLICA_SET, SHARDING, STORAGE, TLS, WIRED_TIGER, AUDIT),
    "mongos": (GENERAL, SHARDING, TLS, AUDIT),
}

# boost::program_options layout used by mongod --help: descriptions start at column 40 and wrap before
# column 80 (boost keeps the last column free).
HELP_WIDTH = 79
HELP_DESCRIPTION_COLUMN = 40


@dataclass(frozen=True)
class Option:
    path: str
    kind: Kind
    help: str = ""
    flag: str | None = None
    short: str | None = None
    section: str = GENERAL
    processes: tuple[str, ...] = BOTH
    yaml: bool = True
    hidden: bool = False
    modelled: bool = True
    default: str | None = None  # shown in --help as "(=value)"; never put in ``parsed``
    implicit: str | None = None  # value when the flag is given bare (``-v``, ``--enableMajorityReadConcern``)

    def takes_value(self) -> bool:
        return self.kind != "switch"


def _cli(name: str, kind: Kind, help_: str, **kw: object) -> Option:
    """An option that exists only on the command line (and INI files): ``path`` is its own name."""
    return Option(name, kind, help_, flag=name, yaml=False, **kw)  # type: ignore[arg-type]


_VERBOSE_SWITCHES = tuple(_cli("v" * n, "switch", "", hidden=True) for n in range(2, 13))

OPTIONS: tuple[Option, ...] = (
    # ---------------------------------------------------------------- general
    _cli("help", "switch", "Show this usage information", short="h"),
    _cli("version", "switch", "Show version information"),
    _cli("config", "string", "Configuration file specifying additional options", short="f"),
    Option("net.port", "int", "Specify port number - 27017 by default", flag="port"),
    Option("net.ipv6", "switch", "Enable IPv6 support (disabled by default)", flag="ipv6"),
    Option("net.listenBacklog", "int", "Set socket listen backlog size", flag="listenBacklog", modelled=False),
    Option("net.maxIncomingConnections", "int", "Max number of simultaneous connections", flag="maxConns",
           modelled=False),
    Option("net.compression.compressors", "string", "Comma-separated list of compressors to use for network "
           "messages", flag="networkMessageCompressors", default="snappy,zstd,zlib", modelled=False),
    Option("processManagement.pidFilePath", "string", "Full path to pidfile (if not set, no pidfile is created)",
           flag="pidfilepath"),
    Option("processManagement.timeZoneInfo", "string", "Full path to time zone info directory, e.g. "
           "/usr/share/zoneinfo", flag="timeZoneInfo", modelled=False),
    # The simulator never opens a unix domain socket, so disabling it is honoured by construction.
    _cli("nounixsocket", "switch", "Disable listening on unix sockets"),
    Option("net.unixDomainSocket.enabled", "bool", "Enable listening on unix sockets"),
    Option("net.unixDomainSocket.pathPrefix", "string", "Alternative directory for UNIX domain sockets (defaults "
           "to /tmp)", flag="unixSocketPrefix", modelled=False),
    Option("net.unixDomainSocket.filePermissions", "int", "Permissions to set on UNIX domain socket file - 0700 "
           "by default", flag="filePermissions", modelled=False),
    Option("processManagement.fork", "switch", "Fork server process", flag="fork"),
    _cli("verbose", "string", "Be more verbose (include multiple times for more verbosity e.g. -vvvvv)",
         short="v", implicit="v"),
    *_VERBOSE_SWITCHES,
    Option("systemLog.verbosity", "int", "Set verbose level"),
    Option("systemLog.quiet", "switch", "Quieter output", flag="quiet"),
    _cli("logpath", "string", "Log file to send write to instead of stdout - has to be a file, not directory"),
    Option("systemLog.path", "string", "Log file path"),
    Option("systemLog.destination", "string", "Destination of system log output (syslog/file)"),
    _cli("syslog", "switch", "Log to system's syslog facility instead of file or stdout", modelled=False),
    Option("systemLog.syslogFacility", "string", "syslog facility used for mongodb syslog message",
           flag="syslogFacility", modelled=False),
    Option("systemLog.logAppend", "switch", "Append to logpath instead of over-writing", flag="logappend"),
    Option("systemLog.logRotate", "string", "Set the log rotation behavior (rename|reopen)", flag="logRotate"),
    Option("systemLog.timeStampFormat", "string", "Desired format for timestamps in log messages. One of "
           "iso8601-utc or iso8601-local", flag="timeStampFormat", modelled=False),
    Option("systemLog.traceAllExceptions", "switch", "Log stack traces for every exception",
           flag="traceExceptions", hidden=True, modelled=False),
    Option("setParameter", "map", "Set a configurable parameter", flag="setParameter"),
    Option("net.bindIp", "string", "Comma separated list of ip addresses to listen on - localhost by default",
           flag="bind_ip"),
    Option("net.bindIpAll", "switch", "Bind to all ip addresses", flag="bind_ip_all"),
    _cli("noauth", "switch", "Run without security"),
    Option("security.transitionToAuth", "switch", "For rolling access control upgrade. Attempt to authenticate "
           "over outgoing connections and proceed regardless of success. Accept incoming connections with or "
           "without authentication.", flag="transitionToAuth"),
    Option("operationProfiling.slowOpThresholdMs", "int", "Value of slow for profile and console log",
           flag="slowms", default="100"),
    Option("operationProfiling.slowOpSampleRate", "double", "Fraction of slow ops to include in the profile "
           "and console log", flag="slowOpSampleRate", default="1"),
    Option("operationProfiling.filter", "string", "Query predicate to control which operations are logged and "
           "profiled", flag="profileFilter", processes=MONGOD),
    Option("security.keyFile", "string", "Private key for cluster authentication", flag="keyFile"),
    Option("security.clusterAuthMode", "string", "Authentication mode used for cluster authentication. "
           "Alternatives are (keyFile|sendKeyFile|sendX509|x509)", flag="clusterAuthMode"),
    Option("security.clusterIpSourceAllowlist", "list", "Network CIDR specification of permitted origin for "
           "`__system` access", flag="clusterIpSourceAllowlist", modelled=False),
    Option("security.redactClientLogData", "switch", "Redact client data written to the diagnostics log",
           flag="redactClientLogData", hidden=True, modelled=False),
    _cli("auth", "switch", "Run with security", processes=MONGOD),
    Option("security.authorization", "string", "How the database behaves with respect to authorization of "
           "clients (disabled/enabled)", processes=MONGOD),
    _cli("profile", "int", "0=off 1=slow, 2=all", processes=MONGOD),
    Option("operationProfiling.mode", "string", "(off/slowOp/all)", processes=MONGOD),
    _cli("cpu", "switch", "Periodically show cpu and iowait utilization", processes=MONGOD, modelled=False),
    _cli("sysinfo", "switch", "Print some diagnostic system information", processes=MONGOD, modelled=False),
    _cli("noscripting", "switch", "Disable scripting engine", modelled=False),
    Option("security.javascriptEnabled", "bool", "Enable javascript execution", modelled=False),
    _cli("notablescan", "switch", "Do not allow table scans", processes=MONGOD),
    _cli("shutdown", "switch", "Kill a running server (for init scripts)", processes=MONGOD),
    Option("net.wireObjectCheck", "bool", "Inspect client data for validity on receipt", hidden=True,
           modelled=False),
    # ---------------------------------------------------------------- replication (mongod)
    Option("replication.oplogSizeMB", "int", "Size to use (in MB) for replication op log. default is 5% of disk "
           "space (i.e. large is good)", flag="oplogSize", section=REPLICATION, processes=MONGOD),
    Option("replication.replSet", "string", "arg is <setname>[/<optionalseedhostlist>]", flag="replSet",
           section=REPLICA_SET, processes=MONGOD, yaml=False),
    Option("replication.replSetName", "string", "arg is <setname>", section=REPLICA_SET, processes=MONGOD),
    Option("replication.enableMajorityReadConcern", "bool", "Enables majority readConcern. "
           "enableMajorityReadConcern=false is no longer supported", flag="enableMajorityReadConcern",
           section=REPLICA_SET, processes=MONGOD, default="1", implicit="1", modelled=False),
    # ---------------------------------------------------------------- sharding
    _cli("configsvr", "switch", "Declare this is a config db of a cluster; default port 27019; default dir "
         "/data/configdb", section=SHARDING, processes=MONGOD),
    _cli("shardsvr", "switch", "Declare this is a shard db of a cluster; default port 27018", section=SHARDING,
         processes=MONGOD),
    Option("sharding.clusterRole", "string", "Choose what role this mongod has in a sharded cluster",
           section=SHARDING, processes=MONGOD),
    Option("sharding.archiveMovedChunks", "bool", "Keep a copy of documents moved out by chunk migrations",
           section=SHARDING, processes=MONGOD, modelled=False),
    Option("sharding.configDB", "string", "Connection string for communicating with config servers: <config "
           "replset name>/<host1:port>,<host2:port>,[...]", flag="configdb", section=SHARDING, processes=MONGOS),
    Option("replication.localPingThresholdMs", "int", "ping time (in ms) for a node to be considered local "
           "(default 15ms)", flag="localThreshold", section=SHARDING, processes=MONGOS, modelled=False),
    # ---------------------------------------------------------------- storage (mongod)
    Option("storage.engine", "string", "What storage engine to use - defaults to wiredTiger if no data files "
           "present", flag="storageEngine", section=STORAGE, processes=MONGOD, modelled=False),
    Option("storage.dbPath", "string", "Directory for datafiles - defaults to /data/db", flag="dbpath",
           section=STORAGE, processes=MONGOD),
    Option("storage.directoryPerDB", "switch", "Each database will be stored in a separate directory",
           flag="directoryperdb", section=STORAGE, processes=MONGOD, modelled=False),
    Option("storage.syncPeriodSecs", "double", "Seconds between disk syncs", flag="syncdelay", section=STORAGE,
           processes=MONGOD, default="60"),
    Option("storage.journal.commitIntervalMs", "int", "how often to group/batch commit (ms)",
           flag="journalCommitInterval", section=STORAGE, processes=MONGOD, default="100"),
    _cli("upgrade", "switch", "Upgrade db if needed", section=STORAGE, processes=MONGOD, modelled=False),
    _cli("repair", "switch", "Run repair on all dbs", section=STORAGE, processes=MONGOD, modelled=False),
    Option("storage.oplogMinRetentionHours", "double", "Minimum number of hours to preserve in the oplog. "
           "Default is 0 (turned off). Fractions are allowed (e.g. 1.5 hours)", flag="oplogMinRetentionHours",
           section=STORAGE, processes=MONGOD, default="0", modelled=False),
    # ---------------------------------------------------------------- TLS
    Option("net.tls.mode", "string", "Set the TLS operation mode (disabled|allowTLS|preferTLS|requireTLS)",
           flag="tlsMode", section=TLS),
    Option("net.tls.certificateKeyFile", "string", "Certificate and key file for TLS",
           flag="tlsCertificateKeyFile", section=TLS),
    Option("net.tls.certificateKeyFilePassword", "string", "Password to unlock key in the TLS certificate key "
           "file", flag="tlsCertificateKeyFilePassword", section=TLS),
    Option("net.tls.clusterFile", "string", "Key file for internal TLS authentication", flag="tlsClusterFile",
           section=TLS),
    Option("net.tls.clusterPassword", "string", "Internal authentication key file password",
           flag="tlsClusterPassword", section=TLS),
    Option("net.tls.CAFile", "string", "Certificate Authority file for TLS", flag="tlsCAFile", section=TLS),
    Option("net.tls.clusterCAFile", "string", "CA used for verifying remotes during inbound connections",
           flag="tlsClusterCAFile", section=TLS),
    Option("net.tls.CRLFile", "string", "Certificate Revocation List file for TLS", flag="tlsCRLFile",
           section=TLS),
    Option("net.tls.disabledProtocols", "string", "Comma separated list of TLS protocols to disable "
           "[TLS1_0,TLS1_1,TLS1_2,TLS1_3]", flag="tlsDisabledProtocols", section=TLS),
    Option("net.tls.allowConnectionsWithoutCertificates", "switch", "Allow client to connect without presenting "
           "a certificate", flag="tlsAllowConnectionsWithoutCertificates", section=TLS),
    Option("net.tls.allowInvalidHostnames", "switch", "Allow server certificates to provide non-matching "
           "hostnames", flag="tlsAllowInvalidHostnames", section=TLS),
    Option("net.tls.allowInvalidCertificates", "switch", "Allow connections to servers with invalid "
           "certificates", flag="tlsAllowInvalidCertificates", section=TLS),
    Option("net.tls.FIPSMode", "switch", "Activate FIPS 140-2 mode at startup", flag="tlsFIPSMode", section=TLS,
           modelled=False),
    Option("net.tls.logVersions", "string", "Comma separated list of TLS protocols to log on connect "
           "[TLS1_0,TLS1_1,TLS1_2,TLS1_3]", flag="tlsLogVersions", section=TLS, modelled=False),
    # Deprecated --ssl* spellings: still accepted by 8.0 and folded into net.tls.* (see cli._canonicalize).
    Option("net.ssl.mode", "string", "", flag="sslMode", section=TLS, hidden=True),
    Option("net.ssl.PEMKeyFile", "string", "", flag="sslPEMKeyFile", section=TLS, hidden=True),
    Option("net.ssl.PEMKeyPassword", "string", "", flag="sslPEMKeyPassword", section=TLS, hidden=True),
    Option("net.ssl.CAFile", "string", "", flag="sslCAFile", section=TLS, hidden=True),
    Option("net.ssl.CRLFile", "string", "", flag="sslCRLFile", section=TLS, hidden=True),
    Option("net.ssl.allowConnectionsWithoutCertificates", "switch", "",
           flag="sslAllowConnectionsWithoutCertificates", section=TLS, hidden=True),
    Option("net.ssl.allowInvalidHostnames", "switch", "", flag="sslAllowInvalidHostnames", section=TLS,
           hidden=True),
    Option("net.ssl.allowInvalidCertificates", "switch", "", flag="sslAllowInvalidCertificates", section=TLS,
           hidden=True),
    Option("net.ssl.disabledProtocols", "string", "", flag="sslDisabledProtocols", section=TLS, hidden=True),
    # ---------------------------------------------------------------- WiredTiger (mongod)
    Option("storage.wiredTiger.engineConfig.cacheSizeGB", "double", "Maximum amount of memory to allocate for "
           "cache; Defaults to 1/2 of physical RAM", flag="wiredTigerCacheSizeGB", section=WIRED_TIGER,
           processes=MONGOD),
    Option("storage.wiredTiger.engineConfig.zstdCompressionLevel", "int", "Default compression level for "
           "zstandard compressor", flag="zstdDefaultCompressionLevel", section=WIRED_TIGER, processes=MONGOD,
           default="6", modelled=False),
    Option("storage.wiredTiger.engineConfig.journalCompressor", "string", "Use a compressor for log records "
           "[none|snappy|zlib|zstd]", flag="wiredTigerJournalCompressor", section=WIRED_TIGER, processes=MONGOD,
           default="snappy", modelled=False),
    Option("storage.wiredTiger.engineConfig.directoryForIndexes", "switch", "Put indexes and data in different "
           "directories", flag="wiredTigerDirectoryForIndexes", section=WIRED_TIGER, processes=MONGOD,
           modelled=False),
    Option("storage.wiredTiger.engineConfig.configString", "string", "WiredTiger storage engine custom "
           "configuration settings", section=WIRED_TIGER, processes=MONGOD, hidden=True, modelled=False),
    Option("storage.wiredTiger.collectionConfig.blockCompressor", "string", "Block compression algorithm for "
           "collection data [none|snappy|zlib|zstd]", flag="wiredTigerCollectionBlockCompressor",
           section=WIRED_TIGER, processes=MONGOD, default="snappy", modelled=False),
    Option("storage.wiredTiger.indexConfig.prefixCompression", "bool", "Use prefix compression on row-store "
           "leaf pages", flag="wiredTigerIndexPrefixCompression", section=WIRED_TIGER, processes=MONGOD,
           default="1", modelled=False),
    # ---------------------------------------------------------------- audit log (PSMDB's, mongosim.audit)
    Option("auditLog.destination", "string", "Turns auditing on and says where events go (file, console or "
           "syslog)", flag="auditDestination", section=AUDIT),
    Option("auditLog.format", "string", "Format of an audit file: JSON (the default) or BSON",
           flag="auditFormat", section=AUDIT),
    Option("auditLog.filter", "string", "Query document an event must match to be recorded",
           flag="auditFilter", section=AUDIT),
    Option("auditLog.path", "string", "Audit file path and name (default: auditLog.json beside the log file)",
           flag="auditPath", section=AUDIT),
    # PSMDB's older YAML spelling (audit.*), folded into auditLog.* by validate.canonicalize.
    *(Option(f"audit.{leaf}", "string", section=AUDIT, hidden=True)
      for leaf in ("destination", "format", "filter", "path")),
)

BY_PATH: dict[str, Option] = {opt.path: opt for opt in OPTIONS}

# YAML keys matched by pattern rather than listed: per-component log verbosity (systemLog.component.<name>...).
COMPONENT_VERBOSITY_PREFIX = "systemLog.component."

# Passwords mongod censors in getCmdLineOpts, in the start-up log and in its own argv (ps shows x's).
SECRET_PATHS = ("net.tls.certificateKeyFilePassword", "net.tls.clusterPassword", "net.ssl.PEMKeyPassword",
                "net.ssl.clusterPassword")
SECRET_FLAGS = frozenset({"tlsCertificateKeyFilePassword", "tlsClusterPassword", "sslPEMKeyPassword",
                          "sslClusterPassword"})


def flag_table(process: str) -> dict[str, Option]:
    """Command-line spellings (long names and one-letter aliases) the given binary accepts."""
    table: dict[str, Option] = {}
    for opt in OPTIONS:
        if process not in opt.processes or opt.flag is None:
            continue
        table[opt.flag] = opt
        if opt.short:
            table[opt.short] = opt
    return table


def yaml_option(process: str, path: str) -> Option | None:
    opt = BY_PATH.get(path)
    if opt is not None and opt.yaml and process in opt.processes:
        return opt
    if path.startswith(COMPONENT_VERBOSITY_PREFIX) and path.endswith(".verbosity"):
        return Option(path, "int", modelled=False)
    return None


def _left_column(opt: Option) -> str:
    names = f"-{opt.short} [ --{opt.flag} ]" if opt.short else f"--{opt.flag}"
    if opt.implicit is not None:
        names += f" [=arg(={opt.implicit})]"
    elif opt.takes_value():
        names += " arg"
    if opt.default is not None:
        names += f" (={opt.default})"
    return "  " + names


def render_help(process: str) -> str:
    """``mongod --help`` as boost::program_options prints it: sections, then aligned option lines."""
    width = HELP_WIDTH - HELP_DESCRIPTION_COLUMN
    out = ["Options:", ""]
    for section in SECTIONS[process]:
        rows = [opt for opt in OPTIONS if opt.section == section and process in opt.processes
                and opt.flag is not None and not opt.hidden]
        if not rows:
            continue
        out.append(f"{section}:")
        for opt in rows:
            left = _left_column(opt)
            wrapped = textwrap.wrap(opt.help, width, break_on_hyphens=False) or [""]
            if len(left) >= HELP_DESCRIPTION_COLUMN:
                out.append(left)
                out.extend(" " * HELP_DESCRIPTION_COLUMN + line for line in wrapped)
            else:
                out.append(left.ljust(HELP_DESCRIPTION_COLUMN) + wrapped[0])
                out.extend(" " * HELP_DESCRIPTION_COLUMN + line for line in wrapped[1:])
        out.append("")
    return "\n".join(out)
