// A cluster's backups: what runs now, point-in-time recovery with its timeline, the catalog; operators create,
// verify, drill and delete backups. Everything re-reads on a timer, faster while a backup job runs.
import { useMutation } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import { useTranslation } from "react-i18next";
import { useParams } from "react-router";
import { api, unwrap, type Schemas } from "../../api/client";
import { useBackupActivity, useBackups, usePitr, useRefreshBackups, type Backup } from "../../api/hooks/backups";
import { useClusterDetail } from "../../api/hooks/clusters";
import { useSession } from "../../auth/session";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ErrorMessage, Loading } from "../../components/QueryState";
import { ReadProblem } from "../../components/RefreshFailed";
import { formatBytes, formatDateTime, formatNumber } from "../../lib/format";
import { CatalogTable } from "./CatalogTable";
import { CreateBackupDialog } from "./CreateBackupDialog";
import { NowRunning, type StartedJob } from "./NowRunning";
import { PitrPanel, useBackupMarkers } from "./PitrPanel";
import { RunbookView } from "./RunbookView";
import { shardNames } from "./shards";

type Verify = Schemas["VerifyPublic"];

export default function BackupsPage() {
  const { name = "" } = useParams();
  const { t, i18n } = useTranslation("backups");
  const { can } = useSession();
  const isOperator = can("operator");
  const [started, setStarted] = useState<StartedJob[]>([]);
  const [ended, setEnded] = useState<ReadonlySet<string>>(new Set());
  const [creating, setCreating] = useState(false);
  const [highlighted, setHighlighted] = useState<string | null>(null);
  const [runbookOf, setRunbookOf] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<Backup | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const { active, intervalMs: interval } = useBackupActivity(name, started.some((job) => !ended.has(job.id)));
  const catalog = useBackups(name, interval);
  const pitr = usePitr(name, interval);
  const detail = useClusterDetail(name);
  const refresh = useRefreshBackups(name);
  const onJobEnd = useCallback(
    (job: Schemas["JobDetailPublic"]) => {
      setEnded((ids) => new Set(ids).add(job.id));
      refresh();
    },
    [refresh],
  );
  const follow = (job: Schemas["JobAccepted"]) => {
    setStarted((jobs) => [{ id: job.job_id, kind: job.kind }, ...jobs.filter((each) => each.id !== job.job_id)]);
    setNotice(t("started", { kind: t(`jobKinds.${job.kind}`, { ns: "common", defaultValue: job.kind }), id: job.job_id }));
    refresh();
  };

  const verify = useMutation({
    mutationFn: async (backup: Backup) =>
      unwrap(
        await api.POST("/api/v1/clusters/{name}/backups/{backup_id}/verify", {
          params: { path: { name, backup_id: backup.backup_id } },
        }),
      ) as Verify,
  });
  const drill = useMutation({
    mutationFn: async (backup: Backup) =>
      unwrap(
        await api.POST("/api/v1/clusters/{name}/backups/{backup_id}/verify", {
          params: { path: { name, backup_id: backup.backup_id }, query: { restore: true } },
        }),
      ) as Schemas["JobAccepted"],
    onSuccess: follow,
  });
  const remove = useMutation({
    mutationFn: async (backup: Backup) =>
      unwrap(
        await api.DELETE("/api/v1/clusters/{name}/backups/{backup_id}", {
          params: { path: { name, backup_id: backup.backup_id } },
        }),
      ),
    onSuccess: (deleted) => {
      setDeleting(null);
      setNotice(t("remove.done", { id: deleted.backup_id, objects: deleted.objects_removed }));
      if (runbookOf === deleted.backup_id) setRunbookOf(null);
      refresh();
    },
  });

  const markers = useBackupMarkers(catalog.data?.backups ?? []);
  const showBackup = (id: string) => {
    setHighlighted(id);
    document.getElementById(`backup-${id}`)?.scrollIntoView?.({ block: "center" });
  };
  const verified = verify.data;

  return (
    <div className="page backups-page">
      <NowRunning
        cluster={name}
        started={started}
        active={active}
        isOperator={isOperator}
        intervalMs={interval}
        onJobEnd={onJobEnd}
      />
      <div role="status" className="page-notice">
        {notice && <p className="notice">{notice}</p>}
      </div>
      <PitrPanel
        cluster={name}
        pitr={pitr}
        markers={markers}
        activeMarker={highlighted}
        onMarker={showBackup}
      />
      <section className="card" aria-labelledby="catalog-title">
        <div className="section-heading">
          <h2 id="catalog-title">{t("catalog.title")}</h2>
          {isOperator && (
            <button type="button" className="button primary" onClick={() => setCreating(true)}>
              {t("create.open")}
            </button>
          )}
        </div>
        {catalog.data && <p className="muted">{t("catalog.storage", { storage: catalog.data.storage })}</p>}
        <ReadProblem query={catalog} />
        {catalog.isPending && <Loading />}
        {catalog.data && (
          <CatalogTable
            cluster={name}
            backups={catalog.data.backups}
            isOperator={isOperator}
            highlighted={highlighted}
            verifying={verify.isPending ? (verify.variables?.backup_id ?? null) : null}
            onVerify={(backup) => verify.mutate(backup)}
            onDrill={(backup) => drill.mutate(backup)}
            onRunbook={(backup) => setRunbookOf(backup.backup_id)}
            onDelete={(backup) => {
              remove.reset();
              setDeleting(backup);
            }}
          />
        )}
        <div aria-live="polite">
          {verify.error && <ErrorMessage error={verify.error} />}
          {drill.error && <ErrorMessage error={drill.error} />}
          {verified && verified.ok && (
            <p className="notice ok-notice">
              {t(verified.contents_checked ? "verify.ok" : "verify.okNoContents", {
                id: verified.backup_id,
                files: formatNumber(verified.files, i18n.language),
                bytes: formatBytes(verified.stored_bytes, i18n.language),
                documents: formatNumber(verified.documents, i18n.language),
              })}
            </p>
          )}
          {verified && !verified.ok && (
            <div className="error" role="alert">
              <p>{t("verify.problems", { id: verified.backup_id })}</p>
              <ul>
                {verified.problems.map((problem) => (
                  <li key={problem}>{problem}</li>
                ))}
              </ul>
            </div>
          )}
        </div>
      </section>
      {runbookOf && <RunbookView key={runbookOf} cluster={name} backupId={runbookOf} onClose={() => setRunbookOf(null)} />}
      {isOperator && (
        <CreateBackupDialog
          cluster={name}
          shards={shardNames(detail.data)}
          open={creating}
          onClose={() => setCreating(false)}
          onStarted={follow}
        />
      )}
      {deleting && (
        <ConfirmDialog
          open
          danger
          busy={remove.isPending}
          title={t("remove.title", { id: deleting.backup_id })}
          confirmLabel={t("remove.confirm", { id: deleting.backup_id })}
          onConfirm={() => remove.mutate(deleting)}
          onCancel={() => setDeleting(null)}
        >
          <p>
            {t("remove.body", {
              id: deleting.backup_id,
              type: t(`types.${deleting.type}`, { defaultValue: deleting.type }),
              time: formatDateTime(deleting.restore_to_time, i18n.language),
            })}
          </p>
          {remove.error && <ErrorMessage error={remove.error} />}
        </ConfirmDialog>
      )}
    </div>
  );
}
