"""Explain output in MongoDB 8.0's classic-engine shapes, and the query shape hashes.

``query_hashes(...)`` gives ``(planCacheShapeHash, planCacheKey)``: 8 uppercase hex digits, equal for queries
of the same shape (same fields, operators and sort/projection, any values), the key also depending on the
collection's indexes, as the server's plan cache key does. ``parsed_query`` normalizes a filter the way
explain prints it (``{a: 1}`` -> ``{a: {$eq: 1}}``, several predicates under ``$and``). ``plan_tree`` builds
winningPlan / executionStages from a storage ``Plan`` and the stages above it.
"""

from __future__ import annotations

import hashlib
import socket
import zlib
from typing import Any

from bson import encode

from mongosim import GIT_VERSION, MONGODB_VERSION
from mongosim.query.compare import type_rank
from mongosim.query.match import is_operator_document
from mongosim.storage.engine import Plan

SERVER_PARAMETERS = {
    "internalQueryFacetBufferSizeBytes": 104857600,
    "internalQueryFacetMaxOutputDocSizeBytes": 104857600,
    "internalLookupStageIntermediateDocumentMaxSizeBytes": 104857600,
    "internalDocumentSourceGroupMaxMemoryBytes": 104857600,
    "internalQueryMaxBlockingSortMemoryUsageBytes": 104857600,
    "internalQueryProhibitBlockingMergeOnMongoS": 0,
    "internalQueryMaxAddToSetBytes": 104857600,
    "internalDocumentSourceSetWindowFieldsMaxMemoryBytes": 104857600,
    "internalQueryFrameworkControl": "trySbeRestricted",
    "internalQueryPlannerIgnoreIndexWithCollationForRegex": 1,
}
VERBOSITIES = ("queryPlanner", "executionStats", "allPlansExecution")


