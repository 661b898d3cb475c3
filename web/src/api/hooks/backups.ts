// Queries about one cluster's backups, point-in-time recovery and restores, shared by the backups page and the
// restore wizard. Each re-reads on a timer: faster while something runs, so the catalog follows a job live.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import { isTerminal } from "../../lib/jobs";
import { api, unwrap, type Schemas } from "../client";

export type Backup = Schemas["BackupEntryPublic"];
export type Pitr = Schemas["PitrPublic"];
export type Restore = Schemas["RestorePublic"];

/** How often the backup pages re-read: every 3 s while a backup or restore of the cluster runs, else every 15 s. */
export const BUSY_MS = 3000;
export const IDLE_MS = 15000;

export const backupKeys = {
  all: (name: string) => ["backups", name] as const,
  catalog: (name: string) => ["backups", name, "catalog"] as const,
  pitr: (name: string) => ["backups", name, "pitr"] as const,
  status: (name: string) => ["backups", name, "status"] as const,
  restores: (name: string) => ["backups", name, "restores"] as const,
  activeJobs: (name: string) => ["backups", name, "jobs"] as const,
};

const path = (name: string) => ({ params: { path: { name } } });

export function useBackups(name: string, intervalMs: number) {
  return useQuery({
    queryKey: backupKeys.catalog(name),
    queryFn: async () => unwrap(await api.GET("/api/v1/clusters/{name}/backups", path(name))),
    refetchInterval: intervalMs,
  });
}

export function usePitr(name: string, intervalMs: number) {
  return useQuery({
    queryKey: backupKeys.pitr(name),
    queryFn: async () => unwrap(await api.GET("/api/v1/clusters/{name}/pitr", path(name))),
    refetchInterval: intervalMs,
  });
}

/** What holds the cluster's backup/restore lock now (operators only: the API also repairs a dead run's lock). */
export function useBackupStatus(name: string, enabled: boolean, intervalMs: number) {
  return useQuery({
    queryKey: backupKeys.status(name),
    queryFn: async () => unwrap(await api.GET("/api/v1/clusters/{name}/backups/status", path(name))),
    refetchInterval: intervalMs,
    enabled,
  });
}

export function useRestores(name: string, intervalMs: number) {
  return useQuery({
    queryKey: backupKeys.restores(name),
    queryFn: async () => unwrap(await api.GET("/api/v1/clusters/{name}/restores", path(name))),
    refetchInterval: intervalMs,
  });
}

/** The kinds of job that read or change a cluster's backups. */
export const BACKUP_JOB_KINDS = new Set(["backup", "restore", "verify", "drill"]);

/** The cluster's backup, restore, verification and drill jobs that are queued or running, newest first. */
export function useActiveBackupJobs(name: string, intervalMs: number) {
  return useQuery({
    queryKey: backupKeys.activeJobs(name),
    queryFn: async () => {
      const page = unwrap(await api.GET("/api/v1/jobs", { params: { query: { cluster: name, limit: 50 } } }));
      return page.data.filter((job) => !isTerminal(job.state) && BACKUP_JOB_KINDS.has(job.kind));
    },
    refetchInterval: intervalMs,
  });
}

/** The cluster's running backup jobs, and whether anything runs: one of those, or a job this page started and still
 * follows (`following`). While something runs, the pages re-read every BUSY_MS (`intervalMs`), else every IDLE_MS. */
export function useBackupActivity(name: string, following: boolean) {
  const active = useActiveBackupJobs(name, BUSY_MS);
  const busy = (active.data?.length ?? 0) > 0 || following;
  return { active, busy, intervalMs: busy ? BUSY_MS : IDLE_MS };
}

/** Re-read all of the cluster's backup readings now (a job started or ended, a backup was deleted). */
export function useRefreshBackups(name: string) {
  const queryClient = useQueryClient();
  return useCallback(() => void queryClient.invalidateQueries({ queryKey: backupKeys.all(name) }), [queryClient, name]);
}
