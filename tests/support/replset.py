"""Start a replica set of simulator processes on loopback for tests, with fast election settings."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymongo
from pymongo.errors import PyMongoError

from tests.support.simproc import SimProcess, free_port, wait_until

FAST_SETTINGS = {"heartbeatIntervalMillis": 200, "electionTimeoutMillis": 1000}


class ReplSet:
    """``members`` simulator mongods started with ``--replSet name``; ``initiate()`` sends replSetInitiate with
    ``settings`` (fast elections by default) and waits for a primary and for every member to be healthy."""

    def __init__(self, workdir: Path, name: str = "rs0", members: int = 3, *,
                 settings: dict[str, Any] | None = None, member_options: list[dict[str, Any]] | None = None,
                 args: list[str] | None = None) -> None:
        self.name = name
        self.settings = dict(FAST_SETTINGS if settings is None else settings)
        self.member_options = member_options or [{} for _ in range(members)]
        self.nodes = [SimProcess(workdir / f"node{i}", port=free_port(),
                                 args=["--replSet", name, "--oplogSize", "64", *(args or [])])
                      for i in range(members)]
        self._clients: list[pymongo.MongoClient[dict[str, Any]]] = []
        self._probes: dict[tuple[int, int], pymongo.MongoClient[dict[str, Any]]] = {}

    @property
    def hosts(self) -> list[str]:
        return [node.address for node in self.nodes]

    @property
    def uri(self) -> str:
        return f"mongodb://{','.join(self.hosts)}/?replicaSet={self.name}"

    def config_document(self) -> dict[str, Any]:
        members = [{"_id": i, "host": node.address, **self.member_options[i]} for i, node in enumerate(self.nodes)]
        doc: dict[str, Any] = {"_id": self.name, "members": members}
        if self.settings:
            doc["settings"] = self.settings
        return doc

    def start(self) -> ReplSet:
        for node in self.nodes:
            node.start(wait=False)
        for node in self.nodes:
            node.wait_ready()
        return self

    def initiate(self, wait: bool = True) -> ReplSet:
        self.nodes[0].client().admin.command("replSetInitiate", self.config_document())
        if wait:
            self.wait_for_primary()
            self.wait_healthy()
        return self

    def client(self, **kwargs: Any) -> pymongo.MongoClient[dict[str, Any]]:
        options: dict[str, Any] = {"serverSelectionTimeoutMS": 20000}
        options.update(kwargs)
        client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(self.uri, **options)
        self._clients.append(client)
        return client

    def status(self, node: SimProcess | None = None) -> dict[str, Any]:
        target = node or next(n for n in self.nodes if n.proc is not None and n.proc.poll() is None)
        return self.probe(target).admin.command("replSetGetStatus")

    def probe(self, node: SimProcess) -> pymongo.MongoClient[dict[str, Any]]:
        """One reused direct client per node for polling (a new client per poll would pile up connections)."""
        key = (node.port, node.proc.pid if node.proc is not None else 0)  # a restarted node needs a new client
        client = self._probes.get(key)
        if client is None:
            client = self._probes[key] = node.client(serverSelectionTimeoutMS=2000)
        return client

    def primary(self) -> SimProcess | None:
        for node in self.nodes:
            if node.proc is None or node.proc.poll() is not None:
                continue
            with contextlib.suppress(PyMongoError):
                if self.probe(node).admin.command("hello").get("isWritablePrimary"):
                    return node
        return None

    def wait_for_primary(self, timeout: float = 60.0) -> SimProcess:
        primary: SimProcess = wait_until(self.primary, "elect a primary", timeout)
        return primary

    def wait_healthy(self, timeout: float = 60.0) -> None:
        """Every running member is PRIMARY, SECONDARY or ARBITER in the primary's view."""
        def healthy() -> bool:
            primary = self.primary()
            if primary is None:
                return False
            running = {n.address for n in self.nodes if n.proc is not None and n.proc.poll() is None}
            members = self.probe(primary).admin.command("replSetGetStatus")["members"]
            return all(m["stateStr"] in ("PRIMARY", "SECONDARY", "ARBITER") for m in members if m["name"] in running)
        wait_until(healthy, "see every running member healthy", timeout)

    def stop(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()
        self._probes.clear()
        for node in self.nodes:
            node.stop()


@contextlib.contextmanager
def running_replset(workdir: Path, **kwargs: Any) -> Iterator[ReplSet]:
    rs = ReplSet(workdir, **kwargs).start()
    try:
        rs.initiate()
        yield rs
    finally:
        rs.stop()
