"""Initial chunks of a newly sharded collection: MongoDB's hashed split points and their distribution."""

from __future__ import annotations

import itertools

import pytest
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey

from mongosim.errors import CommandError
from mongosim.sharding.initial_split import hashed_split_points, initial_chunks
from mongosim.sharding.shardkey import ShardKeyPattern


@pytest.mark.parametrize(("chunks", "points"), [
    (1, []),
    (2, [0]),
    # reference §4.5: n=4 -> -4611686018427387902, 0, 4611686018427387902
    (4, [-4611686018427387902, 0, 4611686018427387902]),
    # odd counts start half an interval from 0: intervalSize = (INT64_MAX / 3) * 2
    (3, [-3074457345618258602, 3074457345618258602]),
    # even counts: 0, then multiples of intervalSize = (INT64_MAX / 8) * 2 (integer division truncates)
    (8, [-6917529027641081850, -4611686018427387900, -2305843009213693950, 0, 2305843009213693950,
         4611686018427387900, 6917529027641081850]),
])
def test_hashed_split_points_equal_mongodb(chunks: int, points: list[int]) -> None:
    assert hashed_split_points(chunks) == points


def test_two_shards_get_four_chunks_round_robin_with_versions_in_key_order() -> None:
    pattern = ShardKeyPattern({"h": "hashed"})
    chunks = initial_chunks(pattern, "s0", ["s0", "s1"], empty=True)
    assert [c.shard for c in chunks] == ["s0", "s1", "s0", "s1"]
    assert [(c.major, c.minor) for c in chunks] == [(1, 0), (1, 1), (1, 2), (1, 3)]
    assert isinstance(chunks[0].min["h"], MinKey) and isinstance(chunks[-1].max["h"], MaxKey)
    assert [c.max["h"] for c in chunks[:-1]] == [Int64(-4611686018427387902), Int64(0), Int64(4611686018427387902)]
    assert all(isinstance(c.max["h"], Int64) for c in chunks[:-1])
    # contiguous: each chunk starts where the previous one ends
    assert all(a.max == b.min for a, b in itertools.pairwise(chunks))


def test_compound_hashed_prefix_fills_later_fields_with_minkey() -> None:
    pattern = ShardKeyPattern({"h": "hashed", "b": 1})
    chunks = initial_chunks(pattern, "s0", ["s0"], empty=True)
    assert len(chunks) == 2
    assert chunks[0].max["h"] == Int64(0) and isinstance(chunks[0].max["b"], MinKey)


@pytest.mark.parametrize(("key", "empty"), [({"a": 1}, True), ({"h": "hashed"}, False),
                                            ({"a": 1, "h": "hashed"}, True)])
def test_one_chunk_on_the_primary_otherwise(key: dict[str, object], empty: bool) -> None:
    pattern = ShardKeyPattern(key)
    chunks = initial_chunks(pattern, "s1", ["s0", "s1"], empty=empty)
    assert len(chunks) == 1
    assert chunks[0].shard == "s1" and (chunks[0].major, chunks[0].minor) == (1, 0)
    assert chunks[0].min == pattern.global_min() and chunks[0].max == pattern.global_max()


def test_num_initial_chunks_honoured_and_bounded() -> None:
    pattern = ShardKeyPattern({"h": "hashed"})
    assert len(initial_chunks(pattern, "s0", ["s0", "s1"], empty=True, num_initial_chunks=6)) == 6
    with pytest.raises(CommandError) as excinfo:
        initial_chunks(pattern, "s0", ["s0"], empty=True, num_initial_chunks=10_000)
    assert excinfo.value.code == 72
    with pytest.raises(CommandError):
        initial_chunks(ShardKeyPattern({"a": 1}), "s0", ["s0"], empty=True, num_initial_chunks=4)
