"""Sandbox: one mongod on loopback, kept in a state directory, for trying the platform and for tests.

Layout under ``<home>/sandbox/<name>/``: ``state.json`` (the record: port, pid, paths, binary, times),
``db/`` (dbpath), ``mongod.log`` and ``mongod.pid``. The record is written atomically before the server is
launched and updated after, and every action holds ``<home>/sandbox/.<name>.lock`` so two starts of the
same sandbox cannot race. Stopping keeps the data unless asked to purge it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mongo_admin.errors import InvalidInputError, MongoAdminError, SandboxStateError
from mongo_admin.ops.records import exclusive_lock, read_json, write_json_atomic
from mongo_admin.providers import local
from mongo_admin.providers.binaries import BinarySource, ServerBinaries, binaries_in, resolve_binaries

DEFAULT_NAME = "default"
HOST = "127.0.0.1"
PROBE_TIMEOUT_S = 5.0
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")

if TYPE_CHECKING:
    from mongo_admin.mongo.client import BuildInfo, ServerStatusSummary

Progress = Callable[[str], None]


def _silent(_: str) -> None:
    """The default progress sink: operations report progress only to whoever asks for it."""


class SandboxState(enum.StrEnum):
    RUNNING = "running"  # the process runs and answers
    UNRESPONSIVE = "unresponsive"  # the process runs but does not answer ping
    STOPPED = "stopped"  # stopped by mongo-admin
    STALE = "stale"  # the recorded process is gone without being stopped (crash, reboot, kill -9)


@dataclass(frozen=True)
class SandboxPaths:
    name: str
    root: Path
    lock: Path

    @property
    def state(self) -> Path:
        return self.root / "state.json"

    @property
    def dbpath(self) -> Path:
        return self.root / "db"

    @property
    def logpath(self) -> Path:
        return self.root / "mongod.log"

    @property
    def pidfile(self) -> Path:
        return self.root / "mongod.pid"


def sandbox_paths(home: Path, name: str) -> SandboxPaths:
    if not _NAME.match(name):
        raise InvalidInputError(f"invalid sandbox name {name!r}",
                                "names are 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit",
                                "choose a name such as 'default' or 'test-1'")
    return SandboxPaths(name, home / "sandbox" / name, home / "sandbox" / f".{name}.lock")


@dataclass
class SandboxRecord:
    """What ``state.json`` holds; the pid file stays the authority for the pid of a running server."""

    name: str
    port: int
    pid: int | None
    dbpath: str
    logpath: str
    binary: str
    binary_source: str
    version: str | None
    simulator: bool
    started_at: str | None
    stopped_at: str | None

    @property
    def uri(self) -> str:
        return f"mongodb://{HOST}:{self.port}/?directConnection=true"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SandboxRecord:
        names = {each.name for each in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in names})


@dataclass(frozen=True)
class SandboxStatus:
    message: str
    name: str
    state: SandboxState
    server: str  # "sandbox (mongosim <version>)" or "MongoDB": says plainly when the target is the simulator
    simulator: bool
    uri: str
    port: int
    pid: int | None
    version: str | None
    uptime_s: float | None
    connections_current: int | None
    connections_available: int | None
    opcounters: dict[str, int]
    storage_size_bytes: int | None
    dbpath: str
    logpath: str
    binary: str
    started_at: str | None


@dataclass(frozen=True)
class SandboxStartResult(SandboxStatus):
    started: bool  # False when it was already running (start is idempotent)


@dataclass(frozen=True)
class SandboxStopResult:
    message: str
    name: str
    server: str
    stopped: bool  # False when nothing was running
    pid: int | None
    signal: str | None  # SIGTERM for a clean shutdown, SIGKILL when it had to be forced
    purged: bool
    dbpath: str


@dataclass(frozen=True)
class SandboxSummary:
    name: str
    state: SandboxState
    server: str
    port: int
    pid: int | None
    version: str | None
    dbpath: str


@dataclass(frozen=True)
class SandboxList:
    home: str
    sandboxes: list[SandboxSummary]


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def _read_record(paths: SandboxPaths) -> SandboxRecord | None:
    data = read_json(paths.state)
    if data is None:
        return None
    try:
        return SandboxRecord.from_json(data)
    except TypeError as exc:
        raise SandboxStateError(f"sandbox '{paths.name}' has an unreadable record", f"{paths.state}: {exc}",
                                f"remove {paths.root} (its data goes with it) and start again") from exc


def _load(paths: SandboxPaths) -> SandboxRecord:
    record = _read_record(paths)
    if record is None:
        raise SandboxStateError(f"no sandbox named '{paths.name}'", f"{paths.state} does not exist",
                                f"create it with: mongo-admin sandbox start --name {paths.name}")
    return record


def _write(paths: SandboxPaths, record: SandboxRecord) -> None:
    write_json_atomic(paths.state, dataclasses.asdict(record))


def _live_pid(paths: SandboxPaths, record: SandboxRecord) -> int | None:
    """The running server's pid (recorded, or from the pid file if we died before recording it)."""
    marker = str(paths.dbpath)
    for pid in (record.pid, local.read_pid_file(paths.pidfile)):
        if local.is_running(pid, marker):
            return pid
    return None


