"""What the write commands (insert, update, delete, findAndModify) share: request parsing with the server's
IDL messages, the target collection (implicit creation, views and system collections refused), insert-time
document checks, write errors, index-key accounting and the time limit.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import bson
from bson.objectid import ObjectId
from bson.timestamp import Timestamp

from mongosim import MAX_BSON_OBJECT_SIZE, MAX_WRITE_BATCH_SIZE
from mongosim.commands.ddl import view_document
from mongosim.errors import CommandError
from mongosim.namespaces import check_collection_name
from mongosim.query.compare import is_number, type_name
from mongosim.query.update_ops import CLOCK
from mongosim.query.update_paths import validate_id

if TYPE_CHECKING:
    from mongosim.context import CommandContext
    from mongosim.storage.collection import Collection

MAX_DEPTH = 100  # BSONDepth::getMaxDepthForUserStorage()
# Arguments any command accepts (generic_argument.idl) besides the command's own fields.
GENERIC_ARGUMENTS = frozenset({
    "apiVersion", "apiStrict", "apiDeprecationErrors", "maxTimeMS", "readConcern", "writeConcern", "lsid",
    "clientOperationKey", "txnNumber", "autocommit", "startTransaction", "stmtId", "comment", "txnRetryCounter",
    "databaseVersion", "shardVersion", "tracking_info", "coordinator", "maxTimeMSOpOnly", "usesDefaultMaxTimeMS",
    "mayBypassWriteBlocking", "expectPrefix", "requestGossipRoutingCache", "startOrContinueTransaction",
    "rawData", "allowImplicitCollectionCreation", "help", "versionContext"})


def check_fields(doc: dict[str, Any], where: str, allowed: frozenset[str], generic: bool = True) -> None:
    for key in doc:
        if key not in allowed and not (generic and (key in GENERIC_ARGUMENTS or key.startswith("$"))):
            raise CommandError(40415, f"BSON field '{where}.{key}' is an unknown field.")


def required(doc: dict[str, Any], name: str, where: str) -> Any:
    if name not in doc:
        raise CommandError(40414, f"BSON field '{where}.{name}' is missing but a required field")
    return doc[name]


def wrong_type(where: str, value: Any, expected: str) -> CommandError:
    return CommandError("TypeMismatch", f"BSON field '{where}' is the wrong type '{type_name(value)}', expected "
                        f"{expected}")


def flag(doc: dict[str, Any], name: str, where: str, default: bool = False) -> bool:
    """A boolean option; like the server's ``safeBool``, numbers are accepted too."""
    value = doc.get(name, default)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if is_number(value):
        return bool(value)
    raise wrong_type(f"{where}.{name}", value, "types '[bool, long, int, decimal, double]'")


def document(doc: dict[str, Any], name: str, where: str, default: Any = None) -> Any:
    value = doc.get(name, default)
    if value is not default and not isinstance(value, dict):
        raise wrong_type(f"{where}.{name}", value, "type 'object'")
    return value


def statements(cmd: dict[str, Any], name: str, where: str) -> list[Any]:
    """The command's array of documents/updates/deletes (a document sequence or an array field)."""
    items = required(cmd, name, where)
    if not isinstance(items, list):
        raise wrong_type(f"{where}.{name}", items, "type 'array'")
    if not 1 <= len(items) <= MAX_WRITE_BATCH_SIZE:
        raise CommandError("InvalidLength", f"Write batch sizes must be between 1 and {MAX_WRITE_BATCH_SIZE}. "
                           f"Got {len(items)} operations.")
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise wrong_type(f"{where}.{name}.{i}", item, "type 'object'")
    return items


def storage(ctx: CommandContext) -> Any:
    engine = ctx.server.storage
    if engine is None:
        raise CommandError("IllegalOperation", f"{ctx.name} is not supported on a mongos without shards")
    return engine


def existing(ctx: CommandContext, name: str) -> Collection | None:
    """The target collection if it exists; a view or system.profile is not writable."""
    if name in ("system.profile", "system.views"):
        raise CommandError("InvalidNamespace", f"cannot write to '{ctx.db}.{name}'")
    coll: Collection | None = storage(ctx).get_collection(ctx.db, name)
    if coll is None and view_document(ctx.server, ctx.db, name) is not None:
        raise CommandError("CommandNotSupportedOnView", f"Namespace {ctx.db}.{name} is a view, not a collection")
    return coll


