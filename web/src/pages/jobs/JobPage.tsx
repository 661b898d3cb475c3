// One job, live: its progress bar and current step, its log streaming in (Server-Sent Events, or polling when the
// stream fails), then its result or its error and the step that failed; operators can cancel it.
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { jobKeys, useCancelJob, useJob, type JobDetail } from "../../api/hooks/jobs";
import { useSession } from "../../auth/session";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ProgressBar } from "../../components/ProgressBar";
import { ErrorMessage, QueryState } from "../../components/QueryState";
import { QueryRefreshFailed } from "../../components/RefreshFailed";
import { StatusBadge } from "../../components/StatusBadge";
import { formatDateTime, formatDuration } from "../../lib/format";
import { isTerminal, jobDuration } from "../../lib/jobs";
import { useNow } from "../../lib/useNow";
import { JobLog, type LogEntry } from "./JobLog";
import { ResultView } from "./ResultView";
import { useJobEvents, type JobEvent, type StreamStatus } from "./useJobEvents";

/** How often the job is re-read when its live stream cannot be had. */
export const POLL_MS = 2000;

/** The same line from the job record and from the stream (the record keeps at most 4000 characters of it). */
const lineKey = (at: string, line: string) => `${Date.parse(at)}|${line.slice(0, 4000)}`;

/** The job's stored log, then the streamed lines it does not have yet. */
function mergeLog(stored: JobDetail["logs"], streamed: LogEntry[]): LogEntry[] {
  const entries = stored.map((line) => ({ key: `line-${line.id}`, at: line.at, line: line.line }));
  const known = new Set(stored.map((line) => lineKey(line.at, line.line)));
  const lastStored = stored.length > 0 ? Date.parse(stored[stored.length - 1]!.at) : Number.NEGATIVE_INFINITY;
  const newer = streamed.filter((entry) => Date.parse(entry.at) >= lastStored && !known.has(lineKey(entry.at, entry.line)));
  return [...entries, ...newer];
}

export default function JobPage() {
  const { id = "" } = useParams();
  const queryClient = useQueryClient();
  const [pollMs, setPollMs] = useState<number | false>(false);
  const job = useJob(id, pollMs);
  const terminal = job.data !== undefined && isTerminal(job.data.state);
  const [live, setLive] = useState<JobEvent | null>(null);
  const [streamed, setStreamed] = useState<LogEntry[]>([]);

  const reread = useCallback(() => void queryClient.invalidateQueries({ queryKey: jobKeys.detail(id) }), [queryClient, id]);
  const onEvent = useCallback(
    (event: JobEvent) => {
      setLive(event);
      const line = event.type === "state" ? null : event.message;
      if (line) setStreamed((lines) => [...lines, { key: `live-${lines.length}`, at: event.at, line }]);
      // A state change (the first event is one) moves the record's times and may end the job: read it again.
      if (event.type === "state") reread();
    },
    [reread],
  );
  const stream = useJobEvents(id, { enabled: job.data !== undefined && !terminal, onEvent, onReconnect: reread });
  useEffect(() => setPollMs(stream === "polling" && !terminal ? POLL_MS : false), [stream, terminal]);

  return (
    <section className="page job-page" aria-labelledby="job-title">
      <p className="back-link">
        <JobsLink />
      </p>
      <QueryRefreshFailed query={job} />
      <QueryState query={job}>
        {(detail) => (
          <JobView
            detail={detail}
            live={terminal || stream === "polling" ? null : live}
            entries={mergeLog(detail.logs, streamed)}
            stream={stream}
          />
        )}
      </QueryState>
    </section>
  );
}

function JobsLink() {
  const { t } = useTranslation("jobs");
  return <Link to="/jobs">← {t("detail.allJobs")}</Link>;
}

interface ViewProps {
  detail: JobDetail;
  /** The latest streamed event, when it is newer than the record (the job still runs and the stream is up). */
  live: JobEvent | null;
  entries: LogEntry[];
  stream: StreamStatus;
}

