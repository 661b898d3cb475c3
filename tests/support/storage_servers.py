"""Object-store emulators on loopback for the storage tests, and a proxy that injects transient failures.

The GCS emulator (gcp-storage-emulator) and the S3 emulator (moto's server) run as subprocesses, each on a
free loopback port, so their warnings and threads stay out of the test process. ``FlakyProxy`` sits
between a client and an emulator and answers chosen requests with an error (or drops them), which is how
the tests prove that the backends retry real transient failures.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.support.simproc import free_port_block, wait_until

# Multipart parts as small as GCS allows, so multipart paths run on small objects.
TEST_PART_SIZE = 256 * 1024


@dataclass
class Emulator:
    """A running emulator process: its base URL and how to stop it."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _answers_http(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/")
        connection.getresponse().read()
        return True
    finally:
        connection.close()


@contextlib.contextmanager
def _emulator(name: str, argv: list[str], workdir: Path, extra_env: dict[str, str]) -> Iterator[Emulator]:
    port = free_port_block(1)
    log = workdir / f"{name}.log"
    env = {**os.environ, **extra_env}
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, *[arg.replace("{port}", str(port)) for arg in argv]],
                                   stdout=out, stderr=subprocess.STDOUT, env=env, cwd=workdir)
    emulator = Emulator(name, process, port, log)
    try:
        def up() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"{name} exited: {log.read_text()[-2000:]}")
            return _answers_http(port)
        wait_until(up, f"start the {name} on port {port}", timeout=60)
        yield emulator
    finally:
        emulator.stop()


@contextlib.contextmanager
def gcs_emulator(workdir: Path) -> Iterator[Emulator]:
    """gcp-storage-emulator, in memory."""
    with _emulator("gcs-emulator", ["-m", "gcp_storage_emulator", "start", "--host", "127.0.0.1",
                                    "--port", "{port}", "--in-memory", "-q"], workdir, {}) as emulator:
        yield emulator


@contextlib.contextmanager
def s3_emulator(workdir: Path) -> Iterator[Emulator]:
    """moto's S3 server. Real S3 wants parts of at least 5 MiB; moto is told to take the test part size."""
    with _emulator("s3-emulator", ["-m", "moto.server", "-H", "127.0.0.1", "-p", "{port}"], workdir,
                   {"S3_UPLOAD_PART_MIN_SIZE": str(TEST_PART_SIZE)}) as emulator:
        yield emulator


@dataclass
class Fault:
    """Answer the next ``count`` requests that match with HTTP ``status`` (or drop them when status is 0),
    after letting the first ``skip`` matching requests through."""

    count: int
    status: int = 503
    method: str | None = None
    path_contains: str = ""
    query_contains: str = ""
    skip: int = 0

    def matches(self, method: str, path: str) -> bool:
        where, _, query = path.partition("?")
        return (self.count > 0 and (self.method is None or self.method == method)
                and self.path_contains in where and self.query_contains in query)


class FlakyProxy:
    """An HTTP proxy on loopback in front of ``upstream_port`` that fails requests on cue."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.faults: list[Fault] = []
        self.injected: list[tuple[str, str]] = []  # (method, path) of every request failed on purpose
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="flaky-proxy", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FlakyProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def fail(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            self.requests.append((method, path))
            for fault in self.faults:
                if fault.matches(method, path):
                    if fault.skip > 0:
                        fault.skip -= 1
                        continue
                    fault.count -= 1
                    self.injected.append((method, path))
                    return fault
        return None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # quiet
                pass

            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    chunks = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return b"".join(chunks)
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _relay(self) -> None:
                body = self._body()
                fault = proxy._take_fault(self.command, self.path)
                if fault is not None:
                    if fault.status == 0:
                        self.close_connection = True
                        with contextlib.suppress(OSError):
                            self.connection.shutdown(socket.SHUT_RDWR)
                        return
                    message = b"injected by FlakyProxy"
                    self.send_response(fault.status)
                    self.send_header("Content-Length", str(len(message)))
                    self.end_headers()
                    self.wfile.write(message)
                    return
                upstream = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=60)
                try:
                    headers = {k: v for k, v in self.headers.items()
                               if k.lower() not in ("connection", "transfer-encoding", "content-length", "keep-alive")}
                    if body or self.command in ("PUT", "POST", "PATCH"):
                        headers["Content-Length"] = str(len(body))
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    answer = upstream.getresponse()
                    payload = answer.read()
                    self.send_response_only(answer.status, answer.reason)
                    for key, value in answer.getheaders():
                        if key.lower() in ("connection", "transfer-encoding", "keep-alive"):
                            continue
                        if key.lower() == "content-length" and self.command != "HEAD":
                            continue
                        self.send_header(key, value)
                    if self.command != "HEAD":
                        self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(payload)
                finally:
                    upstream.close()

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = _relay

        return Handler


@contextlib.contextmanager
def object_stores(workdir: Path, bucket: str) -> Iterator[tuple[Emulator, Emulator]]:
    """Both emulators, each with ``bucket`` created: (gcs, s3)."""
    import boto3
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage as gcs

    with gcs_emulator(workdir) as gcs_server, s3_emulator(workdir) as s3_server:
        gcs.Client(project="test", credentials=AnonymousCredentials(),
                   client_options={"api_endpoint": gcs_server.url}).create_bucket(bucket)
        boto3.client("s3", endpoint_url=s3_server.url, region_name="us-east-1", aws_access_key_id="testing",
                     aws_secret_access_key="testing-secret").create_bucket(Bucket=bucket)
        yield gcs_server, s3_server


def s3_credentials_file(directory: Path, secret: str = "testing-secret") -> Path:
    """An AWS shared credentials file with a profile named "test"."""
    path = directory / "aws-credentials"
    path.write_text(f"[test]\naws_access_key_id = testing\naws_secret_access_key = {secret}\n")
    return path
