"""A fake MongoDB download site on loopback: a downloads index (full.json shape) and small server archives whose
``bin/mongod`` and ``bin/mongos`` are shell scripts answering ``--version`` like the real ones."""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import tarfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


def server_script(version: str, name: str = "db") -> bytes:
    return f"#!/bin/sh\nprintf '%s\\n' '{name} version v{version}' 'Build Info: {{}}'\n".encode()


def fake_tarball(version: str = "8.0.4", top: str | None = "mongodb-linux-x86_64-ubuntu2204-8.0.4",
                 reports: str | None = None, extra: Mapping[str, bytes] | None = None,
                 names: tuple[str, ...] = ("mongod", "mongos", "install_compass")) -> bytes:
    """A gzip tar laid out like MongoDB's: ``<top>/bin/<names>`` plus licence files; ``extra`` adds members by
    exact name (to build hostile archives); ``reports`` makes mongod claim another version."""
    prefix = f"{top}/" if top else ""
    members: dict[str, bytes] = {f"{prefix}LICENSE-Community.txt": b"licence\n", f"{prefix}README": b"readme\n"}
    for name in names:
        members[f"{prefix}bin/{name}"] = server_script(reports or version, "mongos" if name == "mongos" else "db")
    members.update(extra or {})
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o755
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def release(version: str, downloads: list[dict[str, Any]], production: bool = True) -> dict[str, Any]:
    return {"version": version, "githash": "0" * 40, "date": "2025-01-01T00:00:00Z",
            "production_release": production, "development_release": False,
            "release_candidate": "-rc" in version, "current": False, "downloads": downloads}


def download(url: str, digest: str, target: str = "ubuntu2204", arch: str = "x86_64",
             edition: str = "targeted") -> dict[str, Any]:
    return {"arch": arch, "edition": edition, "target": target,
            "archive": {"url": url, "sha1": "0" * 40, "sha256": digest, "debug_symbols": url + ".debug"}}


@dataclass
class DownloadSite:
    """What the server serves: ``files`` by path; ``short`` sends only that many bytes of a file while announcing
    its full length (a connection dropped mid-download)."""

    files: dict[str, bytes] = field(default_factory=dict)
    short: dict[str, int] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    base_url: str = ""

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def publish(self, index: dict[str, Any], path: str = "/full.json") -> str:
        """Serve ``index`` as the downloads index; returns its address."""
        self.files[path] = json.dumps(index).encode()
        return self.url(path)

    def add_release(self, index: dict[str, Any], version: str, tarball: bytes | None = None,
                    digest: str | None = None, **where: str) -> str:
        """Serve an archive for ``version`` and list it in ``index``; returns its path."""
        tarball = fake_tarball(version) if tarball is None else tarball
        # One path per target and architecture: two archives of one version never overwrite each other.
        path = f"/linux/mongodb-{where.get('target', 'ubuntu2204')}-{where.get('arch', 'x86_64')}-{version}.tgz"
        self.files[path] = tarball
        entry = next((each for each in index["versions"] if each["version"] == version), None)
        if entry is None:
            entry = release(version, [])
            index["versions"].append(entry)
        entry["downloads"].append(download(path, digest or sha256(tarball), **where))
        return path


@contextmanager
def serve(site: DownloadSite) -> Iterator[DownloadSite]:
    """Serve ``site`` on 127.0.0.1 from a thread for the duration of the block."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            site.requests.append(self.path)
            body = site.files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: site.short.get(self.path, len(body))])
            self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the tests assert on ``site.requests``."""

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