def create(ctx: CommandContext, name: str) -> Collection:
    """Create the target collection implicitly (first insert or upsert)."""
    check_collection_name(ctx.db, name, ctx.name)
    coll: Collection = storage(ctx).get_or_create_collection(ctx.db, name)
    return coll


def write_error(index: int, exc: CommandError) -> dict[str, Any]:
    """A ``writeErrors`` entry: index, code, the error's extra info (keyPattern/keyValue, errInfo), errmsg."""
    entry: dict[str, Any] = {"index": index, "code": exc.code}
    entry.update(exc.extra)
    entry["errmsg"] = exc.errmsg
    return entry


class Deadline:
    """maxTimeMS, checked between statements: the batch stops with MaxTimeMSExpired (50)."""

    def __init__(self, ctx: CommandContext, cmd: dict[str, Any]) -> None:
        value = cmd.get("maxTimeMS")
        if value is not None and (not is_number(value) or isinstance(value, bool) or value < 0):
            raise CommandError("BadValue", f"{value} value for maxTimeMS is out of range [0, 2147483647]")
        self.ctx = ctx
        self.limit = float(value) / 1000.0 if value else None

    def check(self) -> None:
        self.ctx.check_interrupt()
        if self.limit is not None and time.monotonic() - self.ctx.started > self.limit:
            raise CommandError(50, "operation exceeded time limit")


# ----------------------------------------------------------------------------------------- inserts
def _depth_exceeds(value: Any, depth: int) -> bool:
    if isinstance(value, dict):
        items: Any = value.values()
    elif isinstance(value, list):
        items = value
    else:
        return False
    if not items:
        return False  # empty subdocuments do not count toward the depth
    if depth >= MAX_DEPTH:
        return True
    return any(_depth_exceeds(item, depth + 1) for item in items)


def prepare_insert(doc: dict[str, Any]) -> dict[str, Any]:
    """``fixDocumentForInsert``: size and depth limits, a valid ``_id`` (generated when missing) placed first."""
    size = len(bson.encode(doc))
    if size > MAX_BSON_OBJECT_SIZE:
        raise CommandError("BadValue", f"object to insert too large. size in bytes: {size}, max size: "
                           f"{MAX_BSON_OBJECT_SIZE}")
    # Every level of nesting costs at least 7 bytes, so only large documents can be too deep.
    if size >= 7 * MAX_DEPTH and any(_depth_exceeds(v, 2) for v in doc.values()):
        raise CommandError("Overflow", f"cannot insert document because it exceeds {MAX_DEPTH} levels of nesting")
    if "_id" in doc:
        id_value = doc["_id"]
        if isinstance(id_value, (list, dict)) or type_name(id_value) == "regex":
            validate_id(id_value)
        if next(iter(doc)) != "_id":
            doc = {"_id": id_value, **{k: v for k, v in doc.items() if k != "_id"}}
    else:
        doc = {"_id": ObjectId(), **doc}
    if any(isinstance(v, Timestamp) and v.time == 0 and v.inc == 0 for v in doc.values()):
        doc = {k: (CLOCK.next() if isinstance(v, Timestamp) and v.time == 0 and v.inc == 0 and k != "_id"
                   else v) for k, v in doc.items()}
    return doc


def check_size(doc: dict[str, Any], code: int, message: str) -> None:
    if len(bson.encode(doc)) > MAX_BSON_OBJECT_SIZE:
        raise CommandError(code, f"{message} {MAX_BSON_OBJECT_SIZE}")


# ----------------------------------------------------------------------------------------- index keys
def keys_of(coll: Collection, doc: dict[str, Any]) -> int:
    """How many index keys a document has (one per index, more for multikey indexes)."""
    return sum(max(1, len(index.keys(doc))) if i else 1 for i, index in enumerate(coll.indexes()))


def key_changes(coll: Collection, old: dict[str, Any], new: dict[str, Any]) -> tuple[int, int]:
    """(keysInserted, keysDeleted) for replacing ``old`` by ``new``: only indexes whose keys changed."""
    inserted = deleted = 0
    for index in coll.indexes()[1:]:
        before, after = index.keys(old), index.keys(new)
        if before != after:
            deleted += len(before)
            inserted += len(after)
    return inserted, deleted


def add_debug(ctx: CommandContext, **counters: Any) -> None:
    for key, value in counters.items():
        ctx.debug[key] = ctx.debug.get(key, 0) + value

