// Queries about registered clusters, shared by the overview, the cluster pages and their layout.
import { queryOptions, useQuery } from "@tanstack/react-query";
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

/** How old a kept snapshot may be when a page asks every `intervalMs` (the API's `max_age_s`). */
export function detailMaxAgeS(intervalMs: number): number {
  return Math.max(1, intervalMs / 1000);
}

/** The query of a cluster's detail, asked for every `intervalMs` (for `useQueries` over several clusters). */
export function clusterDetailQuery(name: string, intervalMs = 2000) {
  const maxAge = detailMaxAgeS(intervalMs);
  return queryOptions({
    queryKey: clusterKeys.detail(name),
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/clusters/{name}", { params: { path: { name }, query: { max_age_s: maxAge } } })),
    refetchInterval: intervalMs,
  });
}

/** A cluster's topology and health, asked for every `intervalMs` while the page is open, never older than that
 * interval (the API reads the cluster again when its kept snapshot is older: a change shows within two intervals). */
export function useClusterDetail(name: string, intervalMs = 2000) {
  return useQuery(clusterDetailQuery(name, intervalMs));
}
