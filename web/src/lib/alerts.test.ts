import { deployedDetail, registeredDetail, registeredTopology } from "../test/clusters";
import { alertsOf } from "./alerts";

describe("alertsOf", () => {
  it("lists the WARNING and CRITICAL checks of a deployed cluster, CRITICAL first, without the OK ones", () => {
    const detail = deployedDetail();
    detail.health!.checks = [
      { check: "replication lag", target: "shard0-1", level: "WARNING", detail: "12 s behind" },
      { check: "processes", target: "cluster", level: "OK", detail: "all running" },
      { check: "primary", target: "shard1", level: "CRITICAL", detail: "no primary" },
    ];
    expect(alertsOf(detail).map((alert) => [alert.level, alert.kind, alert.target, alert.detail])).toEqual([
      ["CRITICAL", { check: "primary" }, "shard1", "no primary"],
      ["WARNING", { check: "replication lag" }, "shard0-1", "12 s behind"],
    ]);
  });

  it("reads a registered cluster's problems off its topology, ungraded", () => {
    const topology = registeredTopology({ routers: [{ address: "router1:27017", state: "DOWN", error: "connection refused" }] });
    topology.shards[0]!.members[1] = { ...topology.shards[0]!.members[1]!, state: "RECOVERING", message: "syncing" };
    topology.shards[0]!.error = null;
    topology.config_servers!.error = "no member of cfgrs answered replSetGetStatus";
    const alerts = alertsOf(registeredDetail({ topology }));
    expect(alerts.map((alert) => [alert.level, alert.kind, alert.target, alert.detail])).toEqual([
      [null, "set", "cfgrs", "no member of cfgrs answered replSetGetStatus"],
      [null, "member", "db2:27018", "RECOVERING (syncing)"],
      [null, "router", "router1:27017", "connection refused"],
    ]);
  });

  it("has nothing to say of a cluster that was not read", () => {
    expect(alertsOf(registeredDetail({ status: "unreachable", topology: null, error: "no answer" }))).toEqual([]);
  });
});
