import { deployedMember, deployedTopology, registeredTopology } from "../test/clusters";
import { topologyView } from "./topology";

describe("topologyView of a deployed cluster", () => {
  it("puts the config servers apart from the shards, each with its members and primary", () => {
    const view = topologyView(deployedTopology());
    expect(view.kind).toBe("sharded");
    expect(view.configServers?.name).toBe("cfg");
    expect(view.configServers?.members.map((m) => m.node)).toEqual(["cfg-0"]);
    expect(view.sets.map((set) => [set.name, set.members.map((m) => m.node)])).toEqual([
      ["shard0", ["shard0-0", "shard0-1", "shard0-2"]],
      ["shard1", ["shard1-0"]],
    ]);
    expect(view.sets[0]!.primary).toBe("localhost:27110");
    expect(view.routers).toEqual([
      { key: "router-0", node: "router-0", address: "localhost:27130", state: "UP", up: true, uptimeS: 3500, error: null },
    ]);
    expect([view.server, view.version, view.simulator]).toEqual(["sandbox (mongosim)", "8.0.4", true]);
    expect(view.balancer).toEqual({ mode: "full", inRound: false, rounds: 12 });
  });

  it("counts only members that serve (PRIMARY, SECONDARY, ARBITER with health 1) as healthy", () => {
    const view = topologyView(
      deployedTopology([
        deployedMember("cfg", 0),
        deployedMember("shard0", 0),
        deployedMember("shard0", 1, { state: "DOWN", health: 0, lag_s: null, uptime_s: null, pid: null, message: "not running" }),
        deployedMember("shard0", 2, { state: "RECOVERING" }),
        deployedMember("shard1", 0),
      ]),
    );
    expect([view.membersHealthy, view.membersTotal, view.routersUp]).toEqual([3, 5, 1]);
    expect(view.sets[0]!.healthy).toBe(1);
  });

  it("knows a replica set without a primary", () => {
    const view = topologyView(deployedTopology([deployedMember("cfg", 0), deployedMember("shard0", 0, { state: "SECONDARY" })]));
    expect(view.sets[0]!.primary).toBeNull();
    expect(view.sets[1]!.members).toEqual([]);
  });
});

describe("topologyView of a registered cluster", () => {
  it("names shards by listShards id and the config servers by their replica set", () => {
    const view = topologyView(registeredTopology());
    expect(view.configServers?.name).toBe("cfgrs");
    expect(view.sets.map((set) => set.name)).toEqual(["rs-a"]);
    expect(view.sets[0]!.members.map((m) => [m.key, m.node, m.set])).toEqual([
      ["rs-a/db1:27018", null, "rs-a"],
      ["rs-a/db2:27018", null, "rs-a"],
    ]);
    expect(view.routers[0]).toMatchObject({ node: null, address: "router1:27017", up: true, uptimeS: null });
    expect(view.balancer).toBeNull();
    expect([view.membersHealthy, view.membersTotal]).toEqual([3, 3]);
  });

  it("shows a replica set's members as its one set", () => {
    const view = topologyView(
      registeredTopology({
        kind: "replica set",
        set_name: "rs0",
        shards: [],
        config_servers: null,
        routers: [],
        members: [
          { name: "a:1", state: "PRIMARY", health: 1, member_id: 0, lag_s: null, uptime_s: 5, message: "" },
          { name: "b:1", state: "(not reachable/healthy)", health: 0, member_id: 1, lag_s: null, uptime_s: null, message: "" },
        ],
      }),
    );
    expect(view.kind).toBe("replica set");
    expect(view.configServers).toBeNull();
    expect(view.sets).toHaveLength(1);
    expect(view.sets[0]).toMatchObject({ name: "rs0", role: "replicaset", primary: "a:1", healthy: 1 });
  });

  it("says what it does not know: no buildInfo means no server, version or simulator flag", () => {
    const view = topologyView(registeredTopology({ server: null, version: null, simulator: null }));
    expect([view.server, view.version, view.simulator]).toEqual([null, null, null]);
  });
});
