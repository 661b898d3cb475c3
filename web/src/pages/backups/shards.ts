// The shard names of a deployed cluster, as its latest topology reading lists them (empty until it is read).
import type { Schemas } from "../../api/client";

export function shardNames(detail: Schemas["ClusterDetailPublic"] | undefined): string[] {
  const topology = detail?.topology;
  if (!topology || topology.source !== "deployed") return [];
  return topology.replica_sets.filter((set) => set.role === "shardsvr").map((set) => set.name);
}
