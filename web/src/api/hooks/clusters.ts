// Queries about registered clusters, shared by the overview, the cluster pages and their layout.
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../client";

export const clusterKeys = {
  all: ["clusters"] as const,
  detail: (name: string) => ["clusters", name] as const,
};

export function useClusters() {
  return useQuery({
    queryKey: clusterKeys.all,
    queryFn: async () => unwrap(await api.GET("/api/v1/clusters")),
  });
}

/** A cluster's latest snapshot (topology and health), refreshed every `intervalMs` while the page is open. */
export function useClusterDetail(name: string, intervalMs = 2000) {
  return useQuery({
    queryKey: clusterKeys.detail(name),
    queryFn: async () => unwrap(await api.GET("/api/v1/clusters/{name}", { params: { path: { name } } })),
    refetchInterval: intervalMs,
  });
}
