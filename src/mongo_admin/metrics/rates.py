"""Rates from cumulative counters (opcounters, network bytes), correct across server restarts.

A server's counters start from zero when it starts, so the difference between two samples only means something
when both come from the same process lifetime. An interval is a *gap* — no rate at all, never a negative or a
made-up one — when either end is missing, when the server's uptime went down (it restarted), when the counter
went down (a reset the uptime did not show, e.g. a restart between two samples taken further apart than the new
uptime), or when no time passed. Pure functions: no clock, no I/O.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

# Why an interval has no rate; None when it has one.
MISSING = "missing sample"
RESTARTED = "server restarted (uptime went down)"
COUNTER_RESET = "counter went down (reset)"
NO_TIME = "no time between samples"


@dataclass(frozen=True)
class CounterPoint:
    """One reading of a counter: when (seconds since the epoch), the server's uptime then, and the value.
    ``value`` None means the node could not be read at that time."""

    at: float
    value: float | None
    uptime_s: float | None = None


@dataclass(frozen=True)
class RateInterval:
    start: float
    end: float
    rate: float | None  # per second; None for a gap
    gap: str | None = None

    @property
    def delta(self) -> float:
        """What the counter grew by over the interval (0 for a gap)."""
        return 0.0 if self.rate is None else self.rate * (self.end - self.start)


def interval_rate(previous: CounterPoint, current: CounterPoint) -> RateInterval:
    """The rate between two consecutive readings, or a gap saying why there is none."""
    gap = _gap(previous, current)
    if gap is not None:
        return RateInterval(previous.at, current.at, None, gap)
    assert previous.value is not None and current.value is not None
    return RateInterval(previous.at, current.at, (current.value - previous.value) / (current.at - previous.at))


def _gap(previous: CounterPoint, current: CounterPoint) -> str | None:
    if previous.value is None or current.value is None:
        return MISSING
    if current.at <= previous.at:
        return NO_TIME
    if previous.uptime_s is not None and current.uptime_s is not None and current.uptime_s < previous.uptime_s:
        return RESTARTED
    if current.value < previous.value:
        return COUNTER_RESET
    return None


def rates(points: Sequence[CounterPoint]) -> list[RateInterval]:
    """One interval per pair of consecutive readings (``points`` in time order)."""
    return [interval_rate(a, b) for a, b in itertools.pairwise(points)]


def total(intervals: Sequence[RateInterval]) -> float:
    """What the counter grew by over every interval that has a rate (gaps count for nothing)."""
    return sum(interval.delta for interval in intervals)


def gaps(intervals: Sequence[RateInterval]) -> list[RateInterval]:
    return [interval for interval in intervals if interval.gap is not None]
