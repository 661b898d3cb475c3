"""The balancer's decisions on a snapshot: the active window (with a controlled clock) and the migrations one
round chooses (data-size threshold, draining first, one migration per shard)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from bson.max_key import MaxKey
from bson.min_key import MinKey

from mongosim.sharding.balancer_policy import CollectionSnapshot, choose_migrations, in_window
from mongosim.sharding.shardkey import ShardKeyPattern

MB = 1024 * 1024


def at(hour: int, minute: int) -> dt.datetime:
    return dt.datetime(2026, 3, 14, hour, minute)


@pytest.mark.parametrize(("window", "now", "inside"), [
    (None, at(3, 0), True),
    ({"start": "01:00", "stop": "05:00"}, at(3, 0), True),
    ({"start": "01:00", "stop": "05:00"}, at(5, 0), True),
    ({"start": "01:00", "stop": "05:00"}, at(5, 1), False),
    ({"start": "01:00", "stop": "05:00"}, at(0, 59), False),
    # wraps past midnight
    ({"start": "23:00", "stop": "06:00"}, at(23, 30), True),
    ({"start": "23:00", "stop": "06:00"}, at(2, 0), True),
    ({"start": "23:00", "stop": "06:00"}, at(12, 0), False),
    # malformed windows balance nothing
    ({"start": "25:00", "stop": "06:00"}, at(2, 0), False),
    ({"start": "23:00"}, at(23, 30), False),
    ("always", at(1, 0), False),
])
def test_active_window(window: Any, now: dt.datetime, inside: bool) -> None:
    assert in_window(window, now) is inside


def _chunks(*owners: str) -> list[dict[str, Any]]:
    bounds: list[Any] = [MinKey(), *range(10, 10 * len(owners), 10), MaxKey()]
    return [{"min": {"a": bounds[i]}, "max": {"a": bounds[i + 1]}, "shard": s} for i, s in enumerate(owners)]


def _coll(ns: str, chunks: list[dict[str, Any]], sizes: dict[str, int]) -> CollectionSnapshot:
    return CollectionSnapshot(ns, ns, ShardKeyPattern({"a": 1}), chunks, sizes)


def test_no_migration_within_three_chunk_sizes() -> None:
    coll = _coll("db.c", _chunks("s0", "s0", "s1"), {"s0": 4 * MB, "s1": 1 * MB})
    assert choose_migrations([coll], ["s0", "s1"], set(), MB) == []


def test_moves_from_the_fullest_to_the_emptiest_shard() -> None:
    coll = _coll("db.c", _chunks("s0", "s0", "s1"), {"s0": 10 * MB, "s1": 2 * MB, "s2": 0})
    [migration] = choose_migrations([coll], ["s0", "s1", "s2"], set(), MB)
    assert (migration.from_shard, migration.to_shard, migration.reason) == ("s0", "s2", "balance")
    assert migration.min == {"a": MinKey()} and migration.max == {"a": 10}
    # 5 MB per chunk on the donor is more than one chunk size: the range is to be cut down first
    assert migration.whole is False


def test_draining_shards_are_emptied_first_and_each_shard_moves_once_per_round() -> None:
    first = _coll("db.a", _chunks("s2", "s2", "s0"), {"s0": 50 * MB, "s1": 0, "s2": 1})
    second = _coll("db.b", _chunks("s0", "s1"), {"s0": 90 * MB, "s1": 0})
    migrations = choose_migrations([first, second], ["s0", "s1", "s2"], {"s2"}, MB)
    assert [(m.ns, m.from_shard, m.to_shard, m.reason) for m in migrations] == [("db.a", "s2", "s1", "drain")]


def test_jumbo_chunks_stay() -> None:
    chunks = _chunks("s0")
    chunks[0]["jumbo"] = True
    coll = _coll("db.c", chunks, {"s0": 100 * MB, "s1": 0})
    assert choose_migrations([coll], ["s0", "s1"], set(), MB) == []


class _Settings:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc

    def balancer_settings(self) -> dict[str, Any]:
        return self.doc


class _Role:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.catalog = _Settings(doc)


@pytest.mark.parametrize(("settings", "now", "enabled"), [
    ({"_id": "balancer", "mode": "full", "stopped": False}, at(12, 0), True),
    ({"_id": "balancer", "mode": "off", "stopped": True}, at(12, 0), False),
    ({"_id": "balancer", "mode": "full", "stopped": True}, at(12, 0), False),
    ({"_id": "balancer", "mode": "full", "activeWindow": {"start": "23:00", "stop": "06:00"}}, at(12, 0), False),
    ({"_id": "balancer", "mode": "full", "activeWindow": {"start": "23:00", "stop": "06:00"}}, at(1, 0), True),
])
def test_balancer_enabled_by_mode_and_window(settings: dict[str, Any], now: dt.datetime, enabled: bool) -> None:
    from mongosim.sharding.balancer import Balancer

    balancer = Balancer(_Role(settings), clock=lambda: now)  # type: ignore[arg-type]
    assert balancer.enabled() is enabled
