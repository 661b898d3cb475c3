"""``Oplog``: ``local.oplog.rs``, the cluster-time clock, and the entries a primary writes for every change.

Lifecycle (``repl/install.py`` owns it): ``Oplog(server)`` then ``start()`` — attaches to the storage engine as
its change observer (``storage/observer.py``), listens to journal syncs, gates the TTL monitor to primaries,
subscribes to the coordinator (``state_listeners``, ``step_up_hooks``) and starts the periodic no-op writer;
``stop()`` detaches. ``local.oplog.rs`` is a capped collection of ``--oplogSize`` MB (mongod's default: 5 % of
the free disk, between 990 MB and 50 GB), created when the first entry is written.

Who writes entries:
- a writable primary (from its step-up hook until it leaves PRIMARY): every change outside ``local`` becomes one
  entry (``entries.py``), journalled with the change as one record, so a crash keeps both or neither; then the
  coordinator's ``advance_applied`` is called, and ``advance_durable`` after the next journal sync (j and
  majority writes force one, otherwise the 100 ms journal commit);
- the applier on a secondary: ``with oplog.applying(entry)`` copies the fetched entry itself into the oplog,
  atomically with the first change it causes (or on its own when it changes nothing);
- ``write_noop(msg)``: "initiating set", "new primary", and "periodic noop" every ``periodicNoopIntervalSecs``
  (10 s) when a primary has written nothing since the last look.
Initial sync and rollback change data with no entry at all (neither primary nor applying).

Read side: ``top()`` (the newest optime), ``entry_at(ts)``, ``entries_after(ts)``, ``first_last()``
(serverStatus / exporter), ``truncate_after(ts)`` (rollback), ``resize(...)`` (replSetResizeOplog).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from bson.timestamp import Timestamp

from mongosim.repl.entries import catalog_fields, document_fields, is_replicated, make_entry
from mongosim.repl.format import now_ms
from mongosim.repl.optime import MemberState, OpTime

if TYPE_CHECKING:
    from mongosim.server import Server
    from mongosim.storage.collection import Collection

MB = 1024 * 1024
MIN_DEFAULT_BYTES = 990 * MB
MAX_DEFAULT_BYTES = 50 * 1024 * MB
NOOP_TICK_SECS = 0.5
ID_CREATE_OPLOG = 21754
ID_NOOP = 21250


def default_size_bytes(dbpath: str) -> int:
    """mongod's default oplog size: 5 % of the free disk space, at least 990 MB, at most 50 GB."""
    try:
        free = shutil.disk_usage(dbpath).free
    except OSError:
        free = 0
    return int(min(MAX_DEFAULT_BYTES, max(MIN_DEFAULT_BYTES, free * 0.05)))


def _mark_from_migrate(entry: dict[str, Any]) -> dict[str, Any]:
    """The entry with ``fromMigrate: true`` after its ``o``/``o2``, where mongod writes it."""
    marked: dict[str, Any] = {}
    for key, value in entry.items():
        if key == "ts":
            marked["fromMigrate"] = True
        marked[key] = value
    return marked


def parameter(server: Server, name: str, default: Any) -> Any:
    if name in server.parameters:
        return server.parameters[name]
    return server.config.set_parameters.get(name, default)


