"""Starting and stopping a cluster's processes on this machine, with MongoDB's real options for each role.

A node's process is recognised by its pid file and by its log path on its command line (unique per node), so
a stale pid file or a recycled pid is never mistaken for a running member. Starts run in parallel (each launcher
returns once its server accepts connections); stops go routers → shards → config servers, each replica set's
secondaries before its primary, as MongoDB's documentation orders a cluster shutdown.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mongo_admin.ops.cluster.layout import Layout, Node
from mongo_admin.ops.cluster.state import BinariesRecord, ClusterPaths, ClusterRecord, ServerOptions
from mongo_admin.providers import local
from mongo_admin.providers.base import Provider, provider_for

BIND_ALL_LOOPBACK = "127.0.0.1"
MAX_PARALLEL_STARTS = 4


def launch_spec(paths: ClusterPaths, layout: Layout, node: Node, binaries: BinariesRecord,
                options: ServerOptions) -> local.LaunchSpec:
    args: list[str] = []
    if node.role == "mongos":
        args += ["--configdb", layout.connection_string(layout.config_set)]
        executable = Path(binaries.mongos or "")
    else:
        assert node.set_name is not None
        args += ["--replSet", node.set_name, f"--{node.role}"]
        if options.cache_size_gb is not None:
            args += ["--wiredTigerCacheSizeGB", f"{options.cache_size_gb:g}"]
        if options.oplog_size_mb is not None:
            args += ["--oplogSize", str(options.oplog_size_mb)]
        executable = Path(binaries.mongod)
    if options.keyfile is not None:
        args += ["--keyFile", str(options.keyfile)]
    if options.tls_mode is not None:
        assert options.ca_file is not None
        args += ["--tlsMode", options.tls_mode, "--tlsCertificateKeyFile", str(paths.node_certificate(node)),
                 "--tlsCAFile", str(options.ca_file), "--tlsAllowConnectionsWithoutCertificates"]
    bind_ip = BIND_ALL_LOOPBACK if node.host in ("localhost", "127.0.0.1") else f"{BIND_ALL_LOOPBACK},{node.host}"
    return local.LaunchSpec(executable=executable, port=node.port, logpath=paths.logpath(node),
                            pidfile=paths.pidfile(node), dbpath=paths.dbpath(node), bind_ip=bind_ip,
                            extra_args=tuple(args))


def marker(paths: ClusterPaths, node: Node) -> str:
    """What only this node's command line contains."""
    return str(paths.logpath(node))


def provider(paths: ClusterPaths) -> Provider:
    """Where this cluster's processes run (the spec's ``provider.kind``)."""
    return provider_for(paths.provider_kind)


def running_pid(paths: ClusterPaths, node: Node) -> int | None:
    return provider(paths).running_pid(node.host, paths.pidfile(node), marker(paths, node))


def start_nodes(paths: ClusterPaths, nodes: dict[Node, local.LaunchSpec],
                on_started: Callable[[str, int], None]) -> None:
    """Start every node in ``nodes`` (node -> launch spec), a few at a time; ``on_started(id, pid)`` is called as
    each comes up, so a caller can record what to undo even when another start fails. The first failure is
    raised once the starts already under way have finished."""
    if not nodes:
        return
    where = provider(paths)
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_STARTS, len(nodes))) as pool:
        futures = {node.id: pool.submit(where.start, node.host, spec) for node, spec in nodes.items()}
        failure: BaseException | None = None
        for node_id, future in futures.items():
            try:
                on_started(node_id, future.result())
            except BaseException as exc:  # re-raised below, once every start under way is recorded
                failure = failure or exc
        if failure is not None:
            raise failure


def stop_order(record: ClusterRecord, primaries: set[str]) -> list[Node]:
    """Routers, then each shard's and then the config servers' non-primaries before their primary."""
    layout = record.layout
    order = list(layout.routers)
    for set_name in [*layout.shard_sets, layout.config_set]:
        members = layout.members(set_name)
        order += [n for n in members if n.id not in primaries] + [n for n in members if n.id in primaries]
    return order


def stop_node(paths: ClusterPaths, node: Node) -> local.StopOutcome | None:
    pid = running_pid(paths, node)
    if pid is None:
        return None
    return provider(paths).stop(node.host, pid, marker(paths, node))
