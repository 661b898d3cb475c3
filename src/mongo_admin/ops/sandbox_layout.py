"""Where a sandbox keeps its files, and the record (``state.json``) that says what it is.

Layout under ``<home>/sandbox/<name>/``: ``state.json`` (the record), and the members' files. A standalone
sandbox keeps its one server's files directly in the sandbox directory (``db/``, ``mongod.log``,
``mongod.pid``), as sandboxes always have; a replica-set sandbox gives every member its own directory
``member<i>/`` holding the same three. ``<home>/sandbox/.<name>.lock`` serialises every action on a sandbox.

The record is written atomically before any process is launched and after every change, so a failed or
interrupted start always leaves a sandbox that ``status``, ``stop`` and ``start`` can find.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mongo_admin.errors import InvalidInputError, SandboxStateError
from mongo_admin.ops.records import read_json, write_json_atomic

DEFAULT_NAME = "default"
DEFAULT_REPLICA_SET = "rs0"
DEFAULT_MEMBERS = 3
# MongoDB allows at most 7 voting members; every sandbox member votes.
MAX_MEMBERS = 7
HOST = "127.0.0.1"
# settings for --fast-elections: demos and tests fail over in about a second instead of ten.
FAST_ELECTION_SETTINGS = {"heartbeatIntervalMillis": 200, "electionTimeoutMillis": 1000}

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
# A replica set name travels in connection strings and --replSet NAME/seeds: no '/', ',', spaces or '?'.
_SET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class MemberPaths:
    dbpath: Path
    logpath: Path
    pidfile: Path


@dataclass(frozen=True)
class SandboxPaths:
    name: str
    root: Path
    lock: Path

    @property
    def state(self) -> Path:
        return self.root / "state.json"

    # A standalone server's files (also where sandboxes created before replica sets keep theirs).
    @property
    def dbpath(self) -> Path:
        return self.root / "db"

    @property
    def logpath(self) -> Path:
        return self.root / "mongod.log"

    @property
    def pidfile(self) -> Path:
        return self.root / "mongod.pid"

    def member(self, index: int | None) -> MemberPaths:
        """Files of replica-set member ``index``; ``None`` for the standalone server."""
        if index is None:
            return MemberPaths(self.dbpath, self.logpath, self.pidfile)
        directory = self.root / f"member{index}"
        return MemberPaths(directory / "db", directory / "mongod.log", directory / "mongod.pid")


def sandbox_paths(home: Path, name: str) -> SandboxPaths:
    if not _NAME.match(name):
        raise InvalidInputError(f"invalid sandbox name {name!r}",
                                "names are 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit",
                                "choose a name such as 'default' or 'test-1'")
    return SandboxPaths(name, home / "sandbox" / name, home / "sandbox" / f".{name}.lock")


def check_replica_set_name(name: str) -> str:
    if not _SET_NAME.match(name):
        raise InvalidInputError(f"invalid replica set name {name!r}",
                                "replica set names are 1-64 letters, digits, '.', '_' or '-', starting with a "
                                "letter or digit (they appear in connection strings and in --replSet)",
                                "choose a name such as 'rs0'")
    return name


def check_member_count(members: int) -> int:
    if not 1 <= members <= MAX_MEMBERS:
        raise InvalidInputError(f"invalid member count {members}",
                                f"a sandbox replica set has 1 to {MAX_MEMBERS} members, all voting "
                                f"(MongoDB allows at most {MAX_MEMBERS} voting members)",
                                "choose --members 3 (or 1 for a single-member set)")
    return members


@dataclass
class MemberRecord:
    """One server process of the sandbox; ``member_id`` is its ``_id`` in the replica-set config."""

    member_id: int
    port: int
    pid: int | None
    dbpath: str
    logpath: str
    pidfile: str

    @property
    def host(self) -> str:
        return f"{HOST}:{self.port}"


@dataclass
class SandboxRecord:
    """What ``state.json`` holds; pid files stay the authority for the pids of running servers."""

    name: str
    replica_set: str | None  # None: a standalone mongod
    members: list[MemberRecord]
    binary: str
    binary_source: str
    version: str | None
    simulator: bool
    started_at: str | None
    stopped_at: str | None
    # replica sets only: the settings sent with replSetInitiate, and whether the set has been initiated (a
    # restarted set comes back with the config stored in its members' data; it is never initiated twice).
    settings: dict[str, int] = field(default_factory=dict)
    initiated: bool = False

    @property
    def standalone(self) -> bool:
        return self.replica_set is None

    @property
    def uri(self) -> str:
        if self.replica_set is None:
            return f"mongodb://{self.members[0].host}/?directConnection=true"
        return f"mongodb://{','.join(m.host for m in self.members)}/?replicaSet={self.replica_set}"

    @property
    def topology(self) -> str:
        if self.replica_set is None:
            return "standalone"
        count = len(self.members)
        return f"replica set {self.replica_set} ({count} member{'s' if count != 1 else ''})"

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any], paths: SandboxPaths) -> SandboxRecord:
        if "members" not in data:
            data = _from_single_server_record(data, paths)
        names = {each.name for each in dataclasses.fields(cls)}
        values = {key: value for key, value in data.items() if key in names}
        values["members"] = [MemberRecord(**member) for member in data["members"]]
        return cls(**values)


def _from_single_server_record(data: dict[str, Any], paths: SandboxPaths) -> dict[str, Any]:
    """Records written before replica sets described one standalone server at the top level."""
    member = {"member_id": 0, "port": data["port"], "pid": data.get("pid"), "dbpath": data["dbpath"],
              "logpath": data["logpath"], "pidfile": str(paths.pidfile)}
    return {**data, "replica_set": None, "members": [member]}


def read_record(paths: SandboxPaths) -> SandboxRecord | None:
    data = read_json(paths.state)
    if data is None:
        return None
    try:
        return SandboxRecord.from_json(data, paths)
    except (TypeError, KeyError) as exc:
        raise SandboxStateError(f"sandbox '{paths.name}' has an unreadable record", f"{paths.state}: {exc!r}",
                                f"remove {paths.root} (its data goes with it) and start again") from exc


def load_record(paths: SandboxPaths) -> SandboxRecord:
    record = read_record(paths)
    if record is None:
        raise SandboxStateError(f"no sandbox named '{paths.name}'", f"{paths.state} does not exist",
                                f"create it with: mongo-admin sandbox start --name {paths.name}")
    return record


def write_record(paths: SandboxPaths, record: SandboxRecord) -> None:
    write_json_atomic(paths.state, record.to_json())
