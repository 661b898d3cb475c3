"""Scanning a collection for a filter through the storage engine's chosen plan, keeping the execution counters
(keysExamined, docsExamined) that explain, the slow query log and serverStatus report.

Contract: ``scan(ctx, coll, filter_doc, hint=None, sort=None)`` returns a ``Scan``: ``scan.documents`` yields the
stored documents that match, in plan order (callers copy before changing them); ``scan.plan`` describes the plan;
``scan.keys_examined`` / ``scan.docs_examined`` grow as documents are pulled. (Initial version; being completed.)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mongosim.context import CommandContext
from mongosim.query.match import matcher
from mongosim.storage.engine import Collection, Plan


@dataclass
class Scan:
    plan: Plan
    documents: Iterator[dict[str, Any]] = field(default_factory=lambda: iter(()))
    keys_examined: int = 0
    docs_examined: int = 0


def scan(ctx: CommandContext | None, coll: Collection | None, filter_doc: dict[str, Any] | None,
         hint: Any = None, sort: dict[str, Any] | None = None) -> Scan:
    if coll is None:
        return Scan(Plan.eof())
    plan = coll.plan(filter_doc or {}, hint=hint, sort=sort)
    predicate = matcher(filter_doc)
    result = Scan(plan)

    def generate() -> Iterator[dict[str, Any]]:
        for doc in plan.candidates:
            result.docs_examined += 1
            result.keys_examined = plan.keys_examined
            if predicate(doc):
                yield doc
        result.keys_examined = plan.keys_examined

    result.documents = generate()
    return result
