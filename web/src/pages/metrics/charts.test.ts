import type { Schemas } from "../../api/client";
import { CHARTS, chartData, isEmpty, isolatedPoints, metricsOf, summarise, sumPoints, withoutOpenStep, type ChartDef } from "./charts";
import { lineStyle } from "./palette";

type Series = Schemas["SeriesPublic"];
type Point = Series["points"][number];

const T0 = Date.parse("2026-11-26T12:00:00Z");

/** A series on a 10 s grid: a number is a value, a string the API's reason for a gap. */
function series(node: string, metric: string, values: (number | string)[]): Series {
  const points: Point[] = values.map((value, index) => ({
    at: new Date(T0 + index * 10_000).toISOString(),
    value: typeof value === "number" ? value : null,
    gap: typeof value === "string" ? value : null,
  }));
  return { cluster: "prod", node, metric, kind: metric.startsWith("opcounters") ? "rate" : "gauge", step_s: 10, points };
}

const chart = (id: string): ChartDef => CHARTS.find((one) => one.id === id)!;

describe("metricsOf", () => {
  it("asks for a node's lines, or what every node's line sums", () => {
    expect(metricsOf(chart("cache"), "shard0-0", "all")).toEqual(["cache.used_bytes", "cache.dirty_bytes"]);
    expect(metricsOf(chart("cache"), null, "all")).toEqual(["cache.used_bytes"]);
    expect(metricsOf(chart("ops"), null, "all")).toHaveLength(6);
    expect(metricsOf(chart("ops"), null, "update")).toEqual(["opcounters.update"]);
    // One node always shows every type on one chart.
    expect(metricsOf(chart("ops"), "router-0", "update")).toHaveLength(6);
  });
});

describe("chartData", () => {
  it("draws one node's metrics as lines in the chart's order, named by message key", () => {
    const data = chartData(chart("queues"), "shard0-0", [
      series("shard0-0", "queue.writers", [1, 2]),
      series("shard0-0", "queue.readers", [0, 3]),
    ]);
    expect(data.times).toEqual([T0 / 1000, T0 / 1000 + 10]);
    expect(data.lines.map((line) => [line.name, line.values])).toEqual([
      ["lines.queueReaders", [0, 3]],
      ["lines.queueWriters", [1, 2]],
    ]);
  });

  it("sums every node's operations into one line per node, a gap where any type has none", () => {
    const types = ["insert", "query", "update", "delete", "getmore", "command"];
    const data = chartData(chart("ops"), null, [
      ...types.map((type) => series("shard0-0", `opcounters.${type}`, [1, 2, 3])),
      ...types.map((type) =>
        series("shard1-0", `opcounters.${type}`, type === "query" ? [1, "node down", 1] : [1, "node down", 1]),
      ),
    ]);
    expect(data.lines.map((line) => [line.key, line.values, line.gaps])).toEqual([
      ["shard0-0", [6, 12, 18], 0],
      ["shard1-0", [6, null, 6], 1],
    ]);
    expect(data.lines[1]!.reasons).toEqual(["node down"]);
  });

  it("names the reasons of breaks, not of the time before the first value or after the last", () => {
    const data = chartData(chart("connections"), null, [
      series("a", "connections.current", ["no sample", 1, "node down", 2, "no sample"]),
      series("b", "connections.current", ["node down", "no sample"]),
    ]);
    expect(data.lines.map((line) => [line.key, line.reasons, line.gaps])).toEqual([
      ["a", ["node down"], 3],
      ["b", ["node down", "no sample"], 2],
    ]);
  });

  it("leaves out nodes that never report the metric, but keeps a node that was down", () => {
    const data = chartData(chart("lag"), null, [
      series("router-0", "repl.lag_s", ["no sample", "no sample"]),
      series("shard0-1", "repl.lag_s", ["node down", "node down"]),
      series("shard0-0", "repl.lag_s", [0, 0.5]),
    ]);
    expect(data.lines.map((line) => line.key)).toEqual(["shard0-1", "shard0-0"]);
    expect(isEmpty(data)).toBe(false);
    expect(isEmpty(chartData(chart("lag"), "router-0", [series("router-0", "repl.lag_s", ["no sample"])]))).toBe(true);
  });
});

describe("sumPoints", () => {
  it("is empty for no series and adds point by point", () => {
    expect(sumPoints([])).toEqual([]);
    expect(sumPoints([series("a", "m", [1, 2]), series("b", "m", [10, "no sample"])])).toEqual([11, null]);
  });
});

describe("withoutOpenStep", () => {
  it("drops a live window's last step while nothing has been read in it yet", () => {
    const open = withoutOpenStep([series("a", "m", [1, "no sample"]), series("b", "m", [2, "no sample"])]);
    expect(open.map((one) => one.points.length)).toEqual([1, 1]);
  });

  it("keeps the last step once any series has a reading or a real gap there", () => {
    const kept = [series("a", "m", [1, "no sample"]), series("b", "m", [2, 3])];
    expect(withoutOpenStep(kept)).toBe(kept);
    const down = [series("a", "m", [1, "node down"])];
    expect(withoutOpenStep(down)).toBe(down);
  });
});

describe("summarise", () => {
  it("states the latest, lowest and highest value and the missing points", () => {
    const line = chartData(chart("connections"), "n", [series("n", "connections.current", [4, 9, "node down", 2, "node down"])]).lines[0]!;
    expect(summarise(line)).toEqual({ latest: 2, min: 2, max: 9, gaps: 2, points: 5 });
  });

  it("has no figures for a line without values", () => {
    const line = chartData(chart("connections"), "n", [series("n", "connections.current", ["node down"])]).lines[0]!;
    expect(summarise(line)).toEqual({ latest: null, min: null, max: null, gaps: 1, points: 1 });
  });
});

describe("lineStyle", () => {
  it("gives 32 lines 32 different colour and dash pairs, on light and dark backgrounds", () => {
    for (const dark of [false, true]) {
      const styles = Array.from({ length: 32 }, (_, index) => lineStyle(index, dark));
      expect(new Set(styles.map((style) => `${style.stroke} ${style.dash.join(",")}`)).size).toBe(32);
    }
    // Neighbours differ in dash as well as colour.
    expect(lineStyle(0, false).dash).not.toEqual(lineStyle(1, false).dash);
  });
});

describe("isolatedPoints", () => {
  it("finds the values a line cannot draw: no value on either side", () => {
    expect(isolatedPoints([null, 3, null, 4, 5, null, 6])).toEqual([1, 6]);
    expect(isolatedPoints([7, null])).toEqual([0]);
    expect(isolatedPoints([1, 2, 3])).toBeNull();
    expect(isolatedPoints([null, null])).toBeNull();
  });
});
