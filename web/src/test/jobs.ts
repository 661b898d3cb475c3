// Job answers as the API gives them, with full defaults: a backup of cluster e2e that an operator started at
// 10:00:01, running at step dump. Tests override what they are about.
import type { Schemas } from "../api/client";

type Job = Schemas["JobPublic"];
type JobDetail = Schemas["JobDetailPublic"];

/** A job as the list (GET /api/v1/jobs) and the node actions give it. */
export function jobRecord(overrides: Partial<Job> = {}): Job {
  return {
    id: "job-1",
    kind: "backup",
    cluster: "e2e",
    operation_class: "backup-restore",
    state: "running",
    progress: 40,
    step: "dump",
    params: {},
    result: null,
    error: null,
    failed_step: null,
    cancel_requested: false,
    requested_by: "operator",
    schedule_id: null,
    reference: null,
    created_at: "2026-11-26T10:00:00Z",
    started_at: "2026-11-26T10:00:01Z",
    finished_at: null,
    ...overrides,
  };
}

/** One job with its log lines (GET /api/v1/jobs/{id}). */
export function jobDetail(overrides: Partial<JobDetail> = {}): JobDetail {
  return { ...jobRecord(), logs: [], ...overrides };
}

/** The 202 answer of an operation that started a job. */
export function accepted(id: string, kind: string): Schemas["JobAccepted"] {
  return { job_id: id, kind, cluster: "e2e", state: "queued", url: `/api/v1/jobs/${id}` };
}
