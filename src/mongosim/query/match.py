"""Filter matching: ``matcher(filter)`` returns a predicate over documents.

Contract: raises ``CommandError`` (BadValue 2 or the operator's own code) for an invalid filter, at compile time
where possible. (Initial version: straight mongomock; being completed.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mongomock import filtering

Predicate = Callable[[dict[str, Any]], bool]


def matcher(filter_doc: dict[str, Any] | None) -> Predicate:
    if not filter_doc:
        return lambda doc: True
    return lambda doc: bool(filtering.filter_applies(filter_doc, doc))
