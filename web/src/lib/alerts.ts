// What is wrong with a cluster, worst first: the WARNING and CRITICAL checks of its health (a deployed cluster),
// or, for a cluster registered by connection string (no health checks), what its topology shows amiss.
import type { Schemas } from "../api/client";
import { topologyView } from "./topology";

type Detail = Schemas["ClusterDetailPublic"];

export interface Alert {
  key: string;
  /** The check's level; null for a problem read off the topology (the API grades none). */
  level: "CRITICAL" | "WARNING" | null;
  /** A health check's name (as the API names it), or what part of the topology is amiss. */
  kind: { check: string } | "set" | "member" | "router";
  target: string;
  detail: string;
}

const RANK = { CRITICAL: 0, WARNING: 1 } as const;

function fromChecks(health: NonNullable<Detail["health"]>): Alert[] {
  return health.checks
    .filter((check) => check.level === "CRITICAL" || check.level === "WARNING")
    .map((check, index) => ({
      key: `check-${index}`,
      level: check.level as "CRITICAL" | "WARNING",
      kind: { check: check.check },
      target: check.target,
      detail: check.detail,
    }))
    .sort((a, b) => RANK[a.level!] - RANK[b.level!]);
}

function fromTopology(topology: NonNullable<Detail["topology"]>): Alert[] {
  const view = topologyView(topology);
  const alerts: Alert[] = [];
  for (const set of [...(view.configServers ? [view.configServers] : []), ...view.sets]) {
    if (set.error) alerts.push({ key: `set-${set.name}`, level: null, kind: "set", target: set.name, detail: set.error });
    for (const member of set.members) {
      if (member.healthy) continue;
      const detail = member.message ? `${member.state} (${member.message})` : member.state;
      alerts.push({ key: `member-${member.key}`, level: null, kind: "member", target: member.address, detail });
    }
  }
  for (const router of view.routers) {
    if (!router.up) {
      alerts.push({ key: `router-${router.key}`, level: null, kind: "router", target: router.address, detail: router.error ?? router.state });
    }
  }
  return alerts;
}

export function alertsOf(detail: Detail): Alert[] {
  if (detail.health) return fromChecks(detail.health);
  if (detail.topology) return fromTopology(detail.topology);
  return [];
}
