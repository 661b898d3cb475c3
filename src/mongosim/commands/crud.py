"""The write commands: insert, update, delete and findAndModify.

Batches run statement by statement: an ordered batch stops at its first write error, an unordered one
carries on; errors are reported per statement in ``writeErrors`` while the command itself succeeds. Updates
that change nothing are neither counted in ``nModified`` nor written (so not journalled). Every handler waits
behind an fsync lock before touching data, counts itself in opcounters (insert: one per document; update and
delete: one per statement; findAndModify is a command) and fills the slow-query attributes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mongosim import writeconcern
from mongosim.commands import command
from mongosim.commands import writes as w
from mongosim.commands.read_options import collection_name
from mongosim.commands.validation import Validator
from mongosim.errors import CommandError
from mongosim.query.project import projector
from mongosim.query.scan import scan
from mongosim.query.sort import sort_documents
from mongosim.query.update import ParsedUpdate, apply_update, parse_update, upsert_document
from mongosim.query.update_paths import contains_expr

if TYPE_CHECKING:
    from mongosim.context import CommandContext
    from mongosim.storage.collection import Collection

_COMMON = frozenset({"ordered", "bypassDocumentValidation", "stmtIds", "isTimeseriesNamespace", "collectionUUID",
                     "encryptionInformation", "bypassEmptyTsReplacement"})
_INSERT_FIELDS = _COMMON | {"insert", "documents"}
_UPDATE_FIELDS = _COMMON | {"update", "updates", "let", "runtimeConstants"}
_DELETE_FIELDS = _COMMON | {"delete", "deletes", "let"}
_UPDATE_STATEMENT = frozenset({"q", "u", "c", "arrayFilters", "multi", "upsert", "upsertSupplied", "collation",
                               "hint", "sampleId", "sort", "$_allowShardKeyUpdatesWithoutFullShardKeyInQuery"})
_DELETE_STATEMENT = frozenset({"q", "limit", "collation", "hint", "sampleId"})
_FAM_FIELDS = frozenset({"findAndModify", "findandmodify", "query", "sort", "remove", "update", "new", "fields",
                         "upsert", "bypassDocumentValidation", "collation", "arrayFilters", "hint", "let",
                         "stmtId", "sampleId", "encryptionInformation", "isTimeseriesNamespace",
                         "$_allowShardKeyUpdatesWithoutFullShardKeyInQuery"})


def _finish(reply: dict[str, Any], errors: list[dict[str, Any]], wce: dict[str, Any] | None) -> dict[str, Any]:
    if errors:
        reply["writeErrors"] = errors
    if wce:
        reply["writeConcernError"] = wce
    return reply


# ----------------------------------------------------------------------------------------- insert
@command("insert", counter=None)
async def insert(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    await ctx.server.wait_writes_allowed(ctx)
    ctx.op_type = "insert"
    name = collection_name(ctx, cmd)
    w.check_fields(cmd, "insert", _INSERT_FIELDS)
    docs = w.statements(cmd, "documents", "insert")
    ordered = w.flag(cmd, "ordered", "insert", True)
    bypass = w.flag(cmd, "bypassDocumentValidation", "insert")
    wc = writeconcern.from_command(ctx, cmd)
    deadline = w.Deadline(ctx, cmd)
    coll = w.existing(ctx, name)
    validator = None if bypass else Validator.of(coll)
    counters = ctx.server.stats.opcounters
    n = keys = 0
    errors: list[dict[str, Any]] = []
    key_count = len(coll.indexes()) if coll is not None else 1
    for index, doc in enumerate(docs):
        counters["insert"] += 1
        try:
            if index:
                deadline.check()
            prepared = w.prepare_insert(doc)
            if coll is None:
                coll = w.create(ctx, name)
            if validator is not None:
                validator.check(ctx, prepared)
            coll.insert(prepared)
        except CommandError as exc:
            errors.append(w.write_error(index, exc))
            if ordered:
                break
            continue
        n += 1
        keys += key_count if key_count == 1 else w.keys_of(coll, prepared)
    ctx.server.stats.documents["inserted"] += n
    w.add_debug(ctx, ninserted=n, keysInserted=keys)
    return _finish({"n": n}, errors, await writeconcern.satisfy(ctx, wc))


# ----------------------------------------------------------------------------------------- update
@dataclass
class _Outcome:
    matched: int = 0
    modified: int = 0
    upserted: Any = None
    old: dict[str, Any] | None = None
    new: dict[str, Any] | None = None


class _Target:
    """The collection a batch writes to; an upsert creates it when it does not exist yet."""

    def __init__(self, ctx: CommandContext, name: str, bypass: bool) -> None:
        self.ctx = ctx
        self.name = name
        self.coll: Collection | None = w.existing(ctx, name)
        self.bypass = bypass
        self.validator = None if bypass else Validator.of(self.coll)

    def ensure(self) -> Collection:
        if self.coll is None:
            self.coll = w.create(self.ctx, self.name)
            self.validator = None if self.bypass else Validator.of(self.coll)
        return self.coll


def _find(ctx: CommandContext, coll: Collection | None, query: dict[str, Any], *, multi: bool, hint: Any,
          sort: Any, variables: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The documents a statement acts on, collected before any is changed (a multi-update never sees its own
    writes); the plan and execution counters go to the slow-query attributes."""
    found = scan(ctx, coll, query, hint=hint, sort=sort, variables=variables)
    if sort:
        docs = sort_documents(found.documents, sort)
        docs = docs if multi else docs[:1]
    elif multi:
        docs = list(found.documents)
    else:
        docs = [doc for doc, _ in zip(found.documents, range(1), strict=False)]
    ctx.debug.setdefault("planSummary", found.plan.summary)
    w.add_debug(ctx, keysExamined=found.keys_examined, docsExamined=found.docs_examined)
    return docs


