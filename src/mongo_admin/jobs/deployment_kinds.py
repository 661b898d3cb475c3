"""The deployment job kinds: ``deploy``, ``cluster-stop``, ``cluster-start``, ``cluster-restart``,
``cluster-destroy``, ``node-stop`` and ``node-start``, adapters from job parameters to ``ops.cluster`` on a cluster
deployed on this machine. They share the operation class ``deployment``: one of them per cluster at a time.

Parameters (JSON):
- deploy: ``spec`` (the spec's YAML text, required), ``version``, ``binary_dir``, ``keep_on_failure``, ``home``.
  Each of deploy's eleven steps is an equal share of the job's progress; cancelling stops it when its next step
  is about to start, and what that run started is undone as on any failed deploy (the job ends ``cancelled``);
- node-stop and node-start: ``node`` (a node id, as ``cluster status`` shows it), ``home``;
- the others: ``home``. They do not stop half-way when cancelled (half a cluster stopped is not a safe point).

A ``ClusterHook`` hears of clusters deployed and destroyed, so the API keeps its registry in step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from mongo_admin.errors import InvalidInputError, OperationCancelledError
from mongo_admin.jobs.runner import JobContext, JobFunction, JobKind

DEPLOYMENT_CLASS = "deployment"
DEPLOY_KIND = "deploy"
LIFECYCLE_ACTIONS = ("stop", "start", "restart", "destroy")
NODE_ACTIONS = ("stop", "start")
# Told when a deployment job changed what exists: ("deployed" | "destroyed", cluster name).
ClusterHook = Callable[[str, str], None]
Builder = Callable[[Mapping[str, Any], ClusterHook], JobFunction]


def _ignore(_: str, __: str) -> None:
    """The default hook."""


def _home(params: Mapping[str, Any]) -> Path | None:
    return Path(params["home"]) if params.get("home") else None


def lifecycle_kind(action: str) -> str:
    """The job kind of a lifecycle action: ``cluster-stop``, ``cluster-start``..."""
    return f"cluster-{action}"


def node_kind(action: str) -> str:
    """The job kind of an action on one node: ``node-stop`` or ``node-start``."""
    return f"node-{action}"


def _cluster(params: Mapping[str, Any]) -> str:
    cluster = params.get("cluster")
    if not isinstance(cluster, str) or not cluster:
        raise InvalidInputError("a job needs a cluster", "no cluster name was given", "name the cluster")
    return cluster


def deploy_progress(ctx: JobContext) -> Callable[[Any], None]:
    """Deploy's step events as the job's progress and log; cancellation honoured as a step is about to start."""
    from mongo_admin.ops.cluster.deploy import STEPS

    order = [name for name, _ in STEPS]

    def progress(event: Any) -> None:
        index = order.index(event.step) if event.step in order else None
        if event.status == "started":
            ctx.check_cancelled()
            ctx.progress(None if index is None else 100.0 * index / len(order), event.step,
                         f"{event.step}: {event.message}")
            return
        done = None if index is None or event.status == "failed" else min(99.0, 100.0 * (index + 1) / len(order))
        ctx.progress(done, event.step, f"{event.step} {event.status}: {event.message}")

    return progress


def build_deploy(params: Mapping[str, Any], hook: ClusterHook = _ignore) -> JobFunction:
    from mongo_admin.errors import DeployError
    from mongo_admin.ops.cluster.deploy import DeployOptions, deploy
    from mongo_admin.spec.load import parse_spec

    text = params.get("spec")
    if not isinstance(text, str) or not text.strip():
        raise InvalidInputError("a deploy job needs a spec", "no spec text was given", "send the cluster spec YAML")
    spec = parse_spec(text, "spec")
    options = DeployOptions(binary_dir=Path(params["binary_dir"]) if params.get("binary_dir") else None,
                            version=params.get("version"), keep_on_failure=bool(params.get("keep_on_failure")),
                            home=_home(params))

    def run(ctx: JobContext) -> Any:
        try:
            result = deploy(spec, text, options, deploy_progress(ctx))
        except DeployError as exc:
            if ctx.cancelled():
                raise OperationCancelledError(f"deploy of cluster {spec.name} was cancelled", exc.why) from exc
            raise
        hook("deployed", spec.name)
        return result

    return run


def _lifecycle(action: str) -> Builder:
    def build(params: Mapping[str, Any], hook: ClusterHook = _ignore) -> JobFunction:
        from mongo_admin.ops.cluster import lifecycle
        from mongo_admin.ops.cluster.state import open_cluster

        cluster = _cluster(params)
        home = _home(params)
        _, record = open_cluster(cluster, home)  # a cluster not deployed here is refused before anything is queued
        total = max(1, len(record.layout.nodes))
        operation: Callable[..., Any] = {"stop": lifecycle.stop_cluster, "start": lifecycle.start_cluster,
                                         "restart": lifecycle.restart_cluster,
                                         "destroy": lifecycle.destroy_cluster}[action]

        def run(ctx: JobContext) -> Any:
            lines = 0

            def progress(message: str) -> None:
                nonlocal lines
                lines += 1
                ctx.progress(min(95.0, 100.0 * lines / total), action, message)

            ctx.progress(0.0, action, f"{action} of cluster {cluster} started")
            result = operation(cluster, home, progress)
            if action == "destroy":
                hook("destroyed", cluster)
            return result

        return run

    return build


def _node(action: str) -> Builder:
    def build(params: Mapping[str, Any], hook: ClusterHook = _ignore) -> JobFunction:
        from mongo_admin.ops.cluster import lifecycle
        from mongo_admin.ops.cluster.state import open_cluster

        cluster = _cluster(params)
        node = params.get("node")
        if not isinstance(node, str) or not node:
            raise InvalidInputError(f"a node-{action} job needs a node", "no node id was given",
                                    "name the node as 'cluster status' shows it")
        home = _home(params)
        _, record = open_cluster(cluster, home)
        lifecycle.find_node(record, node)  # an unknown node is refused before anything is queued
        operation = lifecycle.stop_cluster_node if action == "stop" else lifecycle.start_cluster_node

        def run(ctx: JobContext) -> Any:
            ctx.progress(0.0, action, f"{action} of {node} of cluster {cluster} started")
            return operation(cluster, node, home, lambda message: ctx.progress(None, action, message))

        return run

    return build


def _bind(build: Builder, hook: ClusterHook) -> Callable[[Mapping[str, Any]], JobFunction]:
    def bound(params: Mapping[str, Any]) -> JobFunction:
        return build(params, hook)

    return bound


def deployment_kinds(hook: ClusterHook = _ignore) -> list[JobKind]:
    """The deploy, lifecycle and node kinds, telling ``hook`` of clusters deployed and destroyed."""
    return [JobKind(DEPLOY_KIND, DEPLOYMENT_CLASS, _bind(build_deploy, hook)),
            *(JobKind(lifecycle_kind(action), DEPLOYMENT_CLASS, _bind(_lifecycle(action), hook))
              for action in LIFECYCLE_ACTIONS),
            *(JobKind(node_kind(action), DEPLOYMENT_CLASS, _bind(_node(action), hook)) for action in NODE_ACTIONS)]
