"""Clients for a cluster's nodes and routers, carrying the credentials and TLS files its state directory holds.

``as_admin=False`` gives an unauthenticated client: what ``hello`` needs, and what MongoDB's localhost exception
lets create the first user on a fresh replica set or router.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from mongo_admin.ops.cluster.layout import Node
from mongo_admin.ops.cluster.secrets import read_admin_credentials
from mongo_admin.ops.cluster.state import ClusterPaths, ClusterRecord

if TYPE_CHECKING:
    from mongo_admin.mongo.client import Client, ClientAuth

NODE_TIMEOUT_S = 3.0


class ClusterAccess:
    def __init__(self, paths: ClusterPaths, record: ClusterRecord) -> None:
        self.paths = paths
        self.record = record

    def client_auth(self, *, as_admin: bool = True) -> ClientAuth:
        from mongo_admin.mongo.client import ClientAuth

        tls: dict[str, str] = {}
        if self.record.tls:
            tls = {"tls_ca_file": str(self.paths.ca_file),
                   "tls_certificate_key_file": str(self.paths.client_certificate)}
        if as_admin and self.record.auth:
            credentials = read_admin_credentials(self.paths.admin_credentials)
            return ClientAuth(credentials.user, credentials.password, credentials.source, **tls)
        return ClientAuth(**tls)

    def node_client(self, node: Node, *, as_admin: bool = True, timeout_s: float = NODE_TIMEOUT_S) -> Client:
        from mongo_admin.mongo.client import connect

        return connect(f"mongodb://{node.address}/", timeout_s=timeout_s, direct=True,
                       auth=self.client_auth(as_admin=as_admin))

    def router_client(self, *, as_admin: bool = True, timeout_s: float = 10.0) -> Client:
        from mongo_admin.mongo.client import connect

        return connect(self.record.layout.router_uri(), timeout_s=timeout_s, direct=False,
                       auth=self.client_auth(as_admin=as_admin))

    @contextlib.contextmanager
    def node(self, node: Node, *, as_admin: bool = True, timeout_s: float = NODE_TIMEOUT_S) -> Iterator[Client]:
        client = self.node_client(node, as_admin=as_admin, timeout_s=timeout_s)
        try:
            yield client
        finally:
            client.close()

    @contextlib.contextmanager
    def routers(self, *, as_admin: bool = True, timeout_s: float = 10.0) -> Iterator[Client]:
        client = self.router_client(as_admin=as_admin, timeout_s=timeout_s)
        try:
            yield client
        finally:
            client.close()