def _update_documents(ctx: CommandContext, target: _Target, parsed: ParsedUpdate, query: dict[str, Any], *,
                      multi: bool, upsert: bool, hint: Any = None, sort: Any = None,
                      variables: dict[str, Any] | None = None) -> _Outcome:
    outcome = _Outcome()
    stats = ctx.server.stats
    for old in _find(ctx, target.coll, query, multi=multi, hint=hint, sort=sort, variables=variables):
        new = apply_update(parsed, old, query=query, variables=variables)
        outcome.matched += 1
        outcome.old, outcome.new = old, new or old
        if new is None:
            continue
        w.check_size(new, 17419, "Resulting document after update is larger than")
        if target.validator is not None:
            target.validator.check(ctx, new, old)
        coll = target.ensure()
        coll.replace(old, new)
        inserted, deleted = w.key_changes(coll, old, new)
        w.add_debug(ctx, keysInserted=inserted, keysDeleted=deleted)
        outcome.modified += 1
    stats.documents["updated"] += outcome.matched
    if outcome.matched or not upsert:
        return outcome
    new = upsert_document(parsed, query, variables)
    w.check_size(new, 17420, "Document to upsert is larger than")
    coll = target.ensure()
    if target.validator is not None:
        target.validator.check(ctx, new)
    coll.insert(new)
    stats.documents["inserted"] += 1
    w.add_debug(ctx, keysInserted=w.keys_of(coll, new))
    outcome.upserted, outcome.new = new["_id"], new
    return outcome


def _parse_statement(stmt: dict[str, Any]) -> tuple[dict[str, Any], Any, bool, bool]:
    """An update statement's shape (IDL checks: a bad one fails the whole command, not just the statement)."""
    where = "update.updates"
    w.check_fields(stmt, where, _UPDATE_STATEMENT, generic=False)
    w.required(stmt, "q", where)
    query: dict[str, Any] = w.document(stmt, "q", where)
    u = w.required(stmt, "u", where)
    if not isinstance(u, (dict, list)):
        raise w.wrong_type(f"{where}.u", u, "types '[object, array]'")
    w.document(stmt, "c", where)
    if stmt.get("arrayFilters") is not None and not isinstance(stmt["arrayFilters"], list):
        raise w.wrong_type(f"{where}.arrayFilters", stmt["arrayFilters"], "type 'array'")
    return query, u, w.flag(stmt, "multi", where), w.flag(stmt, "upsert", where)


