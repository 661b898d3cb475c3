// The latest round as numbers, one row per node: the figures behind the charts, readable without them.
import { useTranslation } from "react-i18next";
import type { Schemas } from "../../api/client";
import { StatusBadge } from "../../components/StatusBadge";
import { formatBytes, formatDuration, formatNumber } from "../../lib/format";

type NodeLatest = Schemas["NodeLatest"];

/** The processes of a round (shard figures have no `up`: they are not nodes). */
export function processNodes(nodes: NodeLatest[]): NodeLatest[] {
  return nodes.filter((node) => node.up !== null && node.up !== undefined);
}

export function LatestTable({ nodes }: { nodes: NodeLatest[] }) {
  const { t, i18n } = useTranslation("metrics");
  const locale = i18n.language;
  const number = (value: number | undefined) => formatNumber(value, locale);
  const bytes = (value: number | undefined) => formatBytes(value, locale);
  return (
    <div className="table-wrap">
      <table className="metrics-latest">
        <caption className="visually-hidden">{t("latest.caption")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("latest.node")}</th>
            <th scope="col">{t("latest.status")}</th>
            <th scope="col" className="number">{t("latest.connections")}</th>
            <th scope="col" className="number">{t("latest.lag")}</th>
            <th scope="col" className="number">{t("latest.cache")}</th>
            <th scope="col" className="number">{t("latest.dirty")}</th>
            <th scope="col" className="number">{t("latest.queues")}</th>
            <th scope="col" className="number">{t("latest.disk")}</th>
            <th scope="col" className="number">{t("latest.data")}</th>
            <th scope="col" className="number">{t("latest.memory")}</th>
          </tr>
        </thead>
        <tbody>
          {processNodes(nodes).map(({ node, up, values }) => {
            const value = (name: string) => values[name];
            const memory = value("mem.resident_mb");
            return (
              <tr key={node}>
                <th scope="row">{node}</th>
                <td>
                  <StatusBadge state={up ? "up" : "down"} label={up ? t("latest.up") : t("latest.down")} />
                </td>
                <td className="number">
                  {number(value("connections.current"))}
                  {value("connections.available") !== undefined && (
                    <span className="muted metrics-sub">{t("latest.available", { number: number(value("connections.available")) })}</span>
                  )}
                </td>
                <td className="number">{formatDuration(value("repl.lag_s"))}</td>
                <td className="number">
                  {bytes(value("cache.used_bytes"))}
                  {value("cache.max_bytes") !== undefined && (
                    <span className="muted metrics-sub">{t("latest.ofMax", { max: bytes(value("cache.max_bytes")) })}</span>
                  )}
                </td>
                <td className="number">{bytes(value("cache.dirty_bytes"))}</td>
                <td className="number">
                  {value("queue.readers") === undefined && value("queue.writers") === undefined
                    ? "—"
                    : `${number(value("queue.readers"))} / ${number(value("queue.writers"))}`}
                </td>
                <td className="number">
                  {bytes(value("disk.free_bytes"))}
                  {value("disk.total_bytes") !== undefined && (
                    <span className="muted metrics-sub">{t("latest.ofTotal", { total: bytes(value("disk.total_bytes")) })}</span>
                  )}
                </td>
                <td className="number">{bytes(value("storage.size_bytes"))}</td>
                <td className="number">{bytes(memory === undefined ? undefined : memory * 1024 * 1024)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
