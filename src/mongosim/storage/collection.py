"""A collection: documents in natural order, O(1) ``_id`` lookups, its indexes, capped eviction, size statistics.

Records live in an insertion-ordered dict keyed by a record id (natural order; a replace keeps the position);
``_by_id`` maps ``id_key(_id)`` to the record id. The oplog (``local.oplog.rs``) is keyed by ``ts`` instead,
as its entries have no ``_id`` (and it lists no ``_id`` index). Each mutation is checked first (DuplicateKey for
every unique index, parallel arrays...), then journalled, then applied, so a failed journal write leaves nothing
half-done.
The ``_apply_*`` methods are shared with journal replay. See ``engine.py`` for the contract callers rely on.
"""

from __future__ import annotations

import itertools
import uuid as uuid_module
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from bson.binary import Binary, UuidRepresentation

from mongosim.errors import CommandError
from mongosim.storage import indexspec
from mongosim.storage.checkpoint import decode, encode
from mongosim.storage.indexes import ENTRY_OVERHEAD, Index, approx_size
from mongosim.storage.journal import OP_DELETE, OP_INSERT, OP_REPLACE
from mongosim.storage.keys import id_key, render
from mongosim.storage.planner import Plan, plan

if TYPE_CHECKING:
    from mongosim.storage.engine import StorageEngine

ID_SPEC = {"v": 2, "key": {"_id": 1}, "name": "_id_"}
MAX_INDEXES = 64
OPLOG = ("local", "oplog.rs")
Keyed = list[tuple[Index, list[tuple[Any, Any]]]]


