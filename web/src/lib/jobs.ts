// What the dashboard derives from a job record: whether it can still change, and how long it has run (the jobs
// pages, the job cards of other pages, and the backup pages that follow their jobs).

/** The job states, in the order the API moves through them. */
export const JOB_STATES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;

const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);

/** A job in this state has ended: nothing about it changes any more. */
export function isTerminal(state: string): boolean {
  return TERMINAL.has(state);
}

/** Seconds between the job's start and its end (or `now` while it runs); null before it started. */
export function jobDuration(job: { started_at: string | null; finished_at: string | null }, now: Date): number | null {
  if (!job.started_at) return null;
  const start = Date.parse(job.started_at);
  const end = job.finished_at ? Date.parse(job.finished_at) : now.getTime();
  if (Number.isNaN(start) || Number.isNaN(end)) return null;
  return Math.max(0, (end - start) / 1000);
}
