"""The array update modifiers: $push (with $each, $position, $sort, $slice), $addToSet, $pop, $pull and
$pullAll, mirroring mongod's PushNode, AddToSetNode, PopNode and ArrayCullingNode.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mongosim.errors import CommandError
from mongosim.query.match import matcher
from mongosim.query.update_ops import Leaf, id_text, integer_argument
from mongosim.query.update_values import clone, compare, equal, is_number, render, type_name

if TYPE_CHECKING:
    from mongosim.query.update import ApplyState, Ref

# Query operators that take a path's value (parsePathAcceptingKeyword): a $pull condition starting with one
# of these is matched against each array element itself rather than as a query over embedded documents.
_PATH_OPERATORS = frozenset({
    "$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists", "$type", "$regex", "$options",
    "$elemMatch", "$size", "$all", "$mod", "$not", "$bitsAllSet", "$bitsAllClear", "$bitsAnySet",
    "$bitsAnyClear", "$geoWithin", "$geoIntersects", "$near", "$nearSphere", "$within", "$geoNear",
    "$_internalSchemaType"})


class PushLeaf(Leaf):
    op = "$push"

    def parse(self) -> None:
        self.position: int | None = None
        self.slice: int | None = None
        self.sort: Any = None
        value = self.value
        if not (isinstance(value, dict) and "$each" in value):
            self.values = [value]
            return
        for clause in value:
            if clause not in ("$each", "$slice", "$sort", "$position"):
                raise CommandError("BadValue", f"Unrecognized clause in $push: {clause}")
        each = value["$each"]
        if not isinstance(each, list):
            raise CommandError("BadValue", "The argument to $each in $push must be an array but it was of type: "
                               f"{type_name(each)}")
        self.values = each
        if "$slice" in value:
            self.slice = integer_argument(value["$slice"])
            if self.slice is None:
                raise CommandError("BadValue", "The value for $slice must be an integer value but was given type: "
                                   f"{type_name(value['$slice'])}")
        if "$sort" in value:
            self.sort = self._parse_sort(value["$sort"])
        if "$position" in value:
            self.position = integer_argument(value["$position"])
            if self.position is None:
                raise CommandError("BadValue", "The value for $position must be an integer value, not of type: "
                                   f"{type_name(value['$position'])}")

    @staticmethod
    def _parse_sort(spec: Any) -> Any:
        if isinstance(spec, dict):
            if not spec:
                raise CommandError("BadValue", "The $sort pattern is empty when it should be a set of fields.")
            for field, direction in spec.items():
                if not is_number(direction) or float(str(direction)) not in (1.0, -1.0):
                    raise CommandError("BadValue", "The $sort element value must be either 1 or -1")
                if field == "" or "" in field.split("."):
                    raise CommandError("BadValue", "The $sort field is a dotted field but has an empty part: "
                                       f"{field}" if field else "The $sort field cannot be empty")
            return [(field, 1 if float(str(d)) > 0 else -1) for field, d in spec.items()]
        if is_number(spec) and float(str(spec)) in (1.0, -1.0):
            return 1 if float(str(spec)) > 0 else -1
        if is_number(spec):
            raise CommandError("BadValue", "The $sort element value must be either 1 or -1")
        raise CommandError("BadValue", "The $sort is invalid: use 1/-1 to sort the whole element, or {field:1/-1} "
                           "to sort embedded fields")

    def _sort_key(self) -> Any:
        if isinstance(self.sort, int):
            direction = self.sort
            return functools.cmp_to_key(lambda a, b: compare(a, b) * direction)
        pattern = self.sort

        def by_fields(a: Any, b: Any) -> int:
            for field, direction in pattern:
                result: int = compare(_dotted(a, field), _dotted(b, field)) * direction
                if result:
                    return result
            return 0

        return functools.cmp_to_key(by_fields)

    def _push(self, array: list[Any]) -> bool:
        changed = False
        if self.values:
            size = len(array)
            position = self.position if self.position is not None else size
            if position < 0:
                position = max(0, size + position)
            position = min(position, size)
            array[position:position] = [clone(v) for v in self.values]
            changed = True
        if self.sort is not None:
            array.sort(key=self._sort_key())
            changed = True
        if self.slice is not None and len(array) > abs(self.slice):
            if self.slice >= 0:
                del array[self.slice:]
            else:
                del array[:len(array) + self.slice]
            changed = True
        return changed

    def update(self, st: ApplyState, ref: Ref, taken: list[str]) -> bool:
        array = ref.get()
        if not isinstance(array, list):
            raise CommandError("BadValue", f"The field '{'.'.join(taken)}' must be an array but is of type "
                               f"{type_name(array)} in document {{{id_text(st)}}}")
        return self._push(array)

    def create(self, st: ApplyState) -> Any:
        array: list[Any] = []
        self._push(array)
        return array


def _dotted(value: Any, path: str) -> Any:
    """The value at a dotted path inside an array element for $push's $sort (missing sorts as null)."""
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


