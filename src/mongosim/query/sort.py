"""Sorting by a sort specification with MongoDB's cross-type ordering.

Contract: ``sort_documents(docs, sort_spec)`` returns a new list; raises ``CommandError`` for invalid specs
(e.g. a direction other than 1/-1/{$meta}: code 15974/2). (Initial version; being completed.)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mongomock import filtering


def sort_documents(docs: Iterable[dict[str, Any]], sort_spec: dict[str, Any] | None) -> list[dict[str, Any]]:
    result = list(docs)
    if not sort_spec:
        return result
    for key, direction in reversed(list(sort_spec.items())):
        result.sort(key=lambda doc, key=key: filtering.resolve_sort_key(key, doc), reverse=direction < 0)
    return result
