"""Run server processes on this machine the way MongoDB's own tooling does.

Start: ``mongod ... --fork --pidfilepath P --logpath L``; ``--fork`` returns only once the server accepts
connections, so success of the launcher means the server is up. Stop: SIGTERM (MongoDB's clean shutdown),
wait, and escalate to SIGKILL after a timeout. A recorded pid is trusted only while that process still
runs and its command line names our data directory: anything else is a stale pid file.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from mongo_admin.errors import PortInUseError, ProcessStartError, ProcessStopError

START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 30.0
KILL_TIMEOUT_S = 10.0
POLL_INTERVAL_S = 0.05
LOG_TAIL_LINES = 5
# mongod's exit code when its port is taken (errno 48 in MongoDB's ExitCode table).
EXIT_ADDRESS_IN_USE = 48


@dataclass(frozen=True)
class LaunchSpec:
    """One server process: its executable, listening address, files, and any further options."""

    executable: Path
    port: int
    logpath: Path
    pidfile: Path
    dbpath: Path | None = None  # mongos has none
    bind_ip: str = "127.0.0.1"
    extra_args: tuple[str, ...] = ()

    def argv(self) -> list[str]:
        argv = [str(self.executable), "--port", str(self.port), "--bind_ip", self.bind_ip]
        if self.dbpath is not None:
            argv += ["--dbpath", str(self.dbpath)]
        return [*argv, "--logpath", str(self.logpath), "--logappend", "--fork",
                "--pidfilepath", str(self.pidfile), *self.extra_args]


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could listen on ``port`` now. Like mongod, bind with SO_REUSEADDR: connections
    left in TIME_WAIT by a server that just stopped do not block it, only a live listener does."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def describe_process(pid: int) -> str:
    """``pid 1234 (mongod --port 27017 ...)``, shortened for one line."""
    try:
        proc = psutil.Process(pid)
        cmdline = " ".join(proc.cmdline()) or proc.name()
    except psutil.Error:
        return f"pid {pid}"
    return f"pid {pid} ({cmdline if len(cmdline) <= 120 else cmdline[:117] + '...'})"


def port_holder(port: int) -> str:
    """Who listens on ``port``: a process description, or a plain sentence when the OS will not say."""
    try:
        connections = psutil.net_connections(kind="inet")
    except psutil.AccessDenied:
        connections = []
    for conn in connections:
        if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN and conn.pid:
            return describe_process(conn.pid)
    return "a process this user cannot see (another user, or a socket not yet closed)"


def check_port_free(port: int, host: str = "127.0.0.1") -> None:
    """Raise ``PortInUseError`` naming the holder when ``port`` is taken."""
    if not port_is_free(port, host):
        raise PortInUseError(port, port_holder(port))


def read_pid_file(pidfile: Path) -> int | None:
    try:
        text = pidfile.read_text().strip()
    except FileNotFoundError:
        return None
    return int(text) if text.isdigit() else None


def is_running(pid: int | None, marker: str) -> bool:
    """True when ``pid`` is a live (non-zombie) process whose command line contains ``marker``."""
    if not pid:
        return False
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        return any(marker in arg for arg in proc.cmdline())
    except psutil.Error:
        return False


def log_tail(logpath: Path, lines: int = LOG_TAIL_LINES) -> list[str]:
    try:
        return logpath.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return []


def _fork_pid(stdout: str) -> int | None:
    # "forked process: 12345" is printed by every mongod/mongos started with --fork.
    for line in stdout.splitlines():
        if line.startswith("forked process:"):
            value = line.split(":", 1)[1].strip()
            return int(value) if value.isdigit() else None
    return None


def start(spec: LaunchSpec, timeout_s: float = START_TIMEOUT_S) -> int:
    """Launch with ``--fork``; returns the server's pid once it accepts connections."""
    spec.logpath.parent.mkdir(parents=True, exist_ok=True)
    if spec.dbpath is not None:
        spec.dbpath.mkdir(parents=True, exist_ok=True)
    name = spec.executable.name
    try:
        done = subprocess.run(spec.argv(), capture_output=True, text=True, timeout=timeout_s, check=False,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        raise ProcessStartError(f"{name} did not come up on port {spec.port}",
                                f"still not accepting connections after {timeout_s:g} s",
                                f"see {spec.logpath}") from exc
    except OSError as exc:
        raise ProcessStartError(f"cannot run {spec.executable}", str(exc),
                                "check the binary with: mongo-admin binaries which") from exc
    if done.returncode != 0:
        if done.returncode == EXIT_ADDRESS_IN_USE:
            raise PortInUseError(spec.port, port_holder(spec.port))
        said = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
        detail = "; ".join([*said[-2:], *log_tail(spec.logpath, 2)])
        raise ProcessStartError(f"{name} failed to start on port {spec.port}",
                                f"exit code {done.returncode}" + (f": {detail}" if detail else ""),
                                f"see {spec.logpath}")
    pid = read_pid_file(spec.pidfile) or _fork_pid(done.stdout)
    if pid is None:
        raise ProcessStartError(f"{name} started but its pid is unknown",
                                f"{spec.pidfile} is missing and --fork printed no 'forked process' line",
                                "check that the binary supports --fork and --pidfilepath")
    return pid


@dataclass(frozen=True)
class StopOutcome:
    pid: int
    # "SIGTERM" for a clean shutdown, "SIGKILL" when it had to be forced, None if it was already gone.
    signal: str | None


def _wait_gone(proc: psutil.Process, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if proc.status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(POLL_INTERVAL_S)
    return False


def stop(pid: int, marker: str, timeout_s: float = STOP_TIMEOUT_S) -> StopOutcome:
    """SIGTERM, wait up to ``timeout_s``, then SIGKILL. Only a process whose command line has ``marker``."""
    if not is_running(pid, marker):
        return StopOutcome(pid, None)
    proc = psutil.Process(pid)
    for sig, wait_s in ((signal.SIGTERM, timeout_s), (signal.SIGKILL, KILL_TIMEOUT_S)):
        try:
            proc.send_signal(sig)
        except psutil.NoSuchProcess:
            return StopOutcome(pid, sig.name)
        if _wait_gone(proc, wait_s):
            return StopOutcome(pid, sig.name)
    raise ProcessStopError(f"process {pid} did not exit", "it survived SIGTERM and SIGKILL",
                           f"inspect it with: ps -o pid,stat,cmd -p {pid}")



def _existing(path: Path) -> Path:
    return path if path.exists() else next(p for p in path.parents if p.exists())


class LocalProvider:
    """Processes on this machine (``host`` is always a name for it: localhost, 127.0.0.1 or its own name)."""

    kind = "local"

    def start(self, host: str, spec: LaunchSpec) -> int:
        return start(spec)

    def stop(self, host: str, pid: int, marker: str) -> StopOutcome:
        return stop(pid, marker)

    def running_pid(self, host: str, pidfile: Path, marker: str) -> int | None:
        pid = read_pid_file(pidfile)
        return pid if is_running(pid, marker) else None

    def port_is_free(self, host: str, port: int) -> bool:
        return port_is_free(port)

    def port_holder(self, host: str, port: int) -> str:
        return port_holder(port)

    def disk_usage(self, host: str, path: Path) -> tuple[int, int]:
        usage = shutil.disk_usage(_existing(path))
        return usage.total, usage.free

    def uptime_s(self, host: str, pid: int) -> int | None:
        try:
            return int(time.time() - psutil.Process(pid).create_time())
        except psutil.Error:
            return None

    def writable(self, host: str, path: Path) -> bool:
        return os.access(_existing(path), os.W_OK)

    def log_tail(self, host: str, path: Path, lines: int) -> list[str]:
        return log_tail(path, lines)
