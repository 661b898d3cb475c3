"""mongod / mongos option parsing: command line and config file into getCmdLineOpts' ``parsed`` tree."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from mongosim.cli import OptionsError, ServerConfig, parse_args, render_help, version_text


def parsed(process: str, *args: str) -> dict[str, Any]:
    return parse_args(process, [process, *args]).parsed


@pytest.mark.parametrize(("args", "expected"), [
    (["--port", "27100"], {"net": {"port": 27100}}),
    (["--port=27100", "--bind_ip", "127.0.0.1,::1"], {"net": {"bindIp": "127.0.0.1,::1", "port": 27100}}),
    (["-port", "27100"], {"net": {"port": 27100}}),
    (["--bind_ip_all"], {"net": {"bindIp": "*"}}),
    (["--ipv6", "--maxConns", "200"], {"net": {"ipv6": True, "maxIncomingConnections": 200}}),
    (["--dbpath", "/srv/db", "--directoryperdb"], {"storage": {"dbPath": "/srv/db", "directoryPerDB": True}}),
    (["--logpath", "/var/log/m.log", "--logappend"],
     {"systemLog": {"destination": "file", "logAppend": True, "path": "/var/log/m.log"}}),
    (["--logpath", "/l", "--logappend", "--logRotate", "reopen", "--timeStampFormat", "iso8601-local"],
     {"systemLog": {"destination": "file", "logAppend": True, "logRotate": "reopen", "path": "/l",
                    "timeStampFormat": "iso8601-local"}}),
    (["--fork", "--logpath", "/l", "--pidfilepath", "/p"],
     {"processManagement": {"fork": True, "pidFilePath": "/p"},
      "systemLog": {"destination": "file", "path": "/l"}}),
    (["--replSet", "rs0", "--oplogSize", "64"], {"replication": {"oplogSizeMB": 64, "replSet": "rs0"}}),
    (["--configsvr", "--replSet", "cfg"],
     {"replication": {"replSet": "cfg"}, "sharding": {"clusterRole": "configsvr"}}),
    (["--shardsvr", "--replSet", "sh1"],
     {"replication": {"replSet": "sh1"}, "sharding": {"clusterRole": "shardsvr"}}),
    (["--keyFile", "/k", "--clusterAuthMode", "keyFile"],
     {"security": {"clusterAuthMode": "keyFile", "keyFile": "/k"}}),
    (["--auth"], {"security": {"authorization": "enabled"}}),
    (["--noauth"], {"security": {"authorization": "disabled"}}),
    (["--wiredTigerCacheSizeGB", "1"], {"storage": {"wiredTiger": {"engineConfig": {"cacheSizeGB": 1.0}}}}),
    (["--setParameter", "enableTestCommands=1", "--setParameter", "logLevel=2"],
     {"setParameter": {"enableTestCommands": "1", "logLevel": "2"}}),
    (["--slowms", "50", "--slowOpSampleRate", "0.5", "--profile", "1"],
     {"operationProfiling": {"mode": "slowOp", "slowOpSampleRate": 0.5, "slowOpThresholdMs": 50}}),
    (["--tlsMode", "requireTLS", "--tlsCertificateKeyFile", "/c.pem", "--tlsCAFile", "/ca.pem",
      "--tlsAllowInvalidHostnames", "--tlsDisabledProtocols", "TLS1_0,TLS1_1"],
     {"net": {"tls": {"CAFile": "/ca.pem", "allowInvalidHostnames": True, "certificateKeyFile": "/c.pem",
                      "disabledProtocols": "TLS1_0,TLS1_1", "mode": "requireTLS"}}}),
    (["--sslMode", "requireSSL", "--sslPEMKeyFile", "/c.pem", "--sslCAFile", "/ca.pem"],
     {"net": {"tls": {"CAFile": "/ca.pem", "certificateKeyFile": "/c.pem", "mode": "requireTLS"}}}),
    (["-v"], {"systemLog": {"verbosity": 1}}),
    (["-vvvvv"], {"systemLog": {"verbosity": 5}}),
    (["--verbose=vvv"], {"systemLog": {"verbosity": 3}}),
    (["--quiet"], {"systemLog": {"quiet": True}}),
    (["--nounixsocket", "--unixSocketPrefix", "/run"],
     {"net": {"unixDomainSocket": {"enabled": False, "pathPrefix": "/run"}}}),
    (["--journalCommitInterval", "50", "--syncdelay", "30", "--storageEngine", "wiredTiger"],
     {"storage": {"engine": "wiredTiger", "journal": {"commitIntervalMs": 50}, "syncPeriodSecs": 30.0}}),
    (["--enableMajorityReadConcern"], {"replication": {"enableMajorityReadConcern": True}}),
    (["--auditDestination", "file", "--auditFormat", "JSON", "--auditPath", "/tmp/a.json"],
     {"auditLog": {"destination": "file", "format": "JSON", "path": "/tmp/a.json"}}),
    ([], {}),
])
def test_mongod_command_line_maps_to_yaml_paths(args: list[str], expected: dict[str, Any]) -> None:
    assert parsed("mongod", *args) == expected


def test_parsed_keys_are_sorted_like_the_servers_map() -> None:
    tree = parsed("mongod", "--port", "1", "--dbpath", "/d", "--bind_ip", "h", "--logpath", "/l", "--auth")
    assert list(tree) == sorted(tree)
    assert list(tree["net"]) == ["bindIp", "port"]
    assert list(tree["systemLog"]) == ["destination", "path"]


@pytest.mark.parametrize(("args", "expected"), [
    (["--configdb", "cfg/a:1,b:2", "--port", "27050"],
     {"net": {"port": 27050}, "sharding": {"configDB": "cfg/a:1,b:2"}}),
    (["--configdb", "cfg/a:1", "--keyFile", "/k", "--noauth"],
     {"security": {"authorization": "disabled", "keyFile": "/k"}, "sharding": {"configDB": "cfg/a:1"}}),
])
def test_mongos_command_line_maps_to_yaml_paths(args: list[str], expected: dict[str, Any]) -> None:
    assert parsed("mongos", *args) == expected


UNRECOGNISED = "Error parsing command line: unrecognised option "
MISSING_PORT = "Error parsing command line: the required argument for option '--port' is missing"


@pytest.mark.parametrize(("process", "args", "message"), [
    ("mongod", ["--foo"], UNRECOGNISED + "'--foo'"),
    ("mongod", ["--foo=1"], UNRECOGNISED + "'--foo'"),
    ("mongod", ["-x"], UNRECOGNISED + "'-x'"),
    ("mongod", ["--configdb", "c/a:1"], UNRECOGNISED + "'--configdb'"),
    ("mongos", ["--configdb", "c/a:1", "--dbpath", "/d"], UNRECOGNISED + "'--dbpath'"),
    ("mongos", ["--configdb", "c/a:1", "--replSet", "r"], UNRECOGNISED + "'--replSet'"),
    ("mongos", ["--configdb", "c/a:1", "--auth"], UNRECOGNISED + "'--auth'"),
    ("mongod", ["--port"], MISSING_PORT),
    ("mongod", ["--port", "--fork"], MISSING_PORT),
    ("mongod", ["--port", "abc"], "Error parsing command line: the argument ('abc') for option '--port' is invalid"),
    ("mongod", ["--fork=true"], "Error parsing command line: option '--fork' does not take any arguments"),
    ("mongod", ["--port", "1", "--port", "2"],
     "Error parsing command line: option '--port' cannot be specified more than once"),
    ("mongod", ["stray"],
     "Error parsing command line: too many positional options have been specified on the command line"),
    ("mongod", ["--setParameter", "novalue"], 'Error parsing command line: Illegal option assignment: "novalue"'),
    ("mongod", ["--fork"], "BadValue: --fork has to be used with --logpath or --syslog"),
    ("mongod", ["--logpath", "/l", "--logRotate", "reopen"],
     "BadValue: logAppend must equal true if logRotate is set to reopen"),
    ("mongod", ["--logRotate", "daily"], "BadValue: unsupported value for logRotate daily"),
    ("mongod", ["--profile", "3"], "BadValue: Bad value for profile: 3.  Supported modes are: (0=off|1=slowOp|2=all)"),
    ("mongod", ["--configsvr"], "BadValue: Cannot start a configsvr as a standalone server. Please use the option "
                                "--replSet to start the node as a replica set."),
    ("mongod", ["--setParameter", "enableTestCommands=maybe"],
     'BadValue: Bad value for parameter "enableTestCommands": Invalid value for enableTestCommands: \'maybe\''),
    ("mongod", ["--setParameter", "featureCompatibilityVersion=8.0"],
     'BadValue: Cannot use --setParameter to set "featureCompatibilityVersion" at startup'),
    ("mongod", ["--profileFilter", "not a document"],
     "BadValue: operationProfiling.filter must be a query document, not 'not a document'"),
    ("mongos", [], "BadValue: error: no args for --configdb"),
    ("mongos", ["--configdb", "a:1,b:2"], "BadValue: configdb supports only replica set connection string"),
])
def test_bad_options_fail_with_mongods_message(process: str, args: list[str], message: str) -> None:
    with pytest.raises(OptionsError) as excinfo:
        parse_args(process, [process, *args])
    assert excinfo.value.message == message
    assert excinfo.value.exit_code == 2


def write(tmp_path: Path, text: str, name: str = "mongod.conf") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_config_file_yaml_is_typed_merged_and_overridden_by_the_command_line(tmp_path: Path) -> None:
    conf = write(tmp_path, """
