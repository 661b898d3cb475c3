"""Canonicalise and validate merged mongod / mongos options, with the messages mongod prints.

Canonicalisation folds the command-line-only spellings into YAML paths, as mongod's
``canonicalize*Options`` do (``--auth`` -> ``security.authorization: "enabled"``, ``-vv`` ->
``systemLog.verbosity: 2``, ``--bind_ip_all`` -> ``net.bindIp: "*"``...). Validation then applies the checks
mongod makes while storing options; their failures print as ``BadValue: <reason>`` and exit with code 2.
"""

from __future__ import annotations

from typing import Any

from mongosim.configfile import OptionsError

_PROFILE_MODES = {0: "off", 1: "slowOp", 2: "all"}
_SSL_TO_TLS = {"mode": "mode", "PEMKeyFile": "certificateKeyFile", "PEMKeyPassword": "certificateKeyFilePassword",
               "CAFile": "CAFile", "CRLFile": "CRLFile", "disabledProtocols": "disabledProtocols",
               "allowConnectionsWithoutCertificates": "allowConnectionsWithoutCertificates",
               "allowInvalidHostnames": "allowInvalidHostnames", "allowInvalidCertificates": "allowInvalidCertificates"}
_SSL_MODES = {"disabled": "disabled", "allowSSL": "allowTLS", "preferSSL": "preferTLS", "requireSSL": "requireTLS"}
TLS_MODES = ("disabled", "allowTLS", "preferTLS", "requireTLS")
TLS_PROTOCOLS = ("TLS1_0", "TLS1_1", "TLS1_2", "TLS1_3")
_TLS_NEEDS_MODE = ("certificateKeyFile", "clusterFile", "CAFile", "clusterCAFile", "CRLFile", "disabledProtocols",
                   "allowConnectionsWithoutCertificates")
CLUSTER_AUTH_MODES = ("keyFile", "sendKeyFile", "sendX509", "x509")


def _bad(reason: str) -> OptionsError:
    return OptionsError(f"BadValue: {reason}")


def _verbosity(env: dict[str, Any]) -> None:
    level = -1
    for count in range(2, 13):
        if env.pop("v" * count, False):
            level = max(level, count)
    verbose = env.pop("verbose", None)
    if verbose == "true":  # a YAML/INI "verbose = true" means one v (SERVER-11471)
        level = max(level, 1)
    elif isinstance(verbose, str) and verbose and set(verbose) == {"v"}:
        level = max(level, len(verbose))
    elif verbose is not None:
        raise _bad(f"Bad value for --verbose: {verbose}")
    if level >= 0:
        env["systemLog.verbosity"] = level


def canonicalize(env: dict[str, Any]) -> dict[str, Any]:
    """Fold command-line-only options into their YAML paths; command-line spellings win over the file."""
    env = dict(env)
    _verbosity(env)
    if "logpath" in env:
        logpath = env.pop("logpath")
        if not logpath:
            raise _bad("logpath cannot be empty if supplied")
        env["systemLog.destination"] = "file"
        env["systemLog.path"] = logpath
    if env.pop("syslog", False):
        env["systemLog.destination"] = "syslog"
    if env.pop("noauth", False):
        env["security.authorization"] = "disabled"
    if env.pop("auth", False):
        env["security.authorization"] = "enabled"
    if "profile" in env:
        level = env.pop("profile")
        if level not in _PROFILE_MODES:
            raise _bad(f"Bad value for profile: {level}.  Supported modes are: (0=off|1=slowOp|2=all)")
        env["operationProfiling.mode"] = _PROFILE_MODES[level]
    if env.pop("configsvr", False):
        env["sharding.clusterRole"] = "configsvr"
    if env.pop("shardsvr", False):
        env["sharding.clusterRole"] = "shardsvr"
    if env.pop("nounixsocket", False):
        env["net.unixDomainSocket.enabled"] = False
    if env.pop("noscripting", False):
        env["security.javascriptEnabled"] = False
    if env.pop("net.bindIpAll", False):
        env["net.bindIp"] = "*"
    for leaf in ("destination", "format", "filter", "path"):  # PSMDB's deprecated audit.* YAML names
        if f"audit.{leaf}" in env:
            env.setdefault(f"auditLog.{leaf}", env.pop(f"audit.{leaf}"))
    for path in [p for p in env if p.startswith("net.ssl.")]:
        value = env.pop(path)
        leaf = path.removeprefix("net.ssl.")
        target = _SSL_TO_TLS.get(leaf)
        if target is None:
            continue
        if leaf == "mode":
            value = _SSL_MODES.get(value, value)
        env.setdefault(f"net.tls.{target}", value)
    return env


