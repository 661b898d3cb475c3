// The topology as a graph laid out by dagre: routers on top, then the config servers and the shards (replica sets),
// then each set's members under it. Positions are React Flow's (top-left corners).
import { Graph, layout } from "@dagrejs/dagre";
import type { Edge, Node } from "@xyflow/react";
import { toneOf, type Tone } from "../../components/StatusBadge";
import type { MemberView, RouterView, SetRole, SetView, TopologyView } from "../../lib/topology";

export type GraphNodeData =
  | { kind: "router"; title: string; address: string; state: string; tone: Tone }
  | { kind: "set"; title: string; role: SetRole; healthy: number; total: number; hasPrimary: boolean; draining: boolean; tone: Tone }
  | { kind: "member"; title: string; address: string; state: string; lagS: number | null; tone: Tone };

export type GraphNode = Node<GraphNodeData, "topology">;

export const NODE_SIZE = {
  router: { width: 180, height: 64 },
  set: { width: 200, height: 64 },
  member: { width: 180, height: 76 },
} as const;

/** A member's colour: its state's, except that a member the set cannot reach is never green. */
export function memberTone(member: Pick<MemberView, "state" | "healthy" | "health">): Tone {
  const tone = toneOf(member.state);
  if (member.healthy) return tone;
  return tone === "ok" || tone === "info" || member.health === 0 ? "bad" : tone;
}

function setTone(set: SetView): Tone {
  if (!set.primary) return "bad";
  return set.healthy === set.members.length && !set.draining ? "ok" : "warn";
}

function routerNode(router: RouterView): GraphNodeData {
  return { kind: "router", title: router.node ?? router.address, address: router.address, state: router.state, tone: router.up ? "ok" : "bad" };
}

function setNode(set: SetView): GraphNodeData {
  return {
    kind: "set",
    title: set.name,
    role: set.role,
    healthy: set.healthy,
    total: set.members.length,
    hasPrimary: set.primary !== null,
    draining: set.draining,
    tone: setTone(set),
  };
}

function memberNode(member: MemberView): GraphNodeData {
  return { kind: "member", title: member.node ?? member.address, address: member.address, state: member.state, lagS: member.lagS, tone: memberTone(member) };
}

/** Nodes and edges of `view`, positioned. Ids are stable between readings, so a live update only changes data. */
export function layoutGraph(view: TopologyView): { nodes: GraphNode[]; edges: Edge[] } {
  const graph = new Graph();
  graph.setGraph({ rankdir: "TB", nodesep: 24, ranksep: 56, marginx: 8, marginy: 8 });
  graph.setDefaultEdgeLabel(() => ({}));
  const data = new Map<string, GraphNodeData>();
  const edges: Edge[] = [];
  const add = (id: string, node: GraphNodeData) => {
    data.set(id, node);
    graph.setNode(id, { ...NODE_SIZE[node.kind] });
  };
  const link = (source: string, target: string) => {
    graph.setEdge(source, target);
    edges.push({ id: `${source}->${target}`, source, target });
  };
  // Left to right in each rank as the cluster lists them: config servers first, then shards, members in order.
  const constraints: { left: string; right: string }[] = [];
  const inOrder = (ids: string[]) => ids.slice(1).forEach((id, index) => constraints.push({ left: ids[index]!, right: id }));
  const sets = [...(view.configServers ? [view.configServers] : []), ...view.sets];
  const routerIds = view.routers.map((router) => `router:${router.key}`);
  view.routers.forEach((router, index) => add(routerIds[index]!, routerNode(router)));
  inOrder(routerIds);
  const memberIds: string[] = [];
  for (const set of sets) {
    const setId = `set:${set.role}:${set.name}`;
    add(setId, setNode(set));
    for (const routerId of routerIds) link(routerId, setId);
    for (const member of set.members) {
      const memberId = `member:${member.key}`;
      add(memberId, memberNode(member));
      link(setId, memberId);
      memberIds.push(memberId);
    }
  }
  inOrder(sets.map((set) => `set:${set.role}:${set.name}`));
  inOrder(memberIds);
  layout(graph, { constraints });
  const nodes: GraphNode[] = [...data].map(([id, node]) => {
    const { x, y, width, height } = graph.node(id);
    return {
      id,
      type: "topology",
      position: { x: x - width / 2, y: y - height / 2 },
      width,
      height,
      data: node,
      draggable: false,
      selectable: false,
      connectable: false,
      focusable: false,
    };
  });
  return { nodes, edges };
}
