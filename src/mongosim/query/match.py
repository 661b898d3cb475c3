"""Filter matching: ``matcher(filter)`` compiles a query filter into a predicate over documents.

Contract: ``matcher(filter_doc, variables=None) -> Callable[[dict], bool]``. The filter is validated when it is
compiled and an invalid one raises ``CommandError`` with the server's code and message (BadValue 2 "unknown
operator: $foo", "$in needs an array", ...). ``variables`` are the command's ``let`` values for ``$expr``.

Semantics follow the server's match expressions: a path reaches every value through arrays (``query.paths``),
a leaf predicate is tried on the value and, when the value is an array, on each element; negations ($ne, $nin,
$not, $exists: false) negate the whole path predicate. What each operator tests on one value ($eq, $gt,
$regex, $type, $mod, $bits*, $size) lives in ``match_values``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bson.regex import Regex

from mongosim.errors import CommandError
from mongosim.query import expr as expressions
from mongosim.query.compare import MISSING, RANK_NUMBER, bson_type, number_value, order_key, regex_flags, type_rank
from mongosim.query.match_values import (
    COMPARISONS,
    REGEX_TYPES,
    ValuePredicate,
    bits_predicate,
    comparison,
    equality,
    mod_predicate,
    regex_predicate,
    size_value,
    type_codes,
)
from mongosim.query.paths import candidates, split

Predicate = Callable[[Any], bool]
CandidatePredicate = Callable[[list[Any]], bool]

_TOP, _USER, _SUB = 0, 1, 2
_TREE_OPERATORS = ("$and", "$or", "$nor")
_PATHLESS = frozenset({"$and", "$or", "$nor", "$expr", "$where", "$text", "$comment", "$jsonSchema",
                       "$alwaysTrue", "$alwaysFalse", "$sampleRate"})
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
        if isinstance(value, REGEX_TYPES):
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
            if isinstance(arg, REGEX_TYPES):
                raise CommandError("BadValue", "Can't have regex as arg to $ne.")
            positive = self.leaf(equality(arg))
            return lambda cands: not positive(cands)
        if name in COMPARISONS:
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
            codes = type_codes(arg)
            return self.leaf(lambda v: v is not MISSING and bson_type(v) in codes)
        if name == "$size":
            size = size_value(arg)
            return lambda cands: any(type(c) is list and len(c) == size for c in cands)
        if name == "$mod":
            return self.leaf(mod_predicate(arg))
        if name == "$regex":
            options = spec.get("$options", "")
            if not isinstance(arg, (str, Regex, re.Pattern)):
                raise CommandError("BadValue", "$regex has to be a string")
            if not isinstance(options, str):
                raise CommandError("BadValue", "$options has to be a string")
            if options and isinstance(arg, REGEX_TYPES) and regex_flags(arg):
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
            return self.leaf(bits_predicate(name, arg))
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
            if isinstance(value, REGEX_TYPES):
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
        if isinstance(arg, REGEX_TYPES):
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
                if isinstance(item, REGEX_TYPES):
                    preds.append(self.leaf(regex_predicate(item)))
                elif is_operator_document(item):
                    raise CommandError("BadValue", "no $ expressions in $all")
                else:
                    preds.append(self.leaf(equality(item)))
        return lambda cands: all(p(cands) for p in preds)
