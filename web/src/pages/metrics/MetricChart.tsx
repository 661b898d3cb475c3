// One chart of the metrics page: its series set read (and refreshed) on its own, drawn with uPlot, a text
// alternative naming each line's latest, lowest and highest value, and the reasons for any break in the lines.
import { useId, useMemo, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type uPlot from "uplot";
import { RefreshFailed } from "../../components/RefreshFailed";
import { ErrorMessage, Loading } from "../../components/QueryState";
import { formatDateTime } from "../../lib/format";
import {
  chartData,
  isEmpty,
  isolatedPoints,
  metricsOf,
  summarise,
  withoutOpenStep,
  type ChartData,
  type ChartDef,
  type NodeChoice,
  type OpType,
} from "./charts";
import { lineStyle, prefersDark } from "./palette";
import { useSeriesSet } from "./queries";
import type { TimeRange } from "./range";
import { UPlotChart, type PlotOptions } from "./UPlotChart";
import { formatTick, formatValue } from "./units";

const HEIGHT = 240;
const SEPARATOR = "\u0000";

interface Props {
  cluster: string;
  chart: ChartDef;
  node: NodeChoice;
  /** Every node of the cluster (asked for when `node` is null). */
  nodes: string[];
  opType: OpType | "all";
  range: TimeRange;
  intervalS: number | null;
  paused: boolean;
  /** How far the API's clock is ahead of the browser's. */
  clockOffsetMs: number;
  /** Extra controls drawn in the chart's header (the operation type). */
  tools?: ReactNode;
}

function cssVariable(name: string, fallback: string): string {
  if (typeof getComputedStyle !== "function") return fallback;
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/** The last value of the plot's series `index`, or null when it has none. */
function latestOf(plot: uPlot, index: number): number | null {
  const values = plot.data[index] ?? [];
  for (let at = values.length - 1; at >= 0; at -= 1) {
    const value = values[at];
    if (value !== null && value !== undefined) return value;
  }
  return null;
}

function plotOptions(names: string[], chart: ChartDef, locale: string, timeLabel: string): PlotOptions {
  const dark = prefersDark();
  const text = cssVariable("--muted", "#4b5563");
  const grid = cssVariable("--border", "#d0d5dd");
  const format = (value: number | null | undefined) => formatValue(chart.unit, value, locale);
  // The legend shows the values under the cursor, and each line's latest value while the cursor is elsewhere.
  const shown = (plot: uPlot, value: number | null, index: number, at: number | null) => (at === null ? latestOf(plot, index) : value);
  return {
    series: [
      {
        label: timeLabel,
        value: (plot, seconds, index, at) => {
          const time = shown(plot, seconds, index, at);
          return time === null ? "—" : formatDateTime(new Date(time * 1000).toISOString(), locale);
        },
      },
      ...names.map((name, index) => ({
        label: name,
        ...lineStyle(index, dark),
        width: 1.75,
        spanGaps: false,
        // Dots where a line has none to draw: with gaps on both sides, a value would otherwise be invisible.
        points: { filter: (plot: uPlot, series: number, show: boolean) => (show ? null : isolatedPoints(plot.data[series] ?? [])) },
        value: (plot: uPlot, value: number | null, series: number, at: number | null) => format(shown(plot, value, series, at)),
      })),
    ],
    scales: { x: { time: true }, y: { range: (_, __, max) => [0, max !== null && max > 0 ? max * 1.1 : 1] } },
    axes: [
      {
        stroke: text,
        space: 72,
        grid: { stroke: grid, width: 1 },
        ticks: { stroke: grid, width: 1 },
        values: (_, splits, __, ___, spacing) => splits.map((seconds) => formatTick(seconds, spacing, locale)),
      },
      {
        stroke: text,
        size: 76,
        grid: { stroke: grid, width: 1 },
        ticks: { stroke: grid, width: 1 },
        values: (_, splits) => splits.map((value) => format(value)),
      },
    ],
    legend: { live: true },
    cursor: { drag: { x: false, y: false } },
  };
}

export function MetricChart({ cluster, chart, node, nodes, opType, range, intervalS, paused, clockOffsetMs, tools }: Props) {
  const { t, i18n } = useTranslation("metrics");
  const headingId = useId();
  const metrics = metricsOf(chart, node, opType);
  const asked = node === null ? nodes : [node];
  const query = useSeriesSet(cluster, asked, metrics, range, intervalS, paused, clockOffsetMs);

  const data = useMemo(() => {
    if (!query.data) return null;
    const series = query.data.window.live ? withoutOpenStep(query.data.series) : query.data.series;
    return chartData(chart, node, series);
  }, [query.data, chart, node]);

  const names = useMemo(
    () => (data?.lines ?? []).map((line) => (node === null ? line.name : t(line.name))),
    [data, node, t],
  );
  // The plot is made again only when its lines change (another node, type or language), not on a refresh.
  const namesKey = names.join(SEPARATOR);
  const options = useMemo(
    () => plotOptions(namesKey ? namesKey.split(SEPARATOR) : [], chart, i18n.language, t("chart.time")),
    [namesKey, chart, i18n.language, t],
  );
  const plotData = useMemo<uPlot.AlignedData | null>(
    () => (data ? [data.times, ...data.lines.map((line) => line.values)] : null),
    [data],
  );

  const oneType = chart.id === "ops" && node === null && opType !== "all";
  const title = oneType ? t("charts.opsOne", { type: t(`ops.${opType}`) }) : t(`charts.${chart.id}`);
  const hint = node === null ? t(`allNodesHint.${chart.id}`) : node;
  const summary = data ? describe(data, names) : "";

  function describe(found: ChartData, lineNames: string[]): string {
    const scope = node === null ? t("controls.allNodes") : node;
    const when =
      range.kind === "preset"
        ? t("chart.lastRange", { range: t(`controls.presets.${range.preset}`) })
        : t("chart.between", {
            from: formatDateTime(range.from.toISOString(), i18n.language),
            to: formatDateTime(range.to.toISOString(), i18n.language),
          });
    const lines = found.lines.map((line, index) => {
      const figures = summarise(line);
      const text = t("chart.line", {
        name: lineNames[index] ?? line.key,
        latest: formatValue(chart.unit, figures.latest, i18n.language),
        min: formatValue(chart.unit, figures.min, i18n.language),
        max: formatValue(chart.unit, figures.max, i18n.language),
      });
      return figures.gaps ? `${text} (${t("chart.lineGaps", { count: figures.gaps, total: figures.points })})` : text;
    });
    return [t("chart.summary", { title, scope, range: when }), ...lines.map((line) => `${line}.`)].join(" ");
  }

  const reasons = data ? [...new Set(data.lines.flatMap((line) => line.reasons))] : [];
  return (
    <section className="card metric-chart" aria-labelledby={headingId} data-testid={`chart-${chart.id}`}>
      <div className="metric-chart-head">
        <h3 id={headingId}>
          {title} <span className="muted metric-chart-hint">{hint}</span>
        </h3>
        {tools}
      </div>
      {query.error && query.data && (
        <RefreshFailed error={query.error} updatedAt={query.dataUpdatedAt} onRetry={() => void query.refetch()} />
      )}
      {!query.data && query.error && <ErrorMessage error={query.error} onRetry={() => void query.refetch()} />}
      {!query.data && !query.error && <Loading />}
      {data && options && plotData && (isEmpty(data) ? (
        <p className="muted metric-chart-empty">{t("chart.empty")}</p>
      ) : (
        <div role="img" aria-label={summary} className="metric-chart-plot">
          <UPlotChart options={options} data={plotData} height={HEIGHT} />
        </div>
      ))}
      {data && !isEmpty(data) && reasons.length > 0 && (
        <p className="muted metric-chart-gaps">{t("chart.gaps", { reasons: reasons.join(", ") })}</p>
      )}
    </section>
  );
}
