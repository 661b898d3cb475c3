"""How a cluster registered by connection string is reached and what its poller polls: the direct connection
strings to its servers (options kept, deployment options left out, TLS as asked), and the targets a topology
reading yields (named as a deployed cluster names its nodes)."""

from __future__ import annotations

import pytest

from mongo_admin.metrics.sources import Target, targets_of
from mongo_admin.ops.cluster.remote import RemoteMember, RemoteRouter, RemoteShard, RemoteTopology, seed_uri, server_uri


@pytest.mark.parametrize(("uri", "tls", "expected"), [
    ("mongodb://r1:27017,r2:27017/", False, "mongodb://db1:27018/"),
    ("mongodb://r1,r2", False, "mongodb://db1:27018/"),
    ("mongodb://h1,h2/admin?replicaSet=rs0&authMechanism=SCRAM-SHA-256", False,
     "mongodb://db1:27018/?authMechanism=SCRAM-SHA-256"),
    ("mongodb://r1/?tls=true&tlsCAFile=/etc/ca.pem&directConnection=false", False,
     "mongodb://db1:27018/?tls=true&tlsCAFile=/etc/ca.pem"),
    ("mongodb://r1/", True, "mongodb://db1:27018/?tls=true"),
    ("mongodb://r1/?ssl=false", True, "mongodb://db1:27018/?ssl=false"),
    ("mongodb+srv://cluster.example.com/?srvServiceName=mongo&loadBalanced=false", False,
     "mongodb://db1:27018/?tls=true"),
])
def test_server_uri(uri: str, tls: bool, expected: str) -> None:
    assert server_uri(uri, "db1:27018", tls=tls) == expected


@pytest.mark.parametrize(("uri", "tls", "expected"), [
    ("mongodb://r1,r2/", False, "mongodb://r1,r2/"),
    ("mongodb://r1,r2", True, "mongodb://r1,r2/?tls=true"),
    ("mongodb://r1/app", True, "mongodb://r1/app?tls=true"),
    ("mongodb://r1/?appname=x", True, "mongodb://r1/?appname=x&tls=true"),
    ("mongodb://r1/?TLS=false", True, "mongodb://r1/?TLS=false"),
])
def test_seed_uri(uri: str, tls: bool, expected: str) -> None:
    assert seed_uri(uri, tls=tls) == expected


def _member(name: str, member_id: int | None, state: str = "PRIMARY") -> RemoteMember:
    return RemoteMember(name, state, 1.0, member_id)


def test_sharded_targets_are_routers_config_servers_and_shard_members() -> None:
    topology = RemoteTopology(
        "sharded cluster healthy", "sharded", "healthy", "8.0.4",
        shards=[RemoteShard("shard0", "rs0/a:1,b:1", 1, False, [_member("a:1", 0), _member("b:1", 2, "SECONDARY")]),
                RemoteShard("shard1", "shard1/c:1", 1, False, [_member("c:1", 0)])],
        config_servers=RemoteShard("config", "cfg/k:1", None, False, [_member("k:1", 0)]),
        routers=[RemoteRouter("r:1", "UP"), RemoteRouter("s:1", "DOWN", "refused")])
    assert targets_of(topology) == [
        Target("router-0", "r:1", "mongos"), Target("router-1", "s:1", "mongos"),
        Target("cfg-0", "k:1", "configsvr", "cfg"),
        Target("rs0-0", "a:1", "shardsvr", "rs0"), Target("rs0-2", "b:1", "shardsvr", "rs0"),
        Target("shard1-0", "c:1", "shardsvr", "shard1")]


def test_members_never_seen_are_not_polled() -> None:
    unread = RemoteShard("shard0", "shard0/a:1,b:1", 1, False, [_member("a:1", None, "UNKNOWN")],
                         error="no member of shard0 answered replSetGetStatus")
    topology = RemoteTopology("sharded cluster down", "sharded", "down", None, shards=[unread],
                              routers=[RemoteRouter("r:1", "UP")])
    assert targets_of(topology) == [Target("router-0", "r:1", "mongos")]


def test_replica_set_and_standalone_targets() -> None:
    replica_set = RemoteTopology("replica set rs healthy", "replica set", "healthy", None, set_name="rs",
                                 members=[_member("a:1", 0), _member("b:1", 1, "SECONDARY")])
    assert targets_of(replica_set) == [Target("rs-0", "a:1", "mongod", "rs"), Target("rs-1", "b:1", "mongod", "rs")]
    standalone = RemoteTopology("standalone server answering", "standalone", "healthy", None,
                                members=[RemoteMember("a:1", "STANDALONE", 1.0)])
    assert targets_of(standalone) == [Target("standalone", "a:1", "mongod")]
