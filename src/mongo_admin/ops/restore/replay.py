"""Replaying oplog entries onto a replica set's primary with ``applyOps``, as ``mongorestore --oplogReplay`` does.

Entries are applied in order, one ``applyOps`` each (a committed transaction's operations together), up to and
including ``end``. Left out: no-ops, the server's own bookkeeping (``local.*``, sessions, transactions, caches,
keys, ``admin.system.version``), the platform's lock, and whatever the caller's ``ReplayRules`` leave out (a
selective restore keeps only its namespaces, renamed). Multi-entry and prepared transactions are buffered by
session and transaction number and applied when their commit is reached; a transaction not committed by
``end`` is not applied. Index builds arrive as ``commitIndexBuild`` and become ``createIndexes``, as
mongorestore converts them.

``replay_oplog`` takes a list of entry sources (iterables in timestamp order, possibly overlapping at their
edges): the backup's own ``oplog.bson`` today, and the point-in-time slices that follow it later.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bson import Timestamp

from mongo_admin.errors import MongoAdminError
from mongo_admin.ops.backup.lock import LOCK_COLLECTION, LOCK_DB

if TYPE_CHECKING:
    from mongo_admin.mongo.client import Client

NEVER_REPLAYED = frozenset({"config.system.sessions", "config.transactions", "config.image_collection",
                            "config.transaction_coordinators", "config.system.indexBuilds", "admin.system.keys",
                            "admin.system.version", f"{LOCK_DB}.{LOCK_COLLECTION}"})
NEVER_REPLAYED_PREFIXES = ("local.", "config.cache.")
_SKIPPED_COMMANDS = frozenset({"startIndexBuild", "abortIndexBuild"})
_DATABASE_COMMANDS = frozenset({"dropDatabase"})
_TRANSACTION_BATCH = 500


class ReplayError(MongoAdminError):
    """An oplog entry could not be applied."""


@dataclass(frozen=True)
class ReplayRules:
    """What a replay keeps. ``target`` maps a source namespace to the one to write (None: leave it out);
    ``transform`` may rewrite or drop (None) a translated entry; ``databases``: replay database-wide commands
    (dropDatabase); ``keep_uuids``: ``create`` keeps the entry's collection UUID."""

    target: Callable[[str], str | None] = lambda ns: ns
    transform: Callable[[dict[str, Any]], dict[str, Any] | None] | None = None
    databases: bool = True
    keep_uuids: bool = True


@dataclass
class ReplayStats:
    applied: int = 0
    skipped: int = 0
    transactions: int = 0
    elapsed_s: float = 0.0
    last_ts: Timestamp | None = None


def replayable(ns: str) -> bool:
    return ns not in NEVER_REPLAYED and not ns.startswith(NEVER_REPLAYED_PREFIXES)


def replay_oplog(client: Client, sources: Sequence[Iterable[Mapping[str, Any]]], end: Timestamp,
                 rules: ReplayRules = ReplayRules(), *, after: Timestamp | None = None,
                 progress: Callable[[ReplayStats], None] | None = None) -> ReplayStats:
    """Apply every entry of ``sources`` (in order) with ``after < ts <= end`` on the primary ``client`` points
    at. Entries repeated where two sources meet are applied once. The extension point of point-in-time
    restores: pass the backup's oplog followed by the slices up to the chosen time."""
    began = time.monotonic()
    stats = ReplayStats()
    pending: dict[tuple[Any, Any], list[dict[str, Any]]] = {}
    last = after
    for source in sources:
        for entry in source:
            ts = entry.get("ts")
            if not isinstance(ts, Timestamp):
                continue
            if last is not None and ts <= last:
                continue
            if ts > end:
                break
            last = ts
            stats.last_ts = ts
            _replay_entry(client, dict(entry), rules, stats, pending)
            if progress is not None and (stats.applied + stats.skipped) % 1000 == 0:
                progress(stats)
    stats.elapsed_s = time.monotonic() - began
    return stats


def _replay_entry(client: Client, entry: dict[str, Any], rules: ReplayRules, stats: ReplayStats,
                  pending: dict[tuple[Any, Any], list[dict[str, Any]]]) -> None:
    op, body = entry.get("op"), entry.get("o")
    if op == "c" and isinstance(body, dict) and ("applyOps" in body or "commitTransaction" in body
                                                 or "abortTransaction" in body):
        lsid = entry.get("lsid")
        key = ((lsid or {}).get("id"), entry.get("txnNumber")) if isinstance(lsid, dict) else None
        if "applyOps" in body:
            inner = [dict(each) for each in body.get("applyOps") or [] if isinstance(each, Mapping)]
            if key is not None and (body.get("partialTxn") or body.get("prepare")):
                pending.setdefault(key, []).extend(inner)
                return
            group = (pending.pop(key, []) if key is not None else []) + inner
        elif "commitTransaction" in body:
            group = pending.pop(key, []) if key is not None else []
        else:
            if key is not None:
                stats.skipped += len(pending.pop(key, []))
            return
        stats.transactions += 1 if key is not None else 0
        _apply_group(client, group, rules, stats, entry)
        return
    translated = translate(entry, rules)
    if translated is None:
        stats.skipped += 1
        return
    _apply(client, [translated], entry)
    stats.applied += 1


