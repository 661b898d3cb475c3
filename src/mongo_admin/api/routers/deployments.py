"""Deployments: clusters deployed on this machine, and their deploy, stop, start, rolling restart and destroy, and
the stop and start of one of their nodes, each run as a job (202 with the job; follow it at /jobs/{id} or
/jobs/{id}/events). One deployment job per cluster at a time: a second one gets 409 naming the holder."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from pydantic import BaseModel, Field

from mongo_admin.api.auth import AdminUser, OperatorUser, ViewerUser
from mongo_admin.api.cluster_schemas import (
    ClusterStatusPublic,
    DeploymentCreate,
    DeploymentPublic,
    DeploymentsPublic,
    DeployPlanPublic,
    HealthReportPublic,
    JobPublic,
)
from mongo_admin.api.deps import RunnerDep, SettingsDep
from mongo_admin.api.responses import DocumentedRoute, errors
from mongo_admin.api.routers.jobs import job_public
from mongo_admin.api.settings import ApiSettings
from mongo_admin.db.models import User
from mongo_admin.errors import InvalidInputError
from mongo_admin.jobs.deployment_kinds import DEPLOY_KIND, lifecycle_kind, node_kind
from mongo_admin.jobs.runner import JobRunner
from mongo_admin.ops.health import Thresholds
from mongo_admin.spec.model import CLUSTER_NAME

if TYPE_CHECKING:
    from mongo_admin.spec.model import ClusterSpec

router = APIRouter(prefix="/deployments", tags=["deployments"], route_class=DocumentedRoute)

NOT_DEPLOYED = "no cluster of this name was deployed on this machine"
LOCK_HELD = "Another deployment job runs on this cluster: detail names it."
LIFECYCLE_ERRORS = errors(why={404: "No cluster of this name was deployed on this machine.", 409: LOCK_HELD})
NODE_ERRORS = errors(why={404: "No cluster of this name was deployed on this machine, or it has no such node "
                                "(detail lists its nodes).", 409: LOCK_HELD})
# The name of a cluster deployed on this machine, as its spec gives it.
NamePath = Annotated[str, Path(pattern=CLUSTER_NAME)]
# A node of that cluster, by its id as `cluster status` shows it (cfg-0, shard1-2, router-0).
NodePath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")]


@router.get("", response_model=DeploymentsPublic, summary="Clusters deployed on this machine")
def list_deployments(_: ViewerUser, settings: SettingsDep) -> DeploymentsPublic:
    from mongo_admin.ops.cluster.status import list_clusters

    entries = [DeploymentPublic(name=e.name, state=e.state, server=e.server, processes=e.processes,
                                running=e.running, routers=e.routers) for e in list_clusters(settings.home)]
    return DeploymentsPublic(data=entries, count=len(entries))


@router.post("", response_model=JobPublic, status_code=status.HTTP_202_ACCEPTED,
             summary="Deploy (or converge) a cluster from its spec, as a job",
             responses=errors(why={400: "The spec is not valid: detail names every problem and where it is.",
                                   409: LOCK_HELD}))
def deploy_cluster(body: DeploymentCreate, user: OperatorUser, runner: RunnerDep, settings: SettingsDep,
                   request: Request) -> JobPublic:
    spec = _parsed(body.spec)
    request.state.audit_target = f"deployments/{spec.name}"
    params = {"spec": body.spec, "version": body.version, "keep_on_failure": body.keep_on_failure,
              "home": str(settings.home)}
    job = runner.submit_kind(DEPLOY_KIND, spec.name, {k: v for k, v in params.items() if v is not None},
                             requested_by=user.username)
    return job_public(job)


def _lifecycle(runner: JobRunner, settings: ApiSettings, name: str, action: str, user: User) -> JobPublic:
    _deployed(settings, name)
    job = runner.submit_kind(lifecycle_kind(action), name, {"home": str(settings.home)}, requested_by=user.username)
    return job_public(job)


@router.post("/{name}/stop", response_model=JobPublic, status_code=status.HTTP_202_ACCEPTED,
             summary="Stop a deployed cluster (routers, shards, config servers), as a job", responses=LIFECYCLE_ERRORS)
def stop_cluster(name: NamePath, user: OperatorUser, runner: RunnerDep, settings: SettingsDep) -> JobPublic:
    return _lifecycle(runner, settings, name, "stop", user)


@router.post("/{name}/start", response_model=JobPublic, status_code=status.HTTP_202_ACCEPTED,
             summary="Start a deployed cluster (config servers, shards, routers), as a job", responses=LIFECYCLE_ERRORS)
def start_cluster(name: NamePath, user: OperatorUser, runner: RunnerDep, settings: SettingsDep) -> JobPublic:
    return _lifecycle(runner, settings, name, "start", user)


@router.post("/{name}/restart", response_model=JobPublic, status_code=status.HTTP_202_ACCEPTED,
             summary="Rolling restart of a deployed cluster, as a job", responses=LIFECYCLE_ERRORS)
def restart_cluster(name: NamePath, user: OperatorUser, runner: RunnerDep, settings: SettingsDep) -> JobPublic:
    return _lifecycle(runner, settings, name, "restart", user)


@router.post("/{name}/destroy", response_model=JobPublic, status_code=status.HTTP_202_ACCEPTED,
             summary="Stop a deployed cluster and remove its files, as a job (admin)", responses=LIFECYCLE_ERRORS)
def destroy_cluster(name: NamePath, user: AdminUser, runner: RunnerDep, settings: SettingsDep) -> JobPublic:
    return _lifecycle(runner, settings, name, "destroy", user)


def _node_job(runner: JobRunner, settings: ApiSettings, name: str, node: str, action: str, user: User) -> JobPublic:
    _deployed(settings, name)
    try:
        job = runner.submit_kind(node_kind(action), name, {"home": str(settings.home), "node": node},
                                 requested_by=user.username)
    except InvalidInputError as exc:  # the node is not one of the cluster's (the job builder checks it)
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{exc.what}: {exc.why}") from None
    return job_public(job)


@router.post("/{name}/nodes/{node}/stop", response_model=JobPublic, status_code=status.HTTP_202_ACCEPTED,
             summary="Stop one member or router of a deployed cluster (a primary is stepped down first when "
                     "another member can take over), as a job", responses=NODE_ERRORS)
def stop_node(name: NamePath, node: NodePath, user: OperatorUser, runner: RunnerDep,
              settings: SettingsDep) -> JobPublic:
    return _node_job(runner, settings, name, node, "stop", user)


@router.post("/{name}/nodes/{node}/start", response_model=JobPublic, status_code=status.HTTP_202_ACCEPTED,
             summary="Start one member or router of a deployed cluster, as a job", responses=NODE_ERRORS)
def start_node(name: NamePath, node: NodePath, user: OperatorUser, runner: RunnerDep,
               settings: SettingsDep) -> JobPublic:
    return _node_job(runner, settings, name, node, "start", user)


def _parsed(text: str) -> ClusterSpec:
    """The spec of a request body; 400 naming every problem when it is not valid."""
    from mongo_admin.spec.load import SpecError, parse_spec

    try:
        return parse_spec(text, "spec")
    except SpecError as exc:
        problems = "; ".join(f"{p.location}: {p.message}" if p.location else p.message for p in exc.problems)
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"the cluster spec is not valid: {problems}") from None


def _deployed(settings: ApiSettings, name: str) -> None:
    """404 unless a cluster of this name was deployed on this machine."""
    from mongo_admin.ops.cluster.state import ClusterPaths, read_record

    if read_record(ClusterPaths(name, settings.home)) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_DEPLOYED)


@router.post("/plan", response_model=DeployPlanPublic,
             responses=errors(why={400: "The spec is not valid: detail names every problem and where it is."}),
             summary="What deploying a spec would do: its steps and every process (as `cluster deploy --dry-run`; "
                     "nothing is changed)")
def plan_deployment(body: DeploymentCreate, _: OperatorUser, settings: SettingsDep) -> DeployPlanPublic:
    from mongo_admin.ops.cluster.deploy import DeployOptions, plan_deploy

    options = DeployOptions(version=body.version, keep_on_failure=body.keep_on_failure, home=settings.home)
    return DeployPlanPublic.model_validate(dataclasses.asdict(plan_deploy(_parsed(body.spec), options)))


@router.get("/{name}/status", response_model=ClusterStatusPublic,
            responses=errors(why={404: "No cluster of this name was deployed on this machine."}),
            summary="A deployed cluster's live status: replica sets, members, routers, balancer (as `cluster status`)")
def deployment_status(name: NamePath, _: ViewerUser, settings: SettingsDep) -> ClusterStatusPublic:
    from mongo_admin.ops.cluster.status import cluster_status

    _deployed(settings, name)
    return ClusterStatusPublic.model_validate(dataclasses.asdict(cluster_status(name, settings.home)))


class HealthThresholds(BaseModel):
    """Where `health-check` warns and turns critical (its --lag-warning ... --disk-critical options)."""

    lag_warning_s: float = Field(default=Thresholds.lag_warning_s, gt=0)
    lag_critical_s: float = Field(default=Thresholds.lag_critical_s, gt=0)
    oplog_warning_h: float = Field(default=Thresholds.oplog_warning_h, gt=0)
    oplog_critical_h: float = Field(default=Thresholds.oplog_critical_h, gt=0)
    disk_warning_pct: float = Field(default=Thresholds.disk_warning_pct, ge=0, le=100)
    disk_critical_pct: float = Field(default=Thresholds.disk_critical_pct, ge=0, le=100)


@router.get("/{name}/health-check", response_model=HealthReportPublic,
            responses=errors(why={404: "No cluster of this name was deployed on this machine."}),
            summary="The checks of `health-check` on a deployed cluster, each OK, WARNING or CRITICAL")
def deployment_health(name: NamePath, _: ViewerUser, settings: SettingsDep,
                      thresholds: Annotated[HealthThresholds, Query()]) -> HealthReportPublic:
    from mongo_admin.ops.health import health_check

    _deployed(settings, name)
    report = health_check(name, settings.home, Thresholds(**thresholds.model_dump()))
    return HealthReportPublic.model_validate(dataclasses.asdict(report))
