"""Aggregation pipelines: ``run_pipeline(docs, pipeline, env)`` applies stages to a stream of documents.

``validate_pipeline`` checks the shape first, as the server parses the whole pipeline before running it:
each stage is an object with exactly one field (40323), names are known (40324 "Unrecognized pipeline stage
name: '$foo'"), $out/$merge come last, and the first-stage-only sources ($collStats, $indexStats, $currentOp,
$documents, $listSessions, $listLocalSessions) come first. Source stages are resolved by the aggregate command
(``commands/read_aggregate.py``); this module runs the document-transforming stages, grouping lives in
``pipeline_group`` and the stages that read or write other collections in ``pipeline_io``. Documents handed
in are never mutated: stages build new documents.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bson.int64 import Int64

from mongosim.errors import CommandError
from mongosim.query import expr as expressions
from mongosim.query.compare import MISSING, RANK_NUMBER, number_value, render, type_name, type_rank
from mongosim.query.match import matcher
from mongosim.query.paths import get_path
from mongosim.query.project import projector
from mongosim.query.sort import sort_documents, validate_sort

if TYPE_CHECKING:
    from mongosim.context import CommandContext
    from mongosim.storage.engine import Collection

Docs = Iterable[dict[str, Any]]

SOURCE_STAGES = frozenset({"$collStats", "$indexStats", "$currentOp", "$documents", "$listSessions",
                           "$listLocalSessions", "$changeStream", "$planCacheStats", "$listSearchIndexes",
                           "$listCatalog", "$queryStats", "$shardedDataDistribution"})
WRITE_STAGES = frozenset({"$out", "$merge"})
_UNSUPPORTED = frozenset({"$setWindowFields", "$densify", "$fill", "$geoNear", "$search", "$searchMeta",
                          "$vectorSearch", "$redact", "$bucketAuto", "$changeStreamSplitLargeEvent",
                          "$planCacheStats", "$listSearchIndexes", "$listCatalog", "$queryStats",
                          "$shardedDataDistribution"})


@dataclass
class PipelineEnv:
    """What stages may reach beyond their input: the operation, the database, ``let`` variables."""

    ctx: CommandContext | None
    db: str
    variables: dict[str, Any] | None = None
    written: list[str] = field(default_factory=list)

    def collection(self, name: str, db: str | None = None) -> Collection | None:
        if self.ctx is None or self.ctx.server.storage is None:
            return None
        return self.ctx.server.storage.get_collection(db or self.db, name)

    def scan(self, name: str, filter_doc: dict[str, Any] | None = None,
             db: str | None = None) -> Iterator[dict[str, Any]]:
        from mongosim.query.scan import scan

        return scan(self.ctx, self.collection(name, db), filter_doc, variables=self.variables).documents

    def with_variables(self, extra: dict[str, Any]) -> PipelineEnv:
        return PipelineEnv(self.ctx, self.db, {**(self.variables or {}), **extra}, self.written)


def stage_name(stage: Any) -> str:
    if not isinstance(stage, dict) or len(stage) != 1:
        raise CommandError(40323, "A pipeline stage specification object must contain exactly one field.")
    return str(next(iter(stage)))


def validate_pipeline(pipeline: Any, nested: bool = False) -> list[tuple[str, Any]]:
    if not isinstance(pipeline, list):
        raise CommandError("TypeMismatch", "'pipeline' option must be specified as an array")
    stages: list[tuple[str, Any]] = []
    for index, stage in enumerate(pipeline):
        if not isinstance(stage, dict):
            raise CommandError("TypeMismatch", "Each element of the 'pipeline' array must be an object")
        name = stage_name(stage)
        if name not in STAGES and name not in SOURCE_STAGES and name not in WRITE_STAGES and name not in _UNSUPPORTED:
            raise CommandError(40324, f"Unrecognized pipeline stage name: '{name}'")
        if name in WRITE_STAGES:
            if nested:
                raise CommandError(51047, f"{name} is not allowed within a $lookup's sub-pipeline"
                                   if name == "$out" else f"{name} cannot be used in a $lookup pipeline")
            if index != len(pipeline) - 1:
                raise CommandError(40601, f"{name} can only be the final stage in the pipeline")
        if name in SOURCE_STAGES and index != 0:
            raise CommandError(40602, f"{name} is only valid as the first stage in a pipeline")
        if name == "$changeStream":
            raise CommandError(40573, "The $changeStream stage is only supported on replica sets")
        if name in _UNSUPPORTED:
            raise CommandError("BadValue", f"{name} is not supported by the simulator")
        stages.append((name, stage[name]))
    return stages


def run_pipeline(docs: Docs, pipeline: list[Any], env: PipelineEnv, nested: bool = False) -> Iterator[dict[str, Any]]:
    stream: Iterable[dict[str, Any]] = docs
    for name, spec in validate_pipeline(pipeline, nested):
        if name in SOURCE_STAGES:
            from mongosim.query.pipeline_io import source_stage

            stream = source_stage(name, spec, env)
            continue
        if name in WRITE_STAGES:
            from mongosim.query.pipeline_io import merge_stage, out_stage

            stream = out_stage(stream, spec, env) if name == "$out" else merge_stage(stream, spec, env)
            continue
        stream = STAGES[name](stream, spec, env)
    return iter(stream)


Stage = Callable[[Docs, Any, PipelineEnv], Iterable[dict[str, Any]]]
STAGES: dict[str, Stage] = {}


def stage(*names: str) -> Callable[[Stage], Stage]:
    def register(fn: Stage) -> Stage:
        for name in names:
            STAGES[name] = fn
        return fn
    return register


def _count_arg(name: str, spec: Any) -> int:
    if type_rank(spec) != RANK_NUMBER or isinstance(spec, bool):
        raise CommandError(15957 if name == "$limit" else 15972,
                           f"the {name[1:]} must be specified as a number")
    value = number_value(spec)
    if value != int(value):
        raise CommandError(2, f"invalid argument to {name} stage: Cannot represent as a 64-bit integer: "
                           f"{name}: {render(spec)}")
    return int(value)


@stage("$match")
def _match(docs: Docs, spec: Any, env: PipelineEnv) -> Iterator[dict[str, Any]]:
    if not isinstance(spec, dict):
        raise CommandError(15959, "the match filter must be an expression in an object")
    predicate = matcher(spec, env.variables)
    return (doc for doc in docs if predicate(doc))


@stage("$limit")
def _limit(docs: Docs, spec: Any, env: PipelineEnv) -> Iterator[dict[str, Any]]:
    n = _count_arg("$limit", spec)
    if n <= 0:
        raise CommandError(15958, "the limit must be positive")
    return itertools.islice(docs, n)


@stage("$skip")
def _skip(docs: Docs, spec: Any, env: PipelineEnv) -> Iterator[dict[str, Any]]:
    n = _count_arg("$skip", spec)
    if n < 0:
        raise CommandError(15956, "invalid argument to $skip stage: Expected a non-negative number in: "
                           f"$skip: {render(spec)}")
    return itertools.islice(docs, n, None)


@stage("$sort")
def _sort(docs: Docs, spec: Any, env: PipelineEnv) -> list[dict[str, Any]]:
    if not isinstance(spec, dict):
        raise CommandError(15973, "the $sort key specification must be an object")
    if not spec:
        raise CommandError(15976, "$sort stage must have at least one sort key")
    validate_sort(spec)
    return sort_documents(docs, spec)


@stage("$project")
def _project(docs: Docs, spec: Any, env: PipelineEnv) -> Iterator[dict[str, Any]]:
    if not isinstance(spec, dict):
        raise CommandError(15969, "$project specification must be an object")
    project = projector(spec, variables=env.variables, stage="$project")
    return (project(doc) for doc in docs)


@stage("$unset")
def _unset(docs: Docs, spec: Any, env: PipelineEnv) -> Iterator[dict[str, Any]]:
    fields = [spec] if isinstance(spec, str) else spec
    if not isinstance(fields, list) or not fields or not all(isinstance(f, str) for f in fields):
        raise CommandError(31002, "$unset specification must be a string or an array containing only string "
                           "values")
    project = projector({f: 0 for f in fields}, stage="$unset")
    return (project(doc) for doc in docs)


@stage("$addFields", "$set")
def _add_fields(docs: Docs, spec: Any, env: PipelineEnv) -> Iterator[dict[str, Any]]:
    if not isinstance(spec, dict):
        raise CommandError(40272, "$addFields specification stage must be an object, got "
                           f"{type_name(spec)}")
    expressions.validate(spec)
    items = list(spec.items())

    def apply(doc: dict[str, Any]) -> dict[str, Any]:
        variables = expressions.root_vars(doc, env.variables)
        out = dict(doc)
        for path, value_expr in items:
            value = expressions.evaluate(value_expr, doc, variables)
            set_field(out, path.split("."), value)
        return out
    return (apply(doc) for doc in docs)


def set_field(doc: dict[str, Any], parts: list[str], value: Any) -> None:
    """Set a dotted field as $addFields does: parents are copied, created when missing, and a path through
    an array sets the field in each of its documents. Setting MISSING removes the field."""
    head = parts[0]
    if len(parts) == 1:
        if value is MISSING:
            doc.pop(head, None)
        else:
            doc[head] = value
        return
    current = doc.get(head)
    if isinstance(current, dict):
        child = dict(current)
        set_field(child, parts[1:], value)
        doc[head] = child
    elif isinstance(current, list):
        items = []
        for element in current:
            if isinstance(element, dict):
                copied = dict(element)
                set_field(copied, parts[1:], value)
                items.append(copied)
            else:
                items.append(element)
        doc[head] = items
    else:
        child = {}
        set_field(child, parts[1:], value)
        doc[head] = child


@stage("$replaceRoot", "$replaceWith")
def _replace_root(docs: Docs, spec: Any, env: PipelineEnv) -> Iterator[dict[str, Any]]:
    if isinstance(spec, dict) and "newRoot" in spec and len(spec) == 1:
        new_root = spec["newRoot"]
    elif isinstance(spec, dict) and "newRoot" not in spec and not next(iter(spec), "$").startswith("$"):
        raise CommandError(40231, "no newRoot specified for the $replaceRoot stage")
    else:
        new_root = spec
    expressions.validate(new_root)

    def apply(doc: dict[str, Any]) -> dict[str, Any]:
        value = expressions.evaluate(new_root, doc, expressions.root_vars(doc, env.variables))
        if not isinstance(value, dict):
            shown = "MISSING" if value is MISSING else render(value)
            raise CommandError(40228, "'newRoot' expression must evaluate to an object, but resulting value was: "
                               f"{shown}. Type of resulting value: '{type_name(value)}'. Input document: "
                               f"{render(doc)}")
        return value
    return (apply(doc) for doc in docs)


@stage("$unwind")
def _unwind(docs: Docs, spec: Any, env: PipelineEnv) -> Iterator[dict[str, Any]]:
    options = {"path": spec} if isinstance(spec, str) else spec
    if not isinstance(options, dict):
        raise CommandError(15981, f"expected either a string or an object as specification for $unwind stage, "
                           f"got {type_name(spec)}")
    path = options.get("path")
    if not isinstance(path, str):
        raise CommandError(28812, "no path specified to $unwind stage")
    if not path.startswith("$"):
        raise CommandError(28818, f"path option to $unwind stage should be prefixed with a '$': {path}")
    preserve = bool(options.get("preserveNullAndEmptyArrays", False))
    index_field = options.get("includeArrayIndex")
    if index_field is not None and (not isinstance(index_field, str) or index_field.startswith("$")):
        raise CommandError(28822, "includeArrayIndex option to $unwind stage should not be prefixed with a '$': "
                           f"{index_field}")
    parts = tuple(path[1:].split("."))

    def unwind(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
        value = get_path(doc, parts)
        if isinstance(value, list) and value:
            for i, element in enumerate(value):
                out = dict(doc)
                set_field(out, list(parts), element)
                if index_field:
                    set_field(out, index_field.split("."), Int64(i))
                yield out
        elif isinstance(value, list) or value is None or value is MISSING:
            if preserve:
                out = dict(doc)
                if isinstance(value, list):
                    set_field(out, list(parts), MISSING)
                if index_field:
                    set_field(out, index_field.split("."), None)
                yield out
        else:
            out = dict(doc)
            if index_field:
                set_field(out, index_field.split("."), None)
            yield out
    return (out for doc in docs for out in unwind(doc))


@stage("$count")
def _count(docs: Docs, spec: Any, env: PipelineEnv) -> list[dict[str, Any]]:
    if not isinstance(spec, str) or not spec:
        raise CommandError(40156, "the count field must be a non-empty string")
    if spec.startswith("$"):
        raise CommandError(40158, "the count field cannot be a $-prefixed path")
    if "." in spec:
        raise CommandError(40160, "the count field cannot contain '.'")
    n = sum(1 for _ in docs)
    return [{spec: n}] if n else []


@stage("$sample")
def _sample(docs: Docs, spec: Any, env: PipelineEnv) -> list[dict[str, Any]]:
    if not isinstance(spec, dict):
        raise CommandError(28745, "the $sample stage specification must be an object")
    if "size" not in spec:
        raise CommandError(28749, "$sample stage must specify a size")
    for key in spec:
        if key != "size":
            raise CommandError(28748, f"unrecognized option to $sample: {key}")
    size = spec["size"]
    if type_rank(size) != RANK_NUMBER or number_value(size) < 0:
        raise CommandError(28747, "size argument to $sample must not be negative")
    items = list(docs)
    return random.sample(items, min(int(number_value(size)), len(items)))


@stage("$facet")
def _facet(docs: Docs, spec: Any, env: PipelineEnv) -> list[dict[str, Any]]:
    if not isinstance(spec, dict) or not spec:
        raise CommandError(40169, "the $facet specification must be a non-empty object")
    items = list(docs)
    out: dict[str, Any] = {}
    for name, sub in spec.items():
        for sub_name, _ in validate_pipeline(sub, nested=True):
            if sub_name in ("$facet", "$out", "$merge", "$collStats", "$indexStats", "$currentOp"):
                raise CommandError(40600, f"{sub_name} is not allowed to be used within a $facet stage")
        out[name] = list(run_pipeline(iter(items), sub, env, nested=True))
    return [out]


# Grouping and cross-collection stages register themselves on import.
from mongosim.query import pipeline_group, pipeline_io  # noqa: E402,F401