def capped_max_size(size: Any) -> int:
    """The byte cap a capped collection really gets: at least 4096, otherwise rounded up to 256 bytes."""
    size = int(size or 0)
    return 4096 if size <= 4096 else -(-size // 256) * 256


class Collection:
    def __init__(self, engine: StorageEngine, db: str, name: str, options: dict[str, Any],
                 uuid: Binary | None = None, ident: int | None = None) -> None:
        self.engine = engine
        self.db = db
        self.name = name
        self.options = options
        self.uuid = uuid or Binary.from_uuid(uuid_module.uuid4(), UuidRepresentation.STANDARD)
        self.ident = ident if ident is not None else engine.next_ident()
        self._records: dict[int, dict[str, Any]] = {}
        self._sizes: dict[int, int] = {}
        self._by_id: dict[Any, int] = {}
        self._next_rid = 1
        self._oldest_rid = 1
        self._data_size = 0
        self._indexes: list[Index] = [Index(dict(ID_SPEC))]
        self.key_field = "ts" if (db, name) == OPLOG else "_id"
        # A capped collection evicts no document for which this returns True (oplog minimum retention).
        self.retain: Callable[[dict[str, Any]], bool] | None = None
        # Checkpoint bookkeeping: the data file holding this collection, and whether it is stale.
        self.file: str | None = None
        self.file_crc = 0
        self.dirty = True

    # ------------------------------------------------------------------------------------------- identity
    @property
    def ns(self) -> str:
        return f"{self.db}.{self.name}"

    @property
    def capped(self) -> bool:
        return bool(self.options.get("capped"))

    def __len__(self) -> int:
        return len(self._records)

    def count(self) -> int:
        return len(self._records)

    # ------------------------------------------------------------------------------------------- reads
    def documents(self, reverse: bool = False) -> Iterator[dict[str, Any]]:
        """All documents in natural (insertion) order. Safe against concurrent modification."""
        docs = list(self._records.values())
        return reversed(docs) if reverse else iter(docs)

    def records(self, after: int | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
        """``(record id, document)`` in natural order, optionally only those after a record id (tailable
        cursors resume this way, in time proportional to what is new). A snapshot: safe against concurrent
        modification."""
        if after is None:
            return iter(list(self._records.items()))
        newer = []
        for rid, doc in reversed(self._records.items()):  # record ids grow in natural order
            if rid <= after:
                break
            newer.append((rid, doc))
        newer.reverse()
        return iter(newer)

    def newest(self) -> dict[str, Any] | None:
        """The last document in natural order (the top of the oplog)."""
        return next(reversed(self._records.values()), None)

    def oldest(self) -> dict[str, Any] | None:
        return next(iter(self._records.values()), None)

    def get(self, id_value: Any) -> dict[str, Any] | None:
        rid = self._by_id.get(id_key(id_value))
        return None if rid is None else self._records[rid]

    def get_record(self, rid: int) -> dict[str, Any] | None:
        return self._records.get(rid)

    def record_id(self, doc: dict[str, Any]) -> int | None:
        return self._by_id.get(id_key(doc[self.key_field]))

    def plan(self, filter_doc: dict[str, Any], *, hint: Any = None, sort: dict[str, Any] | None = None) -> Plan:
        """Choose how to answer ``filter_doc``: an index whose prefix the filter constrains, else COLLSCAN."""
        return plan(self, filter_doc, hint=hint, sort=sort)

    # ------------------------------------------------------------------------------------------- writes
    def _secondary_keys(self, doc: dict[str, Any], rid: int | None, check: bool) -> Keyed:
        keyed = []
        for index in self._indexes[1:]:
            keys = index.keys(doc)
            if check and index.unique and keys:
                raw = index.conflict(keys, rid)
                if raw is not None:
                    raise index.duplicate_error(self.ns, raw)
            keyed.append((index, keys))
        return keyed

    def insert(self, doc: dict[str, Any]) -> None:
        """Insert a document that already has an ``_id``; DuplicateKey when a unique index already holds it."""
        try:
            key = id_key(doc[self.key_field])
        except KeyError:
            if self.key_field == "_id":
                raise  # a caller's bug (callers give documents an _id), as before
            raise CommandError("BadValue", "Could not find the 'ts' field of an oplog entry") from None
        if key in self._by_id:
            raise self._indexes[0].duplicate_error(self.ns, (doc[self.key_field],))
        keyed = self._secondary_keys(doc, None, True)
        raw = encode(doc)
        self.engine.log_document(self, "i", None, doc, OP_INSERT, raw)
        self._apply_insert(doc, key, len(raw), keyed)

    def append_logged(self, entry: dict[str, Any], size: int) -> None:
        """Append an oplog entry the engine has just journalled (with the change it describes)."""
        self._apply_insert(entry, id_key(entry[self.key_field]), size, self._secondary_keys(entry, None, False))

    def replace(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        """Replace ``old`` (a document of this collection) by ``new`` with the same ``_id``."""
        key = id_key(old["_id"])
        rid = self._by_id.get(key)
        if rid is None:
            raise CommandError("NoSuchKey", f"document with _id {render(old['_id'])} is not in {self.ns}")
        if id_key(new["_id"]) != key:
            raise CommandError("ImmutableField", "Performing an update on the path '_id' would modify the immutable "
                               "field '_id'")
        keyed = self._secondary_keys(new, rid, True)
        raw = encode(new)
        self.engine.log_document(self, "u", self._records[rid], new, OP_REPLACE, raw)
        self._apply_replace(rid, new, len(raw), keyed)

    def delete(self, doc: dict[str, Any]) -> None:
        field = self.key_field
        rid = self._by_id.get(id_key(doc[field]))
        if rid is None:
            return
        self.engine.log_document(self, "d", self._records[rid], None, OP_DELETE, encode({field: doc[field]}))
        self._apply_delete(rid)

    # ------------------------------------------------------------------------------------------- apply (live + replay)
    def _apply_insert(self, doc: dict[str, Any], key: Any, size: int, keyed: Keyed) -> None:
        rid = self._next_rid
        self._next_rid = rid + 1
        self._records[rid] = doc
        self._sizes[rid] = size
        self._by_id[key] = rid
        self._data_size += size
        id_index = self._indexes[0]
        if id_index.entries is None:
            id_index.num_keys += 1
            id_index.key_bytes += approx_size(doc[self.key_field]) + ENTRY_OVERHEAD
        else:
            id_index.add(id_index.keys(doc), rid)
        for index, keys in keyed:
            index.add(keys, rid)
        self.dirty = True
        if self.capped:
            self._evict(rid)

    def _apply_replace(self, rid: int, new: dict[str, Any], size: int, keyed: Keyed) -> None:
        old = self._records[rid]
        for index, new_keys in keyed:
            old_keys = index.keys(old)
            old_set = {k for k, _ in old_keys}
            new_set = {k for k, _ in new_keys}
            index.remove([(k, r) for k, r in old_keys if k not in new_set], rid)
            index.add([(k, r) for k, r in new_keys if k not in old_set], rid)
        self._data_size += size - self._sizes[rid]
        self._sizes[rid] = size
        self._records[rid] = new
        self.dirty = True

    def _apply_delete(self, rid: int) -> None:
        doc = self._records.pop(rid)
        self._data_size -= self._sizes.pop(rid)
        del self._by_id[id_key(doc[self.key_field])]
        id_index = self._indexes[0]
        if id_index.entries is None:
            id_index.num_keys -= 1
            id_index.key_bytes -= approx_size(doc[self.key_field]) + ENTRY_OVERHEAD
        else:
            id_index.remove(id_index.keys(doc), rid)
        for index in self._indexes[1:]:
            index.remove(index.keys(doc), rid)
        self.dirty = True

    def _evict(self, newest: int) -> None:
        """Capped collections drop their oldest documents once over ``size`` bytes or ``max`` documents."""
        max_size = capped_max_size(self.options.get("size"))
        max_docs = int(self.options.get("max") or 0)
        while len(self._records) > 1 and (self._data_size > max_size or 0 < max_docs < len(self._records)):
            while self._oldest_rid not in self._records:
                self._oldest_rid += 1
            if self._oldest_rid == newest:
                break
            if self.retain is not None and self.retain(self._records[self._oldest_rid]):
                break
            self._apply_delete(self._oldest_rid)

    def replay(self, op: int, body: bytes) -> None:
        """Apply one journal record (no checks: they passed when it was written)."""
        if op == OP_INSERT:
            doc = decode(body)
            self._apply_insert(doc, id_key(doc[self.key_field]), len(body), self._secondary_keys(doc, None, False))
        elif op == OP_REPLACE:
            doc = decode(body)
            rid = self._by_id.get(id_key(doc[self.key_field]))
            if rid is not None:
                self._apply_replace(rid, doc, len(body), self._secondary_keys(doc, rid, False))
        elif op == OP_DELETE:
            rid = self._by_id.get(id_key(decode(body)[self.key_field]))
            if rid is not None:
                self._apply_delete(rid)

    def load(self, docs: list[dict[str, Any]], sizes: list[int]) -> None:
        """Bulk-load a checkpoint's documents (indexes are built afterwards by ``install_index``)."""
        for doc, size in zip(docs, sizes, strict=True):
            rid = self._next_rid
            self._next_rid += 1
            self._records[rid] = doc
            self._sizes[rid] = size
            self._by_id[id_key(doc[self.key_field])] = rid
            self._data_size += size
            self._indexes[0].num_keys += 1
            self._indexes[0].key_bytes += approx_size(doc[self.key_field]) + ENTRY_OVERHEAD

    # ------------------------------------------------------------------------------------------- indexes
    def indexes(self) -> list[Index]:
        return self._indexes

    def list_indexes(self) -> list[dict[str, Any]]:
        if self.key_field != "_id":
            return [dict(index.spec) for index in self._indexes[1:]]
        return [dict(index.spec) for index in self._indexes]

    def get_index(self, name: str) -> Index | None:
        return next((index for index in self._indexes if index.name == name), None)

    def find_indexes_by_key(self, key: dict[str, Any]) -> list[Index]:
        wanted = id_key(key)
        return [index for index in self._indexes if id_key(index.key_pattern) == wanted]

    def find_hinted_index(self, hint: Any) -> Index:
        index = None
        if isinstance(hint, str):
            index = self.get_index(hint)
        elif isinstance(hint, dict):
            found = self.find_indexes_by_key(hint)
            index = found[0] if found else None
        if index is None or index.hidden:
            raise CommandError("BadValue", "hint provided does not correspond to an existing index")
        return index

    def _build(self, spec: dict[str, Any]) -> Index:
        """A populated index for ``spec``; DuplicateKey (wrapped as an index build failure) on violations."""
        from mongosim.query.match import matcher

        partial = spec.get("partialFilterExpression")
        index = Index(spec, matcher(partial) if partial is not None else None)
        entries: list[tuple[Any, int]] = []
        raws: dict[int, list[Any]] = {}
        try:
            for rid, doc in self._records.items():
                keys = index.keys(doc)
                entries.extend((key, rid) for key, _ in keys)
                raws[rid] = [raw for _, raw in keys]
                index.num_keys += len(keys)
                index.key_bytes += sum(sum(approx_size(v) for v in raw) + ENTRY_OVERHEAD for _, raw in keys)
        except CommandError as exc:
            raise self._build_failure(exc) from exc
        entries.sort()
        if index.unique:
            for (key, rid), (next_key, next_rid) in itertools.pairwise(entries):
                if key == next_key and rid != next_rid:
                    position = [k for k, _ in index.keys(self._records[next_rid])].index(next_key)
                    error = index.duplicate_error(self.ns, raws[next_rid][position])
                    raise self._build_failure(error)
        index.entries = entries
        return index

    def _build_failure(self, exc: CommandError) -> CommandError:
        build = uuid_module.uuid4()
        return CommandError(exc.code, f"Index build failed: {build}: Collection {self.ns} ( "
                            f"{self.uuid.as_uuid()} ) :: caused by :: {exc.errmsg}", **exc.extra)

    def _check_conflicts(self, spec: dict[str, Any], pending: list[dict[str, Any]]) -> bool:
        """False when an identical index exists; raises on conflicts (codes 85/86) like the server."""
        existing = [index.spec for index in self._indexes] + pending
        for other in existing:
            if other["name"] == spec["name"]:
                outcome = indexspec.comparison(spec, other)
                if outcome == "identical":
                    return False
                if outcome == "different":
                    raise CommandError("IndexKeySpecsConflict", "An existing index has the same name as the "
                                       f"requested index. Requested index: {render(spec)}, existing index: "
                                       f"{render(other)}")
                raise CommandError("IndexOptionsConflict", "An equivalent index already exists with the same name "
                                   f"but different options. Requested index: {render(spec)}, existing index: "
                                   f"{render(other)}")
        for other in existing:
            outcome = indexspec.comparison(spec, other)
            if outcome == "equivalent":
                raise CommandError("IndexOptionsConflict", "An equivalent index already exists with a different "
                                   f"name and options. Requested index: {render(spec)}, existing index: "
                                   f"{render(other)}")
            if outcome == "identical":
                raise CommandError("IndexOptionsConflict", f"Index already exists with a different name: "
                                   f"{other['name']}")
        if len(existing) >= MAX_INDEXES:
            raise CommandError("CannotCreateIndex", f"add index fails, too many indexes for {self.ns} "
                               f"key:{render(spec['key'])}")
        return True

    def create_indexes(self, specs: list[dict[str, Any]]) -> int:
        """Create indexes from createIndexes specs, all or none; returns how many were new."""
        normalized = [indexspec.validate_spec(spec, self.name.startswith("system.")) for spec in specs]
        pending: list[dict[str, Any]] = []
        for spec in normalized:
            if self._check_conflicts(spec, pending):
                pending.append(spec)
        built = [self._build(spec) for spec in pending]
        for index in built:
            self.engine.catalog_change({"op": "createIndex", "ident": self.ident, "spec": index.spec}, self)
            self._indexes.append(index)
        return len(built)

    def create_index(self, spec: dict[str, Any]) -> bool:
        """Create an index from a createIndexes spec; False when an identical one exists."""
        return self.create_indexes([spec]) == 1

    def install_index(self, spec: dict[str, Any]) -> None:
        """Add an index without checks (recovery and journal replay)."""
        if spec["name"] == "_id_":
            return
        self._indexes.append(self._build(spec))

    def drop_index(self, name: str) -> None:
        if name == "_id_":
            raise CommandError("InvalidOptions", "cannot drop _id index")
        index = self.get_index(name)
        if index is None:
            raise CommandError("IndexNotFound", f"index not found with name [{name}]")
        self.engine.catalog_change({"op": "dropIndex", "ident": self.ident, "name": name}, self)
        self._indexes.remove(index)

    def remove_index(self, name: str) -> None:
        """Drop an index without journalling it (replay)."""
        self._indexes = [index for index in self._indexes if index.name != name or index.is_id]

    def set_index_option(self, name: str, option: str, value: Any) -> dict[str, Any]:
        """collMod on an index (hidden, expireAfterSeconds, prepareUnique, unique): returns the new spec.
        ``value`` None removes the option."""
        index = self.get_index(name)
        if index is None:
            raise CommandError("IndexNotFound", f"cannot find index {name} for ns {self.ns}")
        spec = dict(index.spec)
        if value is None or (value is False and option in ("hidden", "prepareUnique")):
            spec.pop(option, None)
        else:
            spec[option] = value
        spec = indexspec.normalize_spec(spec)
        if option == "unique" and value and not index.unique:
            self._build(spec)  # raises DuplicateKey when existing documents violate it
        self.engine.catalog_change({"op": "indexSpec", "ident": self.ident, "name": name, "spec": spec}, self)
        self.replace_index_spec(name, spec)
        return spec

    def replace_index_spec(self, name: str, spec: dict[str, Any]) -> None:
        for position, index in enumerate(self._indexes):
            if index.name == name:
                rebuilt = Index(spec, index.partial)
                rebuilt.entries, rebuilt.multikey, rebuilt.array_prefixes = (index.entries, index.multikey,
                                                                            index.array_prefixes)
                rebuilt.num_keys, rebuilt.key_bytes, rebuilt.accesses = index.num_keys, index.key_bytes, index.accesses
                self._indexes[position] = rebuilt

    def set_options(self, options: dict[str, Any]) -> None:
        """Replace the collection options (collMod), journalled."""
        self.engine.catalog_change({"op": "options", "ident": self.ident, "options": options}, self)
        self.options = options

    # ------------------------------------------------------------------------------------------- statistics
    def data_size(self) -> int:
        """Sum of the documents' BSON sizes, maintained incrementally."""
        return self._data_size

    def avg_obj_size(self) -> int:
        return self._data_size // len(self._records) if self._records else 0

    def storage_size(self) -> int:
        """Bytes the collection occupies on disk (4 KiB blocks, at least one)."""
        return max(4096, -(-self._data_size // 4096) * 4096)

    def index_sizes(self) -> dict[str, int]:
        return {index.name: index.size_bytes() for index in self._indexes}

    def total_index_size(self) -> int:
        return sum(index.size_bytes() for index in self._indexes)

    def max_size(self) -> int | None:
        return capped_max_size(self.options.get("size")) if self.capped else None
