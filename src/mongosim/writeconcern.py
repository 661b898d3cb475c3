"""Write concern: parsing and validating ``writeConcern`` and waiting for it after a write.

A standalone mongod acknowledges ``w: 0``/``w: 1`` at once, treats ``w: "majority"`` as ``w: 1`` with the
journal flushed, flushes the journal for ``j: true`` (and ``fsync: true``), and refuses ``w > 1`` or a tag
set (BadValue, before running the command). A replica-set layer takes over by setting two attributes on the
server: ``write_concern_validator(ctx, wc)`` (raises CommandError) and ``async write_concern_waiter(ctx, wc)``
(returns a ``writeConcernError`` document or None).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mongosim.errors import CommandError
from mongosim.query.compare import is_number, type_name

if TYPE_CHECKING:
    from mongosim.context import CommandContext

MAX_MEMBERS = 50
_FIELDS = frozenset({"w", "j", "fsync", "wtimeout", "provenance", "getLastError", "wOpTime", "wElectionId"})


@dataclass
class WriteConcern:
    w: int | str = 1
    j: bool | None = None
    fsync: bool = False
    wtimeout: int = 0
    provenance: str = "implicitDefault"
    explicit: bool = False

    @property
    def acknowledged(self) -> bool:
        return not (self.w == 0 and not self.j)

    @property
    def needs_journal(self) -> bool:
        return bool(self.j) or self.fsync or self.w == "majority"

    def to_document(self) -> dict[str, Any]:
        """The write concern as the server reports it (slow query log, writeConcernError.errInfo)."""
        doc: dict[str, Any] = {"w": self.w}
        if self.fsync:
            doc["fsync"] = True
        elif self.j is not None:
            doc["j"] = self.j
        doc["wtimeout"] = self.wtimeout
        doc["provenance"] = self.provenance
        return doc


def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if is_number(value):
        return bool(value)
    raise CommandError("TypeMismatch", f"BSON field 'writeConcern.{name}' is the wrong type '{type_name(value)}', "
                       "expected types '[bool, long, int, decimal, double]'")


def parse(cmd: dict[str, Any]) -> WriteConcern:
    """The command's write concern (the implicit default ``{w: 1}`` when absent or empty)."""
    if "writeConcern" not in cmd:
        return WriteConcern()
    spec = cmd["writeConcern"]
    if not isinstance(spec, dict):
        raise CommandError("TypeMismatch", f"\"writeConcern\" had the wrong type. Expected object, found "
                           f"{type_name(spec)}")
    if not spec:
        return WriteConcern()
    for key in spec:
        if key not in _FIELDS:
            raise CommandError(40415, f"BSON field 'writeConcern.{key}' is an unknown field.")
    wc = WriteConcern(provenance=spec.get("provenance", "clientSupplied"), explicit=True)
    if "w" in spec:
        w = spec["w"]
        if isinstance(w, str):
            wc.w = w
        elif is_number(w) and not isinstance(w, bool):
            number = int(float(str(w)))
            if number < 0 or number > MAX_MEMBERS:
                raise CommandError("FailedToParse", "w has to be a non-negative number and not greater than "
                                   f"{MAX_MEMBERS}")
            wc.w = number
        else:
            raise CommandError("FailedToParse", "w has to be a number or a string")
    j = _flag(spec["j"], "j") if "j" in spec else None
    fsync = _flag(spec["fsync"], "fsync") if "fsync" in spec else False
    if j and fsync:
        raise CommandError("FailedToParse", "fsync and j options cannot be used together")
    wc.j, wc.fsync = j, fsync
    if "wtimeout" in spec:
        timeout = spec["wtimeout"]
        if not is_number(timeout) or isinstance(timeout, bool):
            raise CommandError("TypeMismatch", f"BSON field 'writeConcern.wtimeout' is the wrong type "
                               f"'{type_name(timeout)}', expected types '[long, int, decimal, double]'")
        wc.wtimeout = int(float(str(timeout)))
    return wc


def validate(ctx: CommandContext, wc: WriteConcern) -> None:
    """Refuse what this node cannot satisfy (mongod's ``validateWriteConcern``)."""
    validator = getattr(ctx.server, "write_concern_validator", None)
    if validator is not None:
        validator(ctx, wc)
        return
    if isinstance(wc.w, int) and wc.w > 1:
        raise CommandError("BadValue", "cannot use 'w' > 1 when a host is not replicated")
    if isinstance(wc.w, str) and wc.w != "majority":
        raise CommandError("BadValue", f"cannot use non-majority 'w' mode {wc.w} when a host is not a member of a "
                           "replica set")


def from_command(ctx: CommandContext, cmd: dict[str, Any]) -> WriteConcern:
    wc = parse(cmd)
    validate(ctx, wc)
    return wc


async def satisfy(ctx: CommandContext, wc: WriteConcern) -> dict[str, Any] | None:
    """Wait until the write concern holds; a ``writeConcernError`` document when it cannot."""
    waiter = getattr(ctx.server, "write_concern_waiter", None)
    if waiter is not None:
        result: dict[str, Any] | None = await waiter(ctx, wc)
        return result
    if wc.needs_journal and ctx.server.storage is not None:
        ctx.server.storage.sync_journal()
    return None
