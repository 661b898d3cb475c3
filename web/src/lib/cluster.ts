import type { Schemas } from "../api/client";

type ClusterDetail = Schemas["ClusterDetailPublic"];

/** Whether the cluster is the mongosim sandbox: its servers say so in buildInfo, and the API's label starts with "sandbox". */
export function isSimulator(detail: ClusterDetail): boolean {
  const server = detail.topology?.["server"];
  return typeof server === "string" && server.startsWith("sandbox");
}
