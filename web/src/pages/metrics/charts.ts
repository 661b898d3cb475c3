// What each chart of the metrics page draws, and how the API's series become its lines.
//
// One node: every metric of the chart is a line. All nodes: one line per node, the node's figure being the sum
// of the chart's "all nodes" metrics (e.g. the operations of every type). A point of a line is a gap (null) when
// the API says so for any of the series it sums: never a made-up value.
import type { Schemas } from "../../api/client";

type Series = Schemas["SeriesPublic"];

export const OP_TYPES = ["insert", "query", "update", "delete", "getmore", "command"] as const;
export type OpType = (typeof OP_TYPES)[number];

export type Unit = "rate" | "count" | "seconds" | "bytes";
export type ChartId = "ops" | "connections" | "lag" | "cache" | "queues" | "disk";

/** A metric drawn for one node, with the message key of its line's name. */
export interface NodeLine {
  metric: string;
  label: string;
}

export interface ChartDef {
  id: ChartId;
  unit: Unit;
  /** The lines of one node's chart. */
  node: NodeLine[];
  /** The metrics summed into each node's line when every node is shown. */
  all: string[];
}

const opcounter = (type: OpType) => `opcounters.${type}`;

// A chart draws figures of one scale: the cache's configured maximum and the data size (next to gigabytes free)
// would flatten the lines beside them, so they are in the latest values table instead.
export const CHARTS: ChartDef[] = [
  {
    id: "ops",
    unit: "rate",
    node: OP_TYPES.map((type) => ({ metric: opcounter(type), label: `ops.${type}` })),
    all: OP_TYPES.map(opcounter),
  },
  {
    id: "connections",
    unit: "count",
    node: [{ metric: "connections.current", label: "lines.connections" }],
    all: ["connections.current"],
  },
  { id: "lag", unit: "seconds", node: [{ metric: "repl.lag_s", label: "lines.lag" }], all: ["repl.lag_s"] },
  {
    id: "cache",
    unit: "bytes",
    node: [
      { metric: "cache.used_bytes", label: "lines.cacheUsed" },
      { metric: "cache.dirty_bytes", label: "lines.cacheDirty" },
    ],
    all: ["cache.used_bytes"],
  },
  {
    id: "queues",
    unit: "count",
    node: [
      { metric: "queue.readers", label: "lines.queueReaders" },
      { metric: "queue.writers", label: "lines.queueWriters" },
    ],
    all: ["queue.total"],
  },
  {
    id: "disk",
    unit: "bytes",
    node: [{ metric: "disk.free_bytes", label: "lines.diskFree" }],
    all: ["disk.free_bytes"],
  },
];

/** Every node (`null`) or one node id. */
export type NodeChoice = string | null;

/** The metrics a chart asks for: the node's lines, or the "all nodes" metrics (one operation type when chosen). */
export function metricsOf(chart: ChartDef, node: NodeChoice, opType: OpType | "all"): string[] {
  if (node !== null) return chart.node.map((line) => line.metric);
  if (chart.id === "ops" && opType !== "all") return [opcounter(opType)];
  return chart.all;
}

export interface Line {
  /** A stable key (node id or metric name). */
  key: string;
  /** A node id, or the message key of the metric's name (`label` of a NodeLine). */
  name: string;
  values: (number | null)[];
  /** Points without a value. */
  gaps: number;
  /** The API's reasons for the breaks in the line, most frequent first: the gaps between its first and last value
   * (before the first, nothing was collected yet; after the last, the line just ends). A line without any value
   * gives the reasons of all its gaps. */
  reasons: string[];
}

export interface ChartData {
  /** Seconds since the epoch: the start of each step. */
  times: number[];
  lines: Line[];
}

const NO_SAMPLE = "no sample";

/** The API's reasons for the gaps of `series` between points `from` and `to`, most frequent first. */
function reasonsOf(series: Series[], from = 0, to = Number.POSITIVE_INFINITY): string[] {
  const counts = new Map<string, number>();
  for (const one of series) {
    one.points.forEach((point, index) => {
      if (point.gap && index >= from && index <= to) counts.set(point.gap, (counts.get(point.gap) ?? 0) + 1);
    });
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([reason]) => reason);
}