class Oplog:
    def __init__(self, server: Server) -> None:
        assert server.storage is not None
        self.server = server
        self.engine = server.storage
        size_mb = server.config.oplog_size_mb
        self.size_bytes = int(size_mb * MB) if size_mb else default_size_bytes(server.config.dbpath)
        self.min_retention_hours = float(server.config.get("storage.oplogMinRetentionHours", 0) or 0)
        self._last_ts = Timestamp(0, 0)
        self._top = OpTime.null()
        self._top_wall: dt.datetime = now_ms()
        # The term entries are written in while this node is a writable primary; None otherwise.
        self._writable_term: int | None = None
        self._applying: dict[str, Any] | None = None
        self._applying_recorded = False
        # What the coordinator was last told: durable follows applied at each journal sync.
        self._applied = OpTime.null()
        self._applied_wall: dt.datetime = now_ms()
        self._durable = OpTime.null()
        self._noop_checked = OpTime.null()
        self._noop_last_check = time.monotonic()
        self._started = False
        # Sharding's chunk migration: listeners told of every document change a writable primary makes (the
        # donor records the changes inside a range being moved), and whether the entries written now are
        # marked ``fromMigrate`` (documents cloned in by a recipient, orphans removed by the range deleter).
        self.change_listeners: list[Callable[[Collection, str, dict[str, Any] | None, dict[str, Any] | None],
                                             None]] = []
        self.from_migrate = False

    # ------------------------------------------------------------------------------------------- lifecycle
    def start(self) -> None:
        """``attach()``, then the periodic no-op writer (needs the running event loop)."""
        if self._started:
            return
        self.attach()
        self.server.add_periodic("NoopWriter", NOOP_TICK_SECS, self._periodic_noop)

    def attach(self) -> None:
        """Attach to storage and the coordinator; the top of an existing oplog is this node's applied and
        durable optime (it was recovered from disk)."""
        if self._started:
            return
        self._started = True
        engine = self.engine
        engine.observer = self
        engine.sync_listeners.append(self._journal_synced)
        engine.ttl_gate = self.is_writable
        coll = engine.get_collection("local", "oplog.rs")
        if coll is not None:
            coll.retain = self._retained
            newest = coll.newest()
            if newest is not None:
                self._top = OpTime.of_entry(newest)
                self._top_wall = newest.get("wall", self._top_wall)
                self.advance_clock(newest["ts"])
                self._applied = self._durable = self._noop_checked = self._top
                self._applied_wall = self._top_wall
        repl = self.server.repl
        if repl is not None:
            repl.state_listeners.append(self._state_changed)
            repl.step_up_hooks.append(self._step_up)
            if not self._top.is_null():
                repl.advance_applied(self._top, self._top_wall)
                repl.advance_durable(self._top, self._top_wall)

    def stop(self) -> None:
        engine = self.engine
        if engine.observer is self:
            engine.observer = None
        if self._journal_synced in engine.sync_listeners:
            engine.sync_listeners.remove(self._journal_synced)
        engine.ttl_gate = None
        self._writable_term = None
        self._started = False

    # ------------------------------------------------------------------------------------------- the collection
    @property
    def log_collection(self) -> Collection:
        """``local.oplog.rs``, created (capped at ``size_bytes``) on first use."""
        coll = self.engine.get_collection("local", "oplog.rs")
        if coll is None:
            self.server.log.info("REPL", ID_CREATE_OPLOG, "initandlisten", "Creating replication oplog",
                                 {"oplogSizeMB": self.size_bytes // MB})
            coll = self.engine.create_collection("local", "oplog.rs", {"capped": True, "size": self.size_bytes,
                                                                       "autoIndexId": False})
            coll.retain = self._retained
        return coll

    def exists(self) -> bool:
        return self.engine.get_collection("local", "oplog.rs") is not None

    def _retained(self, entry: dict[str, Any]) -> bool:
        """oplogMinRetentionHours: an entry younger than that survives even when the oplog is over its size."""
        hours = self.min_retention_hours
        if hours <= 0:
            return False
        return bool(entry["ts"].time > time.time() - hours * 3600)

    def resize(self, size_bytes: int | None, min_retention_hours: float | None) -> int:
        """replSetResizeOplog: the new cap (evicting at the next insert) and retention; returns the size."""
        coll = self.log_collection
        if size_bytes is not None:
            self.size_bytes = size_bytes
            coll.set_options({**coll.options, "size": size_bytes})
        if min_retention_hours is not None:
            self.min_retention_hours = min_retention_hours
        return int(coll.options.get("size", self.size_bytes))

    # ------------------------------------------------------------------------------------------- clock
    def next_ts(self) -> Timestamp:
        """A cluster time after every one handed out or seen: (now, 1), or the next increment in the second."""
        now = int(time.time())
        last = self._last_ts
        ts = Timestamp(now, 1) if now > last.time else Timestamp(last.time, last.inc + 1)
        self._last_ts = ts
        return ts

    def advance_clock(self, ts: Timestamp) -> None:
        """Never hand out a time at or before ``ts`` (applied entries, gossiped cluster times)."""
        self._last_ts = max(self._last_ts, ts)

    @property
    def last_ts(self) -> Timestamp:
        return self._last_ts

    # ------------------------------------------------------------------------------------------- observer
    def is_writable(self) -> bool:
        return self._writable_term is not None

    def set_writable(self, term: int | None) -> None:
        """Entries are generated in ``term`` from now on (a primary accepting writes), or no more (None)."""
        self._writable_term = term

    def document_change(self, coll: Collection, op: str, old: dict[str, Any] | None,
                        new: dict[str, Any] | None) -> dict[str, Any] | None:
        if not is_replicated(coll.db, coll.name):
            return None
        if self._applying is not None:
            return self._take_applying()
        term = self._writable_term
        if term is None:
            return None
        entry = make_entry(*document_fields(coll, op, old, new), self.next_ts(), term, now_ms())
        if self.from_migrate:
            entry = _mark_from_migrate(entry)
        for listener in self.change_listeners:
            listener(coll, op, old, new)
        return entry

    def catalog_change(self, coll: Collection | None, change: dict[str, Any]) -> dict[str, Any] | None:
        db = coll.db if coll is not None else change.get("db", "")
        if not is_replicated(db, coll.name if coll is not None else ""):
            return None
        if self._applying is not None:
            return self._take_applying()
        term = self._writable_term
        if term is None:
            return None
        fields = catalog_fields(coll, change)
        if fields is None:
            return None
        return make_entry(*fields, self.next_ts(), term, now_ms())

    def _take_applying(self) -> dict[str, Any] | None:
        """The fetched entry goes with the first change it causes; later changes carry nothing."""
        if self._applying_recorded:
            return None
        self._applying_recorded = True
        return self._applying

    def recorded(self, entry: dict[str, Any]) -> None:
        self._top = OpTime.of_entry(entry)
        self._top_wall = entry["wall"]
        if self._applying is None:
            # A primary's own write: applied now, durable with the next journal sync.
            self._advance_applied(self._top, self._top_wall)

    # ------------------------------------------------------------------------------------------- writing
    def write_noop(self, msg: str | dict[str, Any], term: int | None = None) -> OpTime:
        """A no-op entry ``{op: "n", ns: "", o: {msg}}`` (or ``o: msg`` for a document, as appendOplogNote
        writes its ``data``) in ``term`` (default: the writable term, else the coordinator's, -1 before any
        election)."""
        if term is None:
            term = self._writable_term if self._writable_term is not None else self._coordinator_term()
        body = {"msg": msg} if isinstance(msg, str) else msg
        entry = make_entry("n", "", None, body, None, self.next_ts(), term, now_ms())
        self.log_collection  # noqa: B018 - created before the entry is journalled
        self.engine.record_entry(entry)
        return OpTime.of_entry(entry)

    @contextlib.contextmanager
    def migrating(self) -> Iterator[None]:
        """Changes made inside this block are a migration's (``fromMigrate: true`` in their entries)."""
        previous, self.from_migrate = self.from_migrate, True
        try:
            yield
        finally:
            self.from_migrate = previous

    @contextlib.contextmanager
    def applying(self, entry: dict[str, Any]) -> Iterator[None]:
        """Apply ``entry`` inside this block: it is copied into the oplog with its first change, or on its own."""
        self.log_collection  # noqa: B018
        self.advance_clock(entry["ts"])
        self._applying, self._applying_recorded = entry, False
        try:
            yield
            if not self._applying_recorded:
                self._applying_recorded = True
                self.engine.record_entry(entry)
        finally:
            self._applying = None

    def _coordinator_term(self) -> int:
        repl = self.server.repl
        term = int(getattr(repl, "term", -1)) if repl is not None else -1
        return term if term > 0 else -1

    # ------------------------------------------------------------------------------------------- optimes
    def top(self) -> OpTime:
        """The newest entry's optime (null when the oplog is empty)."""
        return self._top

    def top_wall(self) -> dt.datetime:
        return self._top_wall

    def advance_applied(self, optime: OpTime, wall: dt.datetime) -> None:
        """The applier's batch is applied through ``optime`` (secondaries)."""
        self._advance_applied(optime, wall)

    def _advance_applied(self, optime: OpTime, wall: dt.datetime) -> None:
        self._applied, self._applied_wall = optime, wall
        repl = self.server.repl
        if repl is not None:
            repl.advance_applied(optime, wall)

    def _journal_synced(self) -> None:
        """Everything journalled so far is durable: so is everything applied."""
        if self._durable == self._applied:
            return
        self._durable = self._applied
        repl = self.server.repl
        if repl is not None:
            repl.advance_durable(self._applied, self._applied_wall)

    def reset_optimes(self, optime: OpTime, wall: dt.datetime) -> None:
        """After a rollback truncated the oplog: applied and durable go back to its new top."""
        self._top, self._top_wall = optime, wall
        self._applied, self._applied_wall, self._durable = optime, wall, optime
        repl = self.server.repl
        if repl is not None:
            repl.reset_optimes(optime, wall)
        self.engine.sync_journal()

    # ------------------------------------------------------------------------------------------- reading
    def entry_at(self, ts: Timestamp) -> dict[str, Any] | None:
        coll = self.engine.get_collection("local", "oplog.rs")
        return coll.get(ts) if coll is not None else None

    def entries_after(self, ts: Timestamp) -> list[dict[str, Any]]:
        """Entries newer than ``ts``, oldest first (a walk back from the top)."""
        coll = self.engine.get_collection("local", "oplog.rs")
        if coll is None:
            return []
        newer = []
        for entry in coll.documents(reverse=True):
            if entry["ts"] <= ts:
                break
            newer.append(entry)
        newer.reverse()
        return newer

    def entries_newest_first(self) -> Iterator[dict[str, Any]]:
        coll = self.engine.get_collection("local", "oplog.rs")
        return coll.documents(reverse=True) if coll is not None else iter(())

    def first_last(self) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        coll = self.engine.get_collection("local", "oplog.rs")
        if coll is None:
            return None, None
        return coll.oldest(), coll.newest()

    def truncate_after(self, ts: Timestamp) -> int:
        """Delete every entry newer than ``ts`` (rollback); returns how many went."""
        coll = self.engine.get_collection("local", "oplog.rs")
        if coll is None:
            return 0
        doomed = self.entries_after(ts)
        for entry in reversed(doomed):
            coll.delete(entry)
        newest = coll.newest()
        if newest is None:
            self.reset_optimes(OpTime.null(), now_ms())
        else:
            self.reset_optimes(OpTime.of_entry(newest), newest.get("wall", now_ms()))
        return len(doomed)

    # ------------------------------------------------------------------------------------------- primary
    async def _step_up(self, *_: Any) -> None:
        """Before a new primary accepts writes: the "new primary" no-op in its term, then entries for writes."""
        repl = self.server.repl
        term = int(repl.term)
        self.write_noop("new primary", term)
        self.set_writable(term)
        self.engine.sync_journal()

    def _state_changed(self, old: Any, new: Any) -> None:
        if new != MemberState.PRIMARY:
            self.set_writable(None)

    def _periodic_noop(self) -> None:
        """mongod's NoopWriter: if a primary's last optime has not moved for periodicNoopIntervalSecs, log one."""
        interval = float(parameter(self.server, "periodicNoopIntervalSecs", 10))
        now = time.monotonic()
        if now - self._noop_last_check < interval:
            return
        self._noop_last_check = now
        write = parameter(self.server, "writePeriodicNoops", True)
        if self._writable_term is not None and write not in (False, "false", "0") \
                and self._top == self._noop_checked:
            self.write_noop("periodic noop")
            self.server.log.log("D1", "REPL", ID_NOOP, "NoopWriter", "Writing noop to oplog as there has been "
                                "no writes to this replica set within write interval",
                                {"writeInterval": interval})
        self._noop_checked = self._top
