"""Rates from counter samples: restarts and counter resets are gaps, never negative rates."""

from __future__ import annotations

import pytest

from mongo_admin.metrics.rates import (
    COUNTER_RESET,
    MISSING,
    NO_TIME,
    RESTARTED,
    CounterPoint,
    gaps,
    interval_rate,
    rates,
    total,
)


def point(at: float, value: float | None, uptime: float | None = None) -> CounterPoint:
    return CounterPoint(at, value, uptime if uptime is not None else at)


@pytest.mark.parametrize(("previous", "current", "rate", "gap"), [
    (point(0, 100), point(10, 600), 50.0, None),
    (point(0, 100), point(10, 100), 0.0, None),
    (point(0, 100), point(0.5, 101), 2.0, None),
    (point(0, None), point(10, 600), None, MISSING),
    (point(0, 100), point(10, None), None, MISSING),
    (point(10, 100), point(10, 200), None, NO_TIME),
    (point(10, 100), point(5, 200), None, NO_TIME),
    # Restart: uptime went down; even a counter that grew past the old value is not trusted.
    (point(0, 100, uptime=500), point(10, 900, uptime=3), None, RESTARTED),
    (point(0, 100, uptime=500), point(10, 5, uptime=3), None, RESTARTED),
    # Counter went down without an uptime to show the restart.
    (CounterPoint(0, 100), CounterPoint(10, 40), None, COUNTER_RESET),
    (point(0, 100, uptime=500), point(10, 40, uptime=510), None, COUNTER_RESET),
    # No uptime at all: the counter alone decides.
    (CounterPoint(0, 100), CounterPoint(4, 140), 10.0, None),
])
def test_interval_rate(previous: CounterPoint, current: CounterPoint, rate: float | None, gap: str | None) -> None:
    interval = interval_rate(previous, current)
    assert interval.rate == (pytest.approx(rate) if rate is not None else None)
    assert interval.gap == gap
    assert (interval.start, interval.end) == (previous.at, current.at)


def test_series_across_a_restart_has_one_gap_and_no_negative_rate() -> None:
    # 10 ops/s, then the server restarts between t=20 and t=30 (uptime 4 at t=30), then 20 ops/s.
    points = [point(0, 1000, 100), point(10, 1100, 110), point(20, 1200, 120),
              point(30, 80, 4), point(40, 280, 14), point(50, 480, 24)]
    intervals = rates(points)
    assert [i.rate for i in intervals] == [10.0, 10.0, None, 20.0, 20.0]
    assert [i.gap for i in gaps(intervals)] == [RESTARTED]
    assert all(i.rate is None or i.rate >= 0 for i in intervals)
    # The total counts only what is known: 200 before the restart, 400 after; the 80 done around it are lost.
    assert total(intervals) == pytest.approx(600.0)


def test_missing_sample_makes_two_gaps_around_it() -> None:
    points = [point(0, 0), point(10, 50), point(20, None), point(30, 150), point(40, 200)]
    intervals = rates(points)
    assert [i.gap for i in intervals] == [None, MISSING, MISSING, None]
    assert total(intervals) == pytest.approx(100.0)


@pytest.mark.parametrize("points", [[], [point(0, 5)]])
def test_fewer_than_two_points_have_no_interval(points: list[CounterPoint]) -> None:
    assert rates(points) == []
    assert total(rates(points)) == 0.0


def test_gap_has_no_delta() -> None:
    interval = interval_rate(point(0, 100, 50), point(10, 10, 5))
    assert interval.delta == 0.0
