"""``Applier``: applies fetched oplog entries on a secondary, idempotently, through the storage engine.

``Applier(engine, oplog).apply_batch(entries)`` applies entries in order; each is applied inside
``oplog.applying(entry)``, so the fetched entry itself is copied into the local oplog with its first change and
no new entry is generated. Applying an entry twice is harmless, as mongod's applier makes it: an insert of an
existing ``_id`` replaces it, an update of a missing document is skipped (a full replacement upserts), a delete
of a missing document does nothing, commands tolerate being already done (create of an existing collection,
drop of a missing one, an index that exists...). Collections are created with the entry's UUID (``ui``), so
every member shares collection UUIDs. An entry that cannot be applied is logged and skipped: the document
stays as it was until a later entry or a resync fixes it.

Used by ``sync`` (steady state and initial-sync catch-up) and by ``applyOps``-like tooling; no event loop needed.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from mongosim.errors import CommandError
from mongosim.repl.diff import apply_diff, same_value

if TYPE_CHECKING:
    from mongosim.logs import Logger
    from mongosim.repl.oplog import Oplog
    from mongosim.storage.collection import Collection
    from mongosim.storage.engine import StorageEngine

ID_APPLY_FAILED = 21254
_IGNORED_CODES = frozenset({"DuplicateKey", "IndexOptionsConflict", "IndexKeySpecsConflict", "NamespaceExists",
                            "NamespaceNotFound", "IndexNotFound", "CannotCreateIndex"})
_COLLMOD_OPTIONS = {"validator": "validator", "validationLevel": "validationLevel",
                    "validationAction": "validationAction", "expireAfterSeconds": "expireAfterSeconds",
                    "changeStreamPreAndPostImages": "changeStreamPreAndPostImages", "cappedSize": "size",
                    "cappedMax": "max"}


def split_ns(ns: str) -> tuple[str, str]:
    db, _, name = ns.partition(".")
    return db, name


class Applier:
    def __init__(self, engine: StorageEngine, oplog: Oplog | None = None, log: Logger | None = None) -> None:
        self.engine = engine
        self.oplog = oplog
        self.log = log
        self.applied = 0
        # A member with buildIndexes: false keeps only the _id index.
        self.build_indexes = True

    def apply_batch(self, entries: Iterable[dict[str, Any]]) -> None:
        for entry in entries:
            if self.oplog is not None:
                with self.oplog.applying(entry):
                    self.apply(entry)
            else:
                self.apply(entry)
            self.applied += 1

    def apply(self, entry: dict[str, Any]) -> None:
        """Apply one entry's change (no oplog bookkeeping)."""
        try:
            self._apply(entry)
        except CommandError as exc:
            if exc.code_name not in _IGNORED_CODES and self.log is not None:
                self.log.warning("REPL", ID_APPLY_FAILED, "ReplWriterWorker", "Error applying operation",
                                 {"oplogEntry": _summary(entry), "error": {"code": exc.code,
                                                                         "codeName": exc.code_name,
                                                                         "errmsg": exc.errmsg}})

    def _apply(self, entry: dict[str, Any]) -> None:
        op = entry.get("op")
        if op == "n":
            return
        if op == "c":
            self._command(entry)
            return
        db, name = split_ns(entry["ns"])
        doc = entry["o"]
        if op == "i":
            coll = self._collection(db, name, entry.get("ui"), create=True)
            assert coll is not None
            current = coll.get(doc["_id"])
            if current is None:
                coll.insert(doc)
            elif not same_value(current, doc):
                coll.replace(current, doc)
        elif op == "u":
            self._update(db, name, entry)
        elif op == "d":
            coll = self._collection(db, name, entry.get("ui"))
            current = coll.get(doc["_id"]) if coll is not None else None
            if coll is not None and current is not None:
                coll.delete(current)

    def _collection(self, db: str, name: str, uuid: Any, *, create: bool = False) -> Collection | None:
        coll = self.engine.get_collection(db, name)
        if coll is None and create:
            coll = self.engine.create_collection(db, name, uuid=uuid)
        return coll

    def _update(self, db: str, name: str, entry: dict[str, Any]) -> None:
        update = entry["o"]
        id_value = entry["o2"]["_id"]
        coll = self._collection(db, name, entry.get("ui"))
        current = coll.get(id_value) if coll is not None else None
        if update.get("$v") == 2 and isinstance(update.get("diff"), dict):
            if coll is None or current is None:
                return  # a diff needs its document; a later entry (or its delete) follows
            new = apply_diff(copy.deepcopy(current), update["diff"])
        else:
            new = update if "_id" in update else {"_id": id_value, **update}
        if current is None:
            self._collection(db, name, entry.get("ui"), create=True).insert(new)  # type: ignore[union-attr]
        elif not same_value(new, current):
            assert coll is not None
            coll.replace(current, new)

    # ------------------------------------------------------------------------------------------- commands
    def _command(self, entry: dict[str, Any]) -> None:
        cmd = entry["o"]
        name = next(iter(cmd), "")
        db, _ = split_ns(entry["ns"])
        handler = self._COMMANDS.get(name)
        if handler is None:
            raise CommandError("BadValue", f"Failed to apply operation due to missing command: {name}")
        handler(self, db, cmd, entry)

    def _create(self, db: str, cmd: dict[str, Any], entry: dict[str, Any]) -> None:
        name = cmd["create"]
        if self.engine.get_collection(db, name) is not None:
            return
        options = {key: value for key, value in cmd.items() if key not in ("create", "idIndex")}
        self.engine.create_collection(db, name, options, uuid=entry.get("ui"))

    def _drop(self, db: str, cmd: dict[str, Any], entry: dict[str, Any]) -> None:
        self.engine.drop_collection(db, cmd["drop"])

    def _drop_database(self, db: str, cmd: dict[str, Any], entry: dict[str, Any]) -> None:
        self.engine.drop_database(db)

    def _rename(self, db: str, cmd: dict[str, Any], entry: dict[str, Any]) -> None:
        src_db, src = split_ns(cmd["renameCollection"])
        dst_db, dst = split_ns(cmd["to"])
        if self.engine.get_collection(src_db, src) is None:
            return  # already renamed (or dropped since)
        self.engine.rename_collection(src_db, src, dst_db, dst, drop_target=True)

    def _create_indexes(self, db: str, cmd: dict[str, Any], entry: dict[str, Any]) -> None:
        coll = self._collection(db, cmd["createIndexes"], entry.get("ui"), create=True)
        assert coll is not None
        if not self.build_indexes:
            return
        specs = cmd.get("indexes") or [{key: value for key, value in cmd.items() if key != "createIndexes"}]
        for spec in specs:
            if coll.get_index(spec["name"]) is None:
                coll.create_indexes([spec])

    def _drop_indexes(self, db: str, cmd: dict[str, Any], entry: dict[str, Any]) -> None:
        coll = self.engine.get_collection(db, cmd["dropIndexes"])
        target = cmd.get("index")
        if coll is None or not isinstance(target, str):
            return
        names = [index.name for index in coll.indexes()[1:]] if target == "*" else [target]
        for index_name in names:
            if coll.get_index(index_name) is not None:
                coll.drop_index(index_name)

    def _coll_mod(self, db: str, cmd: dict[str, Any], entry: dict[str, Any]) -> None:
        coll = self.engine.get_collection(db, cmd["collMod"])
        if coll is None:
            return
        index = cmd.get("index")
        if isinstance(index, dict) and coll.get_index(str(index.get("name"))) is not None:
            current = coll.get_index(str(index["name"]))
            for option, value in index.items():
                if option != "name" and current is not None and current.spec.get(option) != value:
                    coll.set_index_option(str(index["name"]), option, value)
        options = dict(coll.options)
        for key, option in _COLLMOD_OPTIONS.items():
            if key in cmd:
                if cmd[key] is None:
                    options.pop(option, None)
                else:
                    options[option] = cmd[key]
        if options != coll.options:
            coll.set_options(options)

    def _apply_ops(self, db: str, cmd: dict[str, Any], entry: dict[str, Any]) -> None:
        for sub in cmd.get("applyOps") or []:
            self._apply(sub)

    _COMMANDS: dict[str, Callable[[Applier, str, dict[str, Any], dict[str, Any]], None]] = {
        "create": _create, "drop": _drop, "dropDatabase": _drop_database, "renameCollection": _rename,
        "createIndexes": _create_indexes, "dropIndexes": _drop_indexes, "collMod": _coll_mod,
        "applyOps": _apply_ops,
    }


def _summary(entry: dict[str, Any]) -> dict[str, Any]:
    return {key: entry[key] for key in ("op", "ns", "o", "o2", "ts", "t") if key in entry}
