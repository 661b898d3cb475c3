"""Scanning a collection for a filter through the storage engine's chosen plan, keeping the execution counters
(keysExamined, docsExamined) that explain, the slow query log and serverStatus report.

Contract: ``scan(ctx, coll, filter_doc, hint=None, sort=None, variables=None)`` returns a ``Scan``:
``scan.documents`` yields the stored documents that match, in plan order (callers copy before changing them);
``scan.plan`` describes the plan; ``scan.keys_examined`` / ``scan.docs_examined`` grow as documents are pulled,
and so do serverStatus' ``metrics.queryExecutor.scanned`` / ``scannedObjects``. A missing collection yields
nothing with an ``EOF`` plan. The filter is compiled (and validated) before the plan is chosen.

An equality on ``_id`` alone (``{_id: <value>}``, no hint) is the express path: one hash lookup
(``Collection.get``), planSummary ``EXPRESS_IXSCAN { _id: 1 }``, as MongoDB 8.0's express executor.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bson.regex import Regex

from mongosim.context import CommandContext
from mongosim.query.match import Predicate, is_operator_document, matcher
from mongosim.storage.engine import Collection, Plan

ID_PATTERN = {"_id": 1}


@dataclass
class Scan:
    plan: Plan
    documents: Iterator[dict[str, Any]] = field(default_factory=lambda: iter(()))
    keys_examined: int = 0
    docs_examined: int = 0
    filter_doc: dict[str, Any] | None = None
    variables: dict[str, Any] | None = None
    _predicate: Predicate | None = None

    @property
    def predicate(self) -> Predicate:
        """The compiled filter; compiled on first use, as the express path never needs it."""
        if self._predicate is None:
            self._predicate = matcher(self.filter_doc, self.variables)
        return self._predicate


def express_id(filter_doc: dict[str, Any] | None) -> tuple[bool, Any]:
    """(True, value) when the filter is exactly an equality on ``_id`` that one lookup answers."""
    if not filter_doc or len(filter_doc) != 1 or "_id" not in filter_doc:
        return False, None
    value = filter_doc["_id"]
    if isinstance(value, dict):
        if is_operator_document(value):
            if len(value) == 1 and "$eq" in value and not isinstance(value["$eq"], (dict, list, Regex, re.Pattern)):
                return True, value["$eq"]
            return False, None
        return True, value
    if isinstance(value, (list, Regex, re.Pattern)) or value is None:
        return False, None  # arrays, regexes and null match by other rules than a point lookup
    return True, value


def scan(ctx: CommandContext | None, coll: Collection | None, filter_doc: dict[str, Any] | None,
         hint: Any = None, sort: dict[str, Any] | None = None,
         variables: dict[str, Any] | None = None) -> Scan:
    stats = ctx.server.stats if ctx is not None else None
    if coll is None:
        return Scan(Plan.eof(), filter_doc=filter_doc, variables=variables, _predicate=matcher(filter_doc, variables))
    express, id_value = express_id(filter_doc) if hint is None else (False, None)
    if express:
        found = _express(coll, id_value, stats, filter_doc)
        if ctx is not None and ctx.shard_filter is not None and ctx.shard_filter[0] == coll.ns:
            found.documents = filter(ctx.shard_filter[1], found.documents)
        return found
    predicate = matcher(filter_doc, variables)  # compiled (and validated) before the plan is chosen
    if ctx is not None and ctx.shard_filter is not None and ctx.shard_filter[0] == coll.ns:
        # SHARDING_FILTER: a versioned operation on a sharded collection skips orphaned documents.
        predicate = _sharding_filter(predicate, ctx.shard_filter[1])
    plan = coll.plan(filter_doc or {}, hint=hint, sort=sort)
    if stats is not None and plan.stage == "COLLSCAN":
        stats.collection_scans += 1
        if not (ctx is not None and ctx.cmd.get("tailable")):
            stats.collection_scans_nontailable += 1
    result = Scan(plan, filter_doc=filter_doc, variables=variables, _predicate=predicate)

    def generate() -> Iterator[dict[str, Any]]:
        keys_before = 0
        for doc in plan.candidates:
            result.docs_examined += 1
            if stats is not None:
                stats.docs_examined += 1
                if plan.keys_examined != keys_before:
                    stats.keys_examined += plan.keys_examined - keys_before
                    keys_before = plan.keys_examined
            result.keys_examined = plan.keys_examined
            if predicate(doc):
                yield doc
        result.keys_examined = plan.keys_examined
        if stats is not None and plan.keys_examined != keys_before:
            stats.keys_examined += plan.keys_examined - keys_before

    result.documents = generate()
    return result


def _sharding_filter(predicate: Predicate, owned: Any) -> Predicate:
    def filtered(doc: dict[str, Any]) -> bool:
        return bool(predicate(doc)) and bool(owned(doc))
    return filtered


def _express(coll: Collection, id_value: Any, stats: Any, filter_doc: dict[str, Any] | None) -> Scan:
    doc = coll.get(id_value)
    plan = Plan("EXPRESS_IXSCAN", iter(() if doc is None else (doc,)), index_name="_id_",
                key_pattern=dict(ID_PATTERN), bounds={"_id": []}, keys_examined=1 if doc is not None else 0)
    found = 1 if doc is not None else 0
    if stats is not None:
        stats.keys_examined += found
        stats.docs_examined += found
    result = Scan(plan, keys_examined=found, docs_examined=found, filter_doc=filter_doc)
    result.documents = plan.candidates
    return result