/** Point by point, the sum of `series` (all on one grid); null where any of them has no value. */
export function sumPoints(series: Series[]): (number | null)[] {
  const first = series[0];
  if (!first) return [];
  return first.points.map((_, index) => {
    let total = 0;
    for (const one of series) {
      const value = one.points[index]?.value;
      if (value === null || value === undefined) return null;
      total += value;
    }
    return total;
  });
}

function lineOf(key: string, name: string, series: Series[]): Line {
  const values = sumPoints(series);
  const first = values.findIndex((value) => value !== null);
  const last = values.findLastIndex((value) => value !== null);
  return {
    key,
    name,
    values,
    gaps: values.filter((value) => value === null).length,
    reasons: first < 0 ? reasonsOf(series) : reasonsOf(series, first, last),
  };
}

/** Whether a series is nothing but "no sample": the node does not report that metric at all (a router's lag). */
function neverReported(series: Series): boolean {
  return series.points.every((point) => point.value === null && point.gap === NO_SAMPLE);
}

/**
 * The lines of `chart` from the API's series set. One node: a line per metric, in the chart's order. All nodes:
 * a line per node, without the nodes that never report the chart's metrics in the range (a router has no lag).
 */
export function chartData(chart: ChartDef, node: NodeChoice, series: Series[]): ChartData {
  const times = (series[0]?.points ?? []).map((point) => Date.parse(point.at) / 1000);
  if (node !== null) {
    const lines = chart.node.flatMap((line) => {
      const found = series.filter((one) => one.node === node && one.metric === line.metric);
      return found.length ? [lineOf(line.metric, line.label, found)] : [];
    });
    return { times, lines };
  }
  const byNode = new Map<string, Series[]>();
  for (const one of series) byNode.set(one.node, [...(byNode.get(one.node) ?? []), one]);
  const lines = [...byNode.entries()]
    .filter(([, found]) => !found.every(neverReported))
    .map(([id, found]) => lineOf(id, id, found));
  return { times, lines };
}

/** Whether no line of the chart has a single value in the range. */
export function isEmpty(data: ChartData): boolean {
  return data.lines.every((line) => line.values.every((value) => value === null));
}

/**
 * A live window's last step is still filling: while nothing was read in it yet it says "no sample", which is
 * not a gap in the data. That trailing step is dropped, never drawn as a gap.
 */
export function withoutOpenStep(series: Series[]): Series[] {
  const open = (one: Series) => {
    const last = one.points.at(-1);
    return last !== undefined && last.value === null && last.gap === NO_SAMPLE;
  };
  if (!series.length || !series.every(open)) return series;
  return series.map((one) => ({ ...one, points: one.points.slice(0, -1) }));
}

export interface LineSummary {
  name: string;
  latest: number | null;
  min: number | null;
  max: number | null;
  gaps: number;
  points: number;
}

/** The figures a chart's text alternative states for each line: latest value, lowest, highest, missing points. */
export function summarise(line: Line): Omit<LineSummary, "name"> {
  const known = line.values.filter((value): value is number => value !== null);
  let latest: number | null = null;
  for (let index = line.values.length - 1; index >= 0; index -= 1) {
    const value = line.values[index];
    if (value !== null && value !== undefined) {
      latest = value;
      break;
    }
  }
  return {
    latest,
    min: known.length ? Math.min(...known) : null,
    max: known.length ? Math.max(...known) : null,
    gaps: line.gaps,
    points: line.values.length,
  };
}

/** The indexes of values with no value on either side (null when there is none): a line cannot show them, a dot
 * must. */
export function isolatedPoints(values: ArrayLike<number | null | undefined>): number[] | null {
  const found: number[] = [];
  const missing = (index: number) => values[index] === null || values[index] === undefined;
  for (let index = 0; index < values.length; index += 1) {
    if (!missing(index) && (index === 0 || missing(index - 1)) && (index === values.length - 1 || missing(index + 1))) found.push(index);
  }
  return found.length ? found : null;
}