def _offline_label(simulator: bool) -> str:
    return "sandbox (mongosim)" if simulator else "MongoDB"


def _status(record: SandboxRecord, state: SandboxState, message: str, pid: int | None,
            probe: _Probe | None = None) -> SandboxStatus:
    return SandboxStatus(
        message=message, name=record.name, state=state,
        server=probe.build.server_label if probe else _offline_label(record.simulator),
        simulator=probe.build.simulator if probe else record.simulator,
        uri=record.uri, port=record.port, pid=pid,
        version=probe.build.version if probe else record.version,
        uptime_s=probe.status.uptime_s if probe and probe.status else None,
        connections_current=probe.status.connections_current if probe and probe.status else None,
        connections_available=probe.status.connections_available if probe and probe.status else None,
        opcounters=dict(probe.status.opcounters) if probe and probe.status else {},
        storage_size_bytes=probe.storage_size if probe else None,
        dbpath=record.dbpath, logpath=record.logpath, binary=record.binary, started_at=record.started_at,
    )


@dataclass(frozen=True)
class _Probe:
    build: BuildInfo
    status: ServerStatusSummary | None
    storage_size: int | None


def _probe(uri: str) -> _Probe:
    # Imported here so listing sandboxes (and the CLI's --help) never pays for importing pymongo.
    from mongo_admin.mongo import client as mongo

    client = mongo.connect(uri, timeout_s=PROBE_TIMEOUT_S)
    try:
        mongo.ping(client)
        return _Probe(mongo.build_info(client), mongo.optional(mongo.server_status, client),
                      mongo.optional(mongo.storage_size_bytes, client))
    finally:
        client.close()


def _observe(paths: SandboxPaths, record: SandboxRecord) -> tuple[SandboxStatus, _Probe | None]:
    name = record.name
    pid = _live_pid(paths, record)
    if pid is None:
        if record.pid is None:
            return _status(record, SandboxState.STOPPED, f"sandbox '{name}' is stopped", None), None
        return _status(record, SandboxState.STALE,
                       f"sandbox '{name}' is not running: process {record.pid} exited without being stopped "
                       f"(see {record.logpath})", None), None
    try:
        probe = _probe(record.uri)
    except MongoAdminError as exc:
        return _status(record, SandboxState.UNRESPONSIVE,
                       f"sandbox '{name}' process {pid} is running but does not answer: {exc.why or exc.what}",
                       pid), None
    kind = probe.build.server_label
    return _status(record, SandboxState.RUNNING, f"sandbox '{name}' is running at {record.uri}; server: {kind}",
                   pid, probe), probe


def _choose_binaries(record: SandboxRecord | None, binary_dir: Path | None) -> ServerBinaries:
    """Explicit choice first; else the executables that created the data (a data directory written by one
    server is not always readable by another); else the normal search."""
    if binary_dir is None and record is not None:
        previous = Path(record.binary).parent
        if (previous / "mongod").is_file():
            return binaries_in(previous, BinarySource.PREVIOUS, simulator=record.simulator)
    return resolve_binaries(binary_dir)


def _choose_port(record: SandboxRecord | None, port: int | None) -> int:
    if port is not None:
        if not 1 <= port <= 65535:
            raise InvalidInputError(f"invalid port {port}", "ports are 1-65535", "choose another port")
        local.check_port_free(port, HOST)
        return port
    if record is not None and local.port_is_free(record.port, HOST):
        return record.port
    return local.free_port(HOST)