class AddToSetLeaf(Leaf):
    op = "$addToSet"

    def parse(self) -> None:
        value = self.value
        if isinstance(value, dict) and value and next(iter(value)) == "$each":
            each = value["$each"]
            if not isinstance(each, list):
                raise CommandError("TypeMismatch", "The argument to $each in $addToSet must be an array but it was "
                                   f"of type {type_name(each)}")
            if len(value) > 1:
                raise CommandError("BadValue", f"Found unexpected fields after $each in $addToSet: "
                                   f"{render(value)}")
            candidates = each
        else:
            candidates = [value]
        self.values: list[Any] = []
        for item in candidates:
            if not any(equal(item, kept) for kept in self.values):
                self.values.append(item)

    def update(self, st: ApplyState, ref: Ref, taken: list[str]) -> bool:
        array = ref.get()
        if not isinstance(array, list):
            raise CommandError("BadValue", f"Cannot apply $addToSet to non-array field. Field named '{ref.key}' "
                               f"has non-array type {type_name(array)}")
        missing = [v for v in self.values if not any(equal(v, existing) for existing in array)]
        array.extend(clone(v) for v in missing)
        return bool(missing)

    def create(self, st: ApplyState) -> Any:
        return [clone(v) for v in self.values]


class PopLeaf(Leaf):
    op = "$pop"
    creates = False

    def parse(self) -> None:
        if not is_number(self.value):
            raise CommandError("FailedToParse", f"Expected a number in: {self.argument_text()}")
        amount = integer_argument(self.value)
        if amount is None:
            raise CommandError("FailedToParse", f"Expected an integer: {self.argument_text()}")
        if amount not in (1, -1):
            raise CommandError("FailedToParse", f"$pop expects 1 or -1, found: {amount}")
        self.from_front = amount < 0

    def update(self, st: ApplyState, ref: Ref, taken: list[str]) -> bool:
        array = ref.get()
        if not isinstance(array, list):
            raise CommandError("TypeMismatch", f"Path '{'.'.join(taken)}' contains an element of non-array type "
                               f"'{type_name(array)}'")
        if not array:
            return False
        array.pop(0 if self.from_front else -1)
        return True


class PullLeaf(Leaf):
    op = "$pull"
    creates = False
    matches: Callable[[Any], bool]

    def parse(self) -> None:
        cond = self.value
        if isinstance(cond, dict) and not (cond and next(iter(cond)) in _PATH_OPERATORS):
            query = matcher(cond)
            self.matches = lambda element: isinstance(element, dict) and query(element)
        elif isinstance(cond, dict) or type_name(cond) == "regex":
            wrapped = matcher({"v": cond})
            self.matches = lambda element: wrapped({"v": element})
        else:
            self.matches = lambda element: equal(element, cond)

    def update(self, st: ApplyState, ref: Ref, taken: list[str]) -> bool:
        array = ref.get()
        if not isinstance(array, list):
            raise CommandError("BadValue", "Cannot apply $pull to a non-array value")
        kept = [element for element in array if not self.matches(element)]
        if len(kept) == len(array):
            return False
        array[:] = kept
        return True


class PullAllLeaf(PullLeaf):
    op = "$pullAll"

    def parse(self) -> None:
        if not isinstance(self.value, list):
            raise CommandError("BadValue", "$pullAll requires an array argument but was given a "
                               f"{type_name(self.value)}")
        values = self.value
        self.matches = lambda element: any(equal(element, v) for v in values)
