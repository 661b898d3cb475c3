// The topology drawn with React Flow: each node says its state in words and in colour; the graph follows every
// new reading without moving what did not change. Read-only: the members table beside it is the keyboard view.
import { Controls, Handle, Position, ReactFlow, useReactFlow, useStore, type NodeProps } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { memo, useEffect, useMemo } from "react";
import { useTranslation } from "react-i18next";
import { formatDuration } from "../../lib/format";
import type { TopologyView } from "../../lib/topology";
import { layoutGraph, type GraphNode } from "./graphLayout";

function TopologyNodeView({ data }: NodeProps<GraphNode>) {
  const { t } = useTranslation("topology");
  let subtitle: string;
  let state: string;
  if (data.kind === "router") {
    subtitle = t("roles.router");
    state = data.state;
  } else if (data.kind === "set") {
    subtitle = t(`roles.${data.role}`);
    state = data.draining
      ? t("graph.draining")
      : data.hasPrimary
        ? t("graph.setHealthy", { healthy: data.healthy, total: data.total })
        : t("graph.noPrimary");
  } else {
    subtitle = data.address;
    state = data.lagS !== null && data.lagS > 0 ? `${data.state} · ${t("graph.lag", { lag: formatDuration(data.lagS) })}` : data.state;
  }
  return (
    <div className={`topology-node ${data.kind} tone-${data.tone}`} data-testid="graph-node">
      <Handle type="target" position={Position.Top} isConnectable={false} />
      <div className="topology-node-title">{data.title}</div>
      <div className="topology-node-subtitle">{subtitle}</div>
      <div className="topology-node-state">{state}</div>
      <Handle type="source" position={Position.Bottom} isConnectable={false} />
    </div>
  );
}

const nodeTypes = { topology: memo(TopologyNodeView) };
const FIT = { padding: 0.08 };

/** Fit the graph to its frame again when the frame is resized or a server joins or leaves the topology (a state
 * change alone keeps the viewport the operator chose). */
function FitOnChange({ shape }: { shape: string }) {
  const { fitView } = useReactFlow();
  const width = useStore((state) => state.width);
  const height = useStore((state) => state.height);
  useEffect(() => {
    if (width > 0 && height > 0) void fitView(FIT);
  }, [width, height, shape, fitView]);
  return null;
}

export function TopologyGraph({ view, cluster }: { view: TopologyView; cluster: string }) {
  const { t } = useTranslation("topology");
  const { nodes, edges } = useMemo(() => layoutGraph(view), [view]);
  const shape = nodes.map((node) => node.id).join("|");
  return (
    <figure className="topology-graph" aria-labelledby="topology-graph-caption">
      <figcaption id="topology-graph-caption" className="visually-hidden">
        {t("graph.label", { name: cluster })}. {t("graph.hint")}
      </figcaption>
      <div className="topology-graph-canvas">
        <ReactFlow
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          fitView
          fitViewOptions={FIT}
          minZoom={0.2}
          maxZoom={1.5}
          nodesDraggable={false}
          nodesConnectable={false}
          nodesFocusable={false}
          edgesFocusable={false}
          elementsSelectable={false}
          zoomOnScroll={false}
          preventScrolling={false}
          proOptions={{ hideAttribution: false }}
          ariaLabelConfig={{
            "controls.ariaLabel": t("graph.controls"),
            "controls.zoomIn.ariaLabel": t("graph.zoomIn"),
            "controls.zoomOut.ariaLabel": t("graph.zoomOut"),
            "controls.fitView.ariaLabel": t("graph.fitView"),
          }}
        >
          <Controls showInteractive={false} fitViewOptions={FIT} />
          <FitOnChange shape={shape} />
        </ReactFlow>
      </div>
    </figure>
  );
}
