"""What the storage engine tells a change observer (replication's oplog) about every change it makes.

``StorageEngine.observer`` is None on a standalone mongod: then every mutation journals exactly as before, at no
extra cost. When set, each document change (``Collection.insert/replace/delete``, not capped-collection
eviction) and each catalog change (create, drop, rename, index create/drop/modify, options) is offered to the
observer first. When the observer returns a log entry, the engine journals the change and the entry as one
record (a crash keeps both or neither), appends the entry to ``observer.log_collection``, calls
``observer.recorded(entry)``, and only then lets the change itself be applied in memory — all without yielding
to the event loop, so no reader can see one without the other.

Document changes are ``("i", None, new)``, ``("u", old, new)`` and ``("d", old, None)``. Catalog changes are the
journal's own catalog records (``{op: "create"|"drop"|"rename"|"options"|"createIndex"|"dropIndex"|
"indexSpec", ident, ...}``) with the collection as it is just before the change, plus ``{op: "dropDatabase",
db}`` once a database's collections are gone (the collection is then None).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from mongosim.storage.collection import Collection


class ChangeObserver(Protocol):
    @property
    def log_collection(self) -> Collection:
        """Where returned entries are appended."""

    def document_change(self, coll: Collection, op: str, old: dict[str, Any] | None,
                        new: dict[str, Any] | None) -> dict[str, Any] | None:
        """The entry to record with this document change, or None to record nothing."""

    def catalog_change(self, coll: Collection | None, change: dict[str, Any]) -> dict[str, Any] | None:
        """The entry to record with this catalog change, or None."""

    def recorded(self, entry: dict[str, Any]) -> None:
        """The entry is journalled and appended; its change is applied before control returns to the loop."""
