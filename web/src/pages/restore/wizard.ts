// The restore wizard's choices and what follows from them: which backups fit the kind of restore, whether the
// source step is complete (and why not), and the request the API receives for the preflight and the restore.
import type { Backup } from "../../api/hooks/backups";
import { isRestorable, type Range } from "../../components/pitrScale";

/** What the operator restores: the wizard's first step. "pitr" is a whole-cluster restore to a point in time. */
export type Choice = "cluster" | "pitr" | "shard" | "namespaces" | "config";
export const CHOICES: Choice[] = ["cluster", "pitr", "shard", "namespaces", "config"];

export interface Rename {
  from: string;
  to: string;
}

export interface WizardState {
  choice: Choice | null;
  /** A selective restore reads a backup, or the cluster as it was at a point in time. */
  selectiveFrom: "backup" | "time";
  backupId: string | null;
  /** The instant to restore to (ms since the epoch, whole seconds). */
  time: number | null;
  shard: string;
  namespaces: string[];
  renames: Rename[];
}

export const EMPTY: WizardState = {
  choice: null,
  selectiveFrom: "backup",
  backupId: null,
  time: null,
  shard: "",
  namespaces: [""],
  renames: [],
};

/** What the API accepts as a namespace: `db.collection` (or `db.*` for a whole database). */
export const NAMESPACE = /^[^.$\s]+\.[^$\s]+$/;

export function usesTime(state: WizardState): boolean {
  return state.choice === "pitr" || (state.choice === "namespaces" && state.selectiveFrom === "time");
}

/** Complete backups a restore of this kind can read. */
export function eligibleBackups(choice: Choice | null, backups: Backup[]): Backup[] {
  const types: Record<Choice, string[]> = {
    cluster: ["full"],
    pitr: ["full"],
    namespaces: ["full"],
    shard: ["full", "shard"],
    config: ["full", "config"],
  };
  if (choice === null) return [];
  return backups
    .filter((backup) => backup.state === "done" && types[choice].includes(backup.type))
    .sort((a, b) => b.started_at.localeCompare(a.started_at));
}

export type SourceProblem =
  | "noBackup"
  | "noTime"
  | "timeNotRestorable"
  | "noShard"
  | "noNamespace"
  | "badNamespace"
  | "badRename"
  | "duplicateRename";

/** Why the source step cannot go on yet (empty: it can). */
export function sourceProblems(state: WizardState, ranges: Range[]): SourceProblem[] {
  const problems: SourceProblem[] = [];
  if (usesTime(state)) {
    if (state.time === null) problems.push("noTime");
    else if (!isRestorable(state.time, ranges)) problems.push("timeNotRestorable");
  } else if (state.backupId === null) problems.push("noBackup");
  if (state.choice === "shard" && !state.shard) problems.push("noShard");
  if (state.choice === "namespaces") {
    const given = state.namespaces.map((ns) => ns.trim()).filter(Boolean);
    if (given.length === 0) problems.push("noNamespace");
    else if (!given.every((ns) => NAMESPACE.test(ns))) problems.push("badNamespace");
    const renames = state.renames.filter((rename) => rename.from.trim() || rename.to.trim());
    if (renames.some((rename) => !NAMESPACE.test(rename.from.trim()) || !NAMESPACE.test(rename.to.trim()))) {
      problems.push("badRename");
    }
    const froms = renames.map((rename) => rename.from.trim());
    if (new Set(froms).size !== froms.length) problems.push("duplicateRename");
  }
  return problems;
}

type Source = { backup_id: string } | { point_in_time: string };
/** A RestoreCreate body, as the wizard builds it. */
export type RestoreBody = Source & { by_position: false } & (
    | { kind: "cluster" | "config" }
    | { kind: "shard"; shard: string }
    | { kind: "namespaces"; namespaces: string[]; rename?: Record<string, string> }
  );

/** The request of a complete wizard (`sourceProblems` empty): the same body for the preflight and the restore. */
export function requestBody(state: WizardState): RestoreBody {
  const source: Source = usesTime(state)
    ? { point_in_time: new Date(state.time!).toISOString() }
    : { backup_id: state.backupId! };
  const common = { ...source, by_position: false as const };
  switch (state.choice) {
    case "shard":
      return { ...common, kind: "shard", shard: state.shard };
    case "namespaces": {
      const renames = state.renames.filter((rename) => rename.from.trim() && rename.to.trim());
      const body: RestoreBody = {
        ...common,
        kind: "namespaces",
        namespaces: state.namespaces.map((ns) => ns.trim()).filter(Boolean),
      };
      if (renames.length) body.rename = Object.fromEntries(renames.map((rename) => [rename.from.trim(), rename.to.trim()]));
      return body;
    }
    case "config":
      return { ...common, kind: "config" };
    default:
      return { ...common, kind: "cluster" };
  }
}

/** Whether confirming needs the cluster's name typed: every restore that rewrites more than named collections. */
export function needsTypedName(choice: Choice | null): boolean {
  return choice !== "namespaces";
}
