// Backup, point-in-time and restore answers as the API gives them, with full defaults: cluster e2e with two full
// backups, a window from the first one to 10:05:00 and nothing running. Tests override what they are about.
import type { Schemas } from "../api/client";
import type { Role } from "../lib/roles";
import { deployedDetail } from "./clusters";
import { json, type Handlers } from "./render";
import { sessionOf } from "./session";

type Backup = Schemas["BackupEntryPublic"];
type Pitr = Schemas["PitrPublic"];
type OplogTime = Schemas["OplogTimePublic"];

export function oplogTime(iso: string, i = 1): OplogTime {
  return { t: Date.parse(iso) / 1000, i, time: iso };
}

export function backupEntry(overrides: Partial<Backup> = {}): Backup {
  return {
    backup_id: "20261126T100000Z",
    type: "full",
    state: "done",
    cluster_consistent: true,
    restore_to_time: "2026-11-26T10:00:10+00:00",
    size_bytes: 1536 * 1024,
    documents: 550,
    started_at: "2026-11-26T10:00:00+00:00",
    failed_step: null,
    error: null,
    ...overrides,
  };
}

export function catalog(backups: Backup[] = [backupEntry(), backupEntry({
  backup_id: "20261126T100300Z",
  restore_to_time: "2026-11-26T10:03:05+00:00",
  started_at: "2026-11-26T10:03:00+00:00",
})]): Schemas["BackupsPublic"] {
  return {
    message: `cluster e2e: ${backups.length} backups`,
    cluster: "e2e",
    storage: "/var/lib/mongo-admin/e2e/backups",
    restorable: [],
    backups,
    count: backups.length,
  };
}

export function pitrStatus(overrides: Partial<Pitr> = {}): Pitr {
  const set = (name: string): Schemas["PitrSetPublic"] => ({
    set_name: name,
    slices: 60,
    first_start: oplogTime("2026-11-26T10:00:10Z"),
    last_end: oplogTime("2026-11-26T10:05:00Z"),
    majority: oplogTime("2026-11-26T10:05:04Z"),
    lag_s: 4,
    gaps: [],
  });
  return {
    message: "PITR of cluster e2e: restorable from ... to ...",
    cluster: "e2e",
    enabled: true,
    slice_seconds: 5,
    storage: "/var/lib/mongo-admin/e2e/backups",
    slicer: "pitr slicer (pid 42 on host)",
    replica_sets: [set("config"), set("shard0"), set("shard1")],
    windows: [
      {
        base_backup: "20261126T100000Z",
        start: oplogTime("2026-11-26T10:00:10Z", 3),
        end: oplogTime("2026-11-26T10:05:00Z", 2),
        backups: ["20261126T100000Z", "20261126T100300Z"],
      },
    ],
    restorable_from: oplogTime("2026-11-26T10:00:10Z", 3),
    restorable_to: oplogTime("2026-11-26T10:05:00Z", 2),
    recovery_point: oplogTime("2026-11-26T10:05:00Z", 2),
    open_gaps: 0,
    ...overrides,
  };
}

export function preflightReport(overrides: Partial<Schemas["RestorePreflightPublic"]> = {}): Schemas["RestorePreflightPublic"] {
  const passed = (name: string, detail: string) => ({ name, ok: true, detail, fix: "" });
  return {
    message: "restore of backup 20261126T100000Z into cluster e2e: 8 checks passed",
    ok: true,
    cluster: "e2e",
    source_cluster: "e2e",
    kind: "full",
    backup_id: "20261126T100000Z",
    point_in_time: null,
    restore_to_time: "2026-11-26T10:00:10Z",
    shard_map: { shard0: "shard0", shard1: "shard1", config: "config" },
    namespaces: [
      { namespace: "shop.customers", restored_as: "shop.customers", documents: 50 },
      { namespace: "shop.orders", restored_as: "shop.orders", documents: 500 },
    ],
    documents: 550,
    bytes: 2 * 1024 * 1024,
    files_checked: 24,
    checks: [
      passed("backup", "backup 20261126T100000Z of cluster e2e is a complete full backup (its manifest is present)"),
      passed("topology", "replica sets map onto cluster e2e: shard0 → shard0, shard1 → shard1, config → config"),
      passed("key", "the backup is not encrypted"),
      passed("files", "24 files re-read: present, sizes, SHA-256, BSON and document counts match the manifest"),
      passed("primaries", "config: localhost:27100, shard0: localhost:27110, shard1: localhost:27120"),
      passed("space", "/tmp: about 3 MiB needed, 9000 MiB free"),
      passed("lock", "no backup or restore runs on the cluster"),
    ],
    ...overrides,
  };
}

/** What both backup pages of cluster e2e read, as `role`: the session, the cluster, its jobs (none running), the
 * catalog and point-in-time recovery. */
export function backupPagesApi(role: Role): Handlers {
  return {
    "GET /api/v1/auth/session": () => json(sessionOf(role)),
    "GET /api/v1/clusters/e2e": () => json(deployedDetail()),
    "GET /api/v1/jobs": () => json({ data: [], count: 0 }),
    "GET /api/v1/clusters/e2e/backups": () => json(catalog()),
    "GET /api/v1/clusters/e2e/pitr": () => json(pitrStatus()),
  };
}