def _shape(value: Any) -> Any:
    """The value with literals replaced by their type bracket: the part of a query its shape keeps."""
    if isinstance(value, dict):
        return {k: _shape(v) if k.startswith("$") or is_operator_document(v) or isinstance(v, dict)
                else ("?", type_rank(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value] if any(isinstance(v, dict) for v in value) else ["?"]
    return ("?", type_rank(value))


def _hex(data: Any) -> str:
    return f"{zlib.crc32(repr(data).encode()) & 0xFFFFFFFF:08X}"


def query_hashes(ns: str, filter_doc: dict[str, Any] | None, sort: dict[str, Any] | None = None,
                 projection: dict[str, Any] | None = None, indexes: list[str] | None = None) -> tuple[str, str]:
    shape = (ns, _shape(filter_doc or {}), sort or {}, _shape(projection or {}))
    return _hex(shape), _hex((shape, sorted(indexes or [])))


def parsed_query(filter_doc: dict[str, Any] | None) -> dict[str, Any]:
    preds: list[dict[str, Any]] = []
    for key, value in (filter_doc or {}).items():
        if key == "$comment":
            continue
        if key in ("$and", "$or", "$nor") and isinstance(value, list):
            subs = [parsed_query(v) if isinstance(v, dict) else v for v in value]
            if key == "$and":
                for sub in subs:
                    preds.extend(sub["$and"] if isinstance(sub, dict) and list(sub) == ["$and"] else [sub])
            else:
                preds.append({key: subs})
        elif key.startswith("$"):
            preds.append({key: value})
        elif is_operator_document(value):
            for name, arg in value.items():
                if name == "$options":
                    continue
                if name == "$regex" and "$options" in value:
                    preds.append({key: {"$regex": arg, "$options": value["$options"]}})
                else:
                    preds.append({key: {name: arg}})
        elif type_rank(value) == 50:
            preds.append({key: {"$regex": value.pattern}})
        else:
            preds.append({key: {"$eq": value}})
    if not preds:
        return {}
    if len(preds) == 1:
        return preds[0]
    return {"$and": preds}


def scan_stage(plan: Plan, filter_doc: dict[str, Any] | None,
               index_spec: dict[str, Any] | None = None) -> dict[str, Any]:
    """The leaf of winningPlan for a storage plan (COLLSCAN, FETCH over IXSCAN, EXPRESS_IXSCAN, EOF)."""
    parsed = parsed_query(filter_doc)
    if plan.stage == "COLLSCAN":
        stage: dict[str, Any] = {"stage": "COLLSCAN"}
        if parsed:
            stage["filter"] = parsed
        stage["direction"] = plan.direction
        return stage
    if plan.stage == "EXPRESS_IXSCAN":
        return {"stage": "EXPRESS_IXSCAN", "keyPattern": "{ _id: 1 }", "indexName": "_id_"}
    if plan.stage == "EOF":
        return {"stage": "EOF"}
    spec = plan.index_spec or index_spec or {}
    ixscan = {"stage": plan.stage, "keyPattern": plan.key_pattern, "indexName": plan.index_name,
              "isMultiKey": bool(spec.get("multikey", False)),
              "multiKeyPaths": {k: [] for k in (plan.key_pattern or {})},
              "isUnique": bool(spec.get("unique", False)), "isSparse": bool(spec.get("sparse", False)),
              "isPartial": "partialFilterExpression" in spec, "indexVersion": spec.get("v", 2),
              "direction": plan.direction, "indexBounds": plan.bounds}
    fetch: dict[str, Any] = {"stage": "FETCH"}
    if parsed:
        fetch["filter"] = parsed
    fetch["inputStage"] = ixscan
    return fetch


def wrap(stage: str, inner: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"stage": stage, **fields, "inputStage": inner}


def find_plan(plan: Plan, filter_doc: dict[str, Any] | None, sort: dict[str, Any] | None, skip: int,
              limit: int | None, projection: dict[str, Any] | None, sorted_in_memory: bool) -> dict[str, Any]:
    tree = scan_stage(plan, filter_doc)
    if plan.stage == "EXPRESS_IXSCAN":
        return tree
    if sort and sorted_in_memory:
        fields: dict[str, Any] = {"sortPattern": sort, "memLimit": 104857600}
        if limit:
            fields["limitAmount"] = limit + skip
        fields["type"] = "simple"
        tree = wrap("SORT", tree, **fields)
    if skip:
        tree = wrap("SKIP", tree, skipAmount=skip)
    if limit and not (sort and sorted_in_memory):
        tree = wrap("LIMIT", tree, limitAmount=limit)
    if projection:
        simple = all(isinstance(v, (int, float, bool)) for v in projection.values()) and \
            not any("." in k for k in projection)
        tree = wrap("PROJECTION_SIMPLE" if simple else "PROJECTION_DEFAULT", tree, transformBy=projection)
    return tree


def execution_stages(tree: dict[str, Any], n_returned: int, docs_examined: int, keys_examined: int,
                     millis: int) -> dict[str, Any]:
    """executionStages: the plan tree annotated with per-stage counters."""
    out: dict[str, Any] = {}
    works = max(docs_examined, keys_examined) + 1
    for key, value in tree.items():
        if key == "inputStage":
            continue
        out[key] = value
    stage = tree["stage"]
    out.update({"nReturned": n_returned, "executionTimeMillisEstimate": millis, "works": works,
                "advanced": n_returned, "needTime": max(0, works - n_returned - 1), "needYield": 0,
                "saveState": 0, "restoreState": 0, "isEOF": 1})
    if stage in ("COLLSCAN", "FETCH"):
        out["docsExamined"] = docs_examined
    if stage == "FETCH":
        out["alreadyHasObj"] = 0
    if stage in ("IXSCAN", "EXPRESS_IXSCAN"):
        out["keysExamined"] = keys_examined
        if stage == "EXPRESS_IXSCAN":
            out["docsExamined"] = docs_examined
        else:
            out.update({"seeks": 1, "dupsTested": 0, "dupsDropped": 0})
    if "inputStage" in tree:
        passes_through = stage in ("PROJECTION_SIMPLE", "PROJECTION_DEFAULT", "LIMIT")
        inner_returned = n_returned if passes_through else docs_examined
        if stage == "FETCH":
            inner_returned = keys_examined
        out["inputStage"] = execution_stages(tree["inputStage"], inner_returned, docs_examined, keys_examined,
                                             millis)
    return out


def server_info(ctx: Any) -> dict[str, Any]:
    return {"host": socket.gethostname(), "port": ctx.server.bound_port or ctx.server.config.port,
            "version": MONGODB_VERSION, "gitVersion": GIT_VERSION}


def query_planner(ns: str, filter_doc: dict[str, Any] | None, winning: dict[str, Any], plan_hash: str,
                  cache_key: str) -> dict[str, Any]:
    return {"namespace": ns, "parsedQuery": parsed_query(filter_doc), "indexFilterSet": False,
            "queryHash": plan_hash, "planCacheShapeHash": plan_hash, "planCacheKey": cache_key,
            "optimizationTimeMillis": 0, "maxIndexedOrSolutionsReached": False,
            "maxIndexedAndSolutionsReached": False, "maxScansToExplodeReached": False,
            "prunedSimilarIndexes": False, "winningPlan": {"isCached": False, **winning}, "rejectedPlans": []}


def explain_document(ctx: Any, verbosity: str, planner: dict[str, Any] | None, execution: dict[str, Any] | None,
                     command: dict[str, Any], stages: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"explainVersion": "1"}
    if stages is not None:
        out["stages"] = stages
    else:
        out["queryPlanner"] = planner
        if verbosity != "queryPlanner" and execution is not None:
            if verbosity == "allPlansExecution":
                execution = {**execution, "allPlansExecution": []}
            out["executionStats"] = execution
    out["queryShapeHash"] = hashlib.sha256(repr(("shape", _shape(command.get("filter") or {}),
                                                 command.get("sort"))).encode()).hexdigest().upper()
    out["command"] = command
    out["serverInfo"] = server_info(ctx)
    out["serverParameters"] = dict(SERVER_PARAMETERS)
    return out


def bson_size(doc: dict[str, Any]) -> int:
    return len(encode(doc))
