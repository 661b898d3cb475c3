"""Projection: ``projector(projection)`` returns a function from a stored document to the returned copy.

Contract: the returned document is a new object (the stored one is never mutated); raises ``CommandError`` for
invalid projections (e.g. mixing inclusion and exclusion: code 31254 / 31253). (Initial version; being completed.)
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

Projector = Callable[[dict[str, Any]], dict[str, Any]]


def projector(projection: dict[str, Any] | None) -> Projector:
    if not projection:
        return copy.deepcopy
    include = {k for k, v in projection.items() if v}
    exclude = {k for k, v in projection.items() if not v}

    def apply(doc: dict[str, Any]) -> dict[str, Any]:
        if include - {"_id"}:
            out = {k: copy.deepcopy(v) for k, v in doc.items() if k in include or (k == "_id" and "_id" not in exclude)}
        else:
            out = {k: copy.deepcopy(v) for k, v in doc.items() if k not in exclude}
        return out

    return apply
