"""Deployments: clusters deployed on this machine, and their deploy, stop, start, rolling restart and destroy,
each run as a job (202 with the job; follow it at /jobs/{id} or /jobs/{id}/events). One deployment job per
cluster at a time: a second one gets 409 naming the holder."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request, status

from mongo_admin.api.auth import AdminUser, OperatorUser, ViewerUser
from mongo_admin.api.cluster_schemas import DeploymentCreate, DeploymentPublic, DeploymentsPublic, JobPublic
from mongo_admin.api.deps import RunnerDep, SettingsDep
from mongo_admin.api.routers.jobs import job_public
from mongo_admin.api.settings import ApiSettings
from mongo_admin.db.models import User
from mongo_admin.jobs.deployment_kinds import DEPLOY_KIND, lifecycle_kind
from mongo_admin.jobs.runner import JobRunner

router = APIRouter(prefix="/deployments", tags=["deployments"])

NOT_DEPLOYED = "no cluster of this name was deployed on this machine"
NamePath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]


@router.get("", response_model=DeploymentsPublic, summary="Clusters deployed on this machine")
def list_deployments(_: ViewerUser, settings: SettingsDep) -> DeploymentsPublic:
    from mongo_admin.ops.cluster.status import list_clusters

    entries = [DeploymentPublic(name=e.name, state=e.state, server=e.server, processes=e.processes,
                                running=e.running, routers=e.routers) for e in list_clusters(settings.home)]
    return DeploymentsPublic(data=entries, count=len(entries))


@router.post("", response_model=JobPublic, status_code=status.HTTP_202_ACCEPTED,
             summary="Deploy (or converge) a cluster from its spec, as a job")
def deploy_cluster(body: DeploymentCreate, user: OperatorUser, runner: RunnerDep, settings: SettingsDep,
                   request: Request) -> JobPublic:
    from mongo_admin.spec.load import SpecError, parse_spec

    try:
        spec = parse_spec(body.spec, "spec")
    except SpecError as exc:
        problems = "; ".join(f"{p.location}: {p.message}" if p.location else p.message for p in exc.problems)
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"the cluster spec is not valid: {problems}") from None
    request.state.audit_target = f"deployments/{spec.name}"
    params = {"spec": body.spec, "version": body.version, "keep_on_failure": body.keep_on_failure,
              "home": str(settings.home)}
    job = runner.submit_kind(DEPLOY_KIND, spec.name, {k: v for k, v in params.items() if v is not None},
                             requested_by=user.username)
    return job_public(job)


def _lifecycle(runner: JobRunner, settings: ApiSettings, name: str, action: str, user: User) -> JobPublic:
    from mongo_admin.ops.cluster.state import ClusterPaths, read_record

    if read_record(ClusterPaths(name, settings.home)) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_DEPLOYED)
    job = runner.submit_kind(lifecycle_kind(action), name, {"home": str(settings.home)}, requested_by=user.username)
    return job_public(job)


@router.post("/{name}/stop", response_model=JobPublic, status_code=status.HTTP_202_ACCEPTED,
             summary="Stop a deployed cluster (routers, shards, config servers), as a job")
def stop_cluster(name: NamePath, user: OperatorUser, runner: RunnerDep, settings: SettingsDep) -> JobPublic:
    return _lifecycle(runner, settings, name, "stop", user)


@router.post("/{name}/start", response_model=JobPublic, status_code=status.HTTP_202_ACCEPTED,
             summary="Start a deployed cluster (config servers, shards, routers), as a job")
def start_cluster(name: NamePath, user: OperatorUser, runner: RunnerDep, settings: SettingsDep) -> JobPublic:
    return _lifecycle(runner, settings, name, "start", user)


@router.post("/{name}/restart", response_model=JobPublic, status_code=status.HTTP_202_ACCEPTED,
             summary="Rolling restart of a deployed cluster, as a job")
def restart_cluster(name: NamePath, user: OperatorUser, runner: RunnerDep, settings: SettingsDep) -> JobPublic:
    return _lifecycle(runner, settings, name, "restart", user)


@router.post("/{name}/destroy", response_model=JobPublic, status_code=status.HTTP_202_ACCEPTED,
             summary="Stop a deployed cluster and remove its files, as a job (admin)")
def destroy_cluster(name: NamePath, user: AdminUser, runner: RunnerDep, settings: SettingsDep) -> JobPublic:
    return _lifecycle(runner, settings, name, "destroy", user)