function JobView({ detail, live, entries, stream }: ViewProps) {
  const { t, i18n } = useTranslation("jobs");
  const { t: tc } = useTranslation();
  const { can } = useSession();
  const cancel = useCancelJob(detail.id);
  const [asking, setAsking] = useState(false);
  const terminal = isTerminal(detail.state);
  const state = live?.state ?? detail.state;
  const step = live ? live.step : detail.step;
  const progress = live?.progress ?? detail.progress;
  const now = useNow(1000, !terminal && detail.started_at !== null);
  const stateLabel = tc(`jobStates.${state}`, { defaultValue: state });
  const kindLabel = tc(`jobKinds.${detail.kind}`, { defaultValue: detail.kind });
  const date = (iso: string | null) => formatDateTime(iso, i18n.language);
  const streamText: Record<StreamStatus, string> = {
    idle: t("stream.connecting"),
    connecting: t("stream.connecting"),
    live: t("stream.live"),
    reconnecting: t("stream.reconnecting"),
    polling: t("stream.polling", { seconds: POLL_MS / 1000 }),
    ended: t("stream.ended"),
  };
  const canCancel = can("operator") && !terminal && !detail.cancel_requested && !isTerminal(state);

  return (
    <>
      <div className="job-heading">
        <h1 id="job-title" className="capitalize-first">
          {t("detail.title", { kind: kindLabel, cluster: detail.cluster })}
        </h1>
        <StatusBadge state={state} label={stateLabel} />
        {canCancel && (
          <button type="button" className="button danger" onClick={() => setAsking(true)}>
            {t("cancel.button")}
          </button>
        )}
      </div>

      <div className="card job-progress">
        <ProgressBar value={progress / 100} label={t("detail.progress")} />
        <p role="status" className="job-status" data-testid="job-status">
          {step ? t("detail.status", { state: stateLabel, step }) : t("detail.statusNoStep", { state: stateLabel })}
        </p>
        <p className={`stream-status stream-${terminal ? "ended" : stream}`} data-testid="stream-status">
          {terminal ? t("stream.ended") : streamText[stream]}
        </p>
        {detail.cancel_requested && !terminal && !isTerminal(state) && (
          <p className="notice" role="status">
            {t("detail.cancelRequested")}
          </p>
        )}
        {cancel.error && <ErrorMessage error={cancel.error} />}
      </div>

      {detail.error && (
        <section className="error job-error" aria-labelledby="job-error-title">
          <h2 id="job-error-title">{t("detail.error")}</h2>
          {detail.failed_step && (
            <p>
              <strong>
                {detail.state === "cancelled"
                  ? t("detail.stoppedStep", { step: detail.failed_step })
                  : t("detail.failedStep", { step: detail.failed_step })}
              </strong>
            </p>
          )}
          <p className="job-error-text">{detail.error}</p>
        </section>
      )}

      <div className="job-body">
        <section aria-labelledby="job-log-title" className="job-log-section">
          <h2 id="job-log-title">{t("detail.log")}</h2>
          <JobLog entries={entries} />
        </section>
        <div className="job-side">
          <section aria-labelledby="job-facts-title">
            <h2 id="job-facts-title">{t("detail.facts")}</h2>
            <dl className="facts">
              <div>
                <dt>{t("detail.id")}</dt>
                <dd>
                  <code>{detail.id}</code>
                </dd>
              </div>
              <div>
                <dt>{t("detail.kind")}</dt>
                <dd>{kindLabel}</dd>
              </div>
              <div>
                <dt>{t("detail.cluster")}</dt>
                <dd>
                  <Link to={`/clusters/${encodeURIComponent(detail.cluster)}`}>{detail.cluster}</Link>
                </dd>
              </div>
              <div>
                <dt>{t("detail.requestedBy")}</dt>
                <dd>{detail.requested_by ?? "—"}</dd>
              </div>
              {detail.schedule_id && (
                <div>
                  <dt>{t("detail.schedule")}</dt>
                  <dd>
                    <Link to="/schedules">{t("detail.scheduleLink")}</Link>
                  </dd>
                </div>
              )}
              {detail.reference && (
                <div>
                  <dt>{t("detail.reference")}</dt>
                  <dd>
                    <code>{detail.reference}</code>
                  </dd>
                </div>
              )}
              <div>
                <dt>{t("detail.created")}</dt>
                <dd>{date(detail.created_at)}</dd>
              </div>
              <div>
                <dt>{t("detail.started")}</dt>
                <dd>{date(detail.started_at)}</dd>
              </div>
              <div>
                <dt>{t("detail.finished")}</dt>
                <dd>{date(detail.finished_at)}</dd>
              </div>
              <div>
                <dt>{t("detail.duration")}</dt>
                <dd>{formatDuration(jobDuration(detail, now))}</dd>
              </div>
              <div>
                <dt>{t("detail.params")}</dt>
                <dd>
                  {Object.keys(detail.params).length > 0 ? (
                    <code className="job-params">{JSON.stringify(detail.params)}</code>
                  ) : (
                    t("detail.none")
                  )}
                </dd>
              </div>
            </dl>
          </section>
          {detail.result !== undefined && detail.result !== null && (
            <section aria-labelledby="job-result-title">
              <h2 id="job-result-title">{t("detail.result")}</h2>
              <ResultView value={detail.result} />
            </section>
          )}
        </div>
      </div>

      <ConfirmDialog
        open={asking}
        title={t("cancel.title")}
        confirmLabel={t("cancel.confirm")}
        cancelLabel={t("cancel.keep")}
        danger
        busy={cancel.isPending}
        onConfirm={() => cancel.mutate(undefined, { onSettled: () => setAsking(false) })}
        onCancel={() => setAsking(false)}
      >
        <p>{t("cancel.body")}</p>
      </ConfirmDialog>
    </>
  );
}
