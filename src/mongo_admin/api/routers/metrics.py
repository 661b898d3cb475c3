"""Metrics: the latest values per node of a cluster, one series (or a set of them: several metrics of several
nodes, as a dashboard chart draws them) on a regular grid with its gaps explicit, and the Prometheus exposition
of every poller's latest round. All of it needs the viewer role: the exposition names hosts, ports and replica
sets, so Prometheus scrapes it with an API token (``authorization: credentials``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import StringConstraints
from sqlalchemy import select

from mongo_admin.api.auth import ViewerUser
from mongo_admin.api.deps import SessionDep, SettingsDep, run_reading
from mongo_admin.api.operations import RegisteredClusterDep
from mongo_admin.api.ops_schemas import MetricsLatestPublic, NodeLatest, SeriesPublic, SeriesSetPublic
from mongo_admin.api.responses import DocumentedRoute, errors
from mongo_admin.db.base import utcnow
from mongo_admin.metrics.collector import ClusterSample
from mongo_admin.metrics.models import MetricRound, MetricSample
from mongo_admin.metrics.prometheus import CONTENT_TYPE, render
from mongo_admin.metrics.store import UP, read_series, read_series_set

router = APIRouter(tags=["metrics"], route_class=DocumentedRoute)

DEFAULT_RANGE = dt.timedelta(hours=1)
MAX_SET_NODES = 200
MAX_SET_METRICS = 16
NodeId = Annotated[str, StringConstraints(min_length=1, max_length=128)]
MetricName = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Start = Annotated[dt.datetime | None, Query(description="Default: an hour before end.")]
End = Annotated[dt.datetime | None, Query(description="Default: now.")]
Step = Annotated[float, Query(gt=0, le=86400, description="Seconds per point.")]


@router.get("/clusters/{name}/metrics/latest", response_model=MetricsLatestPublic,
            summary="The latest collected values, per node", responses=errors(404))
def latest_metrics(_: ViewerUser, cluster: RegisteredClusterDep, session: SessionDep,
                   settings: SettingsDep) -> MetricsLatestPublic:
    interval_s = settings.metrics_interval_s if settings.background and settings.metrics_interval_s > 0 else None
    latest = session.scalars(select(MetricRound).where(MetricRound.cluster == cluster.name)
                             .order_by(MetricRound.taken_at.desc(), MetricRound.id.desc()).limit(1)).first()
    if latest is None:
        return MetricsLatestPublic(cluster=cluster.name, taken_at=None, age_s=None, duration_s=None, gaps=0,
                                   interval_s=interval_s, nodes=[])
    by_node: dict[str, dict[str, float]] = {}
    for node, metric, value in session.execute(select(MetricSample.node, MetricSample.metric, MetricSample.value)
                                               .where(MetricSample.round_id == latest.id)):
        by_node.setdefault(node, {})[metric] = value
    nodes = [NodeLatest(node=node, up=bool(values.pop(UP)) if UP in values else None, values=values)
             for node, values in sorted(by_node.items())]
    return MetricsLatestPublic(cluster=cluster.name, taken_at=latest.taken_at,
                               age_s=(utcnow() - latest.taken_at).total_seconds(), duration_s=latest.duration_s,
                               gaps=latest.gaps, interval_s=interval_s, nodes=nodes)


@router.get("/clusters/{name}/metrics/series", response_model=SeriesPublic,
            summary="One metric of one node on a regular grid; counters as rates per second, gaps explicit",
            responses=errors(404, why={400: "The range is empty, or holds more points than one series may."}))
async def metric_series(_: ViewerUser, cluster: RegisteredClusterDep, session: SessionDep,
                        node: Annotated[str, Query(min_length=1, max_length=128,
                                                   description="A node id or shard name.")],
                        metric: Annotated[str, Query(min_length=1, max_length=64,
                                                     description="e.g. connections.current, opcounters.insert, "
                                                                 "repl.lag_s")],
                        start: Start = None, end: End = None, step: Step = 60.0) -> SeriesPublic:
    since, until = _range(start, end)
    series = await run_reading(session, lambda: read_series(session, cluster.name, node, metric, since, until, step))
    return SeriesPublic.model_validate(series)


@router.get("/clusters/{name}/metrics/series/batch", response_model=SeriesSetPublic,
            summary="Several metrics of several nodes on one grid, read at once (a chart of every node)",
            responses=errors(404, why={400: "The range is empty, or holds more points than a set may."}))
async def metric_series_set(_: ViewerUser, cluster: RegisteredClusterDep, session: SessionDep,
                            node: Annotated[list[NodeId], Query(min_length=1, max_length=MAX_SET_NODES,
                                                                description="Node ids or shard names (repeat).")],
                            metric: Annotated[list[MetricName], Query(min_length=1, max_length=MAX_SET_METRICS,
                                                                      description="Metric names (repeat).")],
                            start: Start = None, end: End = None, step: Step = 60.0) -> SeriesSetPublic:
    since, until = _range(start, end)
    found = await run_reading(session, lambda: read_series_set(session, cluster.name, node, metric, since, until,
                                                               step))
    return SeriesSetPublic(cluster=cluster.name, start=since, end=until, step_s=step,
                           series=[SeriesPublic.model_validate(series) for series in found])


def _range(start: dt.datetime | None, end: dt.datetime | None) -> tuple[dt.datetime, dt.datetime]:
    until = _aware(end) if end is not None else utcnow()
    return (_aware(start) if start is not None else until - DEFAULT_RANGE), until


def _aware(moment: dt.datetime) -> dt.datetime:
    """Query times without an offset are read as UTC (the series are stored in UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _samples(pollers: Any) -> list[ClusterSample]:
    found: Iterable[Any] = pollers.values() if isinstance(pollers, Mapping) else (pollers or ())
    return [poller.latest for poller in found if getattr(poller, "latest", None) is not None]


@router.get("/metrics", response_class=Response, summary="Prometheus exposition of every cluster's latest round",
            responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}})
def prometheus_metrics(_: ViewerUser, request: Request) -> Response:
    return Response(render(_samples(getattr(request.app.state, "pollers", None))), media_type=CONTENT_TYPE)
