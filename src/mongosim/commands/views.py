"""Reads through views, as MongoDB 8.0 runs them.

A view is ``{_id: "<db>.<view>", viewOn, pipeline}`` in ``<db>.system.views``. ``resolve`` follows ``viewOn``
down to the collection at the bottom (at most 20 views deep: ViewDepthLimitExceeded), the pipelines
concatenated source-first, giving a ``ResolvedView`` ``{ns, pipeline}``. A read on a view is an aggregation on
that collection with the view's pipeline in front: ``aggregate`` appends its own pipeline; ``find``, ``count``
and ``distinct`` are first rewritten as aggregations (``find_as_aggregate`` and friends, with MongoDB's
refusals of find options an aggregation cannot express) and their replies rebuilt from its results. The cursor
of a read on a view is named after the view.

On a shard, a versioned read (from a router) of a view whose collection is sharded cannot be answered by one
shard: it fails with CommandOnShardedViewNotSupportedOnMongod (169) carrying ``resolvedView`` {ns, pipeline},
and the router runs the resolved aggregation across the shards (``ResolvedView.from_error``). A view on an
unsharded collection is answered by the database's primary shard itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mongosim import errors
from mongosim.errors import CommandError
from mongosim.query.compare import RANK_NUMBER, number_value, type_rank

if TYPE_CHECKING:
    from mongosim.server import Server

VIEWS = "system.views"
MAX_VIEW_DEPTH = 20
# The reads a view answers (writes to a view are refused elsewhere, with CommandNotSupportedOnView).
VIEW_READS = frozenset({"find", "aggregate", "count", "distinct"})
SHARDED_VIEW_CODE = 169

for _name, _code in (("ViewDepthLimitExceeded", 149), ("InvalidPipelineOperator", 168),
                     ("CommandOnShardedViewNotSupportedOnMongod", SHARDED_VIEW_CODE)):
    errors.CODES.setdefault(_name, _code)
    errors.NAMES.setdefault(_code, _name)


@dataclass(frozen=True)
class ResolvedView:
    ns: str
    pipeline: list[Any] = field(default_factory=list)
    collation: dict[str, Any] | None = None

    @property
    def collection(self) -> str:
        return self.ns.partition(".")[2]

    def to_document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"ns": self.ns, "pipeline": list(self.pipeline)}
        if self.collation:
            doc["collation"] = self.collation
        return doc

    def sharded_error(self) -> CommandError:
        """What a shard answers for a read of a view whose collection is sharded (the router resolves it)."""
        return CommandError("CommandOnShardedViewNotSupportedOnMongod", "Resolved views on sharded collections "
                            "must be executed by mongos", resolvedView=self.to_document())

    @classmethod
    def from_error(cls, exc: CommandError) -> ResolvedView | None:
        """The resolved view a shard's error 169 carries, None for any other error."""
        doc = exc.extra.get("resolvedView") if exc.code == SHARDED_VIEW_CODE else None
        if not isinstance(doc, dict) or not isinstance(doc.get("ns"), str) \
                or not isinstance(doc.get("pipeline"), list):
            return None
        collation = doc.get("collation")
        return cls(doc["ns"], list(doc["pipeline"]), collation if isinstance(collation, dict) else None)


def view_definition(server: Server, db: str, name: str) -> dict[str, Any] | None:
    storage = server.storage
    views = storage.get_collection(db, VIEWS) if storage is not None else None
    doc = views.get(f"{db}.{name}") if views is not None else None
    return dict(doc) if doc is not None else None


def resolve(server: Server, db: str, name: str) -> ResolvedView | None:
    """The collection under view ``db.name`` and the pipeline that reads it; None when it is not a view."""
    definition = view_definition(server, db, name)
    if definition is None:
        return None
    collation = definition.get("collation")
    pipeline: list[Any] = []
    depth = 0
    source = name
    while definition is not None:
        depth += 1
        if depth > MAX_VIEW_DEPTH:
            raise CommandError("ViewDepthLimitExceeded", f"View depth too deep or view cycle detected; maximum "
                               f"depth is {MAX_VIEW_DEPTH}")
        pipeline = [*(definition.get("pipeline") or []), *pipeline]
        source = str(definition.get("viewOn"))
        definition = view_definition(server, db, source)
    return ResolvedView(f"{db}.{source}", pipeline, collation if isinstance(collation, dict) else None)


