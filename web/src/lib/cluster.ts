import type { Schemas } from "../api/client";

type ClusterDetail = Schemas["ClusterDetailPublic"];

/** Whether the cluster is the mongosim sandbox, as its servers say in buildInfo (false while that is unknown). */
export function isSimulator(detail: ClusterDetail): boolean {
  return detail.topology?.simulator === true;
}
