"""Arguments shared by the read commands: typed fields, the target namespace, and the maxTimeMS deadline.

Type errors use the server's wording ("BSON field 'find.filter' is the wrong type 'string', expected type
'object'"); ``guarded`` enforces the deadline and interrupts while documents are pulled.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from mongosim.context import CommandContext
from mongosim.errors import CommandError
from mongosim.query.compare import RANK_NUMBER, number_value, type_name, type_rank
from mongosim.storage.engine import Collection

_TYPE_NAMES = {dict: "object", str: "string", bool: "bool", list: "array"}


def check_type(cmd: dict[str, Any], command_name: str, field: str, expected: type) -> Any:
    value = cmd.get(field)
    if value is None:
        return None
    if not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
        raise CommandError("TypeMismatch", f"BSON field '{command_name}.{field}' is the wrong type "
                           f"'{type_name(value)}', expected type '{_TYPE_NAMES.get(expected, 'object')}'")
    return value


def non_negative(cmd: dict[str, Any], field: str, command_name: str) -> int | None:
    value = cmd.get(field)
    if value is None:
        return None
    if type_rank(value) != RANK_NUMBER or isinstance(value, bool):
        raise CommandError("TypeMismatch", f"BSON field '{command_name}.{field}' is the wrong type "
                           f"'{type_name(value)}', expected types '[long, int, decimal, double]'")
    number = int(number_value(value))
    if number < 0:
        raise CommandError(51024, f"BSON field '{field}' value must be >= 0, actual value '{number}'")
    return number


def collection_name(ctx: CommandContext, cmd: dict[str, Any]) -> str:
    """The collection named by the command's first field; sets the operation's namespace."""
    name = cmd.get(ctx.name)
    if not isinstance(name, str):
        raise CommandError("InvalidNamespace", f"collection name has invalid type {type_name(name)}")
    if not name:
        raise CommandError("InvalidNamespace", f"Invalid namespace specified '{ctx.db}.'")
    ctx.ns = f"{ctx.db}.{name}"
    return name


def namespace(ctx: CommandContext, cmd: dict[str, Any]) -> tuple[str, Collection | None]:
    """The collection a command names and the storage collection (None when it does not exist)."""
    name = collection_name(ctx, cmd)
    storage = ctx.server.storage
    return name, storage.get_collection(ctx.db, name) if storage is not None else None


def deadline_of(cmd: dict[str, Any]) -> float | None:
    value = cmd.get("maxTimeMS")
    if value is None or value == 0:
        return None
    if type_rank(value) != RANK_NUMBER or number_value(value) < 0:
        raise CommandError("BadValue", f"{value!r} value for maxTimeMS is out of range")
    return time.monotonic() + float(number_value(value)) / 1000.0


def guarded(docs: Iterator[dict[str, Any]], ctx: CommandContext, deadline: float | None) -> Iterator[dict[str, Any]]:
    """Stop with MaxTimeMSExpired or Interrupted at safe points while documents are pulled."""
    for i, doc in enumerate(docs):
        if i & 63 == 63:
            ctx.check_interrupt()
            if deadline is not None and time.monotonic() > deadline:
                raise CommandError("MaxTimeMSExpired", "operation exceeded time limit")
        yield doc
    if deadline is not None and time.monotonic() > deadline:
        raise CommandError("MaxTimeMSExpired", "operation exceeded time limit")


def get_more_arguments(ctx: CommandContext, cmd: dict[str, Any]) -> tuple[int, str, int | None]:
    """getMore's cursor id, namespace and batch size, checked as the server checks them; sets the operation's
    namespace and type."""
    cursor_id = cmd.get("getMore")
    if not isinstance(cursor_id, int) or isinstance(cursor_id, bool):
        raise CommandError("TypeMismatch", f"BSON field 'getMore.getMore' is the wrong type "
                           f"'{type_name(cursor_id)}', expected type 'long'")
    coll_name = cmd.get("collection")
    if coll_name is None:
        raise CommandError(40414, "BSON field 'getMore.collection' is missing but a required field")
    if not isinstance(coll_name, str):
        raise CommandError("TypeMismatch", f"BSON field 'getMore.collection' is the wrong type "
                           f"'{type_name(coll_name)}', expected type 'string'")
    ns = f"{ctx.db}.{coll_name}"
    ctx.ns, ctx.op_type = ns, "getmore"
    return int(cursor_id), ns, non_negative(cmd, "batchSize", "getMore") or None


def aggregate_batch_size(cmd: dict[str, Any]) -> int | None:
    """aggregate's required ``cursor`` option and its batchSize (None when not given)."""
    cursor_opts = cmd.get("cursor")
    if cursor_opts is None:
        raise CommandError("FailedToParse", "The 'cursor' option is required, except for aggregate with the "
                           "explain argument")
    if not isinstance(cursor_opts, dict):
        raise CommandError("TypeMismatch", "cursor field must be missing or an object")
    return non_negative(cursor_opts, "batchSize", "aggregate.cursor")
