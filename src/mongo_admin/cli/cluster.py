"""``mongo-admin cluster``: validate a spec, deploy it, and run the cluster's lifecycle.

With --api, deploy, list, status, distribution and the lifecycle run through the API (deploy and the lifecycle
as jobs, followed on stderr); validate reads the local spec file either way; use and connect belong to this
machine.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from mongo_admin.cli.app import Application, pass_app
from mongo_admin.cli.binaries import mongodb_version_option

if TYPE_CHECKING:
    from mongo_admin.cli.api_client import ApiClient
    from mongo_admin.ops.cluster.deploy import StepEvent

cluster_option = click.option("--cluster", "cluster_name", metavar="NAME", envvar="MONGO_ADMIN_CLUSTER",
                              help="Which cluster (default: the one set with 'cluster use', or the only one).")
node_option = click.option("--node", "node_id", metavar="NODE",
                           help="Only this member or router, by its id as 'cluster status' shows it (e.g. shard0-1, "
                                "router-0).")
spec_option = click.option("-f", "--file", "spec_file", required=True, metavar="SPEC",
                           type=click.Path(path_type=Path, dir_okay=False),
                           help="The cluster spec (YAML); see docs/examples/cluster.yaml.")


@click.group()
def cluster() -> None:
    """Deploy sharded clusters from a spec and run their lifecycle.

    State lives in $MONGO_ADMIN_HOME/clusters/<name> (default ~/.local/share/mongo-admin): the spec, the record
    of every deploy, ports, pids, logs, and the secrets (0600).
    """


@cluster.command()
@spec_option
@pass_app
def validate(app: Application, spec_file: Path) -> None:
    """Check a spec: every problem is reported at once, with its line."""
    from mongo_admin.spec.load import load_spec

    spec = load_spec(spec_file)
    topology = spec.topology
    members = sum(len(rs.members) for rs in (topology.config_servers, *topology.shards))
    app.render({"message": f"{spec_file} is valid: cluster {spec.name}, {len(topology.shards)} shard(s), "
                           f"{members} replica set members, {len(topology.routers)} router(s)",
                "cluster": spec.name})


class _LiveSteps:
    """Deploy progress on stderr: one line per finished step with its time, a spinner on the running one."""

    def __init__(self, app: Application, total: int) -> None:
        from rich.console import Console

        self.app = app
        self.total = total
        self.done = 0
        # soft_wrap: a step line is never cut at 80 columns when stderr is a pipe or a log file.
        self.console = Console(stderr=True, highlight=False, soft_wrap=True)
        self.status: Any = None

    def __call__(self, event: StepEvent) -> None:
        if self.app.quiet:
            return
        if event.status == "started":
            label = f"[{self.done + 1}/{self.total}] {event.step}: {event.message}"
            if self.console.is_terminal:
                self.status = self.console.status(label)
                self.status.start()
            else:
                self.console.print(label)
            return
        if self.status is not None:
            self.status.stop()
            self.status = None
        self.done += 1
        mark = {"done": "[green]✓[/]", "unchanged": "[dim]=[/]", "failed": "[red]✗[/]"}[event.status]
        self.console.print(f"{mark} [{self.done}/{self.total}] {event.step} ({event.elapsed_s:.1f} s): "
                           f"{event.message}", markup=True)


@cluster.command()
@spec_option
@click.option("--dry-run", is_flag=True, help="Print the plan (steps and processes) and change nothing.")
@click.option("--keep-on-failure", is_flag=True, help="On failure, keep the files this run created.")
@click.option("--binary-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Directory holding mongod and mongos (overrides the spec's binaries.directory).")
@mongodb_version_option("MongoDB version to run, 8.0 or 8.0.4 (overrides the spec's binaries.version; an "
                        "installed matching version is preferred, see 'binaries list').")
@pass_app
def deploy(app: Application, spec_file: Path, dry_run: bool, keep_on_failure: bool, binary_dir: Path | None,
           mongodb_version: str | None) -> None:
    """Deploy (or converge) the cluster a spec describes.

    Config servers, then shards, then routers, then addShard, each step verified; a healthy cluster deployed
    again is left as it is. On failure, what this run started is stopped and the error names the step, the
    cause and the deploy log.
    """
    from mongo_admin.ops.cluster.deploy import STEPS, DeployOptions, plan_deploy
    from mongo_admin.ops.cluster.deploy import deploy as run_deploy
    from mongo_admin.spec.load import load_spec

    spec = load_spec(spec_file)
    if app.api is not None:
        _deploy_through_api(app, app.api, spec_file, dry_run, keep_on_failure, binary_dir, mongodb_version)
        return
    options = DeployOptions(binary_dir=binary_dir, version=mongodb_version, keep_on_failure=keep_on_failure,
                            home=app.home)
    if dry_run:
        app.render(plan_deploy(spec, options))
        return
    app.render(run_deploy(spec, spec_file.read_text(), options, _LiveSteps(app, len(STEPS))))


def _deploy_through_api(app: Application, client: ApiClient, spec_file: Path, dry_run: bool, keep_on_failure: bool,
                        binary_dir: Path | None, mongodb_version: str | None) -> None:
    from mongo_admin.cli.remote_jobs import run_job
    from mongo_admin.ops.cluster.deploy import DeployPlan, DeployResult

    if binary_dir is not None:
        raise click.UsageError("--binary-dir names a directory of this machine: through --api the API's machine "
                               "finds its binaries (choose their version with --mongodb-version)")
    body = {"spec": spec_file.read_text(), "version": mongodb_version, "keep_on_failure": keep_on_failure}
    if dry_run:
        app.render(client.result(DeployPlan, client.post("/deployments/plan", body)))
        return
    app.render(run_job(app, client, client.post("/deployments", body), DeployResult))


@cluster.command("list")
@pass_app
def list_(app: Application) -> None:
    """Every cluster deployed from this machine (with --api: from the API's machine), with how many of its
    processes run."""
    from mongo_admin.ops.cluster.status import ClusterListEntry, list_clusters

    if app.api is not None:
        app.render(app.api.result(list[ClusterListEntry], app.api.get("/deployments")["data"]))
        return
    app.render(list_clusters(app.home))


@cluster.command()
@click.argument("name")
@pass_app
def use(app: Application, name: str) -> None:
    """Make NAME the cluster later commands act on when --cluster is not given."""
    from mongo_admin.ops.cluster.state import use_cluster

    app.local_only("cluster use", "the default cluster is a setting of this machine's CLI; through the API, name "
                                  "the cluster with --cluster (or $MONGO_ADMIN_CLUSTER)")

    use_cluster(name, app.home)
    app.render({"message": f"cluster {name} is now the default", "cluster": name})


def selected_cluster(app: Application, name: str | None) -> str:
    """The cluster a command acts on: --cluster (or $MONGO_ADMIN_CLUSTER), else the default set with 'cluster
    use', else the only one deployed; with --api, --cluster or the only cluster deployed on the API's machine."""
    from mongo_admin.ops.cluster.state import check_cluster_name, select_cluster

    if app.api is None:
        return select_cluster(name, app.home)
    if name:
        return check_cluster_name(name)
    from mongo_admin.errors import ClusterStateError

    names = [entry["name"] for entry in app.api.get("/deployments")["data"]]
    if len(names) == 1:
        return str(names[0])
    if not names:
        raise ClusterStateError(f"no cluster is deployed on the machine of the API at {app.api.url}",
                                "there is nothing to act on",
                                f"deploy one with: mongo-admin --api {app.api.url} cluster deploy -f spec.yaml")
    raise ClusterStateError("which cluster?", f"the API's machine has {len(names)}: {', '.join(names)}",
                            "pass --cluster NAME or set $MONGO_ADMIN_CLUSTER")


def _lifecycle(app: Application, name: str, action: str) -> None:
    """Run a lifecycle action here, or through the API as a job followed on stderr."""
    from mongo_admin.ops.cluster import lifecycle

    if app.api is not None:
        from mongo_admin.cli.api_client import segment
        from mongo_admin.cli.remote_jobs import run_job

        result = lifecycle.DestroyResult if action == "destroy" else lifecycle.LifecycleResult
        app.render(run_job(app, app.api, app.api.post(f"/deployments/{segment(name)}/{action}"), result))
        return
    operations: dict[str, Callable[..., Any]] = {
        "stop": lifecycle.stop_cluster, "start": lifecycle.start_cluster, "restart": lifecycle.restart_cluster,
        "destroy": lifecycle.destroy_cluster}
    app.render(operations[action](name, app.home, app.progress))


def _node_action(app: Application, name: str, node_id: str, action: str) -> None:
    """Stop or start one node here, or through the API as a job followed on stderr."""
    from mongo_admin.ops.cluster import lifecycle

    if app.api is not None:
        from mongo_admin.cli.api_client import segment
        from mongo_admin.cli.remote_jobs import run_job

        accepted = app.api.post(f"/deployments/{segment(name)}/nodes/{segment(node_id)}/{action}")
        app.render(run_job(app, app.api, accepted, lifecycle.LifecycleResult))
        return
    operation = lifecycle.stop_cluster_node if action == "stop" else lifecycle.start_cluster_node
    app.render(operation(name, node_id, app.home, app.progress))


@cluster.command()
@cluster_option
@pass_app
def status(app: Application, cluster_name: str | None) -> None:
    """Shards, members (state, health, lag, uptime), config servers, routers and balancer."""
    from mongo_admin.ops.cluster.status import ClusterStatus, cluster_status

    name = selected_cluster(app, cluster_name)
    if app.api is not None:
        from mongo_admin.cli.api_client import segment

        app.render(app.api.result(ClusterStatus, app.api.get(f"/deployments/{segment(name)}/status")))
        return
    app.render(cluster_status(name, app.home))


@cluster.command()
@cluster_option
@pass_app
def distribution(app: Application, cluster_name: str | None) -> None:
    """Where the data lives: per shard, per sharded collection and per collection on each shard (chunks,
    documents, bytes), the totals, and the balancer's state."""
    from mongo_admin.ops.cluster.distribution import DataDistribution, cluster_distribution

    name = selected_cluster(app, cluster_name)
    if app.api is not None:
        from mongo_admin.cli.api_client import segment

        app.render(app.api.result(DataDistribution, app.api.get(f"/clusters/{segment(name)}/distribution")))
        return
    app.render(cluster_distribution(name, app.home))


@cluster.command()
@cluster_option
@node_option
@pass_app
def stop(app: Application, cluster_name: str | None, node_id: str | None) -> None:
    """Stop routers, then shards, then config servers (secondaries before primaries). Data is kept.

    With --node, only that member or router; a primary is stepped down first when another member of its replica
    set can take over, so the set keeps a primary.
    """
    name = selected_cluster(app, cluster_name)
    if node_id is not None:
        _node_action(app, name, node_id, "stop")
        return
    _lifecycle(app, name, "stop")


@cluster.command()
@cluster_option
@node_option
@pass_app
def start(app: Application, cluster_name: str | None, node_id: str | None) -> None:
    """Start config servers, then shards, then routers, each replica set with a primary before the next.

    With --node, only that member or router (a member is waited for until it is PRIMARY or SECONDARY).
    """
    name = selected_cluster(app, cluster_name)
    if node_id is not None:
        _node_action(app, name, node_id, "start")
        return
    _lifecycle(app, name, "start")


@cluster.command()
@cluster_option
@pass_app
def restart(app: Application, cluster_name: str | None) -> None:
    """Rolling restart: per replica set the secondaries one by one, then the stepped-down primary; routers last."""
    _lifecycle(app, selected_cluster(app, cluster_name), "restart")


@cluster.command()
@cluster_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_app
def destroy(app: Application, cluster_name: str | None, yes: bool) -> None:
    """Stop every process and delete the cluster's data, logs, secrets and record."""
    name = selected_cluster(app, cluster_name)
    if not yes:
        if not sys.stdin.isatty():
            raise click.UsageError(f"destroying cluster {name} deletes its data; confirm with --yes")
        click.confirm(f"Destroy cluster {name} and delete all its data?", abort=True, err=True)
    _lifecycle(app, name, "destroy")


@cluster.command()
@cluster_option
@click.option("--print-only", is_flag=True, help="Print the connection string even when mongosh is installed.")
@pass_app
def connect(app: Application, cluster_name: str | None, print_only: bool) -> None:
    """Print the cluster's connection string; open mongosh on it when mongosh is installed.

    The password is never printed: mongosh asks for it (it is in the cluster's secrets/admin.json).
    """
    from mongo_admin.ops.cluster.state import open_cluster

    app.local_only("cluster connect", "it opens mongosh on this machine with the cluster's CA file and "
                                      "credentials, which stay on the machine the cluster was deployed from")
    name = selected_cluster(app, cluster_name)
    paths, record = open_cluster(name, app.home)
    hosts = ",".join(node.address for node in record.layout.routers)
    user = f"{record.admin_user}@" if record.auth and record.admin_user else ""
    options = ["authSource=admin"] if user else []
    if record.tls:
        options += ["tls=true", f"tlsCAFile={paths.ca_file}"]
    uri = f"mongodb://{user}{hosts}/" + (f"?{'&'.join(options)}" if options else "")
    shell = shutil.which("mongosh")
    if shell is None or print_only or not sys.stdout.isatty():
        app.render({"message": uri, "uri": uri, "credentials_file": str(paths.admin_credentials) if user else None})
        return
    app.progress(f"opening mongosh on {uri}")
    os.execv(shell, [shell, uri])
