"""The bound a donor computes for moveRange with only min or only max: about maxChunkSizeBytes of documents,
never between equal keys, nothing when the range is small enough to move whole."""

from __future__ import annotations

from typing import Any

import bson
import pytest
from bson.max_key import MaxKey
from bson.min_key import MinKey

from mongosim.sharding.range_bounds import other_bound
from mongosim.sharding.shardkey import ShardKeyPattern

PATTERN = ShardKeyPattern({"k": 1})
LOW, HIGH = {"k": MinKey()}, {"k": MaxKey()}


class Stored:
    """The two things other_bound reads of a collection."""

    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self.docs = docs

    def documents(self) -> list[dict[str, Any]]:
        return self.docs

    def avg_obj_size(self) -> int:
        return sum(len(bson.encode(d)) for d in self.docs) // len(self.docs) if self.docs else 0


def docs_with_keys(keys: list[int]) -> Stored:
    return Stored([{"_id": i, "k": k} for i, k in enumerate(keys)])


SIZE = len(bson.encode({"_id": 0, "k": 0}))


@pytest.mark.parametrize(("keys", "low", "high", "per_chunk", "forward", "expected"), [
    (list(range(10)), LOW, HIGH, 3, True, {"k": 3}),
    (list(range(10)), {"k": 4}, HIGH, 3, True, {"k": 7}),
    (list(range(10)), LOW, HIGH, 3, False, {"k": 7}),
    (list(range(10)), LOW, {"k": 5}, 3, False, {"k": 2}),
    ([0, 1, 2, 2, 2, 3, 4], LOW, HIGH, 3, True, {"k": 3}),  # the split never separates equal keys
    ([0, 1, 1, 1, 1], LOW, HIGH, 2, True, None),  # every key after the cut is a duplicate: move it all
    (list(range(5)), LOW, HIGH, 5, True, None),  # small enough: the chunk's own bound
    (list(range(5)), LOW, HIGH, 5, False, None),
    ([], LOW, HIGH, 1, True, None),
])
def test_other_bound(keys: list[int], low: dict[str, Any], high: dict[str, Any], per_chunk: int, forward: bool,
                     expected: dict[str, Any] | None) -> None:
    stored = docs_with_keys(keys)
    assert other_bound(stored, PATTERN, low, high, per_chunk * SIZE, forward) == expected  # type: ignore[arg-type]


def test_no_chunk_size_means_no_cut() -> None:
    assert other_bound(docs_with_keys(list(range(10))), PATTERN, LOW, HIGH, 0, True) is None  # type: ignore[arg-type]
