// A job a page just started, followed live: its state (announced when it changes), progress, step, failure, and a
// link to its page. Polls the job until it ends, then tells the page once (to re-read what the job changed).
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import type { Schemas } from "../api/client";
import { useJob } from "../api/hooks/jobs";
import { isTerminal } from "../lib/jobs";
import { ProgressBar } from "./ProgressBar";
import { QueryRefreshFailed } from "./RefreshFailed";
import { StatusBadge } from "./StatusBadge";

type Job = Schemas["JobDetailPublic"];
const POLL_MS = 1000;

/** The sentence an operation's result starts with (every result of ops/ has one), if the job has it. */
function resultMessage(job: Job): string | null {
  const result: unknown = job.result;
  if (result && typeof result === "object" && "message" in result && typeof result.message === "string") return result.message;
  return null;
}

export function JobProgress({ jobId, kind, onEnd }: { jobId: string; kind: string; onEnd?: (job: Job) => void }) {
  const { t } = useTranslation();
  const [pollMs, setPollMs] = useState<number | false>(POLL_MS);
  const query = useJob(jobId, pollMs);
  const job = query.data;
  const ended = job !== undefined && isTerminal(job.state);
  const told = useRef(false);
  useEffect(() => {
    if (!ended || told.current || job === undefined) return;
    told.current = true;
    setPollMs(false);
    onEnd?.(job);
  }, [ended, job, onEnd]);
  const kindLabel = t(`jobKinds.${kind}`, { defaultValue: kind });
  return (
    <div className="job-card" data-testid={`job-${jobId}`}>
      <p className="job-card-title">
        <strong>{t("jobCard.title", { kind: kindLabel, id: jobId })}</strong>{" "}
        <Link to={`/jobs/${encodeURIComponent(jobId)}`}>{t("jobCard.open")}</Link>
      </p>
      <div role="status" className="job-card-state">
        {job ? (
          <>
            <StatusBadge state={job.state} label={t(`jobStates.${job.state}`, { defaultValue: job.state })} />{" "}
            {job.step && !ended && <span className="muted">{t("jobCard.step", { step: job.step })}</span>}
          </>
        ) : query.error ? null : (
          <span className="muted">{t("states.loading")}</span>
        )}
      </div>
      {job && !ended && <ProgressBar value={job.progress / 100} label={t("jobCard.title", { kind: kindLabel, id: jobId })} />}
      {job?.state === "succeeded" && resultMessage(job) && <p className="muted">{resultMessage(job)}</p>}
      {job?.state === "failed" && (
        <p className="error">{t("jobCard.failed", { step: job.failed_step ?? "—", error: job.error ?? "—" })}</p>
      )}
      <QueryRefreshFailed query={query} />
      {query.error && !job && (
        <p className="error">{t("jobCard.gone", { error: query.error instanceof Error ? query.error.message : String(query.error) })}</p>
      )}
    </div>
  );
}
