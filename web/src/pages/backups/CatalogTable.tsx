// The cluster's backups, newest first: what each is, its state (a failed one with the step and error), and the
// actions on it. Operator actions are not drawn for viewers.
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import type { Backup } from "../../api/hooks/backups";
import { StatusBadge } from "../../components/StatusBadge";
import { formatBytes, formatDateTime, formatNumber } from "../../lib/format";

// A backup in these states is being written: it cannot be deleted until it ends.
const RUNNING = new Set(["starting", "running", "uploading"]);

interface Props {
  cluster: string;
  backups: Backup[];
  isOperator: boolean;
  highlighted: string | null;
  verifying: string | null;
  onVerify: (backup: Backup) => void;
  onDrill: (backup: Backup) => void;
  onRunbook: (backup: Backup) => void;
  onDelete: (backup: Backup) => void;
}

export function CatalogTable({ cluster, backups, isOperator, highlighted, verifying, onVerify, onDrill, onRunbook, onDelete }: Props) {
  const { t, i18n } = useTranslation("backups");
  const newestFirst = [...backups].sort((a, b) => b.started_at.localeCompare(a.started_at));
  if (newestFirst.length === 0) return <p className="muted">{t("catalog.empty")}</p>;
  return (
    <div className="table-wrap">
      <table className="catalog">
        <caption className="visually-hidden">{t("catalog.title")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("catalog.id")}</th>
            <th scope="col">{t("catalog.type")}</th>
            <th scope="col">{t("catalog.state")}</th>
            <th scope="col">{t("catalog.consistent")}</th>
            <th scope="col">{t("catalog.restorePoint")}</th>
            <th scope="col" className="number">{t("catalog.size")}</th>
            <th scope="col" className="number">{t("catalog.documents")}</th>
            <th scope="col">{t("catalog.started")}</th>
            <th scope="col">{t("catalog.actions")}</th>
          </tr>
        </thead>
        <tbody>
          {newestFirst.map((backup) => {
            const done = backup.state === "done";
            const busy = RUNNING.has(backup.state);
            return (
              <tr key={backup.backup_id} id={`backup-${backup.backup_id}`} className={highlighted === backup.backup_id ? "highlighted" : undefined}>
                <th scope="row">
                  <code>{backup.backup_id}</code>
                </th>
                <td>{t(`types.${backup.type}`, { defaultValue: backup.type })}</td>
                <td>
                  <StatusBadge state={backup.state} label={t(`recordStates.${backup.state}`, { ns: "common", defaultValue: backup.state })} />
                  {backup.failed_step && (
                    <p className="failure">{t("catalog.failedAt", { step: backup.failed_step, error: backup.error ?? "—" })}</p>
                  )}
                </td>
                <td>{backup.cluster_consistent === null ? "—" : backup.cluster_consistent ? t("catalog.yes") : t("catalog.no")}</td>
                <td>{formatDateTime(backup.restore_to_time, i18n.language)}</td>
                <td className="number">{formatBytes(backup.size_bytes, i18n.language)}</td>
                <td className="number">{formatNumber(backup.documents, i18n.language)}</td>
                <td>{formatDateTime(backup.started_at, i18n.language)}</td>
                <td>
                  <div className="row-actions" role="group" aria-label={t("catalog.actionsFor", { id: backup.backup_id })}>
                    {done && (
                      <button type="button" className="button secondary small" onClick={() => onRunbook(backup)}>
                        {t("catalog.runbook")}
                      </button>
                    )}
                    {isOperator && done && (
                      <>
                        <button
                          type="button"
                          className="button secondary small"
                          disabled={verifying !== null}
                          onClick={() => onVerify(backup)}
                        >
                          {verifying === backup.backup_id ? t("catalog.verifying") : t("catalog.verify")}
                        </button>
                        {backup.type === "full" && (
                          <button type="button" className="button secondary small" onClick={() => onDrill(backup)}>
                            {t("catalog.drill")}
                          </button>
                        )}
                        <Link
                          className="button secondary small"
                          to={`/clusters/${encodeURIComponent(cluster)}/restore?backup=${encodeURIComponent(backup.backup_id)}`}
                        >
                          {t("catalog.restore")}
                        </Link>
                      </>
                    )}
                    {isOperator && !busy && (
                      <button type="button" className="button danger small" onClick={() => onDelete(backup)}>
                        {t("catalog.delete")}
                      </button>
                    )}
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
