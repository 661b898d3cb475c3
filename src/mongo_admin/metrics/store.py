"""Writing collection rounds to the platform database, keeping them bounded, and reading one series back.

A series is read on a regular grid (``start``, ``end``, ``step``): each step holds the last value read in it, or
is an explicit gap saying why there is none (the node was down, or nothing was collected then). Counters
(``opcounters.*``, ``network.*``) come back as per-second rates computed across server restarts
(``metrics.rates``): an interval spanning a restart or a missing round is a gap, never a negative rate.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session

from mongo_admin.errors import InvalidInputError
from mongo_admin.metrics import rates
from mongo_admin.metrics.collector import COUNTERS, ClusterSample
from mongo_admin.metrics.models import MetricRound, MetricSample

UP = "up"
NODE_DOWN = "node down"
NO_SAMPLE = "no sample"
MAX_POINTS = 10_000
# A series set (the dashboard's chart of every node) is bounded as a whole too.
MAX_SET_POINTS = 200_000
# A series is hundreds of rows, each handed from the database driver to Python: threads reading series at once
# pass the GIL back and forth for every row (sqlite3 releases it per row) and all get slower — under 50 concurrent
# requests, half as many series per second as one at a time. So a process reads one series' rows at a time.
_SERIES_READS = threading.Lock()


@dataclass(frozen=True)
class Retention:
    """Rounds older than ``max_age`` go, and beyond the newest ``max_rounds`` of a cluster. The defaults keep
    six hours at a 10 s interval."""

    max_age: dt.timedelta = dt.timedelta(hours=6)
    max_rounds: int = 2160


def write_sample(session: Session, sample: ClusterSample) -> int:
    """Store one round (the caller commits); returns its id. Shard figures are stored under the shard's name."""
    row = MetricRound(cluster=sample.cluster, taken_at=sample.taken_at, duration_s=sample.duration_s,
                      nodes=len(sample.nodes), gaps=len(sample.gaps))
    session.add(row)
    session.flush()
    common = {"round_id": row.id, "cluster": sample.cluster, "taken_at": sample.taken_at}
    values = []
    for node in sample.nodes:
        values.append({**common, "node": node.node, "metric": UP, "value": 1.0 if node.ok else 0.0})
        values += [{**common, "node": node.node, "metric": name, "value": value}
                   for name, value in node.values.items()]
    for shard in sample.shards:
        values += [{**common, "node": shard.shard, "metric": name, "value": float(value)}
                   for name, value in shard.values().items()]
    session.execute(insert(MetricSample), values)
    return row.id


def prune(session: Session, cluster: str, retention: Retention, now: dt.datetime) -> int:
    """Delete the rounds of ``cluster`` that ``retention`` no longer keeps (the caller commits); returns how many."""
    cutoff = now - retention.max_age
    too_old = select(MetricRound.id).where(MetricRound.cluster == cluster, MetricRound.taken_at < cutoff)
    beyond = (select(MetricRound.id).where(MetricRound.cluster == cluster)
              .order_by(MetricRound.taken_at.desc()).offset(retention.max_rounds))
    doomed = set(session.scalars(too_old)) | set(session.scalars(beyond))
    if not doomed:
        return 0
    ids = sorted(doomed)
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        session.execute(delete(MetricSample).where(MetricSample.round_id.in_(chunk)))
        session.execute(delete(MetricRound).where(MetricRound.id.in_(chunk)))
    return len(ids)


@dataclass(frozen=True)
class SeriesPoint:
    at: dt.datetime  # start of the step
    value: float | None
    gap: str | None = None


@dataclass(frozen=True)
class Series:
    cluster: str
    node: str
    metric: str
    kind: Literal["gauge", "rate"]
    step_s: float
    points: list[SeriesPoint]

    @property
    def gaps(self) -> list[SeriesPoint]:
        return [point for point in self.points if point.gap is not None]


@dataclass(frozen=True)
class _Reading:
    at: dt.datetime
    up: bool
    value: float | None
    uptime_s: float | None


def _rounds(session: Session, cluster: str, nodes: Sequence[str], names: Sequence[str], start: dt.datetime,
            end: dt.datetime) -> dict[str, dict[dt.datetime, dict[str, float]]]:
    """The samples named ``names`` (plus the ``up`` samples of 0) of ``nodes``, per node and round."""
    # An ``up`` sample of 1 says nothing a value does not: only those of 0 (the node was down) are read, and
    # ``uptime_s`` only for a rate. A gauge reads a third of the rows it would, a rate two thirds (turning each
    # stored time back into a datetime is most of the cost).
    rows = session.execute(
        select(MetricSample.node, MetricSample.taken_at, MetricSample.metric, MetricSample.value)
        .where(MetricSample.cluster == cluster, MetricSample.node.in_(nodes), MetricSample.metric.in_(names),
               MetricSample.taken_at >= start, MetricSample.taken_at < end,
               or_(MetricSample.metric != UP, MetricSample.value == 0.0)))
    found: dict[str, dict[dt.datetime, dict[str, float]]] = {}
    for node, taken_at, name, value in rows:
        found.setdefault(node, {}).setdefault(taken_at, {})[name] = value
    return found


