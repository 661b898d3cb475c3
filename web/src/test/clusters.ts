// Cluster answers as the API gives them, with full defaults: a deployed sandbox cluster (two shards, the first of
// three members) and a registered one read through its connection string. Tests override what they are about.
import type { Schemas } from "../api/client";

type Detail = Schemas["ClusterDetailPublic"];
type Deployed = Schemas["DeployedTopologyPublic"];
type Member = Schemas["MemberStatusPublic"];
type Registered = Schemas["RegisteredTopologyPublic"];

export const OBSERVED_AT = "2026-11-26T10:00:00Z";

export function deployedMember(replicaSet: string, index: number, overrides: Partial<Member> = {}): Member {
  const node = `${replicaSet}-${index}`;
  return {
    replica_set: replicaSet,
    node,
    address: `localhost:${27100 + index + (replicaSet === "cfg" ? 0 : replicaSet === "shard0" ? 10 : 20)}`,
    state: index === 0 ? "PRIMARY" : "SECONDARY",
    health: 1,
    lag_s: index === 0 ? null : 0,
    uptime_s: 3600,
    pid: 1000 + index,
    message: "",
    ...overrides,
  };
}

export function deployedTopology(members?: Member[]): Deployed {
  const all = members ?? [
    deployedMember("cfg", 0),
    deployedMember("shard0", 0),
    deployedMember("shard0", 1),
    deployedMember("shard0", 2),
    deployedMember("shard1", 0),
  ];
  const sets = [
    { name: "cfg", role: "configsvr" },
    { name: "shard0", role: "shardsvr" },
    { name: "shard1", role: "shardsvr" },
  ];
  return {
    source: "deployed",
    message: "cluster e2e is healthy",
    cluster: "e2e",
    server: "sandbox (mongosim)",
    version: "8.0.4",
    simulator: true,
    health: "healthy",
    deployed_state: "running",
    balancer: { mode: "full", inBalancerRound: false, numBalancerRounds: 12 },
    replica_sets: sets.map((set) => {
      const own = all.filter((member) => member.replica_set === set.name);
      return {
        ...set,
        primary: own.find((member) => member.state === "PRIMARY")?.node ?? null,
        members_healthy: own.filter((member) => member.health === 1 && ["PRIMARY", "SECONDARY"].includes(member.state)).length,
        members: own.length,
      };
    }),
    members: all,
    routers: [{ node: "router-0", address: "localhost:27130", state: "UP", pid: 2000, uptime_s: 3500 }],
  };
}

export function deployedDetail(overrides: Partial<Detail> = {}): Detail {
  return {
    id: 1,
    name: "e2e",
    source: "deployed",
    connection_string: "mongodb://localhost:27130",
    tls: false,
    has_credentials: true,
    created_at: OBSERVED_AT,
    status: "healthy",
    topology: deployedTopology(),
    health: {
      message: "OK: cluster e2e: 12 checks passed",
      cluster: "e2e",
      server: "sandbox (mongosim)",
      level: "OK",
      exit_code: 0,
      checks: [
        { check: "processes", target: "cluster", level: "OK", detail: "6 of 6 processes running" },
        { check: "balancer", target: "cluster", level: "OK", detail: "mode full" },
      ],
    },
    error: null,
    observed_at: OBSERVED_AT,
    age_s: 0.4,
    stale: true,
    ...overrides,
  };
}

export function registeredTopology(overrides: Partial<Registered> = {}): Registered {
  const member = (name: string, state: string, overrides2: Partial<Schemas["RemoteMemberPublic"]> = {}) => ({
    name,
    state,
    health: 1,
    member_id: 0,
    lag_s: state === "PRIMARY" ? null : 1.5,
    uptime_s: 7200,
    message: "",
    ...overrides2,
  });
  return {
    source: "registered",
    message: "sharded cluster healthy: 1 shard(s), 4 of 4 processes up",
    kind: "sharded",
    health: "healthy",
    version: "8.0.3",
    server: "MongoDB",
    simulator: false,
    set_name: null,
    shards: [
      {
        id: "rs-a",
        host: "rs-a/db1:27018,db2:27018",
        state: 1,
        draining: false,
        members: [member("db1:27018", "PRIMARY"), member("db2:27018", "SECONDARY")],
        error: null,
      },
    ],
    members: [],
    config_servers: { id: "config", host: "cfgrs/cfg1:27019", state: null, draining: false, members: [member("cfg1:27019", "PRIMARY")], error: null },
    routers: [{ address: "router1:27017", state: "UP", error: null }],
    ...overrides,
  };
}

export function registeredDetail(overrides: Partial<Detail> = {}): Detail {
  return {
    id: 2,
    name: "prod",
    source: "registered",
    connection_string: "mongodb://router1:27017",
    tls: true,
    has_credentials: true,
    created_at: OBSERVED_AT,
    status: "healthy",
    topology: registeredTopology(),
    health: null,
    error: null,
    observed_at: OBSERVED_AT,
    age_s: 1.2,
    stale: true,
    ...overrides,
  };
}

/** A cluster's row in the list (GET /api/v1/clusters): its detail without the reading. */
export function clusterRow(detail: Detail): Schemas["ClusterPublic"] {
  const { id, name, source, connection_string, tls, has_credentials, created_at } = detail;
  return { id, name, source, connection_string, tls, has_credentials, created_at };
}

/** GET /api/v1/clusters listing the clusters of `details`. */
export function clusterList(...details: Detail[]): Schemas["ClustersPublic"] {
  return { data: details.map(clusterRow), count: details.length };
}
