"""How the router merges shard results: sorted merges with skip and limit, counts, distinct values, write
error indexes and the split of an aggregation between shards and router."""

from __future__ import annotations

import random
from typing import Any

import pytest

from mongosim.query.sort import sort_documents
from mongosim.sharding import merge


def split_randomly(docs: list[dict[str, Any]], parts: int, seed: int) -> list[list[dict[str, Any]]]:
    rng = random.Random(seed)
    out: list[list[dict[str, Any]]] = [[] for _ in range(parts)]
    for doc in docs:
        out[rng.randrange(parts)].append(doc)
    return out


DOCS = [{"_id": i, "a": (i * 7) % 5, "b": f"x{(i * 3) % 11}", "c": None if i % 4 == 0 else [i, -i]}
        for i in range(60)] + [{"_id": 100}, {"_id": 101, "a": "text"}, {"_id": 102, "a": [3, 1]}]


@pytest.mark.parametrize("sort", [{"a": 1}, {"a": -1, "_id": 1}, {"b": 1, "a": -1}, {"c": 1, "_id": -1},
                                  {"c": -1, "_id": 1}])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_merge_of_sorted_shard_streams_equals_a_global_sort(sort: dict[str, Any], seed: int) -> None:
    streams = [sort_documents(part, sort) for part in split_randomly(DOCS, 3, seed)]
    merged = list(merge.merge_sorted(streams, sort))
    expected = sort_documents(DOCS, sort)
    assert [merge.sort_key(sort)(d) for d in merged] == [merge.sort_key(sort)(d) for d in expected]
    assert sorted(d["_id"] for d in merged) == sorted(d["_id"] for d in DOCS)


@pytest.mark.parametrize(("skip", "limit"), [(0, None), (5, None), (0, 7), (10, 5), (61, 5), (100, 1)])
def test_skip_and_limit_after_the_merge(skip: int, limit: int | None) -> None:
    sort = {"a": 1, "_id": 1}
    wanted = merge.shard_limit(skip, limit)
    streams = [sort_documents(part, sort)[:wanted] for part in split_randomly(DOCS, 4, 9)]
    got = merge.skip_and_limit(merge.merge_sorted(streams, sort), skip, limit)
    expected = sort_documents(DOCS, sort)[skip:]
    expected = expected[:limit] if limit else expected
    assert [d["_id"] for d in got] == [d["_id"] for d in expected]


def test_each_shard_is_asked_for_skip_plus_limit() -> None:
    assert merge.shard_limit(3, 4) == 7
    assert merge.shard_limit(3, None) is None
    assert merge.shard_limit(0, 0) is None


@pytest.mark.parametrize(("per_shard", "skip", "limit", "total"), [
    ([10, 20, 5], 0, 0, 35),
    ([10, 20, 5], 4, 0, 31),
    ([10, 20, 5], 0, 12, 12),
    ([3, 2], 10, 0, 0),
    ([7, 7], 5, 6, 6),  # each shard capped at skip + limit = 11
    ([1, 2], 2, 6, 1),
])
def test_count_merge(per_shard: list[int], skip: int, limit: int, total: int) -> None:
    assert merge.merge_counts(per_shard, skip, limit) == total


def test_distinct_merge_dedupes_by_bson_equality_in_bson_order() -> None:
    merged = merge.merge_distinct([[1, "a", None], [1.0, 2, "a"], [{"x": 1}, 2]])
    assert merged == [None, 1, 2, "a", {"x": 1}]
    assert type(merged[1]) is int  # the first shard's representation is kept


def test_write_errors_get_the_clients_indexes_back() -> None:
    shard_errors = [{"index": 0, "code": 11000, "errmsg": "dup"}, {"index": 2, "code": 121, "errmsg": "invalid"}]
    mapped = merge.map_write_errors(shard_errors, [4, 7, 9])
    assert mapped == [{"index": 4, "code": 11000, "errmsg": "dup"}, {"index": 9, "code": 121, "errmsg": "invalid"}]
    assert [e["index"] for e in merge.sorted_write_errors(mapped[::-1])] == [4, 9]


@pytest.mark.parametrize(("pipeline", "shards", "sort", "router"), [
    ([{"$match": {"a": 1}}, {"$group": {"_id": "$b"}}], [{"$match": {"a": 1}}], None,
     [{"$group": {"_id": "$b"}}]),
    ([{"$match": {}}, {"$project": {"a": 1}}, {"$sort": {"a": 1}}, {"$limit": 3}, {"$skip": 1}],
     [{"$match": {}}, {"$project": {"a": 1}}, {"$sort": {"a": 1}}, {"$limit": 3}], {"a": 1},
     [{"$limit": 3}, {"$skip": 1}]),
    ([{"$unwind": "$c"}, {"$sort": {"c": -1}}, {"$project": {"c": 1}}],
     [{"$unwind": "$c"}, {"$sort": {"c": -1}}], {"c": -1}, [{"$project": {"c": 1}}]),
    ([{"$count": "n"}], [], None, [{"$count": "n"}]),
    ([{"$addFields": {"d": 1}}], [{"$addFields": {"d": 1}}], None, []),
    # Each shard describes its own collection; what follows per document runs there too.
    ([{"$collStats": {"count": {}}}, {"$project": {"shard": 1}}, {"$group": {"_id": "$shard"}}],
     [{"$collStats": {"count": {}}}, {"$project": {"shard": 1}}], None, [{"$group": {"_id": "$shard"}}]),
    ([{"$indexStats": {}}], [{"$indexStats": {}}], None, []),
])
def test_pipeline_split(pipeline: list[dict[str, Any]], shards: list[dict[str, Any]], sort: dict[str, Any] | None,
                        router: list[dict[str, Any]]) -> None:
    assert merge.split_pipeline(pipeline) == (shards, sort, router)
