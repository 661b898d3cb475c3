import { topologyView } from "../../lib/topology";
import { deployedMember, deployedTopology } from "../../test/clusters";
import { layoutGraph, memberTone } from "./graphLayout";

const DOWN = { state: "DOWN", health: 0, lag_s: null, uptime_s: null, pid: null, message: "not running" };

describe("layoutGraph", () => {
  it("links every router to every replica set and every set to its members", () => {
    const { nodes, edges } = layoutGraph(topologyView(deployedTopology()));
    expect(nodes.map((node) => node.id)).toEqual([
      "router:router-0",
      "set:configsvr:cfg",
      "member:cfg-0",
      "set:shardsvr:shard0",
      "member:shard0-0",
      "member:shard0-1",
      "member:shard0-2",
      "set:shardsvr:shard1",
      "member:shard1-0",
    ]);
    expect(edges.map((edge) => edge.id)).toEqual([
      "router:router-0->set:configsvr:cfg",
      "set:configsvr:cfg->member:cfg-0",
      "router:router-0->set:shardsvr:shard0",
      "set:shardsvr:shard0->member:shard0-0",
      "set:shardsvr:shard0->member:shard0-1",
      "set:shardsvr:shard0->member:shard0-2",
      "router:router-0->set:shardsvr:shard1",
      "set:shardsvr:shard1->member:shard1-0",
    ]);
  });

  it("ranks routers above replica sets above members, without overlaps in a rank", () => {
    const { nodes } = layoutGraph(topologyView(deployedTopology()));
    const y = (prefix: string) => [...new Set(nodes.filter((node) => node.id.startsWith(prefix)).map((node) => node.position.y))];
    expect(y("router:")).toHaveLength(1);
    expect(y("router:")[0]!).toBeLessThan(Math.min(...y("set:")));
    expect(Math.max(...y("set:"))).toBeLessThan(Math.min(...y("member:")));
    const members = nodes.filter((node) => node.id.startsWith("member:")).sort((a, b) => a.position.x - b.position.x);
    for (let i = 1; i < members.length; i += 1) {
      expect(members[i]!.position.x).toBeGreaterThanOrEqual(members[i - 1]!.position.x + members[i - 1]!.width!);
    }
  });

  it("keeps node ids when a member's state changes, so a live update only changes the data", () => {
    const before = layoutGraph(topologyView(deployedTopology()));
    const after = layoutGraph(
      topologyView(
        deployedTopology([
          deployedMember("cfg", 0),
          deployedMember("shard0", 0),
          deployedMember("shard0", 1, DOWN),
          deployedMember("shard0", 2),
          deployedMember("shard1", 0),
        ]),
      ),
    );
    expect(after.nodes.map((node) => node.id)).toEqual(before.nodes.map((node) => node.id));
    const stopped = after.nodes.find((node) => node.id === "member:shard0-1")!;
    expect(stopped.data).toMatchObject({ kind: "member", state: "DOWN", tone: "bad" });
    expect(after.nodes.find((node) => node.id === "set:shardsvr:shard0")!.data).toMatchObject({ healthy: 2, total: 3, tone: "warn" });
  });

  it("marks a replica set without a primary as bad", () => {
    const { nodes } = layoutGraph(
      topologyView(deployedTopology([deployedMember("cfg", 0), deployedMember("shard0", 0, { state: "SECONDARY" }), deployedMember("shard1", 0)])),
    );
    expect(nodes.find((node) => node.id === "set:shardsvr:shard0")!.data).toMatchObject({ hasPrimary: false, tone: "bad" });
  });
});

describe("memberTone", () => {
  it.each([
    ["PRIMARY", 1, true, "ok"],
    ["SECONDARY", 1, true, "ok"],
    ["ARBITER", 1, true, "muted"],
    ["STARTUP2", 1, false, "warn"],
    ["RECOVERING", 1, false, "warn"],
    ["SECONDARY", 0, false, "bad"],
    ["DOWN", 0, false, "bad"],
    ["UNKNOWN", 0, false, "bad"],
  ])("%s (health %d, serving: %s) is %s", (state, health, healthy, tone) => {
    expect(memberTone({ state, health, healthy })).toBe(tone);
  });
});

describe("layoutGraph order", () => {
  it("draws the config servers first, then the shards, and each set's members, left to right as listed", () => {
    const { nodes } = layoutGraph(topologyView(deployedTopology()));
    const leftToRight = (prefix: string) =>
      nodes
        .filter((node) => node.id.startsWith(prefix))
        .sort((a, b) => a.position.x - b.position.x)
        .map((node) => node.id);
    expect(leftToRight("set:")).toEqual(["set:configsvr:cfg", "set:shardsvr:shard0", "set:shardsvr:shard1"]);
    expect(leftToRight("member:")).toEqual(["member:cfg-0", "member:shard0-0", "member:shard0-1", "member:shard0-2", "member:shard1-0"]);
  });
});
