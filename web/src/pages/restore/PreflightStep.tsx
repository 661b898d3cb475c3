// Step 3: the restore's preflight, run by the API without changing anything — each check passed or failed with its
// reason and fix — and what the restore would do: the backup, the moment, the replica sets, the collections.
import { useTranslation } from "react-i18next";
import type { Schemas } from "../../api/client";
import { ErrorMessage, Loading } from "../../components/QueryState";
import { StatusBadge } from "../../components/StatusBadge";
import { formatBytes, formatDateTime, formatNumber } from "../../lib/format";

type Preflight = Schemas["RestorePreflightPublic"];

interface Props {
  result: Preflight | undefined;
  error: unknown;
  pending: boolean;
  onRerun: () => void;
}

export function PreflightStep({ result, error, pending, onRerun }: Props) {
  const { t, i18n } = useTranslation("restore");
  const when = (iso: string | null | undefined) => formatDateTime(iso, i18n.language);
  return (
    <div className="preflight-step" aria-busy={pending}>
      <div role="status">
        {pending && <Loading label={t("preflight.running")} />}
        {!pending && result && (
          <p className={result.ok ? "notice ok-notice" : "error"} data-testid="preflight-verdict">
            {result.ok ? t("preflight.ok") : t("preflight.refused")}
          </p>
        )}
      </div>
      {!pending && error !== null && error !== undefined && <ErrorMessage error={error} onRetry={onRerun} />}
      {!pending && result && (
        <>
          <h3>{t("preflight.checks")}</h3>
          <ol className="checks">
            {result.checks.map((check) => (
              <li key={check.name} className={check.ok ? "check ok" : "check failed"}>
                <StatusBadge state={null} tone={check.ok ? "ok" : "bad"} label={check.ok ? t("preflight.pass") : t("preflight.fail")} />{" "}
                <strong>{t(`preflight.checkNames.${check.name}`, { defaultValue: check.name })}</strong>
                <p className="check-detail">{check.detail}</p>
                {check.fix && <p className="check-fix">{t("preflight.fix", { fix: check.fix })}</p>}
              </li>
            ))}
          </ol>
          {!result.ok && <p className="muted">{t("preflight.notRun")}</p>}
          <h3>{t("preflight.plan")}</h3>
          <dl className="stat-row">
            <div>
              <dt>{t("preflight.backup")}</dt>
              <dd>
                <code>{result.backup_id ?? "—"}</code>
              </dd>
            </div>
            <div>
              <dt>{t("preflight.restoreTo")}</dt>
              <dd>{when(result.restore_to_time ?? result.point_in_time)}</dd>
            </div>
          </dl>
          {Object.keys(result.shard_map).length > 0 && (
            <div className="table-wrap narrow-table">
              <table>
                <caption>{t("preflight.shardMap")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("preflight.from")}</th>
                    <th scope="col">{t("preflight.to")}</th>
                  </tr>
                </thead>
                <tbody>
                  {Object.entries(result.shard_map).map(([from, to]) => (
                    <tr key={from}>
                      <th scope="row">{from}</th>
                      <td>{to}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {result.namespaces.length > 0 && (
            <div className="table-wrap">
              <table>
                <caption>{t("preflight.namespaces")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("preflight.namespace")}</th>
                    <th scope="col">{t("preflight.restoredAs")}</th>
                    <th scope="col" className="number">{t("preflight.documents")}</th>
                  </tr>
                </thead>
                <tbody>
                  {result.namespaces.map((planned) => (
                    <tr key={planned.namespace}>
                      <th scope="row">
                        <code>{planned.namespace}</code>
                      </th>
                      <td>
                        <code>{planned.restored_as}</code>
                      </td>
                      <td className="number">{formatNumber(planned.documents, i18n.language)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {result.ok && (
            <p className="muted">
              {t("preflight.totals", {
                documents: formatNumber(result.documents, i18n.language),
                bytes: formatBytes(result.bytes, i18n.language),
                files: formatNumber(result.files_checked, i18n.language),
              })}
            </p>
          )}
        </>
      )}
      <button type="button" className="button secondary" onClick={onRerun} disabled={pending}>
        {t("preflight.rerun")}
      </button>
    </div>
  );
}
