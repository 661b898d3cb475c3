// The cluster's restore records, newest first: kind, backup, state with the current or failed step, progress.
import type { UseQueryResult } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import type { Restore } from "../../api/hooks/backups";
import { ProgressBar } from "../../components/ProgressBar";
import { Loading } from "../../components/QueryState";
import { ReadProblem } from "../../components/RefreshFailed";
import { StatusBadge } from "../../components/StatusBadge";
import { formatDateTime } from "../../lib/format";

export function RestoresList({ restores }: { restores: UseQueryResult<{ data: Restore[] }> }) {
  const { t, i18n } = useTranslation("restore");
  const when = (iso: string | null | undefined) => formatDateTime(iso, i18n.language);
  const rows = [...(restores.data?.data ?? [])].sort((a, b) => b.started_at.localeCompare(a.started_at));
  return (
    <section className="card" aria-labelledby="restores-title">
      <h2 id="restores-title">{t("list.title")}</h2>
      <ReadProblem query={restores} />
      {restores.isPending && <Loading />}
      {restores.data && rows.length === 0 && <p className="muted">{t("list.empty")}</p>}
      {rows.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t("list.id")}</th>
                <th scope="col">{t("list.kind")}</th>
                <th scope="col">{t("list.backup")}</th>
                <th scope="col">{t("list.state")}</th>
                <th scope="col">{t("list.progress")}</th>
                <th scope="col">{t("list.restoreTo")}</th>
                <th scope="col">{t("list.started")}</th>
                <th scope="col">{t("list.updated")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((restore) => (
                <tr key={restore.restore_id}>
                  <th scope="row">
                    <code>{restore.restore_id}</code>
                  </th>
                  <td>{t(`list.kinds.${restore.kind}`, { defaultValue: restore.kind })}</td>
                  <td>
                    <code>{restore.backup_id}</code>
                  </td>
                  <td>
                    <StatusBadge state={restore.state} label={t(`recordStates.${restore.state}`, { ns: "common", defaultValue: restore.state })} />
                    {restore.current_step && <span className="muted"> {t("list.step", { step: restore.current_step })}</span>}
                    {restore.failed_step && (
                      <p className="failure">{t("list.failedAt", { step: restore.failed_step, error: restore.error ?? "—" })}</p>
                    )}
                  </td>
                  <td>
                    <ProgressBar value={restore.progress / 100} label={`${t("list.progress")}: ${restore.restore_id}`} />
                  </td>
                  <td>{when(restore.restore_to_time)}</td>
                  <td>{when(restore.started_at)}</td>
                  <td>{when(restore.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
