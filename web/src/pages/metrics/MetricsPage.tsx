// Live metrics of one cluster: per node or every node, over a preset range that follows now (refreshed without
// reloading) or a fixed one; the latest round as numbers, how old it is, and an honest word when nothing is
// current. The choices live in the URL (?node=&range=&op=) so a view can be shared during an incident.
import { useId, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { useParams, useSearchParams } from "react-router";
import type { Schemas } from "../../api/client";
import { RefreshFailed } from "../../components/RefreshFailed";
import { QueryState } from "../../components/QueryState";
import { ageOf, formatDateTime, formatDuration } from "../../lib/format";
import { useNow } from "../../lib/useNow";
import { CHARTS, OP_TYPES, type NodeChoice, type OpType } from "./charts";
import { LatestTable, processNodes } from "./LatestTable";
import { MetricChart } from "./MetricChart";
import { useLatest } from "./queries";
import { rangeFromParams, rangeToParams, refreshMs, windowOf, type TimeRange } from "./range";
import { RangeControls } from "./RangeControls";

type Latest = Schemas["MetricsLatestPublic"];

/** A round older than this many collection intervals (at least 15 s) means collection has stopped. */
const STALE_ROUNDS = 3;

export default function MetricsPage() {
  const { name = "" } = useParams();
  const { t } = useTranslation("metrics");
  const [params, setParams] = useSearchParams();
  const [paused, setPaused] = useState(false);
  const range = useMemo(() => rangeFromParams(params), [params]);
  const live = range.kind === "preset";
  const latest = useLatest(name, true);

  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value === null) next.delete(key);
      else next.set(key, value);
    }
    setParams(next, { replace: true });
  };
  const setRange = (next: TimeRange) => {
    const values = rangeToParams(next);
    update({ range: values.range ?? null, from: values.from ?? null, to: values.to ?? null });
  };

  return (
    <section className="page metrics-page" aria-labelledby="metrics-title">
      <h2 id="metrics-title">{t("title")}</h2>
      <QueryState query={latest}>
        {(data) => (
          <MetricsView
            cluster={name}
            latest={data}
            fetchedAt={latest.dataUpdatedAt}
            refreshError={latest.error}
            onRetry={() => void latest.refetch()}
            range={range}
            live={live}
            paused={paused}
            onPause={setPaused}
            nodeParam={params.get("node")}
            opParam={params.get("op")}
            onNode={(node) => update({ node })}
            onOp={(op) => update({ op: op === "all" ? null : op })}
            onRange={setRange}
          />
        )}
      </QueryState>
    </section>
  );
}

interface ViewProps {
  cluster: string;
  latest: Latest;
  fetchedAt: number;
  refreshError: unknown;
  onRetry: () => void;
  range: TimeRange;
  live: boolean;
  paused: boolean;
  onPause: (paused: boolean) => void;
  nodeParam: string | null;
  opParam: string | null;
  onNode: (node: string | null) => void;
  onOp: (op: OpType | "all") => void;
  onRange: (range: TimeRange) => void;
}

function MetricsView(props: ViewProps) {
  const { cluster, latest, fetchedAt, range, live, paused } = props;
  const { t, i18n } = useTranslation("metrics");
  const now = useNow(1000);
  const nodeSelect = useId();
  const opSelect = useId();
  const nodes = useMemo(() => processNodes(latest.nodes).map((node) => node.node), [latest.nodes]);
  const node: NodeChoice = props.nodeParam !== null && nodes.includes(props.nodeParam) ? props.nodeParam : null;
  const opType: OpType | "all" = OP_TYPES.includes(props.opParam as OpType) ? (props.opParam as OpType) : "all";
  const intervalS = latest.interval_s ?? null;

  if (!latest.taken_at) {
    return (
      <div className="notice" role="status" data-testid="metrics-empty">
        <h3>{t("noData.title")}</h3>
        <p>{intervalS ? t("noData.collecting", { seconds: intervalS }) : t("noData.off")}</p>
      </div>
    );
  }

  // The round's age on the API's clock, plus the time since the answer came: a skewed browser clock changes nothing.
  const ageS = (latest.age_s ?? 0) + Math.max(0, now.getTime() - fetchedAt) / 1000;
  const clockOffsetMs = Date.parse(latest.taken_at) + (latest.age_s ?? 0) * 1000 - fetchedAt;
  const stale = ageS > Math.max(15, STALE_ROUNDS * (intervalS ?? 10));
  const age = ageOf(new Date(now.getTime() - ageS * 1000).toISOString(), now);
  const ageText = !age || age.unit === "justNow" ? t("common:time.justNow") : t(`common:time.${age.unit}Ago`, { count: age.count });
  const chartRefreshS = refreshMs(windowOf(range, intervalS, now).step) / 1000;
  const liveText = !live ? t("live.fixed") : paused ? t("live.paused") : t("live.on", { seconds: chartRefreshS });

  const opTools = (
    <div className="metrics-op">
      <label htmlFor={opSelect}>{t("controls.opType")}</label>
      <select id={opSelect} value={opType} onChange={(event) => props.onOp(event.target.value as OpType | "all")}>
        <option value="all">{t("controls.allTypes")}</option>
        {OP_TYPES.map((type) => (
          <option key={type} value={type}>
            {t(`ops.${type}`)}
          </option>
        ))}
      </select>
    </div>
  );

  return (
    <>
      <div className="toolbar metrics-toolbar">
        {/* A label beside its select, not around it: the select's name is then "Node", not "Node All nodes…". */}
        <div className="field">
          <label htmlFor={nodeSelect}>{t("controls.node")}</label>
          <select id={nodeSelect} value={node ?? ""} onChange={(event) => props.onNode(event.target.value || null)}>
            <option value="">{t("controls.allNodes")}</option>
            {nodes.map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
        </div>
        <RangeControls range={range} onChange={props.onRange} />
        {live && (
          <button type="button" className="button secondary small" aria-pressed={paused} onClick={() => props.onPause(!paused)}>
            {paused ? t("controls.resume") : t("controls.pause")}
          </button>
        )}
      </div>

      <div className="metrics-status">
        <p role="status" className="metrics-live">
          {liveText}
          {stale && (
            <>
              {" "}
              <strong className="badge warn">{t("common:states.stale")}</strong>
            </>
          )}
        </p>
        <p data-testid="metrics-taken-at">
          {t("latestRound", {
            time: formatDateTime(latest.taken_at, i18n.language),
            age: ageText,
            duration: formatDuration(latest.duration_s),
          })}{" "}
          {latest.gaps > 0 && <strong>{t("gaps", { count: latest.gaps })}</strong>}
        </p>
        {stale && (
          <p className="notice warn" data-testid="metrics-stale">
            {t("stale", { age: ageText })}
          </p>
        )}
        {Boolean(props.refreshError) && <RefreshFailed error={props.refreshError} updatedAt={fetchedAt} onRetry={props.onRetry} />}
      </div>

      <div className="metric-charts">
        {CHARTS.map((chart) => (
          <MetricChart
            key={chart.id}
            cluster={cluster}
            chart={chart}
            node={node}
            nodes={nodes}
            opType={opType}
            range={range}
            intervalS={intervalS}
            paused={paused}
            clockOffsetMs={clockOffsetMs}
            tools={chart.id === "ops" && node === null ? opTools : undefined}
          />
        ))}
      </div>

      <h3>{t("latest.title")}</h3>
      <LatestTable nodes={latest.nodes} />
    </>
  );
}
