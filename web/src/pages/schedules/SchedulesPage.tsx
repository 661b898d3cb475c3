// The cron schedules: when each runs (expression, words, time zone, next run), how its last run went (linking to
// the job it started); operators pause and resume them, admins create, change and delete them.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { useClusters } from "../../api/hooks/clusters";
import { useSession } from "../../auth/session";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ErrorMessage, QueryState } from "../../components/QueryState";
import { QueryRefreshFailed } from "../../components/RefreshFailed";
import { StatusBadge } from "../../components/StatusBadge";
import { formatDateTime } from "../../lib/format";
import { describeCron } from "./cronText";
import { useDeleteSchedule, useSchedules, useSetPaused, type Schedule } from "./queries";
import { ScheduleForm } from "./ScheduleForm";

/** The scheduler's last decision, "started (2026-11-26T03:00:00+00:00): job 3f2a..." → its word and its detail. */
export function parseOutcome(outcome: string): { word: string; detail: string } {
  const match = /^(\w+)(?: \([^)]*\))?(?:: ([\s\S]*))?$/.exec(outcome);
  return match ? { word: match[1]!, detail: match[2] ?? "" } : { word: outcome, detail: "" };
}

const OUTCOME_TONES = { started: "ok", skipped: "warn", refused: "bad" } as const;

