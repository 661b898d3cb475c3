"""Metrics: the latest values per node of a cluster, one series on a regular grid with its gaps explicit, and
the Prometheus exposition of every poller's latest round. All of it needs the viewer role: the exposition names
hosts, ports and replica sets, so Prometheus scrapes it with an API token (``authorization: credentials``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import select

from mongo_admin.api.auth import ViewerUser
from mongo_admin.api.deps import SessionDep, run_reading
from mongo_admin.api.operations import RegisteredClusterDep
from mongo_admin.api.ops_schemas import MetricsLatestPublic, NodeLatest, SeriesPublic
from mongo_admin.api.responses import DocumentedRoute, errors
from mongo_admin.db.base import utcnow
from mongo_admin.metrics.collector import ClusterSample
from mongo_admin.metrics.models import MetricRound, MetricSample
from mongo_admin.metrics.prometheus import CONTENT_TYPE, render
from mongo_admin.metrics.store import UP, read_series

router = APIRouter(tags=["metrics"], route_class=DocumentedRoute)

DEFAULT_RANGE = dt.timedelta(hours=1)


@router.get("/clusters/{name}/metrics/latest", response_model=MetricsLatestPublic,
            summary="The latest collected values, per node", responses=errors(404))
def latest_metrics(_: ViewerUser, cluster: RegisteredClusterDep, session: SessionDep) -> MetricsLatestPublic:
    latest = session.scalars(select(MetricRound).where(MetricRound.cluster == cluster.name)
                             .order_by(MetricRound.taken_at.desc(), MetricRound.id.desc()).limit(1)).first()
    if latest is None:
        return MetricsLatestPublic(cluster=cluster.name, taken_at=None, duration_s=None, gaps=0, nodes=[])
    by_node: dict[str, dict[str, float]] = {}
    for node, metric, value in session.execute(select(MetricSample.node, MetricSample.metric, MetricSample.value)
                                               .where(MetricSample.round_id == latest.id)):
        by_node.setdefault(node, {})[metric] = value
    nodes = [NodeLatest(node=node, up=bool(values.pop(UP)) if UP in values else None, values=values)
             for node, values in sorted(by_node.items())]
    return MetricsLatestPublic(cluster=cluster.name, taken_at=latest.taken_at, duration_s=latest.duration_s,
                               gaps=latest.gaps, nodes=nodes)


@router.get("/clusters/{name}/metrics/series", response_model=SeriesPublic,
            summary="One metric of one node on a regular grid; counters as rates per second, gaps explicit",
            responses=errors(404, why={400: "The range is empty, or holds more points than one series may."}))
async def metric_series(_: ViewerUser, cluster: RegisteredClusterDep, session: SessionDep,
                        node: Annotated[str, Query(min_length=1, max_length=128,
                                                   description="A node id or shard name.")],
                        metric: Annotated[str, Query(min_length=1, max_length=64,
                                                     description="e.g. connections.current, opcounters.insert, "
                                                                 "repl.lag_s")],
                        start: Annotated[dt.datetime | None, Query(description="Default: an hour before end.")] = None,
                        end: Annotated[dt.datetime | None, Query(description="Default: now.")] = None,
                        step: Annotated[float, Query(gt=0, le=86400, description="Seconds per point.")] = 60.0
                        ) -> SeriesPublic:
    until = _aware(end) if end is not None else utcnow()
    since = _aware(start) if start is not None else until - DEFAULT_RANGE
    series = await run_reading(session, lambda: read_series(session, cluster.name, node, metric, since, until, step))
    return SeriesPublic.model_validate(series)


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
