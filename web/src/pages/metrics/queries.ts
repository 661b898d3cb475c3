// The metrics page's reads: the latest round (polled), and a chart's series set for a time range.
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { refreshMs, windowOf, type TimeRange, type Window } from "./range";

export const metricsKeys = {
  latest: (cluster: string) => ["metrics", cluster, "latest"] as const,
  set: (cluster: string, nodes: string[], metrics: string[], range: TimeRange, intervalS: number | null) =>
    [
      "metrics",
      cluster,
      "set",
      nodes,
      metrics,
      range.kind === "preset" ? range.preset : [range.from.toISOString(), range.to.toISOString()],
      intervalS,
    ] as const,
};

/** The latest round of `cluster`, asked again every round (between 2 and 10 s) while `live`. */
export function useLatest(cluster: string, live: boolean) {
  return useQuery({
    queryKey: metricsKeys.latest(cluster),
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/clusters/{name}/metrics/latest", { params: { path: { name: cluster } } })),
    refetchInterval: (query) => {
      if (!live) return false;
      const interval = query.state.data?.interval_s ?? 5;
      return Math.min(10, Math.max(2, interval)) * 1000;
    },
  });
}

export interface SeriesSet {
  series: Awaited<ReturnType<typeof fetchSet>>["series"];
  window: Window;
}

async function fetchSet(cluster: string, nodes: string[], metrics: string[], window: Window) {
  return unwrap(
    await api.GET("/api/v1/clusters/{name}/metrics/series/batch", {
      params: {
        path: { name: cluster },
        query: {
          node: nodes,
          metric: metrics,
          start: window.start.toISOString(),
          end: window.end.toISOString(),
          step: window.step,
        },
      },
    }),
  );
}

/**
 * `metrics` of `nodes` over `range`, in one request. A live range is read up to the time of each request (on the
 * API's clock: the browser's plus `clockOffsetMs`) and read again every few seconds unless `paused` (the same
 * query: what was drawn stays while the next reading comes).
 */
export function useSeriesSet(
  cluster: string,
  nodes: string[],
  metrics: string[],
  range: TimeRange,
  intervalS: number | null,
  paused: boolean,
  clockOffsetMs: number,
) {
  const live = range.kind === "preset";
  return useQuery({
    queryKey: metricsKeys.set(cluster, nodes, metrics, range, intervalS),
    queryFn: async (): Promise<SeriesSet> => {
      const window = windowOf(range, intervalS, new Date(Date.now() + clockOffsetMs));
      const set = await fetchSet(cluster, nodes, metrics, window);
      return { series: set.series, window };
    },
    enabled: nodes.length > 0 && metrics.length > 0,
    refetchInterval: (query) => {
      if (!live || paused) return false;
      const step = query.state.data?.window.step ?? windowOf(range, intervalS, new Date()).step;
      return refreshMs(step);
    },
  });
}
