"""The update modifiers on fields ($set, $inc, $min, $currentDate, $bit...): one class per operator, mirroring
mongod's leaf nodes (the array modifiers are in ``update_array_ops``).

A leaf validates its argument when the update is parsed (so a bad update fails before touching any document)
and, when applied, either changes an existing element (``update``: returns whether it changed anything, so
no-op updates are neither counted in nModified nor written) or supplies the value for a path that does not
exist yet (``create``; ``NOTHING`` when the modifier does not create paths).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import TYPE_CHECKING, Any

from bson.timestamp import Timestamp

from mongosim.errors import CommandError
from mongosim.query.update_values import (
    Overflow,
    arithmetic,
    bitwise,
    clone,
    compare,
    format_element,
    identical,
    is_integral,
    is_number,
    safe_num_debug,
    type_name,
    zero_like,
)

if TYPE_CHECKING:
    from mongosim.query.update import ApplyState, Ref


class _Nothing:
    def __repr__(self) -> str:
        return "NOTHING"


NOTHING: Any = _Nothing()

def integer_argument(value: Any) -> int | None:
    """``parseIntegerElementToLong``: integral numbers only."""
    if is_integral(value):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def id_text(st: ApplyState) -> str:
    return format_element("_id", st.root["_id"]) if "_id" in st.root else "no id"


class Leaf:
    op = ""
    creates = True

    def __init__(self, path: str, value: Any) -> None:
        self.path = path
        self.value = value
        self.parse()

    def parse(self) -> None:
        """Validate the argument at parse time; raise CommandError."""

    def update(self, st: ApplyState, ref: Ref, taken: list[str]) -> bool:
        raise NotImplementedError

    def create(self, st: ApplyState) -> Any:
        return clone(self.value)

    def argument_text(self) -> str:
        return format_element(self.path, self.value)


class SetLeaf(Leaf):
    op = "$set"

    def update(self, st: ApplyState, ref: Ref, taken: list[str]) -> bool:
        if identical(ref.get(), self.value):
            return False
        ref.set(clone(self.value))
        return True


class SetOnInsertLeaf(SetLeaf):
    op = "$setOnInsert"

    def update(self, st: ApplyState, ref: Ref, taken: list[str]) -> bool:
        return st.is_insert and super().update(st, ref, taken)

    def create(self, st: ApplyState) -> Any:
        return clone(self.value) if st.is_insert else NOTHING


class UnsetLeaf(Leaf):
    op = "$unset"
    creates = False

    def update(self, st: ApplyState, ref: Ref, taken: list[str]) -> bool:
        if isinstance(ref.container, list):
            ref.set(None)  # unsetting an array element leaves a null in its place
        else:
            del ref.container[ref.key]
        return True


class ArithmeticLeaf(Leaf):
    op = "$inc"
    verb = "increment"
    kind = "add"

    def parse(self) -> None:
        if not is_number(self.value):
            raise CommandError("TypeMismatch", f"Cannot {self.verb} with non-numeric argument: "
                               f"{{{self.argument_text()}}}")

    def update(self, st: ApplyState, ref: Ref, taken: list[str]) -> bool:
        old = ref.get()
        if not is_number(old):
            raise CommandError("TypeMismatch", f"Cannot apply {self.op} to a value of non-numeric type. "
                               f"{{{id_text(st)}}} has the field '{ref.key}' of non-numeric type "
                               f"{type_name(old)}")
        try:
            new = arithmetic(self.kind, self.value, old)
        except Overflow:
            raise CommandError("BadValue", f"Failed to apply {self.op} operations to current value: "
                               f"{safe_num_debug(old)}") from None
        if identical(new, old):
            return False
        ref.set(new)
        return True

    def create(self, st: ApplyState) -> Any:
        return self.value if self.kind == "add" else zero_like(self.value)


class MulLeaf(ArithmeticLeaf):
    op = "$mul"
    verb = "multiply"
    kind = "multiply"


class CompareLeaf(Leaf):
    op = "$min"
    direction = -1

    def update(self, st: ApplyState, ref: Ref, taken: list[str]) -> bool:
        if compare(self.value, ref.get()) * self.direction <= 0:
            return False
        ref.set(clone(self.value))
        return True


class MaxLeaf(CompareLeaf):
    op = "$max"
    direction = 1


class CurrentDateLeaf(Leaf):
    op = "$currentDate"

    def parse(self) -> None:
        value = self.value
        if isinstance(value, bool):
            self.as_date = True
        elif isinstance(value, dict):
            found = None
            for key, item in value.items():
                if key != "$type":
                    raise CommandError("BadValue", f"Unrecognized $currentDate option: {key}")
                if item in ("date", "timestamp"):
                    found = item
            if found is None:
                raise CommandError("BadValue", "The '$type' string field is required to be 'date' or "
                                   "'timestamp': {$currentDate: {field : {$type: 'date'}}}")
            self.as_date = found == "date"
        else:
            raise CommandError("BadValue", f"{type_name(value)} is not valid type for $currentDate. Please use a "
                               "boolean ('true') or a $type expression ({$type: 'timestamp/date'}).")

    def _now(self, st: ApplyState) -> Any:
        return st.now if self.as_date else st.next_timestamp()

    def update(self, st: ApplyState, ref: Ref, taken: list[str]) -> bool:
        ref.set(self._now(st))
        return True

    def create(self, st: ApplyState) -> Any:
        return self._now(st)


class BitLeaf(Leaf):
    op = "$bit"

    def parse(self) -> None:
        if not isinstance(self.value, dict):
            raise CommandError("BadValue", f"The $bit modifier is not compatible with a {type_name(self.value)}. "
                               "You must pass in an embedded document: {$bit: {field: {and/or/xor: #}}")
        self.ops: list[tuple[str, Any]] = []
        for name, operand in self.value.items():
            if name not in ("and", "or", "xor"):
                raise CommandError("BadValue", "The $bit modifier only supports 'and', 'or', and 'xor', not "
                                   f"'{name}' which is an unknown operator: {{{format_element(name, operand)}}}")
            if not is_integral(operand):
                raise CommandError("BadValue", "The $bit modifier field must be an Integer(32/64 bit); a "
                                   f"'{type_name(operand)}' is not supported here: "
                                   f"{{{format_element(name, operand)}}}")
            self.ops.append((name, operand))
        if not self.ops:
            raise CommandError("BadValue", "You must pass in at least one bitwise operation. The format is: "
                               "{$bit: {field: {and/or/xor: #}}")

    def _apply(self, value: Any) -> Any:
        for name, operand in self.ops:
            value = bitwise(name, value, operand)
        return value

    def update(self, st: ApplyState, ref: Ref, taken: list[str]) -> bool:
        old = ref.get()
        if not is_integral(old):
            raise CommandError("BadValue", f"Cannot apply $bit to a value of non-integral type.{id_text(st)} "
                               f"has the field {ref.key} of non-integer type {type_name(old)}")
        new = self._apply(old)
        if identical(new, old):
            return False
        ref.set(new)
        return True

    def create(self, st: ApplyState) -> Any:
        return self._apply(0)


class PlaceholderLeaf(Leaf):
    """The source path of a $rename: holds its place in the tree so conflicting paths are detected."""

    op = "$rename"
    creates = False

    def update(self, st: ApplyState, ref: Ref, taken: list[str]) -> bool:
        return False




def now_date() -> dt.datetime:
    """The current time at BSON date precision (milliseconds), as $currentDate and $$NOW store it."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class TimestampClock:
    """Timestamps for $currentDate {$type: "timestamp"}: seconds plus an increment unique in the process."""

    def __init__(self) -> None:
        self.last = (0, 0)

    def next(self) -> Timestamp:
        seconds = int(time.time())
        inc = self.last[1] + 1 if seconds <= self.last[0] else 1
        seconds = max(seconds, self.last[0])
        self.last = (seconds, inc)
        return Timestamp(seconds, inc)


CLOCK = TimestampClock()
