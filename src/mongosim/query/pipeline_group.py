"""Grouping stages: $group with its accumulators, $bucket and $sortByCount.

Groups come out in the order their keys were first seen (MongoDB leaves $group output order unspecified).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

from mongosim.errors import CommandError
from mongosim.query import expr as expressions
from mongosim.query.compare import MISSING, compare, is_number, number_value, order_key
from mongosim.query.expr_arith import avg_values, extreme, sum_values
from mongosim.query.pipeline import Docs, PipelineEnv, stage
from mongosim.query.sort import sort_documents


class Accumulator:
    """One output field of a group: collects values, then produces the result."""

    def __init__(self, name: str, arg: Any) -> None:
        self.name = name
        self.arg = arg
        self.values: list[Any] = []
        self.seen: set[Any] = set()
        self.first: Any = MISSING
        self.count = 0

    def add(self, value: Any) -> None:
        name = self.name
        self.count += 1
        if name in ("$first", "$last"):
            if name == "$last" or self.count == 1:
                self.first = value
            return
        if value is MISSING:
            return
        if name == "$addToSet":
            key = order_key(value)
            if key in self.seen:
                return
            self.seen.add(key)
        self.values.append(value)

    def result(self) -> Any:
        name, values = self.name, self.values
        if name in ("$sum", "$count"):
            return sum_values(values)
        if name == "$avg":
            return avg_values(values)
        if name in ("$min", "$max"):
            return extreme([v for v in values if v is not None], -1 if name == "$min" else 1)
        if name in ("$first", "$last"):
            return expressions.null_if_missing(self.first)
        if name in ("$push", "$addToSet"):
            return list(values)
        if name == "$mergeObjects":
            out: dict[str, Any] = {}
            for value in values:
                if isinstance(value, dict):
                    out.update(value)
            return out
        if name in ("$stdDevPop", "$stdDevSamp"):
            numbers = [float(number_value(v)) for v in values if is_number(v) and not isinstance(v, bool)]
            n = len(numbers) - (1 if name == "$stdDevSamp" else 0)
            if n <= 0 or not numbers:
                return None
            mean = sum(numbers) / len(numbers)
            return math.sqrt(sum((x - mean) ** 2 for x in numbers) / n)
        if name in ("$firstN", "$lastN", "$maxN", "$minN"):
            n = int(number_value(expressions.evaluate(self.arg["n"], {})))
            if name == "$firstN":
                return values[:n]
            if name == "$lastN":
                return values[-n:]
            ordered = sorted(values, key=order_key, reverse=name == "$maxN")
            return [v for v in ordered if v is not None][:n]
        raise CommandError(15952, f"unknown group operator '{name}'")


_ACCUMULATORS = frozenset({"$sum", "$avg", "$min", "$max", "$first", "$last", "$push", "$addToSet",
                           "$mergeObjects", "$stdDevPop", "$stdDevSamp", "$count", "$firstN", "$lastN",
                           "$maxN", "$minN"})


def _accumulator_specs(spec: dict[str, Any], skip: str | None) -> list[tuple[str, str, Any]]:
    fields = []
    for field, acc in spec.items():
        if field == skip:
            continue
        if "." in field:
            raise CommandError(40235, f"The field name '{field}' cannot contain '.'")
        if not isinstance(acc, dict) or len(acc) != 1:
            raise CommandError(40234, f"The field '{field}' must be an accumulator object")
        name, arg = next(iter(acc.items()))
        if name not in _ACCUMULATORS:
            raise CommandError(15952, f"unknown group operator '{name}'")
        if name == "$count" and arg != {}:
            raise CommandError(2, "$count takes no arguments, i.e. $count:{}")
        expressions.validate(arg)
        fields.append((field, name, arg))
    return fields


def _value_of(name: str, arg: Any, doc: dict[str, Any], variables: dict[str, Any]) -> Any:
    if name == "$count":
        return 1
    if name in ("$firstN", "$lastN", "$maxN", "$minN"):
        return expressions.evaluate(arg["input"], doc, variables)
    return expressions.evaluate(arg, doc, variables)


def group_documents(docs: Docs, key_of: Callable[[dict[str, Any], dict[str, Any]], Any],
                    fields: list[tuple[str, str, Any]], env: PipelineEnv) -> list[tuple[Any, list[Accumulator]]]:
    groups: dict[Any, tuple[Any, list[Accumulator]]] = {}
    for doc in docs:
        variables = expressions.root_vars(doc, env.variables)
        key = key_of(doc, variables)
        hashed = order_key(key)
        entry = groups.get(hashed)
        if entry is None:
            entry = groups[hashed] = (key, [Accumulator(name, arg) for _, name, arg in fields])
        for (_, name, arg), acc in zip(fields, entry[1], strict=True):
            acc.add(_value_of(name, arg, doc, variables))
    return list(groups.values())


@stage("$group")
def _group(docs: Docs, spec: Any, env: PipelineEnv) -> list[dict[str, Any]]:
    if not isinstance(spec, dict):
        raise CommandError(15947, "a group's fields must be specified in an object")
    if "_id" not in spec:
        raise CommandError(15955, "a group specification must include an _id")
    id_expr = spec["_id"]
    expressions.validate(id_expr)
    fields = _accumulator_specs(spec, "_id")

    def key_of(doc: dict[str, Any], variables: dict[str, Any]) -> Any:
        return expressions.null_if_missing(expressions.evaluate(id_expr, doc, variables))

    out = []
    for key, accs in group_documents(docs, key_of, fields, env):
        result: dict[str, Any] = {"_id": key}
        for (field, _, _), acc in zip(fields, accs, strict=True):
            result[field] = acc.result()
        out.append(result)
    return out


@stage("$sortByCount")
def _sort_by_count(docs: Docs, spec: Any, env: PipelineEnv) -> list[dict[str, Any]]:
    if isinstance(spec, dict) and (not spec or not next(iter(spec)).startswith("$")):
        raise CommandError(40147, "the sortKey specification must be an expression")
    if not isinstance(spec, (dict, str)) or (isinstance(spec, str) and not spec.startswith("$")):
        raise CommandError(40148, "the sortKey specification must be an expression")
    grouped = _group(docs, {"_id": spec, "count": {"$sum": 1}}, env)
    return sort_documents(grouped, {"count": -1})


@stage("$bucket")
def _bucket(docs: Docs, spec: Any, env: PipelineEnv) -> list[dict[str, Any]]:
    if not isinstance(spec, dict):
        raise CommandError(40201, "Argument to $bucket stage must be an object")
    for key in spec:
        if key not in ("groupBy", "boundaries", "default", "output"):
            raise CommandError(40197, f"Unrecognized option to $bucket: {key}.")
    if "groupBy" not in spec or "boundaries" not in spec:
        raise CommandError(40198, "$bucket requires 'groupBy' and 'boundaries' to be specified.")
    boundaries = spec["boundaries"]
    if not isinstance(boundaries, list) or len(boundaries) < 2:
        raise CommandError(40192, "The $bucket 'boundaries' field must have at least 2 values, but found "
                           f"{len(boundaries) if isinstance(boundaries, list) else 0} value(s).")
    for low, high in itertools.pairwise(boundaries):
        if order_key(low)[0] != order_key(high)[0]:
            raise CommandError(40193, "All values in the the 'boundaries' option to $bucket must have the same "
                               "type.")
        if compare(low, high) >= 0:
            raise CommandError(40194, "The 'boundaries' option to $bucket must be sorted in ascending order")
    has_default = "default" in spec
    default = spec.get("default")
    if has_default and compare(default, boundaries[0]) >= 0 and compare(default, boundaries[-1]) < 0:
        raise CommandError(40199, "The $bucket 'default' field must be less than the lowest boundary or greater "
                           "than or equal to the highest boundary.")
    output = spec.get("output", {"count": {"$sum": 1}})
    fields = _accumulator_specs(output, None)
    group_by = spec["groupBy"]
    expressions.validate(group_by)

    def key_of(doc: dict[str, Any], variables: dict[str, Any]) -> Any:
        value = expressions.null_if_missing(expressions.evaluate(group_by, doc, variables))
        if compare(value, boundaries[0]) >= 0 and compare(value, boundaries[-1]) < 0:
            for low, high in itertools.pairwise(boundaries):
                if compare(value, high) < 0:
                    return low
        if not has_default:
            raise CommandError(40066, "$switch could not find a matching branch for an input, and no default was "
                               "specified.")
        return default

    groups = group_documents(docs, key_of, fields, env)
    index = {order_key(b): i for i, b in enumerate(boundaries)}
    groups.sort(key=lambda g: index.get(order_key(g[0]), len(boundaries)))
    out = []
    for key, accs in groups:
        result: dict[str, Any] = {"_id": key}
        for (field, _, _), acc in zip(fields, accs, strict=True):
            result[field] = acc.result()
        out.append(result)
    return out
