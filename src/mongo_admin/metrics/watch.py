"""How the platform watches one cluster of its registry: the collector and snapshot keeper of its poller, or a
snapshot keeper alone (for detail requests while no poller runs).

A cluster deployed here is reached through its state directory under ``home``. One registered by connection
string is reached through a ``RemoteCluster`` built from its registry entry (credentials decrypted in memory, TLS
flag): the poller's topology readings and metrics polls share its clients, so the cluster is connected to and
authenticated with once, not every round.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mongo_admin.db.crypto import CredentialCipher, MongoCredentials
from mongo_admin.db.models import RegisteredCluster
from mongo_admin.metrics.collector import NODE_TIMEOUT_S, Collector
from mongo_admin.metrics.snapshot import Reading, SnapshotKeeper, deployed_reading, remote_reading
from mongo_admin.metrics.sources import RegisteredSource
from mongo_admin.ops.cluster.remote import RemoteCluster


@dataclass(frozen=True)
class WatchedCluster:
    """What the registry says of a cluster, as plain values (no database object crosses threads). Credentials
    stay encrypted until a connection needs them, so a key problem is reported as that cluster's error."""

    name: str
    deployed: bool
    connection_string: str
    tls: bool
    credentials_encrypted: str | None = field(default=None, repr=False)
    cipher: CredentialCipher | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, row: RegisteredCluster, cipher: CredentialCipher, *, deployed: bool) -> WatchedCluster:
        return cls(row.name, deployed, row.connection_string, row.tls, row.credentials_encrypted, cipher)

    def remote(self, timeout_s: float) -> RemoteCluster:
        """A RemoteCluster for the connection string (CredentialsKeyError when the credentials cannot be
        decrypted)."""
        credentials: MongoCredentials | None = None
        if self.credentials_encrypted is not None and self.cipher is not None:
            credentials = self.cipher.decrypt(self.credentials_encrypted)
        return RemoteCluster(self.connection_string, tls=self.tls, timeout_s=timeout_s,
                             username=credentials.username if credentials else None,
                             password=credentials.password if credentials else None,
                             auth_source=credentials.auth_source if credentials else "admin")


def poller_parts(cluster: WatchedCluster, home: Path) -> tuple[Collector, SnapshotKeeper]:
    """The collector of ``cluster``'s poller and the keeper its rounds refresh (a deployed cluster that is not
    under ``home`` raises ClusterStateError)."""
    if cluster.deployed:
        from mongo_admin.ops.cluster.access import ClusterAccess
        from mongo_admin.ops.cluster.state import open_cluster

        paths, record = open_cluster(cluster.name, home)
        return (Collector(ClusterAccess(paths, record)),
                SnapshotKeeper(lambda: deployed_reading(cluster.name, home)))
    source = RegisteredSource(cluster.name, cluster.remote(NODE_TIMEOUT_S))
    return Collector(source), SnapshotKeeper(lambda: remote_reading(source.read_topology()))


def detail_keeper(cluster: WatchedCluster, home: Path) -> SnapshotKeeper:
    """A keeper for a cluster no poller watches: each reading connects afresh and closes what it opened."""
    def read() -> Reading:
        if cluster.deployed:
            return deployed_reading(cluster.name, home)
        with cluster.remote(NODE_TIMEOUT_S) as remote:
            return remote_reading(remote.topology())

    return SnapshotKeeper(read)