export default function SchedulesPage() {
  const { t } = useTranslation("schedules");
  const { can } = useSession();
  const schedules = useSchedules();
  const clusters = useClusters();
  const setPaused = useSetPaused();
  const remove = useDeleteSchedule();
  const [editing, setEditing] = useState<Schedule | "new" | null>(null);
  const [deleting, setDeleting] = useState<Schedule | null>(null);
  const deployed = (clusters.data?.data ?? []).filter((cluster) => cluster.source === "deployed").map((cluster) => cluster.name);

  return (
    <section className="page schedules-page" aria-labelledby="schedules-title">
      <div className="page-heading">
        <h1 id="schedules-title">{t("title")}</h1>
        {can("admin") && editing === null && (
          <button type="button" className="button primary" onClick={() => setEditing("new")}>
            {t("new")}
          </button>
        )}
      </div>
      <p className="muted">{t("intro")}</p>
      {can("operator") && !can("admin") && <p className="notice">{t("adminOnly")}</p>}
      {editing !== null && (
        <ScheduleForm
          key={editing === "new" ? "new" : editing.id}
          schedule={editing === "new" ? undefined : editing}
          clusters={deployed}
          onDone={() => setEditing(null)}
        />
      )}
      {setPaused.error && <ErrorMessage error={setPaused.error} />}
      <QueryRefreshFailed query={schedules} />
      <QueryState query={schedules}>
        {({ data }) =>
          data.length === 0 ? (
            <p className="muted">{t("empty")}</p>
          ) : (
            <div className="table-wrap">
              <table className="schedules-table">
                <caption className="visually-hidden">{t("caption")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("columns.name")}</th>
                    <th scope="col">{t("columns.kind")}</th>
                    <th scope="col">{t("columns.cluster")}</th>
                    <th scope="col">{t("columns.when")}</th>
                    <th scope="col">{t("columns.timezone")}</th>
                    <th scope="col">{t("columns.nextRun")}</th>
                    <th scope="col">{t("columns.lastRun")}</th>
                    <th scope="col">{t("columns.status")}</th>
                    {can("operator") && <th scope="col">{t("columns.actions")}</th>}
                  </tr>
                </thead>
                <tbody>
                  {data.map((schedule) => (
                    <ScheduleRow
                      key={schedule.id}
                      schedule={schedule}
                      busy={setPaused.isPending && setPaused.variables?.id === schedule.id}
                      onPause={(paused) => setPaused.mutate({ id: schedule.id, paused })}
                      onEdit={() => setEditing(schedule)}
                      onDelete={() => {
                        remove.reset();
                        setDeleting(schedule);
                      }}
                    />
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </QueryState>
      <ConfirmDialog
        open={deleting !== null}
        title={t("deleteTitle", { name: deleting?.name ?? "" })}
        confirmLabel={t("delete")}
        danger
        busy={remove.isPending}
        onConfirm={() => deleting && remove.mutate(deleting.id, { onSuccess: () => setDeleting(null) })}
        onCancel={() => setDeleting(null)}
      >
        <p>{t("deleteBody")}</p>
        {remove.error && <ErrorMessage error={remove.error} />}
      </ConfirmDialog>
    </section>
  );
}

interface RowProps {
  schedule: Schedule;
  busy: boolean;
  onPause: (paused: boolean) => void;
  onEdit: () => void;
  onDelete: () => void;
}

function ScheduleRow({ schedule, busy, onPause, onEdit, onDelete }: RowProps) {
  const { t, i18n } = useTranslation("schedules");
  const { t: tc } = useTranslation();
  const { can } = useSession();
  const description = describeCron(schedule.cron, i18n.language);
  const outcome = schedule.last_outcome ? parseOutcome(schedule.last_outcome) : null;
  const summary = useParamsSummary(schedule.params);
  return (
    <tr data-testid={`schedule-${schedule.name}`}>
      <th scope="row">{schedule.name}</th>
      <td>
        {tc(`jobKinds.${schedule.kind}`, { defaultValue: schedule.kind })}
        {summary && <div className="muted schedule-note">{summary}</div>}
      </td>
      <td>
        <Link to={`/clusters/${encodeURIComponent(schedule.cluster)}`}>{schedule.cluster}</Link>
      </td>
      <td>
        <code>{schedule.cron}</code>
        {description && <div className="cron-description">{description}</div>}
      </td>
      <td>{schedule.timezone}</td>
      <td>{schedule.paused ? t("pausedNoNext") : formatDateTime(schedule.next_run_at, i18n.language, schedule.timezone)}</td>
      <td>
        {schedule.last_run_at ? (
          <>
            <div>{formatDateTime(schedule.last_run_at, i18n.language, schedule.timezone)}</div>
            {outcome && (
              <div className="schedule-outcome">
                <StatusBadge
                  state={outcome.word}
                  label={t(`outcomes.${outcome.word}`, { defaultValue: outcome.word })}
                  tone={OUTCOME_TONES[outcome.word as keyof typeof OUTCOME_TONES] ?? "info"}
                />
                {schedule.last_job_id && (
                  <Link to={`/jobs/${encodeURIComponent(schedule.last_job_id)}`}>{t("lastJob")}</Link>
                )}
                {outcome.word !== "started" && outcome.detail && <div className="muted schedule-note">{outcome.detail}</div>}
              </div>
            )}
          </>
        ) : (
          <span className="muted">{t("never")}</span>
        )}
      </td>
      <td>
        <StatusBadge state={schedule.paused ? "paused" : "ok"} label={schedule.paused ? t("paused") : t("active")} />
      </td>
      {can("operator") && (
        <td>
          <div className="row-actions" role="group" aria-label={t("actionsFor", { name: schedule.name })}>
            <button type="button" className="button secondary small" disabled={busy} onClick={() => onPause(!schedule.paused)}>
              {schedule.paused ? t("resume") : t("pause")}
            </button>
            {can("admin") && (
              <>
                <button type="button" className="button secondary small" onClick={onEdit}>
                  {t("edit")}
                </button>
                <button type="button" className="button danger small" onClick={onDelete}>
                  {t("delete")}
                </button>
              </>
            )}
          </div>
        </td>
      )}
    </tr>
  );
}

/** What a schedule's job is told to do, in a few words: "full backup, zstd compression", "backup 2026-11-26T...". */
function useParamsSummary(params: Record<string, unknown>): string {
  const { t } = useTranslation("schedules");
  const text = (key: string) => (typeof params[key] === "string" ? (params[key] as string) : null);
  const type = text("type");
  const parts = [
    type === "shard" ? t("summary.shard", { shard: text("shard") ?? "?" }) : type ? t(`summary.${type}`, { defaultValue: type }) : null,
    text("compression") && t("summary.compression", { name: text("compression") }),
    text("backup_id") && t("summary.backup", { id: text("backup_id") }),
  ];
  return parts.filter(Boolean).join(", ");
}