def _apply_group(client: Client, ops: list[dict[str, Any]], rules: ReplayRules, stats: ReplayStats,
                 entry: dict[str, Any]) -> None:
    translated = [each for each in (translate(op, rules) for op in ops) if each is not None]
    stats.skipped += len(ops) - len(translated)
    for start in range(0, len(translated), _TRANSACTION_BATCH):
        _apply(client, translated[start:start + _TRANSACTION_BATCH], entry)
    stats.applied += len(translated)


def translate(entry: Mapping[str, Any], rules: ReplayRules) -> dict[str, Any] | None:
    """The entry as ``applyOps`` takes it (only ``op``, ``ns``, ``o``, ``o2`` and, for ``create``, ``ui``), with
    its namespace mapped; None when it is not replayed."""
    op, ns, body = entry.get("op"), entry.get("ns"), entry.get("o")
    if op not in ("i", "u", "d", "c") or not isinstance(ns, str) or not isinstance(body, Mapping):
        return None
    if ns.endswith(".system.views"):
        out_view = _view_command(entry, ns.partition(".")[0], rules)
        return rules.transform(out_view) if rules.transform and out_view else out_view
    if op != "c":
        target = rules.target(ns) if replayable(ns) else None
        if target is None:
            return None
        out: dict[str, Any] = {"op": op, "ns": target, "o": dict(body)}
        if "o2" in entry:
            out["o2"] = entry["o2"]
        return rules.transform(out) if rules.transform else out
    out_cmd = _translate_command(entry, dict(body), ns.partition(".")[0], rules)
    if out_cmd is None:
        return None
    return rules.transform(out_cmd) if rules.transform else out_cmd


def _view_command(entry: Mapping[str, Any], db: str, rules: ReplayRules) -> dict[str, Any] | None:
    """A write to ``<db>.system.views`` as the view command that made it (applyOps may not write there)."""
    op, body = entry.get("op"), entry.get("o")
    view_id = entry.get("o2") if op == "u" else body
    full = view_id.get("_id") if isinstance(view_id, Mapping) else None
    if not isinstance(full, str) or not isinstance(body, Mapping):
        return None
    target = rules.target(full)
    if target is None:
        return None
    target_db, _, name = target.partition(".")
    if op == "d":
        command: dict[str, Any] = {"drop": name}
    elif op == "i":
        command = {"create": name, **{k: v for k, v in body.items() if k in ("viewOn", "pipeline", "collation")}}
    elif op == "u":
        diff = body.get("diff")
        fields = body.get("$set") or (diff.get("u") if isinstance(diff, Mapping) else None) or body
        if not isinstance(fields, Mapping):
            return None
        command = {"collMod": name, **{k: v for k, v in fields.items() if k in ("viewOn", "pipeline")}}
    else:
        return None
    return {"op": "c", "ns": f"{target_db}.$cmd", "o": command}


def _translate_command(entry: Mapping[str, Any], body: dict[str, Any], db: str,
                       rules: ReplayRules) -> dict[str, Any] | None:
    name = next(iter(body), "")
    if name in _SKIPPED_COMMANDS:
        return None
    if name in _DATABASE_COMMANDS:
        return {"op": "c", "ns": f"{db}.$cmd", "o": body} if rules.databases and db not in ("admin", "config",
                                                                                             "local") else None
    if name == "renameCollection":
        source, dest = body.get("renameCollection"), body.get("to")
        mapped = [rules.target(each) if isinstance(each, str) and replayable(each) else None for each in (source, dest)]
        if None in mapped:
            return None
        return {"op": "c", "ns": "admin.$cmd", "o": {**body, "renameCollection": mapped[0], "to": mapped[1]}}
    if name == "commitIndexBuild":
        body = {"createIndexes": body["commitIndexBuild"], "indexes": body.get("indexes") or []}
        name = "createIndexes"
    collection = body.get(name)
    if not isinstance(collection, str) or not replayable(f"{db}.{collection}"):
        return None
    target = rules.target(f"{db}.{collection}")
    if target is None:
        return None
    target_db, _, target_collection = target.partition(".")
    out: dict[str, Any] = {"op": "c", "ns": f"{target_db}.$cmd", "o": {**body, name: target_collection}}
    if name == "create" and rules.keep_uuids and target == f"{db}.{collection}" and "ui" in entry \
            and "viewOn" not in body:
        out["ui"] = entry["ui"]
    return out


def _apply(client: Client, ops: list[dict[str, Any]], entry: Mapping[str, Any]) -> None:
    from pymongo.errors import OperationFailure

    try:
        client.admin.command({"applyOps": ops})
    except OperationFailure as exc:
        ts = entry.get("ts")
        when = ts.as_datetime().isoformat() if isinstance(ts, Timestamp) else "?"
        raise ReplayError(f"replaying the oplog entry of {when} ({entry.get('op')} on {entry.get('ns')}) failed",
                          str((exc.details or {}).get("errmsg") or exc),
                          "the target diverged from the backup in a way the replay cannot fix; restore again "
                          "into a clean target") from exc
