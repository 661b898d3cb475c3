// What runs on the cluster now: the backup-related jobs (started here or elsewhere), each followed live, and for
// operators who holds the cluster's backup/restore lock, the balancer mode and any repair of a dead run.
import type { UseQueryResult } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import type { Schemas } from "../../api/client";
import { useBackupStatus } from "../../api/hooks/backups";
import type { Job } from "../../api/hooks/jobs";
import { JobProgress } from "../../components/JobProgress";
import { ReadProblem } from "../../components/RefreshFailed";
import { formatDuration } from "../../lib/format";

export interface StartedJob {
  id: string;
  kind: string;
}

interface Props {
  cluster: string;
  /** Jobs this page started (kept on screen after they end, so their outcome stays visible). */
  started: StartedJob[];
  active: UseQueryResult<Job[]>;
  isOperator: boolean;
  intervalMs: number;
  onJobEnd: (job: Schemas["JobDetailPublic"]) => void;
}

export function NowRunning({ cluster, started, active, isOperator, intervalMs, onJobEnd }: Props) {
  const { t } = useTranslation("backups");
  const status = useBackupStatus(cluster, isOperator, intervalMs);
  const others = (active.data ?? []).filter((job) => !started.some((mine) => mine.id === job.id));
  const shown = [...started, ...others];
  const lock = status.data;
  return (
    <section className="card now-running" aria-labelledby="now-running-title">
      <h2 id="now-running-title">{t("now.title")}</h2>
      <ReadProblem query={active} />
      {shown.length === 0 && active.data !== undefined && <p className="muted">{t("now.nothing")}</p>}
      <div className="job-cards">
        {shown.map((job) => (
          <JobProgress key={job.id} jobId={job.id} kind={job.kind} onEnd={onJobEnd} />
        ))}
      </div>
      {isOperator && lock && (
        <ul className="facts">
          <li>
            {lock.running
              ? t("now.lockHeld", { holder: lock.running, age: formatDuration(lock.heartbeat_age_s) })
              : t("now.lockFree")}
          </li>
          <li>{t("now.balancer", { mode: lock.balancer })}</li>
          {lock.last_backup && (
            <li>{t("now.lastBackup", {
                id: lock.last_backup.backup_id,
                state: t(`recordStates.${lock.last_backup.state}`, { ns: "common", defaultValue: lock.last_backup.state }),
              })}</li>
          )}
          {lock.recovered && <li className="warn-text">{t("now.recovered", { what: lock.recovered })}</li>}
        </ul>
      )}
      {isOperator && <ReadProblem query={status} />}
    </section>
  );
}
