"""Clusters the platform manages: register one by connection string and credentials (kept encrypted, never
returned) or one deployed on this machine; list; detail with topology and health (the poller's latest snapshot,
or read live); data distribution (read live); unregister."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response, status
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from mongo_admin.api.auth import AdminUser, ViewerUser
from mongo_admin.api.background import DEPLOYED, REGISTERED, Background, register_deployed
from mongo_admin.api.cluster_schemas import (
    ClusterCreate,
    ClusterDetailPublic,
    ClusterPublic,
    ClustersPublic,
    DataDistributionPublic,
    DeployedTopologyPublic,
    HealthReportPublic,
    RegisteredTopologyPublic,
)
from mongo_admin.api.deps import CipherDep, SessionDep, SettingsDep, app_service, end_read, run_reading
from mongo_admin.api.responses import DocumentedRoute, errors
from mongo_admin.db.base import utcnow
from mongo_admin.db.crypto import MongoCredentials
from mongo_admin.db.models import RegisteredCluster
from mongo_admin.errors import CommandFailedError
from mongo_admin.metrics.snapshot import Snapshot
from mongo_admin.metrics.watch import WatchedCluster

router = APIRouter(prefix="/clusters", tags=["clusters"], route_class=DocumentedRoute)

CLUSTER_NOT_FOUND = "cluster not found"
NAME_TAKEN = "a cluster with this name is already registered"
NOT_DEPLOYED = "no cluster of this name was deployed on this machine"
NO_BACKGROUND = "the cluster pollers are not available"
# The longest a detail request waits for a live reading.
DETAIL_TIMEOUT_S = 10.0
# The bound on each server call of a distribution reading.
DISTRIBUTION_TIMEOUT_S = 10.0
NamePath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]


def cluster_public(row: RegisteredCluster) -> ClusterPublic:
    return ClusterPublic(id=row.id, name=row.name, source=row.source, connection_string=row.connection_string,
                         tls=row.tls, has_credentials=row.credentials_encrypted is not None,
                         created_at=row.created_at)


def _get(session: Session, name: str) -> RegisteredCluster:
    row = session.scalar(select(RegisteredCluster).where(RegisteredCluster.name == name))
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, CLUSTER_NOT_FOUND)
    return row


def _background(request: Request) -> Background | None:
    background: Background | None = getattr(request.app.state, "background", None)
    return background


@router.post("", response_model=ClusterPublic, status_code=status.HTTP_201_CREATED,
             summary="Register a cluster (connection string and credentials, or deployed on this machine)",
             responses=errors(why={400: "deployed names no cluster deployed on this machine, or name differs from it.",
                                   409: "A cluster with this name is already registered."}))
def register_cluster(body: ClusterCreate, _: AdminUser, session: SessionDep, cipher: CipherDep,
                     settings: SettingsDep, request: Request) -> ClusterPublic:
    name = body.name or body.deployed
    assert name is not None  # the schema requires one
    request.state.audit_target = f"clusters/{name}"
    if session.scalar(select(RegisteredCluster.id).where(RegisteredCluster.name == name)) is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, NAME_TAKEN)
    if body.deployed is not None:
        if body.name is not None and body.name != body.deployed:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, "a deployed cluster keeps its own name")
        from mongo_admin.ops.cluster.state import ClusterPaths, read_record

        if read_record(ClusterPaths(body.deployed, settings.home)) is None:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, NOT_DEPLOYED)
        row = register_deployed(request.app.state.sessions, body.deployed, settings.home)
        background = _background(request)
        if background is not None:
            background.start_poller(body.deployed)
        return cluster_public(row)
    assert body.connection_string is not None
    row = RegisteredCluster(name=name, connection_string=body.connection_string, source=REGISTERED, tls=body.tls)
    if body.username is not None and body.password is not None:
        row.set_credentials(cipher, MongoCredentials(body.username, body.password, body.auth_source))
    session.add(row)
    session.commit()
    background = _background(request)
    if background is not None:
        background.start_poller(name)
    return cluster_public(row)


@router.get("", response_model=ClustersPublic, summary="List registered clusters")
async def list_clusters(_: ViewerUser, session: SessionDep) -> ClustersPublic:
    rows = await run_reading(session, lambda: session.scalars(select(RegisteredCluster)
                                                              .order_by(RegisteredCluster.name)).all())
    return ClustersPublic(data=[cluster_public(row) for row in rows], count=len(rows))


@router.get("/{name}", response_model=ClusterDetailPublic,
            summary="A cluster with its topology and health (its poller's latest snapshot, or read live)",
            responses=errors(404))
async def get_cluster(name: NamePath, _: ViewerUser, session: SessionDep, request: Request,
                      refresh: Annotated[bool, Query(description="Read the cluster now (waiting at most "
                                                                 f"{DETAIL_TIMEOUT_S:g} s) instead of serving the "
                                                                 "snapshot its poller keeps.")] = False,
                      max_age_s: Annotated[float | None, Query(
                          ge=1, le=3600, description="Serve the kept snapshot only while it is at most this old, "
                          "else read the cluster now (one reading at a time per cluster, shared by every request "
                          "waiting for it). Default: two poller intervals. A page showing live state asks for a "
                          "few seconds.")] = None,
                      ) -> ClusterDetailPublic:
    background: Background = app_service(request, "background", NO_BACKGROUND)

    def read() -> tuple[RegisteredCluster, Snapshot | None, bool]:
        # The row, then the snapshot (which may wait for a live reading), in one worker thread.
        row = _get(session, name)
        end_read(session)
        snapshot, live = background.snapshot_keeper(row).current(refresh=refresh, timeout_s=DETAIL_TIMEOUT_S,
                                                                 max_age_s=max_age_s or background.snapshot_max_age_s)
        return row, snapshot, live

    row, snapshot, live = await run_in_threadpool(read)
    public = cluster_public(row).model_dump()
    if snapshot is None:
        return ClusterDetailPublic(**public, status="unreachable", topology=None, health=None,
                                   error=f"no answer within {DETAIL_TIMEOUT_S:g} s", observed_at=None, age_s=None,
                                   stale=False)
    return ClusterDetailPublic(**public, status=snapshot.status, topology=_topology(row.source, snapshot.topology),
                               health=HealthReportPublic.model_validate(snapshot.health) if snapshot.health else None,
                               error=snapshot.error, observed_at=snapshot.observed_at,
                               age_s=round(max(0.0, (utcnow() - snapshot.observed_at).total_seconds()), 3),
                               stale=not live)


def _topology(source: str,
              reading: dict[str, Any] | None) -> DeployedTopologyPublic | RegisteredTopologyPublic | None:
    """A snapshot's topology as its typed shape: `cluster status` for a deployed cluster, the remote reading for a
    registered one (``source`` tells them apart, in the answer too)."""
    if reading is None:
        return None
    if source == DEPLOYED:
        return DeployedTopologyPublic.model_validate({**reading, "source": DEPLOYED})
    return RegisteredTopologyPublic.model_validate({**reading, "source": REGISTERED})


@router.get("/{name}/distribution", response_model=DataDistributionPublic,
            summary="Where the cluster's data lives, read now through its routers: per shard, per sharded collection "
                    "and per collection on each shard, with totals and the balancer's state",
            responses=errors(404, why={409: "The cluster is not a sharded cluster (no router answers at its connection "
                                            "string), or a deployed cluster's files are gone.",
                                       502: "The cluster did not answer, or refused a command (detail says which)."}))
def data_distribution(name: NamePath, _: ViewerUser, session: SessionDep, settings: SettingsDep,
                      cipher: CipherDep) -> DataDistributionPublic:
    from mongo_admin.ops.cluster.distribution import cluster_distribution, read_distribution

    row = _get(session, name)
    end_read(session)
    try:
        if row.source == DEPLOYED:
            result = cluster_distribution(row.name, settings.home)
        else:
            with WatchedCluster.of(row, cipher, deployed=False).remote(DISTRIBUTION_TIMEOUT_S) as remote:
                result = read_distribution(remote.seed_client(), row.name)
    except CommandFailedError as exc:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, f"{exc.what}: {exc.why}") from None
    return DataDistributionPublic.model_validate(dataclasses.asdict(result))


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Unregister a cluster (a deployed one keeps running; its files stay)", responses=errors(404))
def unregister_cluster(name: NamePath, _: AdminUser, session: SessionDep, request: Request) -> Response:
    row = _get(session, name)
    background = _background(request)
    if background is not None:
        background.stop_poller(name)
    session.delete(row)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
