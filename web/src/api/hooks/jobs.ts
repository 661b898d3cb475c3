// Queries about jobs, shared by the jobs pages and the job cards of the pages that start one: the filtered list,
// one job with its log, and cancelling.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../client";

export type Job = Schemas["JobPublic"];
export type JobDetail = Schemas["JobDetailPublic"];

export interface JobFilters {
  state?: string;
  kind?: string;
  cluster?: string;
  requested_by?: string;
  limit: number;
  offset: number;
}

export const jobKeys = {
  all: ["jobs"] as const,
  list: (filters: JobFilters) => ["jobs", "list", filters] as const,
  detail: (id: string) => ["jobs", "detail", id] as const,
};

/** A page of jobs, newest first; re-read every `refetchMs(jobs)` milliseconds (false: not on a timer). */
export function useJobs(filters: JobFilters, refetchMs: (jobs: Job[] | undefined) => number | false) {
  return useQuery({
    queryKey: jobKeys.list(filters),
    queryFn: async () => unwrap(await api.GET("/api/v1/jobs", { params: { query: filters } })),
    refetchInterval: (query) => refetchMs(query.state.data?.data),
    placeholderData: (previous) => previous,
  });
}

/** One job with its log lines and result; polled every `pollMs` when given (the live stream is down). */
export function useJob(id: string, pollMs: number | false = false) {
  return useQuery({
    queryKey: jobKeys.detail(id),
    queryFn: async () => unwrap(await api.GET("/api/v1/jobs/{job_id}", { params: { path: { job_id: id } } })),
    refetchInterval: pollMs,
  });
}

export function useCancelJob(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/v1/jobs/{job_id}/cancel", { params: { path: { job_id: id } } })),
    onSuccess: (job) => {
      // The answer has no log lines: keep the ones shown, take everything else from the answer.
      queryClient.setQueryData<JobDetail>(jobKeys.detail(id), (old) => (old ? { ...old, ...job } : old));
      void queryClient.invalidateQueries({ queryKey: jobKeys.all });
    },
  });
}