def start_sandbox(home: Path, name: str = DEFAULT_NAME, *, port: int | None = None,
                  binary_dir: Path | None = None, progress: Progress = _silent,
                  timeout_s: float = local.START_TIMEOUT_S) -> SandboxStartResult:
    """Start (or find already running) the sandbox ``name``; a taken port fails before anything starts."""
    paths = sandbox_paths(home, name)
    with exclusive_lock(paths.lock):
        record = _read_record(paths)
        if record is not None and _live_pid(paths, record) is not None:
            if port is not None and port != record.port:
                raise SandboxStateError(f"sandbox '{name}' is already running on port {record.port}",
                                        f"--port {port} asks for a different port",
                                        f"stop it first: mongo-admin sandbox stop --name {name}")
            status, _ = _observe(paths, record)
            message = f"sandbox '{name}' is already running at {record.uri}; server: {status.server}"
            return SandboxStartResult(**{**_fields(status), "message": message}, started=False)
        if record is not None and record.pid is not None:
            progress(f"process {record.pid} from the previous start is gone; starting again")
        chosen = _choose_port(record, port)  # first: the cheapest refusal, before any process runs
        binaries = _choose_binaries(record, binary_dir)
        progress(f"using {binaries.server_label} mongod {binaries.version} from {binaries.mongod.parent} "
                 f"({binaries.source.value})")
        record = SandboxRecord(
            name=name, port=chosen, pid=None, dbpath=str(paths.dbpath), logpath=str(paths.logpath),
            binary=str(binaries.mongod), binary_source=binaries.source.value, version=binaries.version,
            simulator=binaries.simulator, started_at=None,
            stopped_at=record.stopped_at if record is not None else None,
        )
        _write(paths, record)  # recorded before launch: a failed start still leaves a findable sandbox
        paths.pidfile.unlink(missing_ok=True)  # a stale pid file must not be mistaken for the new server
        progress(f"starting mongod on {HOST}:{chosen} with data in {paths.dbpath}")
        record.pid = local.start(local.LaunchSpec(binaries.mongod, chosen, paths.logpath, paths.pidfile,
                                                  paths.dbpath), timeout_s)
        record.started_at = _now()
        _write(paths, record)
        status, probe = _observe(paths, record)
        if probe is not None:
            # buildInfo is the authority on what the server is: keep what it said for offline listings.
            record.simulator, record.version = probe.build.simulator, probe.build.version
            _write(paths, record)
        message = f"started sandbox '{name}' at {record.uri}; server: {status.server}"
        if status.state is not SandboxState.RUNNING:
            message = status.message
        return SandboxStartResult(**{**_fields(status), "message": message}, started=True)


def _fields(status: SandboxStatus) -> dict[str, Any]:
    return {each.name: getattr(status, each.name) for each in dataclasses.fields(SandboxStatus)}


def sandbox_status(home: Path, name: str = DEFAULT_NAME) -> SandboxStatus:
    """Process alive, ping, buildInfo and a serverStatus summary of the sandbox ``name``."""
    paths = sandbox_paths(home, name)
    return _observe(paths, _load(paths))[0]


def stop_sandbox(home: Path, name: str = DEFAULT_NAME, *, purge: bool = False, progress: Progress = _silent,
                 timeout_s: float = local.STOP_TIMEOUT_S) -> SandboxStopResult:
    """Stop the server (SIGTERM, then SIGKILL after ``timeout_s``); keep the data unless ``purge``."""
    paths = sandbox_paths(home, name)
    with exclusive_lock(paths.lock):
        record = _load(paths)
        pid = _live_pid(paths, record)
        signal_used: str | None = None
        if pid is not None:
            progress(f"stopping mongod pid {pid} (SIGTERM, SIGKILL after {timeout_s:g} s)")
            signal_used = local.stop(pid, str(paths.dbpath), timeout_s).signal
        paths.pidfile.unlink(missing_ok=True)
        was = f"stopped sandbox '{name}' (pid {pid}, {signal_used})" if signal_used else \
            f"sandbox '{name}' was not running"
        if purge:
            progress(f"removing {paths.root}")
            shutil.rmtree(paths.root)
            message = f"{was}; removed {paths.root}"
        else:
            record.pid, record.stopped_at = None, _now()
            _write(paths, record)
            message = f"{was}; data kept in {record.dbpath}"
        return SandboxStopResult(message=message, name=name, server=_offline_label(record.simulator),
                                 stopped=signal_used is not None,
                                 pid=pid if signal_used else None, signal=signal_used, purged=purge,
                                 dbpath=record.dbpath)


def list_sandboxes(home: Path) -> SandboxList:
    """Every sandbox under ``home``, its state read from the process table (no network round trip)."""
    sandboxes: list[SandboxSummary] = []
    for state_file in sorted((home / "sandbox").glob("*/state.json")):
        paths = sandbox_paths(home, state_file.parent.name)
        record = _read_record(paths)
        if record is None:
            continue
        pid = _live_pid(paths, record)
        if pid is not None:
            state = SandboxState.RUNNING
        else:
            state = SandboxState.STOPPED if record.pid is None else SandboxState.STALE
        sandboxes.append(SandboxSummary(record.name, state, _offline_label(record.simulator), record.port, pid,
                                        record.version, record.dbpath))
    return SandboxList(str(home), sandboxes)
