"""Start and stop real simulator processes on loopback for tests, and wait for conditions with deadlines."""

from __future__ import annotations

import contextlib
import functools
import os
import random
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pymongo


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_port_block(count: int, low: int = 20000, high: int = 32000) -> int:
    """The first of ``count`` consecutive free ports, below the kernel's ephemeral range (32768 and up), so an
    outgoing connection can never take one of them between this check and the server binding it."""
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(low, high - count)
        if all(_port_free(port) for port in range(base, base + count)):
            return base
    raise RuntimeError(f"no block of {count} free ports between {low} and {high}")


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_until(predicate: Callable[[], Any], what: str, timeout: float = 30.0, interval: float = 0.05) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            result = predicate()
            if result:
                return result
        except Exception as exc:  # the condition may raise while the server is coming up
            last_error = exc
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting to {what}" + (f" (last error: {last_error!r})"
                                                                         if last_error else ""))


@functools.cache
def bin_dir() -> Path:
    """The simulator's executables (``mongod``, ``mongos``), created on first use."""
    from mongosim.bindir import ensure_bin_dir

    return ensure_bin_dir()


def server_command(process: str) -> list[str]:
    """How tests launch the simulator: its ``mongod`` / ``mongos`` executables, as tools run MongoDB's."""
    return [str(bin_dir() / process)]


class SimProcess:
    """One mongod (or mongos) simulator process started by a test."""

    def __init__(self, workdir: Path, *, process: str = "mongod", port: int | None = None,
                 args: list[str] | None = None) -> None:
        self.workdir = workdir
        self.process = process
        self.port = port or free_port()
        self.dbpath = workdir / "db"
        self.logpath = workdir / f"{process}.log"
        self.extra_args = list(args or [])
        self.proc: subprocess.Popen[bytes] | None = None
        self._clients: list[pymongo.MongoClient[dict[str, Any]]] = []
        # Defaults for client(): what every client of this process needs (TLS options, say).
        self.client_options: dict[str, Any] = {}

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def uri(self) -> str:
        return f"mongodb://{self.address}/?directConnection=true"

    def argv(self) -> list[str]:
        argv = [*server_command(self.process), "--port", str(self.port), "--bind_ip", "127.0.0.1",
                "--logpath", str(self.logpath), "--logappend"]
        if self.process == "mongod":
            argv += ["--dbpath", str(self.dbpath)]
        return argv + self.extra_args

    def start(self, wait: bool = True) -> SimProcess:
        self.dbpath.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(self.argv(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 30.0) -> None:
        def ready() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise RuntimeError(f"{self.process} exited with {self.proc.returncode}: {err}\n{self.log_tail()}")
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True

        def ready_or_raise() -> bool:
            try:
                return ready()
            except OSError:
                return False

        wait_until(ready_or_raise, f"accept connections on port {self.port}", timeout)

    def client(self, **kwargs: Any) -> pymongo.MongoClient[dict[str, Any]]:
        options: dict[str, Any] = {"serverSelectionTimeoutMS": 10000, "directConnection": True,
                                   **self.client_options}
        options.update(kwargs)
        client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(self.address, **options)
        self._clients.append(client)
        return client

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.logpath.read_text().splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def log_lines(self) -> list[str]:
        try:
            return self.logpath.read_text().splitlines()
        except OSError:
            return []

    def _close_clients(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()

    def stop(self, timeout: float = 30.0) -> int | None:
        """Clean shutdown with SIGTERM; returns the exit code."""
        self._close_clients()
        if self.proc is None or self.proc.poll() is not None:
            self._close_pipes()
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()
        finally:
            self._close_pipes()

    def _close_pipes(self) -> None:
        if self.proc is not None and self.proc.stderr is not None:
            self.proc.stderr.close()

    def kill(self) -> None:
        """kill -9: no chance to flush or clean up."""
        self._close_clients()
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self._close_pipes()

    def restart(self) -> SimProcess:
        self.stop()
        return self.start()


@contextlib.contextmanager
def running(workdir: Path, **kwargs: Any) -> Iterator[SimProcess]:
    proc = SimProcess(workdir, **kwargs).start()
    try:
        yield proc
    finally:
        proc.stop()
