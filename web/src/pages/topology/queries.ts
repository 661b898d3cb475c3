// What the topology page asks of the API beyond the cluster's detail: its data distribution, a reading made now,
// and stopping or starting one node (a job).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { clusterKeys } from "../../api/hooks/clusters";

/** How often the page reads the data distribution (a live read through the routers, heavier than the detail). */
export const DISTRIBUTION_INTERVAL_MS = 10_000;

export const distributionKey = (name: string) => [...clusterKeys.detail(name), "distribution"] as const;

export function useDistribution(name: string) {
  return useQuery({
    queryKey: distributionKey(name),
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/clusters/{name}/distribution", { params: { path: { name } } })),
    refetchInterval: DISTRIBUTION_INTERVAL_MS,
  });
}

/** Read the cluster now (`?refresh=true`): the answer replaces the detail every view of the cluster shows. */
export function useReadNow(name: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () =>
      unwrap(await api.GET("/api/v1/clusters/{name}", { params: { path: { name }, query: { refresh: true } } })),
    onSuccess: (detail) => {
      queryClient.setQueryData(clusterKeys.detail(name), detail);
      void queryClient.invalidateQueries({ queryKey: distributionKey(name) });
    },
  });
}

export type NodeAction = "stop" | "start";

/** Stop or start one member or router of a cluster deployed on the API's machine; the API answers with the job. */
export function useNodeAction(name: string) {
  return useMutation({
    mutationFn: async ({ node, action }: { node: string; action: NodeAction }) => {
      const params = { params: { path: { name, node } } };
      return unwrap(
        action === "stop"
          ? await api.POST("/api/v1/deployments/{name}/nodes/{node}/stop", params)
          : await api.POST("/api/v1/deployments/{name}/nodes/{node}/start", params),
      );
    },
  });
}