# ---------------------------------------------------------------------------------------------- rewrites
# Fields of find, count and distinct that the rewrite turns into stages (or refuses); every other field — hint,
# maxTimeMS, readConcern, collation, let, comment, the session and routing fields — goes with the aggregation.
_FIND_ONLY = frozenset({"find", "filter", "projection", "sort", "skip", "limit", "batchSize", "singleBatch",
                        "min", "max", "returnKey", "showRecordId", "tailable", "awaitData", "noCursorTimeout",
                        "allowPartialResults", "oplogReplay", "ntoreturn"})
_COUNT_ONLY = frozenset({"count", "query", "skip", "limit", "fields"})
_DISTINCT_ONLY = frozenset({"distinct", "key", "query"})


def _refuse(option: str) -> CommandError:
    return CommandError("InvalidPipelineOperator", f"Option {option} not supported in aggregation.")


def _number(value: Any) -> int | None:
    if value is None or type_rank(value) != RANK_NUMBER or isinstance(value, bool):
        return None
    return int(number_value(value))


def find_as_aggregate(cmd: dict[str, Any]) -> dict[str, Any]:
    """The aggregation a find on a view runs (the view's pipeline not included): $match, $sort, $skip,
    $limit and $project from the find's options. Options an aggregation cannot express are refused."""
    for option in ("min", "max"):
        if cmd.get(option):
            raise _refuse(option)
    for option in ("returnKey", "showRecordId", "tailable", "noCursorTimeout", "allowPartialResults"):
        if cmd.get(option):
            raise _refuse(option)
    limit = _number(cmd.get("limit"))
    # singleBatch is accepted with limit 1, so that findOne works on a view.
    if cmd.get("singleBatch") and limit != 1:
        raise _refuse("singleBatch")
    pipeline: list[dict[str, Any]] = []
    if cmd.get("filter"):
        pipeline.append({"$match": cmd["filter"]})
    if cmd.get("sort"):
        pipeline.append({"$sort": cmd["sort"]})
    skip = _number(cmd.get("skip"))
    if skip:
        pipeline.append({"$skip": skip})
    if limit:
        pipeline.append({"$limit": limit})
    if cmd.get("projection"):
        pipeline.append({"$project": cmd["projection"]})
    cursor: dict[str, Any] = {}
    if cmd.get("batchSize") is not None:
        cursor["batchSize"] = cmd["batchSize"]
    return {"aggregate": cmd["find"], "pipeline": pipeline, "cursor": cursor,
            **{k: v for k, v in cmd.items() if k not in _FIND_ONLY}}


def count_as_aggregate(cmd: dict[str, Any]) -> dict[str, Any]:
    """count on a view: $match, $skip, $limit, then ``{$count: "count"}``."""
    pipeline: list[dict[str, Any]] = []
    if cmd.get("query"):
        pipeline.append({"$match": cmd["query"]})
    skip = _number(cmd.get("skip"))
    if skip:
        pipeline.append({"$skip": skip})
    limit = _number(cmd.get("limit"))
    if limit:
        pipeline.append({"$limit": abs(limit)})
    pipeline.append({"$count": "count"})
    return {"aggregate": cmd["count"], "pipeline": pipeline, "cursor": {},
            **{k: v for k, v in cmd.items() if k not in _COUNT_ONLY}}


def distinct_as_aggregate(cmd: dict[str, Any]) -> dict[str, Any]:
    """distinct on a view: $match, an $unwind of every prefix of the key (arrays contribute their elements,
    documents without an array keep going), then one $group collecting the values with $addToSet."""
    key = str(cmd.get("key", ""))
    pipeline: list[dict[str, Any]] = []
    if cmd.get("query"):
        pipeline.append({"$match": cmd["query"]})
    parts = key.split(".")
    for i in range(1, len(parts) + 1):
        pipeline.append({"$unwind": {"path": "$" + ".".join(parts[:i]), "preserveNullAndEmptyArrays": True}})
    pipeline.append({"$group": {"_id": None, "distinct": {"$addToSet": f"${key}"}}})
    return {"aggregate": cmd["distinct"], "pipeline": pipeline, "cursor": {},
            **{k: v for k, v in cmd.items() if k not in _DISTINCT_ONLY}}


def count_reply(results: list[dict[str, Any]]) -> dict[str, Any]:
    return {"n": int(results[0].get("count", 0)) if results else 0}


def distinct_reply(results: list[dict[str, Any]]) -> dict[str, Any]:
    return {"values": list(results[0].get("distinct") or []) if results else []}
