// A cluster's topology in one shape, whichever way the platform reads it: `cluster status` for a cluster deployed
// on the API's machine, or what the servers of a cluster registered by connection string say of themselves.
import type { Schemas } from "../api/client";

type Topology = NonNullable<Schemas["ClusterDetailPublic"]["topology"]>;
type RemoteShard = Schemas["RemoteShardPublic"];
/** What both readings say of a member, in the API's words. */
type MemberReading = Pick<Schemas["RemoteMemberPublic"], "state" | "health" | "lag_s" | "uptime_s" | "message">;

/** The states in which a member serves its replica set (MongoDB's own words). */
export const SERVING_STATES = ["PRIMARY", "SECONDARY", "ARBITER"] as const;

export type SetRole = "configsvr" | "shardsvr" | "replicaset" | "standalone";

export interface MemberView {
  /** Unique in the topology: the node id of a deployed cluster, else the replica set and address. */
  key: string;
  /** The deployed node id (cfg-0, shard1-2) the node stop/start API takes; null for a registered cluster. */
  node: string | null;
  address: string;
  set: string;
  state: string;
  health: number;
  healthy: boolean;
  lagS: number | null;
  uptimeS: number | null;
  message: string;
}

export interface SetView {
  /** The shard's name (listShards `_id`), or the replica set's name. */
  name: string;
  role: SetRole;
  members: MemberView[];
  /** Address of the member in state PRIMARY, if any. */
  primary: string | null;
  healthy: number;
  draining: boolean;
  /** Why no member of the set could be read (its members are then the last seen, in state UNKNOWN). */
  error: string | null;
}

export interface RouterView {
  key: string;
  node: string | null;
  address: string;
  state: string;
  up: boolean;
  uptimeS: number | null;
  error: string | null;
}

export interface BalancerView {
  mode: string | null;
  inRound: boolean | null;
  rounds: number | null;
}

export interface TopologyView {
  kind: "sharded" | "replica set" | "standalone";
  server: string | null;
  version: string | null;
  simulator: boolean | null;
  configServers: SetView | null;
  /** The shards of a sharded cluster; the replica set (or standalone server) of one that is not. */
  sets: SetView[];
  routers: RouterView[];
  /** Only a deployed cluster's topology carries it; else read it from the distribution. */
  balancer: BalancerView | null;
  membersHealthy: number;
  membersTotal: number;
  routersUp: number;
}

function isServing(state: string, health: number): boolean {
  return (SERVING_STATES as readonly string[]).includes(state) && health === 1;
}

function memberView(member: MemberReading, where: Pick<MemberView, "key" | "node" | "address" | "set">): MemberView {
  return {
    ...where,
    state: member.state,
    health: member.health,
    healthy: isServing(member.state, member.health),
    lagS: member.lag_s,
    uptimeS: member.uptime_s,
    message: member.message,
  };
}

function routerView(state: string, where: Omit<RouterView, "state" | "up">): RouterView {
  return { ...where, state, up: state === "UP" };
}

function setOf(name: string, role: SetRole, members: MemberView[], draining = false, error: string | null = null): SetView {
  return {
    name,
    role,
    members,
    primary: members.find((member) => member.state === "PRIMARY")?.address ?? null,
    healthy: members.filter((member) => member.healthy).length,
    draining,
    error,
  };
}

function remoteSet(shard: RemoteShard, role: SetRole): SetView {
  const setName = shard.host.includes("/") ? shard.host.split("/")[0]! : shard.id;
  // getShardMap names the config servers "config": their replica set's own name says more.
  const name = role === "configsvr" ? setName : shard.id;
  const members = shard.members.map((member) =>
    memberView(member, { key: `${setName}/${member.name}`, node: null, address: member.name, set: setName }),
  );
  return setOf(name, role, members, shard.draining, shard.error);
}

function summarise(view: Omit<TopologyView, "membersHealthy" | "membersTotal" | "routersUp">): TopologyView {
  const sets = [...(view.configServers ? [view.configServers] : []), ...view.sets];
  return {
    ...view,
    membersHealthy: sets.reduce((sum, set) => sum + set.healthy, 0),
    membersTotal: sets.reduce((sum, set) => sum + set.members.length, 0),
    routersUp: view.routers.filter((router) => router.up).length,
  };
}

/** The topology of a cluster detail, in one shape. */
export function topologyView(topology: Topology): TopologyView {
  if (topology.source === "deployed") {
    const members = (set: string): MemberView[] =>
      topology.members
        .filter((member) => member.replica_set === set)
        .map((member) => memberView(member, { key: member.node, node: member.node, address: member.address, set }));
    const config = topology.replica_sets.find((set) => set.role === "configsvr");
    return summarise({
      kind: "sharded",
      server: topology.server,
      version: topology.version,
      simulator: topology.simulator,
      configServers: config ? setOf(config.name, "configsvr", members(config.name)) : null,
      sets: topology.replica_sets
        .filter((set) => set.role !== "configsvr")
        .map((set) => setOf(set.name, "shardsvr", members(set.name))),
      routers: topology.routers.map((router) =>
        routerView(router.state, {
          key: router.node,
          node: router.node,
          address: router.address,
          uptimeS: router.uptime_s,
          error: null,
        }),
      ),
      balancer: topology.balancer
        ? { mode: topology.balancer.mode, inRound: topology.balancer.inBalancerRound, rounds: topology.balancer.numBalancerRounds }
        : null,
    });
  }
  const kind = topology.kind === "replica set" || topology.kind === "standalone" ? topology.kind : "sharded";
  let sets: SetView[];
  if (kind === "sharded") sets = topology.shards.map((shard) => remoteSet(shard, "shardsvr"));
  else {
    const name = topology.set_name ?? topology.members[0]?.name ?? "";
    const role: SetRole = kind === "replica set" ? "replicaset" : "standalone";
    sets = [remoteSet({ id: name, host: name, state: null, draining: false, members: topology.members, error: null }, role)];
  }
  return summarise({
    kind,
    server: topology.server,
    version: topology.version,
    simulator: topology.simulator,
    configServers: topology.config_servers ? remoteSet(topology.config_servers, "configsvr") : null,
    sets,
    routers: topology.routers.map((router) =>
      routerView(router.state, { key: router.address, node: null, address: router.address, uptimeS: null, error: router.error }),
    ),
    balancer: null,
  });
}