@command("update", counter=None)
async def update(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    await ctx.server.wait_writes_allowed(ctx)
    ctx.op_type = "update"
    name = collection_name(ctx, cmd)
    w.check_fields(cmd, "update", _UPDATE_FIELDS)
    stmts = w.statements(cmd, "updates", "update")
    parsed_stmts = [_parse_statement(stmt) for stmt in stmts]
    ordered = w.flag(cmd, "ordered", "update", True)
    variables = w.document(cmd, "let", "update")
    wc = writeconcern.from_command(ctx, cmd)
    deadline = w.Deadline(ctx, cmd)
    target = _Target(ctx, name, w.flag(cmd, "bypassDocumentValidation", "update"))
    counters = ctx.server.stats.opcounters
    n = modified = 0
    upserted: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for index, (stmt, (query, u, multi, upsert)) in enumerate(zip(stmts, parsed_stmts, strict=True)):
        counters["update"] += 1
        try:
            if index:
                deadline.check()
            sort = stmt.get("sort")
            if sort is not None and multi:
                raise CommandError("FailedToParse", "Cannot specify sort with multi=true")
            parsed = parse_update(u, array_filters=stmt.get("arrayFilters"), constants=stmt.get("c"), multi=multi)
            if upsert and contains_expr(query):
                raise CommandError("QueryFeatureNotAllowed", "$expr is not allowed in the query predicate for an "
                                   "upsert")
            outcome = _update_documents(ctx, target, parsed, query, multi=multi, upsert=upsert,
                                        hint=stmt.get("hint"), sort=sort,
                                        variables={**(variables or {}), **(stmt.get("c") or {})} or None)
        except CommandError as exc:
            errors.append(w.write_error(index, exc))
            if ordered:
                break
            continue
        if outcome.upserted is not None:
            n += 1
            upserted.append({"index": index, "_id": outcome.upserted})
        n += outcome.matched
        modified += outcome.modified
    w.add_debug(ctx, nMatched=n - len(upserted), nModified=modified, nUpserted=len(upserted))
    reply: dict[str, Any] = {"n": n}
    wce = await writeconcern.satisfy(ctx, wc)
    if errors:
        reply["writeErrors"] = errors
    if upserted:
        reply["upserted"] = upserted
    reply["nModified"] = modified
    return _finish(reply, [], wce)


# ----------------------------------------------------------------------------------------- delete
@command("delete", counter=None)
async def delete(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    await ctx.server.wait_writes_allowed(ctx)
    ctx.op_type = "remove"
    name = collection_name(ctx, cmd)
    w.check_fields(cmd, "delete", _DELETE_FIELDS)
    stmts = w.statements(cmd, "deletes", "delete")
    for stmt in stmts:
        w.check_fields(stmt, "delete.deletes", _DELETE_STATEMENT, generic=False)
        w.required(stmt, "q", "delete.deletes")
        w.document(stmt, "q", "delete.deletes")
        limit = w.required(stmt, "limit", "delete.deletes")
        if limit not in (0, 1) or isinstance(limit, bool):
            raise CommandError("FailedToParse", f"The limit field in delete objects must be 0 or 1. Got {limit}")
    ordered = w.flag(cmd, "ordered", "delete", True)
    variables = w.document(cmd, "let", "delete")
    wc = writeconcern.from_command(ctx, cmd)
    deadline = w.Deadline(ctx, cmd)
    coll = w.existing(ctx, name)
    counters = ctx.server.stats.opcounters
    n = keys = 0
    errors: list[dict[str, Any]] = []
    for index, stmt in enumerate(stmts):
        counters["delete"] += 1
        try:
            if index:
                deadline.check()
            docs = _find(ctx, coll, stmt["q"], multi=stmt["limit"] == 0, hint=stmt.get("hint"), sort=None,
                         variables=variables)
            for doc in docs:
                assert coll is not None
                keys += w.keys_of(coll, doc)
                coll.delete(doc)
                n += 1
        except CommandError as exc:
            errors.append(w.write_error(index, exc))
            if ordered:
                break
    ctx.server.stats.documents["deleted"] += n
    w.add_debug(ctx, ndeleted=n, keysDeleted=keys)
    return _finish({"n": n}, errors, await writeconcern.satisfy(ctx, wc))


# ----------------------------------------------------------------------------------------- findAndModify
def _fam_options(cmd: dict[str, Any], where: str) -> tuple[bool, Any, bool, bool]:
    remove = w.flag(cmd, "remove", where)
    change = cmd.get("update")
    upsert = w.flag(cmd, "upsert", where)
    new = w.flag(cmd, "new", where)
    if not remove and change is None:
        raise CommandError("FailedToParse", "Either an update or remove=true must be specified")
    if remove:
        if change is not None:
            raise CommandError("FailedToParse", "Cannot specify both an update and remove=true")
        if upsert:
            raise CommandError("FailedToParse", "Cannot specify both upsert=true and remove=true ")
        if new:
            raise CommandError("FailedToParse", "Cannot specify both new=true and remove=true; 'remove' always "
                               "returns the deleted document")
        if cmd.get("arrayFilters") is not None:
            raise CommandError("FailedToParse", "Cannot specify arrayFilters and remove=true")
    elif not isinstance(change, (dict, list)):
        raise CommandError("FailedToParse", "Update argument must be either an object or an array")
    elif isinstance(change, list) and cmd.get("arrayFilters") is not None:
        raise CommandError("FailedToParse", "Cannot specify arrayFilters and a pipeline update")
    return remove, change, upsert, new


@command("findAndModify", "findandmodify")
async def find_and_modify(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    await ctx.server.wait_writes_allowed(ctx)
    ctx.op_type = "command"
    where = ctx.name
    name = collection_name(ctx, cmd)
    w.check_fields(cmd, where, _FAM_FIELDS)
    query = w.document(cmd, "query", where, None) or {}
    sort = w.document(cmd, "sort", where, None) or None
    fields = w.document(cmd, "fields", where, None)
    variables = w.document(cmd, "let", where)
    remove, change, upsert, return_new = _fam_options(cmd, where)
    wc = writeconcern.from_command(ctx, cmd)
    project = projector(fields) if fields else None
    target = _Target(ctx, name, w.flag(cmd, "bypassDocumentValidation", where))
    if remove:
        last_error: dict[str, Any] = {"n": 0}
        docs = _find(ctx, target.coll, query, multi=False, hint=cmd.get("hint"), sort=sort, variables=variables)
        value = docs[0] if docs else None
        if value is not None and target.coll is not None:
            w.add_debug(ctx, keysDeleted=w.keys_of(target.coll, value))
            target.coll.delete(value)
            ctx.server.stats.documents["deleted"] += 1
            last_error["n"] = 1
        w.add_debug(ctx, ndeleted=last_error["n"])
    else:
        parsed = parse_update(change, array_filters=cmd.get("arrayFilters"))
        if upsert and contains_expr(query):
            raise CommandError("QueryFeatureNotAllowed", "$expr is not allowed in the query predicate for an upsert")
        outcome = _update_documents(ctx, target, parsed, query, multi=False, upsert=upsert, hint=cmd.get("hint"),
                                    sort=sort, variables=variables)
        last_error = {"n": 1 if outcome.matched or outcome.upserted is not None else 0,
                      "updatedExisting": bool(outcome.matched)}
        if outcome.upserted is not None:
            last_error["upserted"] = outcome.upserted
        value = outcome.new if return_new else outcome.old
        w.add_debug(ctx, nMatched=outcome.matched, nModified=outcome.modified,
                    nUpserted=1 if outcome.upserted is not None else 0)
    reply: dict[str, Any] = {"lastErrorObject": last_error,
                             "value": project(value) if project is not None and value is not None else value}
    return _finish(reply, [], await writeconcern.satisfy(ctx, wc))
