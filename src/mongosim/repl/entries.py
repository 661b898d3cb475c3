"""Oplog entries in the server's format, built from the storage engine's change events.

An entry is ``{op, ns, ui, o, o2, ts, t, v, wall}`` in that field order (``oplog_entry.idl``: the operation
first, then the optime): ``op`` ``i``/``u``/``d``/``c``/``n``; ``ns`` ``db.coll``, ``db.$cmd`` for commands, ``""``
for no-ops; ``ui`` the collection UUID; ``t`` and ``v`` Int64. Inserts carry the whole document, deletes
``{_id}``, updates a ``$v: 2`` diff (or the whole new document) with ``o2: {_id}``. Catalog changes become the
command entries mongod writes: ``create`` (with ``idIndex``), ``drop`` (``o2.numRecords``), ``renameCollection``,
``createIndexes`` (the spec inline), ``dropIndexes`` (``o2`` the dropped spec), ``collMod`` (``o2`` the old
options) and ``dropDatabase``.

What is replicated (``NamespaceString::isReplicated``): everything outside ``local`` except ``system.profile``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from bson.int64 import Int64
from bson.timestamp import Timestamp

from mongosim.repl.diff import update_entry_object

if TYPE_CHECKING:
    from mongosim.storage.collection import Collection

ID_INDEX = {"v": 2, "key": {"_id": 1}, "name": "_id_"}
# Collection options as collMod names them (create's capped ``size``/``max`` are collMod's cappedSize/cappedMax).
_COLLMOD_NAMES = {"size": "cappedSize", "max": "cappedMax"}
_INDEX_OPTIONS = ("hidden", "expireAfterSeconds", "prepareUnique", "unique")

Fields = tuple[str, str, Any, dict[str, Any], dict[str, Any] | None]


def is_replicated(db: str, name: str) -> bool:
    return db != "local" and name != "system.profile"


def make_entry(op: str, ns: str, ui: Any, o: dict[str, Any], o2: dict[str, Any] | None, ts: Timestamp, term: int,
               wall: dt.datetime) -> dict[str, Any]:
    entry: dict[str, Any] = {"op": op, "ns": ns}
    if ui is not None:
        entry["ui"] = ui
    entry["o"] = o
    if o2 is not None:
        entry["o2"] = o2
    entry["ts"] = ts
    entry["t"] = Int64(term)
    entry["v"] = Int64(2)
    entry["wall"] = wall
    return entry


def document_fields(coll: Collection, op: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> Fields:
    """``(op, ns, ui, o, o2)`` of a document change."""
    if op == "i":
        assert new is not None
        return "i", coll.ns, coll.uuid, new, None
    if op == "u":
        assert old is not None and new is not None
        o, _ = update_entry_object(old, new)
        return "u", coll.ns, coll.uuid, o, {"_id": new["_id"]}
    assert old is not None
    return "d", coll.ns, coll.uuid, {"_id": old["_id"]}, None


def _changed_options(old: dict[str, Any], new: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """collMod's arguments for an options change, and the old values (``o2.collectionOptions_old``)."""
    changed: dict[str, Any] = {}
    for key in [*new, *(k for k in old if k not in new)]:
        if key in new and key in old and new[key] == old[key]:
            continue
        changed[_COLLMOD_NAMES.get(key, key)] = new.get(key)
    return changed, dict(old)


def _index_change(old_spec: dict[str, Any], new_spec: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """collMod's ``index`` argument for a modified index, and its old option values."""
    changed: dict[str, Any] = {"name": new_spec["name"]}
    previous: dict[str, Any] = {}
    for option in _INDEX_OPTIONS:
        before, after = old_spec.get(option), new_spec.get(option)
        if before == after:
            continue
        changed[option] = after if after is not None else False
        previous[option] = before if before is not None else False
    return changed, previous


def catalog_fields(coll: Collection | None, change: dict[str, Any]) -> Fields | None:
    """``(op, ns, ui, o, o2)`` of a catalog change (``coll`` as it is before the change), or None when the
    change is not logged."""
    kind = change["op"]
    if kind == "dropDatabase":
        return "c", f"{change['db']}.$cmd", None, {"dropDatabase": 1}, None
    assert coll is not None
    cmd_ns = f"{coll.db}.$cmd"
    if kind == "create":
        options = dict(change.get("options") or {})
        o: dict[str, Any] = {"create": coll.name, **options}
        if "clusteredIndex" not in options:
            o["idIndex"] = dict(ID_INDEX)
        return "c", cmd_ns, coll.uuid, o, None
    if kind == "drop":
        return "c", cmd_ns, coll.uuid, {"drop": coll.name}, {"numRecords": Int64(len(coll))}
    if kind == "rename":
        return "c", cmd_ns, coll.uuid, {"renameCollection": coll.ns, "to": f"{change['db']}.{change['name']}",
                                        "stayTemp": False}, None
    if kind == "createIndex":
        return "c", cmd_ns, coll.uuid, {"createIndexes": coll.name, **change["spec"]}, None
    if kind == "dropIndex":
        index = coll.get_index(change["name"])
        return "c", cmd_ns, coll.uuid, {"dropIndexes": coll.name, "index": change["name"]}, \
            (dict(index.spec) if index is not None else None)
    if kind == "options":
        changed, previous = _changed_options(coll.options, change["options"])
        return "c", cmd_ns, coll.uuid, {"collMod": coll.name, **changed}, {"collectionOptions_old": previous}
    if kind == "indexSpec":
        index = coll.get_index(change["name"])
        old_spec = dict(index.spec) if index is not None else {"name": change["name"]}
        changed_index, previous_index = _index_change(old_spec, change["spec"])
        return "c", cmd_ns, coll.uuid, {"collMod": coll.name, "index": changed_index}, \
            {"collectionOptions_old": dict(coll.options), "indexOptions_old": previous_index}
    return None
