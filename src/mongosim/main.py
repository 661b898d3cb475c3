"""Process entry points for the ``mongod`` and ``mongos`` executables.

``run`` does what the real binaries do around the server: parse options (exit 2 on bad ones), answer
``--help``/``--version``, fork when asked, name the process, open the log, write the start-up lines and the pid
file, check the data directory, then serve until SIGTERM/SIGINT (exit 0). SIGUSR1 rotates the log. Start-up
failures are logged as mongod logs them and end the process with mongod's exit code.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import os
import platform
import resource
import signal
import socket
import sys
import time
from typing import Any

from mongosim import logs, proctitle
from mongosim.audit.options import AuditOptionsError
from mongosim.cli import OptionsError, ServerConfig, parse_args, render_help, version_info, version_text
from mongosim.daemon import ReadyPipe, fork_server
from mongosim.server import Server, StartupError

# Lines --quiet suppresses (mongod: "connection accepted events, connection closed events").
# Message ids of the lines this module writes (the server's own numbers).
ID_STARTUP_FAILED = 20557
ID_NOW_EXITING = 20565
ID_EXIT_CODE = 23138
ID_GLOBAL_INIT_FAILED = 20574
ID_LOG_RENAMED = 20697
ID_PIDFILE_FAILED = 23316
ID_ACCESS_CONTROL = 22120
ID_ROOT_USER = 22138
ID_BOUND_LOCALHOST = 22140
ID_RLIMITS = 22184
ID_SIGNAL_RECEIVED = 23377
ID_WILL_TERMINATE = 23381
EXIT_FAILURE = 1
EXIT_NEED_DBPATH = 100
RECOMMENDED_OPEN_FILES = 64000


def _terse_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H-%M-%S")


def _open_logger(config: ServerConfig) -> logs.Logger | int:
    """Open --logpath (stdout without it). Like mongod, an existing file is moved aside unless --logappend."""
    path = config.logpath
    renamed: tuple[str, str] | None = None
    try:
        if path is not None and os.path.isdir(path):
            raise OSError(f'logpath "{path}" should name a file, not a directory.')
        if path is not None and not config.log_append and os.path.isfile(path):
            target = f"{path}.{_terse_now()}"
            os.replace(path, target)
            renamed = (path, target)
        logger = logs.Logger(path, append=config.log_append, quiet=config.quiet, verbosity=config.verbosity,
                               service="R" if config.process == "mongos" else "S")
    except OSError as exc:
        reason = exc.args[0] if isinstance(exc.args[0], str) else f"Failed to open {path}"
        line = logs.format_line("F", "CONTROL", ID_GLOBAL_INIT_FAILED, "main", "Error during global initialization",
                                {"error": {"code": 38, "codeName": "FileNotOpen",
                                           "errmsg": f"Can't initialize rotatable log file :: caused by :: {reason}"}})
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
        return EXIT_FAILURE
    if renamed is not None:
        logger.info("CONTROL", ID_LOG_RENAMED, "main", "Renamed existing log file",
                    {"oldLogPath": renamed[0], "newLogPath": renamed[1]})
    return logger


def _os_info() -> dict[str, str]:
    fields: dict[str, str] = {}
    try:
        with open("/etc/os-release", encoding="utf-8") as handle:
            for line in handle:
                key, _, value = line.strip().partition("=")
                fields[key] = value.strip('"')
    except OSError:
        pass
    return {"name": fields.get("NAME", platform.system()), "version": fields.get("VERSION_ID", platform.release())}


def _ctx(config: ServerConfig) -> str:
    return "mongosMain" if config.process == "mongos" else "initandlisten"


def _log_startup(config: ServerConfig, logger: logs.Logger) -> None:
    ctx = _ctx(config)
    starting: dict[str, Any] = {"pid": os.getpid(), "port": config.port}
    if config.process == "mongod":
        starting["dbPath"] = config.dbpath
    starting.update(architecture="64-bit", host=socket.gethostname())
    logger.info("CONTROL", logs.ID_STARTING, ctx, "MongoDB starting", starting)
    logger.info("CONTROL", logs.ID_BUILD_INFO, ctx, "Build Info", {"buildInfo": version_info()})
    logger.info("CONTROL", logs.ID_OS, ctx, "Operating System", {"os": _os_info()})
    logger.info("CONTROL", logs.ID_OPTIONS, ctx, "Options set by command line", {"options": config.redacted_parsed()})
    for path in config.ignored:
        logger.warning("CONTROL", logs.ID_IGNORED_OPTION, ctx, "Option accepted but not modelled by the simulator; "
                       "it has no effect", {"option": path, "value": config.get(path)})


def _log_startup_warnings(config: ServerConfig, logger: logs.Logger) -> None:
    ctx = _ctx(config)
    if not config.auth:
        logger.warning("CONTROL", ID_ACCESS_CONTROL, ctx, "Access control is not enabled for the database. Read and "
                       "write access to data and configuration is unrestricted", startup=True)
    if os.geteuid() == 0:
        logger.warning("CONTROL", ID_ROOT_USER, ctx, "You are running this process as the root user, which is not "
                       "recommended", startup=True)
    if config.get("net.bindIp") is None:
        logger.warning("CONTROL", ID_BOUND_LOCALHOST, ctx, "This server is bound to localhost. Remote systems will be "
                       "unable to connect to this server. Start the server with --bind_ip <address> to specify which "
                       "IP addresses it should serve responses from, or with --bind_ip_all to bind to all "
                       "interfaces. If this behavior is desired, start the server with --bind_ip 127.0.0.1 to "
                       "disable this warning", startup=True)
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < RECOMMENDED_OPEN_FILES:
        logger.warning("CONTROL", ID_RLIMITS, ctx, "Soft rlimits for open file descriptors too low",
                       {"currentValue": soft, "recommendedMinimum": RECOMMENDED_OPEN_FILES}, startup=True)


def _log_exit(config: ServerConfig, logger: logs.Logger, code: int) -> None:
    logger.info("CONTROL", ID_NOW_EXITING, _ctx(config), "Now exiting")
    logger.info("CONTROL", ID_EXIT_CODE, _ctx(config), "Shutting down", {"exitCode": code})


def _write_pidfile(config: ServerConfig, logger: logs.Logger) -> int:
    path = config.pidfile
    if path is None:
        return 0
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()}\n")
    except OSError as exc:
        logger.error("CONTROL", ID_PIDFILE_FAILED, _ctx(config), "Cannot write pid file",
                     {"path": path, "error": exc.strerror or str(exc)})
        return EXIT_FAILURE
    return 0


def _check_dbpath(config: ServerConfig, logger: logs.Logger) -> int:
    """mongod refuses to start without its data directory (exit 100) before touching the storage engine."""
    if config.process != "mongod" or os.path.isdir(config.dbpath):
        return 0
    logger.error("STORAGE", ID_STARTUP_FAILED, "initandlisten", "DBException in initAndListen, terminating",
                 {"error": f"NonExistentPath: Data directory {config.dbpath} not found. Create the missing directory "
                           "or specify another path using (1) the --dbpath command line option, or (2) by adding the "
                           "'storage.dbPath' option in the configuration file."})
    return EXIT_NEED_DBPATH


def _set_up_security_key(config: ServerConfig, logger: logs.Logger) -> bool:
    """--keyFile: read the key(s) for internal authentication before anything else, as mongod does while it
    creates its service context; a bad file is logged (never its content) and stops the process."""
    from mongosim.auth import credentials, internal
    from mongosim.parameters import initial_values

    path = config.key_file
    if path is None:
        internal.configure(None)
        return True
    try:
        auth = internal.load(path, iterations=credentials.iterations_from(initial_values(config.set_parameters)),
                             cluster_auth_mode=config.cluster_auth_mode,
                             transition_to_auth=config.transition_to_auth)
    except internal.KeyFileError as exc:
        for severity, component, msg_id, msg, attr in internal.startup_failure_lines(exc):
            logger.log(severity, component, msg_id, "main", msg, attr)
        return False
    internal.configure(auth)
    return True


def _rotate_logs(config: ServerConfig, logger: logs.Logger, server: Server) -> None:
    # Written before the rename, so it ends the old file as in mongod; Logger.rotate picks its own suffix.
    logger.info("CONTROL", logs.ID_LOG_ROTATE, "SignalHandler", "Log rotation initiated",
                {"suffix": _terse_now(), "logType": "server"})
    logger.rotate(config.log_rotate)
    if server.audit is not None:  # SIGUSR1 rotates every log, the audit log included
        server.audit.rotate(config.log_rotate)


async def _serve(config: ServerConfig, logger: logs.Logger, ready: ReadyPipe | None) -> int:
    server = Server(config, logger)
    loop = asyncio.get_running_loop()
    state: dict[str, Any] = {"started": False, "pending": None}

    def on_terminate(sig: signal.Signals) -> None:
        logger.info("CONTROL", ID_SIGNAL_RECEIVED, "SignalHandler", "Received signal",
                    {"signal": int(sig), "error": signal.strsignal(sig) or sig.name})
        logger.info("CONTROL", ID_WILL_TERMINATE, "SignalHandler", "will terminate after current cmd ends")
        reason = f"received signal {sig.name}"
        if state["started"]:
            server.request_shutdown(reason)
        else:  # a signal during start-up is honoured as soon as the listeners exist
            state["pending"] = reason

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_terminate, sig)
    loop.add_signal_handler(signal.SIGUSR1, _rotate_logs, config, logger, server)
    try:
        await server.start()
    except StartupError as exc:
        if exc.exit_code != 48 and not exc.logged:  # the listener already logged its own failure
            component = "STORAGE" if exc.exit_code == EXIT_NEED_DBPATH else "CONTROL"
            logger.error(component, ID_STARTUP_FAILED, _ctx(config), "DBException in initAndListen, terminating",
                         {"error": str(exc)})
        _log_exit(config, logger, exc.exit_code)
        return exc.exit_code
    state["started"] = True
    # Everything allocated so far lives as long as the process: keep it out of the cyclic collector's scans,
    # and collect the young generation less often (a request allocates many short-lived dicts, no cycles).
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    if ready is not None:
        ready.ready()
    if state["pending"] is not None:
        server.request_shutdown(state["pending"])
    await server.wait_stopped()
    _log_exit(config, logger, 0)
    return 0


def serve(config: ServerConfig, ready: ReadyPipe | None = None) -> int:
    """Run the server in this process until it is shut down; returns the process exit code."""
    logger = _open_logger(config)
    if isinstance(logger, int):
        return logger
    try:
        if not _set_up_security_key(config, logger):
            return EXIT_FAILURE
        _log_startup(config, logger)
        code = _write_pidfile(config, logger) or _check_dbpath(config, logger)
        if code:
            _log_exit(config, logger, code)
            return code
        _log_startup_warnings(config, logger)
        return asyncio.run(_serve(config, logger, ready))
    finally:
        logger.close()


def _shutdown_running(config: ServerConfig) -> int:
    """``mongod --shutdown``: SIGTERM the server whose pid is in ``<dbpath>/mongod.lock`` and wait for it."""
    try:
        with open(os.path.join(config.dbpath, "mongod.lock"), encoding="utf-8") as handle:
            pid = int(handle.read().strip())
        os.kill(pid, signal.SIGTERM)
    except (OSError, ValueError):
        print(f"There doesn't seem to be a server running with dbpath: {config.dbpath}")
        return EXIT_FAILURE
    print(f"killing process with pid: {pid}")
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return 0
        time.sleep(0.1)  # polling a foreign process: there is nothing to wait on
    return EXIT_FAILURE


def run(process: str, argv: list[str]) -> int:
    """Everything ``mongod``/``mongos`` does with its command line; returns the exit code."""
    try:
        config = parse_args(process, argv)
    except AuditOptionsError as exc:
        # A failed start-up initializer, not a usage error: mongod logs it to stdout and exits 1.
        line = logs.format_line("F", "CONTROL", ID_GLOBAL_INIT_FAILED, "main", "Error during global initialization",
                                {"error": exc.error_document()})
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
        return exc.exit_code
    except OptionsError as exc:
        sys.stderr.write(f"{exc.message}\ntry '{process} --help' for more information\n")
        return exc.exit_code
    if config.show_help:
        sys.stdout.write(render_help(process) + "\n")
        return 0
    if config.show_version:
        sys.stdout.write(version_text(process) + "\n")
        return 0
    if config.shutdown_requested:
        return _shutdown_running(config)
    # Before forking, so the waiting parent shows as mongod too; mongod also hides passwords from ps.
    proctitle.set_process_name(process, config.redacted_argv(mask="x")[1:])
    ready = fork_server() if config.fork else None
    try:
        return serve(config, ready)
    finally:
        if ready is not None:
            ready.close()


def mongod_main() -> int:
    return run("mongod", sys.argv)


def mongos_main() -> int:
    return run("mongos", sys.argv)
