import { backupEntry } from "../../test/backups";
import {
  EMPTY,
  eligibleBackups,
  needsTypedName,
  requestBody,
  sourceProblems,
  type WizardState,
} from "./wizard";

const at = (iso: string) => Date.parse(iso);
const ranges = [{ start: at("2026-11-26T10:00:10Z"), end: at("2026-11-26T10:04:59Z") }];
const state = (patch: Partial<WizardState>): WizardState => ({ ...EMPTY, ...patch });

describe("requestBody", () => {
  it("restores a whole cluster, a shard or the config servers from the chosen backup", () => {
    expect(requestBody(state({ choice: "cluster", backupId: "b1" }))).toEqual({ kind: "cluster", backup_id: "b1", by_position: false });
    expect(requestBody(state({ choice: "shard", backupId: "b1", shard: "shard1" }))).toEqual({
      kind: "shard",
      backup_id: "b1",
      shard: "shard1",
      by_position: false,
    });
    expect(requestBody(state({ choice: "config", backupId: "b2" }))).toEqual({ kind: "config", backup_id: "b2", by_position: false });
  });

  it("sends a point in time in UTC with its zone, and no backup (the API picks the base)", () => {
    expect(requestBody(state({ choice: "pitr", backupId: "ignored", time: at("2026-11-26T10:02:03Z") }))).toEqual({
      kind: "cluster",
      point_in_time: "2026-11-26T10:02:03.000Z",
      by_position: false,
    });
  });

  it("sends the named collections, trimmed, and only complete renames", () => {
    const body = requestBody(
      state({
        choice: "namespaces",
        selectiveFrom: "time",
        time: at("2026-11-26T10:02:03Z"),
        namespaces: [" shop.orders ", "", "crm.*"],
        renames: [
          { from: "shop.orders", to: " shop.orders_back" },
          { from: "", to: "" },
        ],
      }),
    );
    expect(body).toEqual({
      kind: "namespaces",
      point_in_time: "2026-11-26T10:02:03.000Z",
      namespaces: ["shop.orders", "crm.*"],
      rename: { "shop.orders": "shop.orders_back" },
      by_position: false,
    });
    expect(requestBody(state({ choice: "namespaces", backupId: "b1", namespaces: ["shop.orders"] }))).not.toHaveProperty("rename");
  });
});

describe("sourceProblems", () => {
  it("needs a backup, or a restorable time for a point in time", () => {
    expect(sourceProblems(state({ choice: "cluster" }), ranges)).toEqual(["noBackup"]);
    expect(sourceProblems(state({ choice: "cluster", backupId: "b1" }), ranges)).toEqual([]);
    expect(sourceProblems(state({ choice: "pitr" }), ranges)).toEqual(["noTime"]);
    expect(sourceProblems(state({ choice: "pitr", time: at("2026-11-26T10:05:00Z") }), ranges)).toEqual(["timeNotRestorable"]);
    expect(sourceProblems(state({ choice: "pitr", time: at("2026-11-26T10:04:59Z") }), ranges)).toEqual([]);
  });

  it("needs the shard of a shard restore", () => {
    expect(sourceProblems(state({ choice: "shard", backupId: "b1" }), ranges)).toEqual(["noShard"]);
  });

  it("checks the collections and renames of a selective restore as the API would", () => {
    const selective = (patch: Partial<WizardState>) => sourceProblems(state({ choice: "namespaces", backupId: "b1", ...patch }), ranges);
    expect(selective({ namespaces: ["  "] })).toEqual(["noNamespace"]);
    expect(selective({ namespaces: ["orders"] })).toEqual(["badNamespace"]);
    expect(selective({ namespaces: ["shop.$orders"] })).toEqual(["badNamespace"]);
    expect(selective({ namespaces: ["shop.orders"], renames: [{ from: "shop.orders", to: "" }] })).toEqual(["badRename"]);
    expect(
      selective({
        namespaces: ["shop.*"],
        renames: [
          { from: "shop.orders", to: "shop.a" },
          { from: "shop.orders", to: "shop.b" },
        ],
      }),
    ).toEqual(["duplicateRename"]);
    expect(selective({ namespaces: ["shop.*"], renames: [{ from: "shop.*", to: "shop_copy.*" }] })).toEqual([]);
  });
});

describe("eligibleBackups", () => {
  const full = backupEntry({ backup_id: "full-old", started_at: "2026-11-26T09:00:00+00:00" });
  const newer = backupEntry({ backup_id: "full-new", started_at: "2026-11-26T11:00:00+00:00" });
  const earlier = "2026-11-26T08:00:00+00:00";
  const config = backupEntry({ backup_id: "config", type: "config", cluster_consistent: false, started_at: earlier });
  const shard = backupEntry({ backup_id: "shard", type: "shard", cluster_consistent: false, started_at: earlier });
  const failed = backupEntry({ backup_id: "failed", state: "failed", restore_to_time: null });
  const all = [full, config, shard, failed, newer];

  it("offers complete backups of a type the restore can read, newest first", () => {
    const ids = (choice: Parameters<typeof eligibleBackups>[0]) => eligibleBackups(choice, all).map((backup) => backup.backup_id);
    expect(ids("cluster")).toEqual(["full-new", "full-old"]);
    expect(ids("shard")).toEqual(["full-new", "full-old", "shard"]);
    expect(ids("config")).toEqual(["full-new", "full-old", "config"]);
    expect(ids(null)).toEqual([]);
  });
});

describe("confirmation", () => {
  it("asks for the cluster's name unless only named collections are rewritten", () => {
    expect(needsTypedName("cluster")).toBe(true);
    expect(needsTypedName("pitr")).toBe(true);
    expect(needsTypedName("shard")).toBe(true);
    expect(needsTypedName("namespaces")).toBe(false);
  });
});