systemLog:
  destination: file
  path: /var/log/mongodb/mongod.log
  logAppend: true
storage:
  dbPath: /srv/db
net:
  port: 27100
  bindIp: 127.0.0.1
processManagement:
  fork: false
setParameter:
  enableTestCommands: 1
""")
    config = parse_args("mongod", ["mongod", "--config", str(conf), "--port", "27200"])
    assert config.parsed == {
        "config": str(conf),
        "net": {"bindIp": "127.0.0.1", "port": 27200},
        "setParameter": {"enableTestCommands": "1"},
        "storage": {"dbPath": "/srv/db"},
        "systemLog": {"destination": "file", "logAppend": True, "path": "/var/log/mongodb/mongod.log"},
    }
    assert config.port == 27200
    assert config.set_parameters == {"enableTestCommands": True}


@pytest.mark.parametrize(("text", "message"), [
    ("net:\n  port: 1\nfoo:\n  bar: 2\n", "Unrecognized option: foo.bar"),
    ("storage:\n  journal:\n    enabled: true\n", "Unrecognized option: storage.journal.enabled"),
    ("processManagement:\n  fork: yes\n", "Expected boolean switch but found string: yes for option: "
                                          "processManagement.fork"),
    ("net:\n  unixDomainSocket:\n    enabled: 1\n", "Expected boolean but found string: 1 for option: "
                                                   "net.unixDomainSocket.enabled"),
    ("setParameter: 5\n", "Option: setParameter is of type StringMap, but value in YAML config is not a map type"),
    ("port=27017\nrest=true\n", "Error parsing INI config file: unrecognised option 'rest'"),
])
def test_config_file_errors(tmp_path: Path, text: str, message: str) -> None:
    conf = write(tmp_path, text)
    with pytest.raises(OptionsError) as excinfo:
        parse_args("mongod", ["mongod", "-f", str(conf)])
    assert excinfo.value.message == message


def test_mongos_config_file_rejects_mongod_keys(tmp_path: Path) -> None:
    conf = write(tmp_path, "sharding:\n  configDB: cfg/a:1\nstorage:\n  dbPath: /d\n")
    with pytest.raises(OptionsError, match=r"^Unrecognized option: storage.dbPath$"):
        parse_args("mongos", ["mongos", "-f", str(conf)])


def test_missing_config_file() -> None:
    with pytest.raises(OptionsError, match=r"^Error reading config file: No such file or directory$"):
        parse_args("mongod", ["mongod", "--config", "/nonexistent/mongod.conf"])


def test_ini_config_file_is_still_accepted(tmp_path: Path) -> None:
    conf = write(tmp_path, "# legacy format\nport=27300\nreplSet=rs1\nfork=false\nlogappend=true\n")
    assert parsed("mongod", "-f", str(conf)) == {"config": str(conf), "net": {"port": 27300},
                                                 "replication": {"replSet": "rs1"},
                                                 "systemLog": {"logAppend": True}}


@pytest.mark.parametrize(("args", "port", "dbpath", "bind_ips"), [
    ([], 27017, "/data/db", ["localhost"]),
    (["--shardsvr", "--replSet", "s"], 27018, "/data/db", ["localhost"]),
    (["--configsvr", "--replSet", "c"], 27019, "/data/configdb", ["localhost"]),
    (["--bind_ip_all", "--port", "5"], 5, "/data/db", ["0.0.0.0"]),
    (["--bind_ip_all", "--ipv6"], 27017, "/data/db", ["0.0.0.0", "::"]),
    (["--bind_ip", "127.0.0.1, 10.0.0.1", "--dbpath", "/x/../y"], 27017, "/y", ["127.0.0.1", "10.0.0.1"]),
])
def test_defaults_and_typed_properties(args: list[str], port: int, dbpath: str, bind_ips: list[str]) -> None:
    config = parse_args("mongod", ["mongod", *args])
    assert (config.port, config.dbpath, config.bind_ips) == (port, dbpath, bind_ips)


def test_relative_paths_resolve_against_the_start_directory() -> None:
    config = parse_args("mongod", ["mongod", "--dbpath", "db", "--logpath", "m.log", "--pidfilepath", "m.pid"],
                        cwd="/work/run")
    assert (config.dbpath, config.logpath, config.pidfile) == ("/work/run/db", "/work/run/m.log", "/work/run/m.pid")
    assert config.get("storage.dbPath") == "db"


@pytest.mark.parametrize(("args", "auth"), [
    ([], False), (["--auth"], True), (["--keyFile", "/k"], True), (["--keyFile", "/k", "--transitionToAuth"], False),
])
def test_access_control(args: list[str], auth: bool) -> None:
    assert parse_args("mongod", ["mongod", *args]).auth is auth


def test_replica_set_name_from_command_line_or_file(tmp_path: Path) -> None:
    assert parse_args("mongod", ["mongod", "--replSet", "rs0/a:1,b:2"]).repl_set == "rs0"
    conf = write(tmp_path, "replication:\n  replSetName: rs9\n")
    assert parse_args("mongod", ["mongod", "-f", str(conf)]).repl_set == "rs9"


def test_unmodelled_options_are_kept_and_reported() -> None:
    config = parse_args("mongod", ["mongod", "--maxConns", "10", "--cpu", "--port", "1", "--ipv6"])
    assert config.ignored == ["cpu", "net.maxIncomingConnections"]
    assert config.get("net.maxIncomingConnections") == 10
    assert config.get("cpu") is True


def test_passwords_are_censored_in_getcmdlineopts_and_argv() -> None:
    tls_files = ["--tlsCertificateKeyFile", "/c.pem", "--tlsCAFile", "/ca.pem"]
    config = parse_args("mongod", ["mongod", "--tlsMode", "requireTLS", "--tlsCertificateKeyFilePassword", "s3cret",
                                   "--tlsClusterPassword=other", *tls_files])
    assert config.tls_certificate_key_file_password == "s3cret"
    opts = config.cmdline_opts()
    assert opts["argv"] == ["mongod", "--tlsMode", "requireTLS", "--tlsCertificateKeyFilePassword", "<password>",
                            "--tlsClusterPassword=<password>", *tls_files]
    assert opts["parsed"]["net"]["tls"] == {"CAFile": "/ca.pem", "certificateKeyFile": "/c.pem",
                                            "certificateKeyFilePassword": "<password>",
                                            "clusterPassword": "<password>", "mode": "requireTLS"}
    assert config.redacted_argv(mask="x")[4] == "xxxxxx"
    assert "s3cret" not in json.dumps(opts)


def test_set_parameters_typed_for_known_parameters_strings_otherwise() -> None:
    config = parse_args("mongod", ["mongod", "--setParameter", "enableTestCommands=1", "--setParameter",
                                   "cursorTimeoutMillis=60000", "--setParameter", "someFutureKnob=abc",
                                   "--notablescan"])
    assert config.set_parameters == {"enableTestCommands": True, "cursorTimeoutMillis": 60000,
                                     "someFutureKnob": "abc", "notablescan": True}


def test_profile_filter_is_a_string_in_parsed_and_a_document_for_the_profiler(tmp_path: Path) -> None:
    conf = write(tmp_path, "operationProfiling:\n  mode: slowOp\n  filter: '{ op: \"query\", millis: { $gt: 20 } }'\n")
    config = parse_args("mongod", ["mongod", "-f", str(conf)])
    assert config.get("operationProfiling.filter") == '{ op: "query", millis: { $gt: 20 } }'
    assert config.profile_filter == {"op": "query", "millis": {"$gt": 20}}


def test_help_and_version_requests() -> None:
    assert parse_args("mongod", ["mongod", "--help"]).show_help
    assert parse_args("mongod", ["mongod", "-h", "--port", "1"]).show_help
    assert parse_args("mongos", ["mongos", "--version"]).show_version
    assert isinstance(parse_args("mongod", ["mongod"]), ServerConfig)


def test_help_layout_is_boosts() -> None:
    text = render_help("mongod")
    lines = text.splitlines()
    assert lines[:3] == ["Options:", "", "General options:"]
    assert "  --port arg                            Specify port number - 27017 by default" in lines
    assert "  -h [ --help ]                         Show this usage information" in lines
    for header in ("Replica set options:", "Sharding options:", "Storage options:", "TLS Options:",
                   "WiredTiger options:"):
        assert header in lines
    # Long option names put their description on the next line, at column 40.
    index = lines.index("  --tlsAllowConnectionsWithoutCertificates")
    assert re.fullmatch(r" {40}\S.*", lines[index + 1])
    assert all(len(line) <= 79 for line in lines)


def test_mongos_help_lists_only_mongos_options() -> None:
    flags = {line.split()[0] for line in render_help("mongos").splitlines() if line.lstrip().startswith("--")}
    assert {"--configdb", "--port", "--keyFile", "--tlsMode", "--setParameter"} <= flags
    assert not {"--dbpath", "--replSet", "--auth", "--wiredTigerCacheSizeGB", "--shardsvr"} & flags


def test_version_text_first_line_and_build_info() -> None:
    mongod, mongos = version_text("mongod").splitlines(), version_text("mongos").splitlines()
    assert mongod[0] == "db version v8.0.4"
    assert mongos[0] == "mongos version v8.0.4"
    assert mongod[1] == "Build Info: {"
    info = json.loads("\n".join(["{", *mongod[2:]]))
    assert info["version"] == "8.0.4"
    assert info["modules"] == [] and info["environment"]["distarch"] == "x86_64"
