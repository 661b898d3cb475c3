"""The metrics time series in the platform database (SQLite and PostgreSQL): write rounds, read a series on a grid
with gaps explicit, counters as rates across a restart, retention by age and by count."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mongo_admin.db.base import Base, make_engine, session_factory
from mongo_admin.errors import InvalidInputError
from mongo_admin.metrics.collector import ClusterSample, NodeSample, ShardData
from mongo_admin.metrics.models import MetricRound, MetricSample
from mongo_admin.metrics.rates import RESTARTED
from mongo_admin.metrics.store import (
    NO_SAMPLE,
    NODE_DOWN,
    Retention,
    prune,
    read_series,
    read_series_set,
    write_sample,
)

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    engine = make_engine(db_url)
    Base.metadata.create_all(engine, tables=[MetricRound.__table__, MetricSample.__table__])  # type: ignore[list-item]
    with session_factory(engine)() as session:
        yield session
    engine.dispose()


def round_at(seconds: float, inserts: float | None, uptime: float = 1000.0, lag: float = 0.5) -> ClusterSample:
    """shard0-0 with ``inserts`` so far (None: it did not answer), and a router that always answers."""
    shard = (NodeSample("shard0-0", "h:1", "shardsvr", "shard0", error="no answer") if inserts is None else
             NodeSample("shard0-0", "h:1", "shardsvr", "shard0",
                        {"uptime_s": uptime + seconds, "opcounters.insert": inserts, "repl.lag_s": lag}))
    router = NodeSample("router-0", "h:2", "mongos", None, {"uptime_s": 5000 + seconds, "opcounters.query": 0.0})
    return ClusterSample("prod", T0 + dt.timedelta(seconds=seconds), 0.1, [shard, router],
                         [ShardData("shard0", int(seconds), 0, 0, 0)])


def test_gauge_series_on_a_grid_with_gaps(session: Session) -> None:
    for seconds, inserts in ((0, 0), (10, 100), (20, None), (40, 300)):
        write_sample(session, round_at(seconds, inserts, lag=seconds / 10))
    session.commit()
    series = read_series(session, "prod", "shard0-0", "repl.lag_s", T0, T0 + dt.timedelta(seconds=50), 10)
    assert series.kind == "gauge"
    assert [(p.value, p.gap) for p in series.points] == [(0.0, None), (1.0, None), (None, NODE_DOWN),
                                                         (None, NO_SAMPLE), (4.0, None)]
    assert [p.at for p in series.points] == [T0 + dt.timedelta(seconds=10 * i) for i in range(5)]


def test_counter_series_is_a_rate_with_restart_and_down_gaps(session: Session) -> None:
    # 10 inserts/s; down at t=30; restarted before t=40 (uptime 5, counter from 0); then 20/s.
    rounds = [(0, 0, 1000), (10, 100, 1000), (20, 200, 1000), (30, None, 1000), (40, 50, -35), (50, 250, -35)]
    for seconds, inserts, uptime in rounds:
        write_sample(session, round_at(seconds, inserts, uptime))
    session.commit()
    series = read_series(session, "prod", "shard0-0", "opcounters.insert", T0, T0 + dt.timedelta(seconds=60), 10)
    assert series.kind == "rate"
    assert [(p.value, p.gap) for p in series.points] == [
        (None, NO_SAMPLE), (10.0, None), (10.0, None), (None, NODE_DOWN), (None, "missing sample"), (20.0, None)]
    # A wider step averages the rate over the intervals that ended in it.
    wide = read_series(session, "prod", "shard0-0", "opcounters.insert", T0, T0 + dt.timedelta(seconds=60), 30)
    assert [p.value for p in wide.points] == [10.0, 20.0]


def test_restart_seen_only_through_uptime(session: Session) -> None:
    for seconds, inserts, uptime in ((0, 0, 1000), (10, 100, 1000), (20, 150, -15)):
        write_sample(session, round_at(seconds, inserts, uptime))
    session.commit()
    series = read_series(session, "prod", "shard0-0", "opcounters.insert", T0, T0 + dt.timedelta(seconds=30), 10)
    assert [p.gap for p in series.points] == [NO_SAMPLE, None, RESTARTED]


def test_shard_figures_are_a_series_of_the_shard(session: Session) -> None:
    for seconds in (0, 10):
        write_sample(session, round_at(seconds, 0))
    session.commit()
    series = read_series(session, "prod", "shard0", "shard.owned_docs", T0, T0 + dt.timedelta(seconds=20), 10)
    assert [p.value for p in series.points] == [0.0, 10.0]


def test_series_set_reads_each_series_as_read_alone(session: Session) -> None:
    # Gauges, a counter and a shard figure, a node down and a restart: one query, the same series one by one.
    rounds = [(0, 0, 1000), (10, 100, 1000), (20, None, 1000), (30, 50, -25), (40, 250, -25)]
    for seconds, inserts, uptime in rounds:
        write_sample(session, round_at(seconds, inserts, uptime, lag=seconds / 10))
    session.commit()
    start, end = T0 + dt.timedelta(seconds=5), T0 + dt.timedelta(seconds=50)
    nodes = ["shard0-0", "router-0", "shard0"]
    metrics = ["opcounters.insert", "repl.lag_s", "opcounters.query", "shard.owned_docs"]
    found = read_series_set(session, "prod", nodes, metrics, start, end, 10)
    assert [(s.node, s.metric) for s in found] == [(node, metric) for node in nodes for metric in metrics]
    for series in found:
        alone = read_series(session, "prod", series.node, series.metric, start, end, 10)
        assert series == alone, (series.node, series.metric)
    by_name = {(s.node, s.metric): s for s in found}
    assert [p.value for p in by_name["shard0-0", "repl.lag_s"].points] == [1.0, None, 3.0, 4.0, None]
    assert [p.gap for p in by_name["router-0", "repl.lag_s"].points] == [NO_SAMPLE] * 5
    assert by_name["router-0", "opcounters.query"].kind == "rate"


def test_series_set_is_bounded(session: Session) -> None:
    with pytest.raises(InvalidInputError, match="no series asked"):
        read_series_set(session, "prod", [], ["up"], T0, T0 + dt.timedelta(seconds=10), 1.0)
    nodes = [f"shard0-{index}" for index in range(30)]
    with pytest.raises(InvalidInputError, match="too many points"):
        read_series_set(session, "prod", nodes, ["up", "uptime_s", "repl.lag_s"], T0, T0 + dt.timedelta(hours=2),
                        1.0)


def test_retention_by_count_and_by_age(session: Session) -> None:
    for seconds in range(0, 100, 10):
        write_sample(session, round_at(seconds, seconds))
    session.commit()
    assert prune(session, "prod", Retention(max_age=dt.timedelta(hours=1), max_rounds=6),
                 T0 + dt.timedelta(seconds=100)) == 4
    assert prune(session, "prod", Retention(max_age=dt.timedelta(seconds=35), max_rounds=6),
                 T0 + dt.timedelta(seconds=100)) == 3
    session.commit()
    assert session.scalar(select(func.count()).select_from(MetricRound)) == 3
    assert session.scalar(select(func.min(MetricSample.taken_at))) == T0 + dt.timedelta(seconds=70)
    assert prune(session, "other", Retention(max_rounds=0), T0) == 0


@pytest.mark.parametrize(("start", "end", "step"), [(10, 0, 1.0), (0, 10, 0.0), (0, 100_000, 1.0)])
def test_invalid_ranges_are_refused(session: Session, start: int, end: int, step: float) -> None:
    with pytest.raises(InvalidInputError):
        read_series(session, "prod", "shard0-0", "up", T0 + dt.timedelta(seconds=start),
                    T0 + dt.timedelta(seconds=end), step)


class _FakeCollector:
    """Stands in for a Collector: each round is 10 s after the previous one."""

    def __init__(self) -> None:
        self.calls = 0

    def collect(self) -> ClusterSample:
        self.calls += 1
        return round_at(10 * self.calls, 100 * self.calls)


def test_poller_stores_prunes_and_stops(session: Session) -> None:
    import threading

    from mongo_admin.metrics.poller import Poller

    sessions = session_factory(session.get_bind())  # type: ignore[arg-type]
    seen: list[ClusterSample] = []
    stop = threading.Event()
    collector = _FakeCollector()

    def on_sample(sample: ClusterSample) -> None:
        seen.append(sample)
        if len(seen) == 5:
            stop.set()

    poller = Poller(collector, interval_s=0.01, sessions=sessions,  # type: ignore[arg-type]
                    retention=Retention(max_rounds=3), on_sample=on_sample)
    poller.run(stop)
    assert poller.rounds == collector.calls == 5
    assert poller.latest is seen[-1]
    with sessions() as other:
        assert other.scalar(select(func.count()).select_from(MetricRound)) == 3
