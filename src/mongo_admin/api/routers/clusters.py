"""Clusters the platform manages: register one by connection string and credentials (kept encrypted, never
returned) or one deployed on this machine; list; detail with live topology and health; unregister."""

from __future__ import annotations

import dataclasses
from pathlib import Path as PathType
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, Response, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from mongo_admin.api.auth import AdminUser, ViewerUser
from mongo_admin.api.background import DEPLOYED, REGISTERED, Background, register_deployed
from mongo_admin.api.cluster_schemas import ClusterCreate, ClusterDetailPublic, ClusterPublic, ClustersPublic
from mongo_admin.api.deps import CipherDep, SessionDep, SettingsDep
from mongo_admin.db.crypto import CredentialCipher, MongoCredentials
from mongo_admin.db.models import RegisteredCluster
from mongo_admin.errors import MongoAdminError

router = APIRouter(prefix="/clusters", tags=["clusters"])

CLUSTER_NOT_FOUND = "cluster not found"
NAME_TAKEN = "a cluster with this name is already registered"
NOT_DEPLOYED = "no cluster of this name was deployed on this machine"
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
             summary="Register a cluster (connection string and credentials, or deployed on this machine)")
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
    return cluster_public(row)


@router.get("", response_model=ClustersPublic, summary="List registered clusters")
def list_clusters(_: ViewerUser, session: SessionDep) -> ClustersPublic:
    rows = session.scalars(select(RegisteredCluster).order_by(RegisteredCluster.name)).all()
    return ClustersPublic(data=[cluster_public(row) for row in rows], count=len(rows))


def _jsonable(value: Any) -> dict[str, Any]:
    data: dict[str, Any] = dataclasses.asdict(value)
    return data


def _deployed_detail(name: str, home: PathType) -> tuple[str, dict[str, Any], dict[str, Any]]:
    from mongo_admin.ops.cluster.status import cluster_status
    from mongo_admin.ops.health import health_check

    topology = cluster_status(name, home)
    health = health_check(name, home)
    return topology.health, _jsonable(topology), _jsonable(health)


def _registered_detail(row: RegisteredCluster, cipher: CredentialCipher) -> tuple[str, dict[str, Any]]:
    from mongo_admin.ops.cluster.remote import remote_topology

    credentials = row.credentials(cipher)
    topology = remote_topology(row.connection_string, tls=row.tls,
                               username=credentials.username if credentials else None,
                               password=credentials.password if credentials else None,
                               auth_source=credentials.auth_source if credentials else "admin")
    return topology.health, _jsonable(topology)


@router.get("/{name}", response_model=ClusterDetailPublic, summary="A cluster with its live topology and health")
def get_cluster(name: NamePath, _: ViewerUser, session: SessionDep, cipher: CipherDep,
                settings: SettingsDep) -> ClusterDetailPublic:
    row = _get(session, name)
    public = cluster_public(row).model_dump()
    health: dict[str, Any] | None = None
    try:
        if row.source == DEPLOYED:
            state, topology, health = _deployed_detail(row.name, settings.home)
        else:
            state, topology = _registered_detail(row, cipher)
    except MongoAdminError as exc:
        return ClusterDetailPublic(**public, status="unreachable", topology=None, health=None,
                                   error=exc.what)
    except Exception as exc:  # a malformed connection string, a driver error: reported, never a 500
        return ClusterDetailPublic(**public, status="unreachable", topology=None, health=None,
                                   error=type(exc).__name__)
    return ClusterDetailPublic(**public, status=state, topology=topology, health=health)


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Unregister a cluster (a deployed one keeps running; its files stay)")
def unregister_cluster(name: NamePath, _: AdminUser, session: SessionDep, request: Request) -> Response:
    row = _get(session, name)
    background = _background(request)
    if background is not None:
        background.stop_poller(name)
    session.delete(row)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
