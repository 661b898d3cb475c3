// Point-in-time recovery as it stands: whether slicing runs, the recovery point and its lag, the restorable
// windows drawn on the timeline with the full backups, and each replica set's slices and gaps.
import type { UseQueryResult } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import type { Backup, Pitr } from "../../api/hooks/backups";
import { PitrTimeline, type TimelineMarker } from "../../components/PitrTimeline";
import { Loading } from "../../components/QueryState";
import { ReadProblem } from "../../components/RefreshFailed";
import { StatusBadge } from "../../components/StatusBadge";
import { formatDateTime, formatDuration, formatNumber } from "../../lib/format";

/** The full backups with a restore point, as timeline markers named by their type, id and restore point. */
export function useBackupMarkers(backups: Backup[]): TimelineMarker[] {
  const { t, i18n } = useTranslation("backups");
  return backups
    .filter((backup) => backup.type === "full" && backup.state === "done" && backup.restore_to_time)
    .map((backup) => ({
      id: backup.backup_id,
      time: backup.restore_to_time!,
      label: t("catalog.marker", {
        type: t(`types.${backup.type}`, { defaultValue: backup.type }),
        id: backup.backup_id,
        time: formatDateTime(backup.restore_to_time, i18n.language),
      }),
    }));
}

interface Props {
  cluster: string;
  pitr: UseQueryResult<Pitr>;
  markers: TimelineMarker[];
  activeMarker: string | null;
  onMarker: (id: string) => void;
}

export function PitrPanel({ cluster, pitr, markers, activeMarker, onMarker }: Props) {
  const { t, i18n } = useTranslation("backups");
  const when = (iso: string | null | undefined) => formatDateTime(iso, i18n.language);
  const data = pitr.data;
  // The worst lag is known only when every replica set's is: a set with no slice yet (or no answer) may be the worst.
  const lags = data?.replica_sets.map((set) => set.lag_s) ?? [];
  const worstLag = lags.length > 0 && lags.every((lag) => lag !== null) ? Math.max(...(lags as number[])) : null;
  return (
    <section className="card pitr-panel" aria-labelledby="pitr-title">
      <h2 id="pitr-title">{t("pitr.title")}</h2>
      <ReadProblem query={pitr} />
      {!data && !pitr.error && <Loading />}
      {data && (
        <>
          {!data.enabled && <p className="notice">{t("pitr.off")}</p>}
          {data.enabled && !data.slicer && <p className="warning">{t("pitr.noSlicer")}</p>}
          <dl className="stat-row">
            <div>
              <dt>{t("pitr.restorable")}</dt>
              <dd>
                {data.restorable_from && data.restorable_to
                  ? t("pitr.restorableRange", { start: when(data.restorable_from.time), end: when(data.restorable_to.time) })
                  : t("pitr.nothing")}
              </dd>
            </div>
            <div>
              <dt>{t("pitr.recoveryPoint")}</dt>
              <dd>{data.recovery_point ? when(data.recovery_point.time) : t("pitr.nothing")}</dd>
            </div>
            <div>
              <dt>{t("pitr.worstLag")}</dt>
              <dd>{worstLag === null ? t("pitr.unknown") : formatDuration(worstLag)}</dd>
            </div>
            <div>
              <dt>{t("pitr.openGaps")}</dt>
              <dd>
                <StatusBadge state={null} tone={data.open_gaps ? "bad" : "ok"} label={formatNumber(data.open_gaps, i18n.language)} />
              </dd>
            </div>
            {data.enabled && (
              <div>
                <dt>{t("pitr.slicer")}</dt>
                <dd>
                  {data.slicer ?? <StatusBadge state="down" label={t("pitr.notRunning")} />}{" "}
                  <span className="muted">{t("pitr.sliceEvery", { seconds: formatNumber(data.slice_seconds, i18n.language, 1) })}</span>
                </dd>
              </div>
            )}
          </dl>
          <PitrTimeline
            windows={data.windows}
            gaps={data.replica_sets.flatMap((set) => set.gaps)}
            markers={markers}
            label={t("pitr.timeline", { cluster })}
            now={pitr.dataUpdatedAt}
            onMarker={onMarker}
            activeMarker={activeMarker}
          />
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">{t("pitr.sets")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("pitr.set")}</th>
                  <th scope="col" className="number">{t("pitr.slices")}</th>
                  <th scope="col">{t("pitr.lastEnd")}</th>
                  <th scope="col">{t("pitr.majority")}</th>
                  <th scope="col" className="number">{t("pitr.lag")}</th>
                  <th scope="col" className="number">{t("pitr.gaps")}</th>
                </tr>
              </thead>
              <tbody>
                {data.replica_sets.map((set) => (
                  <tr key={set.set_name}>
                    <th scope="row">{set.set_name}</th>
                    <td className="number">{formatNumber(set.slices, i18n.language)}</td>
                    <td>{when(set.last_end?.time)}</td>
                    <td>{set.majority ? when(set.majority.time) : t("pitr.unknown")}</td>
                    <td className="number">{set.lag_s === null ? t("pitr.unknown") : formatDuration(set.lag_s)}</td>
                    <td className="number">{formatNumber(set.gaps.length, i18n.language)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