def _readings(rounds: dict[dt.datetime, dict[str, float]], metric: str, *, with_uptime: bool) -> list[_Reading]:
    """One node's rounds that say something about ``metric``: its value, the node down, or (for a rate) the
    server's uptime."""
    relevant = {metric, UP, "uptime_s"} if with_uptime else {metric, UP}
    # Shard figures have no ``up`` sample: a value is its own proof of life.
    return [_Reading(at, bool(row.get(UP, 1.0)), row.get(metric), row.get("uptime_s"))
            for at, row in sorted(rounds.items()) if relevant & row.keys()]


def read_series(session: Session, cluster: str, node: str, metric: str, start: dt.datetime, end: dt.datetime,
                step_s: float) -> Series:
    """``metric`` of ``node`` from ``start`` to ``end`` on a ``step_s`` grid; counters as rates per second."""
    return read_series_set(session, cluster, [node], [metric], start, end, step_s)[0]


def read_series_set(session: Session, cluster: str, nodes: Sequence[str], metrics: Sequence[str],
                    start: dt.datetime, end: dt.datetime, step_s: float) -> list[Series]:
    """Every metric of ``metrics`` for every node of ``nodes`` (node by node, metrics in the order given), each as
    ``read_series`` reads it, from one database query."""
    if step_s <= 0 or end <= start:
        raise InvalidInputError("invalid series range", "the step must be positive and the end after the start",
                                "pass from < to and a step in seconds")
    nodes, metrics = list(dict.fromkeys(nodes)), list(dict.fromkeys(metrics))
    if not nodes or not metrics:
        raise InvalidInputError("no series asked", "at least one node and one metric are needed",
                                "pass node=... and metric=...")
    steps = int(-(-(end - start).total_seconds() // step_s))
    if steps > MAX_POINTS:
        raise InvalidInputError("too many points", f"{steps} steps asked, at most {MAX_POINTS}",
                                "use a larger step or a shorter range")
    if len(nodes) * len(metrics) * steps > MAX_SET_POINTS:
        raise InvalidInputError("too many points",
                                f"{len(nodes)} nodes x {len(metrics)} metrics x {steps} steps asked, "
                                f"at most {MAX_SET_POINTS} points in all",
                                "ask for fewer series, a larger step or a shorter range")
    step = dt.timedelta(seconds=step_s)
    any_rate = any(metric in COUNTERS for metric in metrics)
    names = [*metrics, UP, *(["uptime_s"] if any_rate else [])]
    # A rate's first interval starts at the reading before the range: read one step earlier.
    with _SERIES_READS:
        rounds = _rounds(session, cluster, nodes, names, start - step if any_rate else start, end)
    series = []
    for node in nodes:
        for metric in metrics:
            kind: Literal["gauge", "rate"] = "rate" if metric in COUNTERS else "gauge"
            readings = _readings(rounds.get(node, {}), metric, with_uptime=kind == "rate")
            points = _grid(readings, kind, start, step, steps)
            series.append(Series(cluster, node, metric, kind, step_s, points))
    return series


def _grid(readings: Sequence[_Reading], kind: Literal["gauge", "rate"], start: dt.datetime, step: dt.timedelta,
          steps: int) -> list[SeriesPoint]:
    step_s = step.total_seconds()
    buckets: list[list[tuple[float | None, str | None, float]]] = [[] for _ in range(steps)]

    def bucket(at: dt.datetime) -> int | None:
        index = int((at - start).total_seconds() // step_s)
        return index if 0 <= index < steps else None

    if kind == "gauge":
        for reading in readings:
            if (index := bucket(reading.at)) is not None:
                gap = None if reading.value is not None else NODE_DOWN if not reading.up else NO_SAMPLE
                buckets[index].append((reading.value, gap, 0.0))
    else:
        points = [rates.CounterPoint(r.at.timestamp(), r.value, r.uptime_s) for r in readings]
        for reading, interval in zip(readings[1:], rates.rates(points), strict=True):
            if (index := bucket(reading.at)) is not None:
                gap = interval.gap if reading.up else NODE_DOWN
                buckets[index].append((interval.delta if interval.gap is None else None, gap,
                                       interval.end - interval.start))
    return [_point(start + i * step, entries, kind) for i, entries in enumerate(buckets)]


def _point(at: dt.datetime, entries: Sequence[tuple[float | None, str | None, float]],
           kind: Literal["gauge", "rate"]) -> SeriesPoint:
    usable = [(value, seconds) for value, gap, seconds in entries if gap is None and value is not None]
    if not usable:
        return SeriesPoint(at, None, next((gap for _, gap, _ in entries if gap), NO_SAMPLE))
    if kind == "gauge":
        return SeriesPoint(at, usable[-1][0])
    # Rate over the step: what the counter grew by in the intervals that ended in it, over their length.
    seconds = sum(length for _, length in usable)
    return SeriesPoint(at, sum(delta for delta, _ in usable if delta is not None) / seconds if seconds else None)