def _validate_logging(env: dict[str, Any]) -> None:
    verbosity = env.get("systemLog.verbosity")
    if isinstance(verbosity, int) and verbosity < 0:
        raise _bad("systemLog.verbosity YAML Config cannot be negative")
    stamp = env.get("systemLog.timeStampFormat")
    if stamp is not None and stamp not in ("iso8601-utc", "iso8601-local"):
        raise _bad(f'Value of logTimestampFormat must be one of iso8601-utc or iso8601-local; not "{stamp}".')
    destination = env.get("systemLog.destination")
    if destination == "file" and "systemLog.path" not in env:
        raise _bad("systemLog.path is required if systemLog.destination is to a file")
    if destination == "syslog" and "systemLog.path" in env:
        raise _bad("Can only use systemLog.path if systemLog.destination is to a file")
    if destination not in (None, "file", "syslog"):
        raise _bad(f"Bad value for systemLog.destination: {destination}.  Supported targets are: (syslog|file)")
    if destination is None and "systemLog.path" in env:
        raise _bad("Can only use systemLog.path if systemLog.destination is to a file")
    rotate = env.get("systemLog.logRotate")
    if rotate == "reopen" and not env.get("systemLog.logAppend"):
        raise _bad("logAppend must equal true if logRotate is set to reopen")
    if rotate not in (None, "rename", "reopen"):
        raise _bad(f"unsupported value for logRotate {rotate}")
    if env.get("processManagement.fork") and destination not in ("file", "syslog"):
        raise _bad("--fork has to be used with --logpath or --syslog")


def _validate_sharding(process: str, env: dict[str, Any]) -> None:
    if process == "mongos":
        config_db = env.get("sharding.configDB")
        if not config_db:
            raise _bad("error: no args for --configdb")
        set_name, slash, hosts = str(config_db).partition("/")
        if not slash or not set_name or not hosts.strip(","):
            raise _bad("configdb supports only replica set connection string")
        return
    role = env.get("sharding.clusterRole")
    if role is None:
        return
    if role not in ("configsvr", "shardsvr"):
        raise _bad(f"Bad value for sharding.clusterRole: {role}.  Supported roles are: (configsvr|shardsvr)")
    if "replication.replSet" not in env and "replication.replSetName" not in env:
        raise _bad(f"Cannot start a {role} as a standalone server. Please use the option --replSet to start the "
                   "node as a replica set.")


def _validate_tls(env: dict[str, Any]) -> None:
    """mongod's ``storeSSLServerOptions`` checks (the files themselves are read at start-up, mongosim.tls)."""
    tls_mode = env.get("net.tls.mode")
    if tls_mode not in (None, *TLS_MODES):
        raise _bad(f"unsupported value for tlsMode {tls_mode}")
    protocols = env.get("net.tls.disabledProtocols")
    if protocols is not None and str(protocols) != "none":
        for name in (p.strip() for p in str(protocols).split(",")):
            if name not in TLS_PROTOCOLS:
                raise _bad(f"Unrecognized disabledProtocols '{name}'")
    if tls_mode in (None, "disabled"):
        # The passwords alone are tolerated (mongod also refuses them): they are harmless without a file.
        if any(env.get(f"net.tls.{key}") for key in _TLS_NEEDS_MODE):
            raise _bad("need to enable TLS via the sslMode/tlsMode flag when using TLS configuration parameters")
        return
    if not env.get("net.tls.certificateKeyFile") and not env.get("net.tls.certificateSelector"):
        raise _bad("need tlsCertificateKeyFile or certificateSelector when TLS is enabled")
    if env.get("net.tls.CRLFile") and not env.get("net.tls.CAFile"):
        raise _bad("need tlsCAFile with tlsCRLFile")
    if env.get("net.tls.allowConnectionsWithoutCertificates") and not env.get("net.tls.CAFile"):
        raise _bad("No TLS certificate validation can be performed since no CA file has been provided; please "
                   "specify an tlsCAFile parameter")
    if env.get("net.tls.clusterCAFile") and not env.get("net.tls.CAFile"):
        raise _bad("Specifying a tlsClusterCAFile requires a tlsCAFile also be specified")
    set_parameters = env.get("setParameter") or {}
    system_ca = str(set_parameters.get("tlsUseSystemCA", "false")).lower() in ("true", "1") \
        if isinstance(set_parameters, dict) else False
    if env.get("net.tls.CAFile") and system_ca:
        raise OptionsError("InvalidOptions: The use of both a CA File and the System Certificate store is not "
                           "supported.")
    if not env.get("net.tls.CAFile") and not system_ca:
        raise OptionsError("InvalidOptions: The use of TLS without specifying a chain of trust is no longer "
                           "supported.")


def validate(process: str, env: dict[str, Any]) -> None:
    """The checks mongod makes while storing its options; raises OptionsError("BadValue: ...")."""
    _validate_logging(env)
    port = env.get("net.port")
    if port is not None and not 0 <= port <= 65535:
        raise _bad(f"net.port must be between 0 and 65535, but {port} was given")
    authorization = env.get("security.authorization")
    if authorization not in (None, "enabled", "disabled"):
        raise _bad(f"Invalid value for security.authorization: {authorization}. Supported values are: "
                   "(disabled|enabled)")
    mode = env.get("operationProfiling.mode")
    if mode not in (None, "off", "slowOp", "all"):
        raise _bad(f"Bad value for operationProfiling.mode: {mode}.  Supported modes are: (off|slowOp|all)")
    cluster_auth = env.get("security.clusterAuthMode")
    if cluster_auth not in (None, *CLUSTER_AUTH_MODES):
        raise _bad(f"unsupported value for clusterAuthMode {cluster_auth}")
    _validate_tls(env)
    rate = env.get("operationProfiling.slowOpSampleRate")
    if rate is not None and not 0.0 <= rate <= 1.0:
        raise _bad("'operationProfiling.slowOpSampleRate' must be between 0.0 and 1.0 inclusive")
    _validate_sharding(process, env)
