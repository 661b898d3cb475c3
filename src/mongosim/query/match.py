"""Filter matching: ``matcher(filter)`` compiles a query filter into a predicate over documents.

Contract: ``matcher(filter_doc, variables=None) -> Callable[[dict], bool]``. The filter is validated when it is
compiled and an invalid one raises ``CommandError`` with the server's code and message (BadValue 2 "unknown
operator: $foo", "$in needs an array", ...). ``variables`` are the command's ``let`` values for ``$expr``.

Semantics follow the server's match expressions: a path reaches every value through arrays (``query.paths``),
a leaf predicate is tried on the value and, when the value is an array, on each element; negations ($ne, $nin,
$not, $exists: false) negate the whole path predicate; comparisons only match within the operand's type
bracket (a $gt on numbers never matches strings); null equality also matches a missing path.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from bson.binary import Binary
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.objectid import ObjectId
from bson.regex import Regex

from mongosim.errors import CommandError
from mongosim.query import expr as expressions
from mongosim.query.compare import (
    MISSING,
    RANK_NUMBER,
    TYPE_ALIASES,
    bson_type,
    number_value,
    order_key,
    regex_flags,
    render,
    type_rank,
)
from mongosim.query.paths import candidates, split

Predicate = Callable[[Any], bool]
CandidatePredicate = Callable[[list[Any]], bool]
ValuePredicate = Callable[[Any], bool]

_TOP, _USER, _SUB = 0, 1, 2
_NUMERIC = (int, float, Int64)
_TREE_OPERATORS = ("$and", "$or", "$nor")
_PATHLESS = frozenset({"$and", "$or", "$nor", "$expr", "$where", "$text", "$comment", "$jsonSchema",
                       "$alwaysTrue", "$alwaysFalse", "$sampleRate"})
_REGEX_TYPES = (Regex, re.Pattern)
_UNSUPPORTED = frozenset({"$geoWithin", "$geoIntersects", "$near", "$nearSphere", "$within"})


def _always(doc: Any) -> bool:
    return True


def matcher(filter_doc: dict[str, Any] | None, variables: dict[str, Any] | None = None) -> Predicate:
    if not filter_doc:
        return _always
    return _Compiler(variables).document(filter_doc, _TOP)


def is_operator_document(value: Any) -> bool:
    """``{$gt: 1}`` is an operator document; ``{a: 1}`` and DBRef-like ``{$ref, $id}`` are values."""
    if not isinstance(value, dict) or not value:
        return False
    first = next(iter(value))
    return first.startswith("$") and not ("$ref" in value and "$id" in value)


def _conjunction(preds: list[Predicate]) -> Predicate:
    if len(preds) == 1:
        return preds[0]
    if len(preds) == 2:
        a, b = preds
        return lambda doc: a(doc) and b(doc)
    return lambda doc: all(p(doc) for p in preds)


def leaf(fn: ValuePredicate, expand: bool = True) -> CandidatePredicate:
    """Apply a value predicate to each candidate and, for arrays, to each of their elements (not under a
    value $elemMatch, which tests each element as it is)."""
    if not expand:
        return lambda cands: any(fn(value) for value in cands)

    def run(cands: list[Any]) -> bool:
        for value in cands:
            if fn(value):
                return True
            if type(value) is list:
                for element in value:
                    if fn(element):
                        return True
        return False
    return run


# ---------------------------------------------------------------------------------------------- value predicates
def equality(q: Any) -> ValuePredicate:
    if q is None:
        return lambda v: v is None or v is MISSING
    kind = type(q)
    if kind is str:
        return lambda v: type(v) is str and v == q
    if kind is bool:
        return lambda v: v is q
    if kind is ObjectId:
        return lambda v: type(v) is ObjectId and v == q
    if kind in _NUMERIC and not (kind is float and math.isnan(q)):
        dec_q = Decimal(q) if not isinstance(q, float) or math.isfinite(q) else None
        return lambda v: ((type(v) in _NUMERIC and v == q)
                          or (type(v) is Decimal128 and dec_q is not None and v.to_decimal() == dec_q))
    key = order_key(q)
    return lambda v: v is not MISSING and order_key(v) == key


def _is_nan(value: Any) -> bool:
    num = number_value(value)
    return (isinstance(num, float) and math.isnan(num)) or (isinstance(num, Decimal) and num.is_nan())


def comparison(name: str, q: Any, path: str) -> ValuePredicate:
    if isinstance(q, _REGEX_TYPES):
        raise CommandError("BadValue", f"Can't have RegEx as arg to predicate over field '{path}'.")
    inclusive = name in ("$gte", "$lte")
    if q is None:
        return equality(None) if inclusive else (lambda v: False)
    if isinstance(q, (MinKey, MaxKey)):
        key = order_key(q)
        return _ordered(name, key, any_type=True)
    rank = type_rank(q)
    if rank == RANK_NUMBER:
        if _is_nan(q):
            return (lambda v: type_rank(v) == RANK_NUMBER and _is_nan(v)) if inclusive else (lambda v: False)
        num = number_value(q)
        test = _PY_COMPARE[name]

        def numeric(v: Any) -> bool:
            if type(v) in _NUMERIC:
                return test(v, num) if not (type(v) is float and math.isnan(v)) else False
            if type(v) is Decimal128 or isinstance(v, Decimal):
                d = number_value(v)
                return False if d.is_nan() else test(d, num)
            return False
        return numeric
    return _ordered(name, order_key(q), any_type=False)


_PY_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "$gt": lambda a, b: a > b, "$gte": lambda a, b: a >= b, "$lt": lambda a, b: a < b, "$lte": lambda a, b: a <= b,
}


def _ordered(name: str, key: tuple[Any, ...], any_type: bool) -> ValuePredicate:
    test = _PY_COMPARE[name]
    rank = key[0]

    def run(v: Any) -> bool:
        if v is MISSING:
            return False
        vk = order_key(v)
        if not any_type and vk[0] != rank:
            return False
        return test(vk, key)
    return run


_REGEX_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE, "u": 0}


def compile_regex(pattern: Any, options: str = "") -> tuple[re.Pattern[str], str, str]:
    """The compiled regex, its source and its option letters; 51108/51091 for bad options or patterns."""
    if isinstance(pattern, (Regex, re.Pattern)):
        options = options or regex_flags(pattern)
        pattern = pattern.pattern
    flags = 0
    for letter in options:
        if letter not in _REGEX_FLAGS:
            raise CommandError(51108, f"invalid flag in regex options: {letter}")
        flags |= _REGEX_FLAGS[letter]
    try:
        return re.compile(pattern, flags), pattern, options
    except re.error as exc:
        raise CommandError(51091, f"Regular expression is invalid: {exc}") from exc


def regex_predicate(pattern: Any, options: str = "") -> ValuePredicate:
    compiled, source, letters = compile_regex(pattern, options)
    sorted_letters = "".join(sorted(letters))
    search = compiled.search

    def run(v: Any) -> bool:
        if type(v) is str:
            return search(v) is not None
        if isinstance(v, _REGEX_TYPES):  # a stored regex matches a query regex equal to it
            return v.pattern == source and regex_flags(v) == sorted_letters
        return False
    return run


def _type_codes(spec: Any) -> set[int]:
    specs = spec if isinstance(spec, list) else [spec]
    codes: set[int] = set()
    for item in specs:
        if isinstance(item, str):
            if item == "number":
                codes.update((1, 16, 18, 19))
            elif item in TYPE_ALIASES:
                codes.add(TYPE_ALIASES[item])
            else:
                raise CommandError("BadValue", f"Unknown type name alias: {item}")
        elif type_rank(item) == RANK_NUMBER and not isinstance(item, bool):
            num = number_value(item)
            if num != int(num) or int(num) not in set(TYPE_ALIASES.values()):
                raise CommandError("BadValue", f"Invalid numerical type code: {render(item)}")
            codes.add(int(num))
        else:
            raise CommandError("TypeMismatch", "type must be represented as a number or a string")
    if not codes:
        raise CommandError("FailedToParse", "$type must match at least one type")
    return codes


def _mod_predicate(spec: Any) -> ValuePredicate:
    if not isinstance(spec, list):
        raise CommandError("BadValue", "malformed mod, needs to be an array")
    if len(spec) < 2:
        raise CommandError("BadValue", "malformed mod, not enough elements")
    if type_rank(spec[0]) != RANK_NUMBER:
        raise CommandError("BadValue", "malformed mod, divisor not a number")
    if type_rank(spec[1]) != RANK_NUMBER:
        raise CommandError("BadValue", "malformed mod, remainder not a number")
    if len(spec) > 2:
        raise CommandError("BadValue", "malformed mod, too many elements")
    divisor, remainder = int(number_value(spec[0])), int(number_value(spec[1]))
    if divisor == 0:
        raise CommandError("BadValue", "divisor cannot be 0")

    def run(v: Any) -> bool:
        if type_rank(v) != RANK_NUMBER or isinstance(v, bool):
            return False
        num = number_value(v)
        if (isinstance(num, float) and not math.isfinite(num)) or (isinstance(num, Decimal) and not num.is_finite()):
            return False
        dividend = int(num)
        result = abs(dividend) % abs(divisor)
        return (result if dividend >= 0 else -result) == remainder
    return run


def _bits_predicate(name: str, spec: Any) -> ValuePredicate:
    if isinstance(spec, list):
        mask = 0
        for position in spec:
            if type_rank(position) != RANK_NUMBER or number_value(position) < 0:
                raise CommandError("BadValue", f"Failed to parse bit position. Expected a non-negative number in: "
                                   f"0: {render(position)}")
            mask |= 1 << int(number_value(position))
    elif isinstance(spec, (bytes, Binary)):
        mask = int.from_bytes(bytes(spec), "little")
    elif type_rank(spec) == RANK_NUMBER and not isinstance(spec, bool):
        if number_value(spec) < 0 or number_value(spec) != int(number_value(spec)):
            raise CommandError("BadValue", f"Expected a non-negative integer in: {name}: {render(spec)}")
        mask = int(number_value(spec))
    else:
        raise CommandError("BadValue", f"{name} takes an Array, a number, or a BinData but received: "
                           f"{name}: {render(spec)}")

    def run(v: Any) -> bool:
        if isinstance(v, (bytes, Binary)):
            bits = int.from_bytes(bytes(v), "little")
        elif type_rank(v) == RANK_NUMBER and not isinstance(v, bool):
            num = number_value(v)
            if _is_nan(v) or num != int(num) or not -(1 << 63) <= int(num) < (1 << 63):
                return False
            bits = int(num)
        else:
            return False
        masked = bits & mask
        return {"$bitsAllSet": masked == mask, "$bitsAnySet": masked != 0, "$bitsAllClear": masked == 0,
                "$bitsAnyClear": masked != mask}[name]
    return run


def _size_value(spec: Any) -> int:
    if type_rank(spec) != RANK_NUMBER or isinstance(spec, bool):
        raise CommandError("BadValue", f"Failed to parse $size. Expected a number in: $size: {render(spec)}")
    num = number_value(spec)
    if num != int(num):
        raise CommandError("BadValue", f"Failed to parse $size. Expected an integer: $size: {render(spec)}")
    if num < 0:
        raise CommandError("BadValue", f"Failed to parse $size. Expected a positive number in: $size: {render(spec)}")
    return int(num)


# ---------------------------------------------------------------------------------------------- the compiler
class _Compiler:
    def __init__(self, variables: dict[str, Any] | None, expand: bool = True) -> None:
        self.variables = variables
        self.expand = expand

    def leaf(self, fn: ValuePredicate) -> CandidatePredicate:
        return leaf(fn, self.expand)

    def document(self, filter_doc: Any, level: int) -> Predicate:
        if not isinstance(filter_doc, dict):
            raise CommandError("BadValue", "$or/$and/$nor entries need to be full objects")
        preds: list[Predicate] = []
        for key, value in filter_doc.items():
            if key.startswith("$"):
                pred = self.pathless(key, value, level)
                if pred is not None:
                    preds.append(pred)
            else:
                preds.append(self.field(key, value))
        return _conjunction(preds) if preds else _always

    def pathless(self, key: str, value: Any, level: int) -> Predicate | None:
        if key in _TREE_OPERATORS:
            if not isinstance(value, list):
                raise CommandError("BadValue", f"{key} must be an array")
            if not value:
                raise CommandError("BadValue", "$and/$or/$nor must be a nonempty array")
            subs = []
            for entry in value:
                if not isinstance(entry, dict):
                    raise CommandError("BadValue", "$or/$and/$nor entries need to be full objects")
                subs.append(self.document(entry, level))
            if key == "$and":
                return _conjunction(subs)
            if key == "$or":
                return lambda doc: any(p(doc) for p in subs)
            return lambda doc: not any(p(doc) for p in subs)
        if key == "$comment":
            return None
        if key == "$expr":
            if level == _SUB:
                raise CommandError("BadValue", "$expr can only be applied to the top-level document")
            expressions.validate(value)
            user = self.variables

            def expr_pred(doc: Any) -> bool:
                return expressions.truthy(expressions.evaluate(value, doc, expressions.root_vars(doc, user)))
            return expr_pred
        if key == "$where":
            if level == _SUB:
                raise CommandError("BadValue", "$where can only be applied to the top-level document")
            raise CommandError("BadValue", "$where is not supported: the simulator has no JavaScript engine")
        if key == "$text":
            if level == _SUB:
                raise CommandError("BadValue", "$text can only be applied to the top-level document")
            raise CommandError("IndexNotFound", "text index required for $text query")
        if key == "$jsonSchema":
            if not isinstance(value, dict):
                raise CommandError("TypeMismatch", "$jsonSchema must be an object")
            from mongosim.query.schema import schema_predicate

            return schema_predicate(value)
        if key in ("$alwaysTrue", "$alwaysFalse"):
            if value != 1:
                raise CommandError("FailedToParse", f"{key} must be an integer value of 1")
            return _always if key == "$alwaysTrue" else (lambda doc: False)
        if key == "$sampleRate":
            if type_rank(value) != RANK_NUMBER:
                raise CommandError("BadValue", "argument to $sampleRate must be a numeric type")
            rate = float(number_value(value))
            if not 0.0 <= rate <= 1.0:
                raise CommandError("BadValue", "numeric argument to $sampleRate must be in [0, 1]")
            import random
            return lambda doc: random.random() < rate
        hint = (". If you are trying to negate an entire expression, use $nor." if key == "$not" else
                ". If you have a field name that starts with a '$' symbol, consider using $getField or $setField.")
        raise CommandError("BadValue", f"unknown top level operator: {key}{hint}")

    def field(self, path: str, value: Any) -> Predicate:
        cand_preds = self.value_predicates(path, value)
        if "." in path:
            parts = split(path)

            def getter(doc: Any) -> list[Any]:
                return candidates(doc, parts)
        else:
            def getter(doc: Any) -> list[Any]:
                return [doc.get(path, MISSING)] if type(doc) is dict else candidates(doc, (path,))
        if len(cand_preds) == 1:
            only = cand_preds[0]
            return lambda doc: only(getter(doc))
        return lambda doc: all(p(c) for c in (getter(doc),) for p in cand_preds)

    def value_predicates(self, path: str, value: Any) -> list[CandidatePredicate]:
        if is_operator_document(value):
            return self.operators(path, value)
        if isinstance(value, _REGEX_TYPES):
            return [self.leaf(regex_predicate(value))]
        return [self.leaf(equality(value))]

    def operators(self, path: str, spec: dict[str, Any]) -> list[CandidatePredicate]:
        preds: list[CandidatePredicate] = []
        for name, arg in spec.items():
            pred = self.operator(path, name, arg, spec)
            if pred is not None:
                preds.append(pred)
        return preds

    def operator(self, path: str, name: str, arg: Any, spec: dict[str, Any]) -> CandidatePredicate | None:
        if name == "$eq":
            return self.leaf(equality(arg))
        if name == "$ne":
            if isinstance(arg, _REGEX_TYPES):
                raise CommandError("BadValue", "Can't have regex as arg to $ne.")
            positive = self.leaf(equality(arg))
            return lambda cands: not positive(cands)
        if name in _PY_COMPARE:
            return self.leaf(comparison(name, arg, path))
        if name in ("$in", "$nin"):
            if not isinstance(arg, list):
                raise CommandError("BadValue", f"{name} needs an array")
            positive = self.leaf(self._in(arg))
            return positive if name == "$in" else (lambda cands: not positive(cands))
        if name == "$exists":
            def exists(cands: list[Any]) -> bool:
                return any(c is not MISSING for c in cands)
            return exists if expressions.truthy(arg) else (lambda cands: not exists(cands))
        if name == "$type":
            codes = _type_codes(arg)
            return self.leaf(lambda v: v is not MISSING and bson_type(v) in codes)
        if name == "$size":
            size = _size_value(arg)
            return lambda cands: any(type(c) is list and len(c) == size for c in cands)
        if name == "$mod":
            return self.leaf(_mod_predicate(arg))
        if name == "$regex":
            options = spec.get("$options", "")
            if not isinstance(arg, (str, Regex, re.Pattern)):
                raise CommandError("BadValue", "$regex has to be a string")
            if not isinstance(options, str):
                raise CommandError("BadValue", "$options has to be a string")
            if options and isinstance(arg, _REGEX_TYPES) and regex_flags(arg):
                raise CommandError(51075, "options set in both $regex and $options")
            return self.leaf(regex_predicate(arg, options))
        if name == "$options":
            if "$regex" not in spec:
                raise CommandError("BadValue", "$options needs a $regex")
            return None
        if name == "$not":
            return self._not(path, arg)
        if name == "$elemMatch":
            return self._elem_match(arg)
        if name == "$all":
            return self._all(path, arg)
        if name in ("$bitsAllSet", "$bitsAnySet", "$bitsAllClear", "$bitsAnyClear"):
            return self.leaf(_bits_predicate(name, arg))
        if name in _UNSUPPORTED:
            raise CommandError("BadValue", f"{name} is not supported by the simulator (no geospatial queries)")
        if name == "$where":
            raise CommandError("BadValue", "$where cannot be applied to a field")
        raise CommandError("BadValue", f"unknown operator: {name}")

    def _in(self, values: list[Any]) -> ValuePredicate:
        keys: set[Any] = set()
        regexes: list[ValuePredicate] = []
        for value in values:
            if is_operator_document(value):
                raise CommandError("BadValue", "cannot nest $ under $in")
            if isinstance(value, _REGEX_TYPES):
                regexes.append(regex_predicate(value))
            else:
                keys.add(order_key(value))  # order keys are equal exactly when MongoDB's equality holds
        strings = {k[1] for k in keys if k[0] == 15}

        def run(v: Any) -> bool:
            if type(v) is str and v in strings:
                return True
            if order_key(v) in keys:
                return True
            return any(r(v) for r in regexes)
        return run

    def _not(self, path: str, arg: Any) -> CandidatePredicate:
        if isinstance(arg, _REGEX_TYPES):
            positive = self.leaf(regex_predicate(arg))
            return lambda cands: not positive(cands)
        if not isinstance(arg, dict):
            raise CommandError("BadValue", "$not needs a regex or a document")
        if not arg:
            raise CommandError("BadValue", "$not cannot be empty")
        if not is_operator_document(arg):
            raise CommandError("BadValue", f"unknown operator: {next(iter(arg))}")
        inner = self.operators(path, arg)
        return lambda cands: not all(p(cands) for p in inner)

    def _elem_match(self, arg: Any) -> CandidatePredicate:
        if not isinstance(arg, dict):
            raise CommandError("BadValue", "$elemMatch needs an Object")
        if arg and next(iter(arg)).startswith("$") and next(iter(arg)) not in _PATHLESS:
            inner = _Compiler(self.variables, expand=False).operators("", arg)

            def element_ok(e: Any) -> bool:
                return all(p([e]) for p in inner)
        else:
            sub = self.document(arg, _SUB)

            def element_ok(e: Any) -> bool:
                return isinstance(e, dict) and sub(e)

        def run(cands: list[Any]) -> bool:
            return any(type(c) is list and any(element_ok(e) for e in c) for c in cands)
        return run

    def _all(self, path: str, arg: Any) -> CandidatePredicate:
        if not isinstance(arg, list):
            raise CommandError("BadValue", "$all needs an array")
        if not arg:
            return lambda cands: False
        first = arg[0]
        preds: list[CandidatePredicate] = []
        if isinstance(first, dict) and first and next(iter(first)) == "$elemMatch":
            for item in arg:
                if not isinstance(item, dict) or not item or next(iter(item)) != "$elemMatch":
                    raise CommandError("BadValue", "$all/$elemMatch has to be consistent")
                preds.append(self._elem_match(item["$elemMatch"]))
        else:
            for item in arg:
                if isinstance(item, _REGEX_TYPES):
                    preds.append(self.leaf(regex_predicate(item)))
                elif is_operator_document(item):
                    raise CommandError("BadValue", "no $ expressions in $all")
                else:
                    preds.append(self.leaf(equality(item)))
        return lambda cands: all(p(cands) for p in preds)
