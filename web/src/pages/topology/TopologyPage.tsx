// One cluster's topology, live: status and reading age, the graph and its table twin (with node stop/start for
// operators of a deployed cluster), data distribution with the balancer, and the health checks.
import { useMemo, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import type { Schemas } from "../../api/client";
import { detailMaxAgeS, useClusterDetail } from "../../api/hooks/clusters";
import { useSession } from "../../auth/session";
import { ClusterStatusBadge, ServerBadge } from "../../components/ClusterBadges";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ErrorMessage, QueryState } from "../../components/QueryState";
import { ReadingAge } from "../../components/ReadingAge";
import { QueryRefreshFailed } from "../../components/RefreshFailed";
import { topologyView, type TopologyView } from "../../lib/topology";
import { DistributionSection } from "./DistributionSection";
import { HealthChecks } from "./HealthChecks";
import { MembersTable, type NodeTarget } from "./MembersTable";
import { useDistribution, useNodeAction, useReadNow, type NodeAction } from "./queries";
import { TopologyGraph } from "./TopologyGraph";

/** How often the page asks for the cluster's detail. */
export const TOPOLOGY_INTERVAL_MS = 2000;

type Detail = Schemas["ClusterDetailPublic"];

function Summary({ detail, view }: { detail: Detail; view: TopologyView | null }) {
  const { t } = useTranslation("topology");
  const { t: tc } = useTranslation();
  const known = ["healthy", "degraded", "down", "unreachable"].includes(detail.status);
  const status = known ? tc(`clusterStatus.${detail.status}`) : detail.status;
  let text: string;
  if (!view) text = t("notRead", { error: detail.error ?? "—" });
  else if (view.kind === "sharded")
    text = t("summary", { status, healthy: view.membersHealthy, total: view.membersTotal, up: view.routersUp, routers: view.routers.length });
  else text = t("summaryNoRouters", { status, healthy: view.membersHealthy, total: view.membersTotal });
  return (
    <p role="status" aria-live="polite" className="topology-summary" data-testid="topology-summary">
      {text}
    </p>
  );
}

function NodeActions({ name, children }: { name: string; children: (onAction: (target: NodeTarget, action: NodeAction) => void, busy: boolean) => ReactNode }) {
  const { t } = useTranslation("topology");
  const { t: tc } = useTranslation();
  const action = useNodeAction(name);
  const [confirming, setConfirming] = useState<NodeTarget | null>(null);
  const run = (target: NodeTarget, kind: NodeAction) => action.mutate({ node: target.node, action: kind });
  const onAction = (target: NodeTarget, kind: NodeAction) => {
    action.reset();
    if (kind === "stop") setConfirming(target);
    else run(target, kind);
  };
  const job = action.data;
  return (
    <>
      {children(onAction, action.isPending)}
      <div role="status" className="node-action-status">
        {job && (
          <p>
            {t("node.started", { id: job.id, kind: tc(`jobKinds.${job.kind}`, { defaultValue: job.kind }), node: action.variables?.node })}{" "}
            <Link to={`/jobs/${encodeURIComponent(job.id)}`}>{t("node.openJob")}</Link>
          </p>
        )}
      </div>
      {action.error && <ErrorMessage error={action.error} />}
      <ConfirmDialog
        open={confirming !== null}
        title={confirming ? t("node.confirmTitle", { node: confirming.node }) : ""}
        confirmLabel={confirming ? t("node.confirm", { node: confirming.node }) : ""}
        danger
        busy={action.isPending}
        onCancel={() => setConfirming(null)}
        onConfirm={() => {
          if (confirming) run(confirming, "stop");
          setConfirming(null);
        }}
      >
        {confirming && <p>{t("node.confirmBody", { node: confirming.node, address: confirming.address })}</p>}
      </ConfirmDialog>
    </>
  );
}

function Topology({ name, detail, fetchedAt }: { name: string; detail: Detail; fetchedAt: number }) {
  const { t } = useTranslation("topology");
  const { can } = useSession();
  const distribution = useDistribution(name);
  const view = useMemo(() => (detail.topology ? topologyView(detail.topology) : null), [detail.topology]);
  const canAct = can("operator") && detail.source === "deployed";
  return (
    <>
      <div className="topology-header">
        <ClusterStatusBadge status={detail.status} />
        <ServerBadge simulator={detail.topology?.simulator} />
        {view?.version && <span className="muted">{view.server} {view.version}</span>}
        <ReadingAge reading={detail} fetchedAt={fetchedAt} maxAgeS={detailMaxAgeS(TOPOLOGY_INTERVAL_MS)} />
        <ReadNow name={name} />
      </div>
      <Summary detail={detail} view={view} />
      {detail.error && view && <p className="error">{t("notRead", { error: detail.error })}</p>}
      {view && (
        <div className="topology-layout">
          <section aria-labelledby="graph-title" className="topology-graph-section">
            <h2 id="graph-title">{t("graph.title")}</h2>
            <TopologyGraph view={view} cluster={name} />
          </section>
          <section aria-labelledby="members-title" className="topology-members-section">
            <h2 id="members-title">{t("members.title")}</h2>
            {canAct ? (
              <NodeActions name={name}>
                {(onAction, busy) => <MembersTable view={view} cluster={name} onAction={onAction} busy={busy} />}
              </NodeActions>
            ) : (
              <MembersTable view={view} cluster={name} />
            )}
          </section>
        </div>
      )}
      {(!view || view.kind === "sharded") && <DistributionSection query={distribution} cluster={name} />}
      <HealthChecks health={detail.health} cluster={name} />
    </>
  );
}

function ReadNow({ name }: { name: string }) {
  const { t } = useTranslation("topology");
  const readNow = useReadNow(name);
  return (
    <div className="read-now">
      <button
        type="button"
        className="button secondary small"
        onClick={() => readNow.mutate()}
        disabled={readNow.isPending}
        title={t("refreshHint")}
      >
        {readNow.isPending ? t("refreshing") : t("refresh")}
      </button>
      {readNow.error && <ErrorMessage error={readNow.error} />}
    </div>
  );
}

export default function TopologyPage() {
  const { name = "" } = useParams();
  const { t } = useTranslation("topology");
  const detail = useClusterDetail(name, TOPOLOGY_INTERVAL_MS);
  return (
    <section className="page topology-page" aria-labelledby="topology-title">
      <h2 id="topology-title" className="visually-hidden">
        {t("title")}
      </h2>
      <QueryRefreshFailed query={detail} />
      <QueryState query={detail}>{(data) => <Topology name={name} detail={data} fetchedAt={detail.dataUpdatedAt} />}</QueryState>
    </section>
  );
}
