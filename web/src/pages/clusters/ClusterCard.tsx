// One registered cluster on the overview: its status, server, source, members, alerts and how old the reading is.
import type { UseQueryResult } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import type { Schemas } from "../../api/client";
import { detailMaxAgeS } from "../../api/hooks/clusters";
import { ClusterStatusBadge, ServerBadge } from "../../components/ClusterBadges";
import { ErrorMessage, Loading } from "../../components/QueryState";
import { ReadingAge } from "../../components/ReadingAge";
import { QueryRefreshFailed } from "../../components/RefreshFailed";
import { StatusBadge } from "../../components/StatusBadge";
import { alertsOf } from "../../lib/alerts";
import { topologyView } from "../../lib/topology";

type Cluster = Schemas["ClusterPublic"];
type Detail = Schemas["ClusterDetailPublic"];

export function ClusterCard({ cluster, query, intervalMs }: { cluster: Cluster; query: UseQueryResult<Detail>; intervalMs: number }) {
  const { t } = useTranslation("clusters");
  const detail = query.data;
  return (
    <li className="card cluster-card" data-testid={`cluster-${cluster.name}`}>
      <div className="cluster-card-head">
        <h2>
          <Link to={`/clusters/${encodeURIComponent(cluster.name)}/topology`}>{cluster.name}</Link>
        </h2>
        {detail && <ClusterStatusBadge status={detail.status} />}
        {detail && <ServerBadge simulator={detail.topology?.simulator} />}
      </div>
      {detail === undefined && query.error ? (
        <ErrorMessage error={query.error} onRetry={() => void query.refetch()} />
      ) : detail === undefined ? (
        <Loading label={t("loadingCluster", { name: cluster.name })} />
      ) : (
        <ClusterFacts cluster={cluster} detail={detail} />
      )}
      <QueryRefreshFailed query={query} />
      {detail !== undefined && (
        <p className="cluster-card-age">
          <span className="visually-hidden">{t("observed")}: </span>
          <ReadingAge reading={detail} fetchedAt={query.dataUpdatedAt} maxAgeS={detailMaxAgeS(intervalMs)} />
        </p>
      )}
    </li>
  );
}

function ClusterFacts({ cluster, detail }: { cluster: Cluster; detail: Detail }) {
  const { t } = useTranslation("clusters");
  const view = detail.topology ? topologyView(detail.topology) : null;
  const alerts = alertsOf(detail);
  return (
    <>
      <dl className="facts">
        <div>
          <dt>{t("server")}</dt>
          <dd>{view?.server ?? "—"}</dd>
        </div>
        <div>
          <dt>{t("version")}</dt>
          <dd>{view?.version ?? "—"}</dd>
        </div>
        <div>
          <dt>{t("source")}</dt>
          <dd>
            {cluster.source === "deployed" ? t("sources.deployed") : t("sources.registered")}
            {cluster.source !== "deployed" && (
              <>
                {" "}
                <code className="connection-string">{cluster.connection_string}</code>
              </>
            )}
          </dd>
        </div>
        <div>
          <dt>{t("members")}</dt>
          <dd>{view ? t("membersHealthy", { healthy: view.membersHealthy, total: view.membersTotal }) : "—"}</dd>
        </div>
        {view && view.kind === "sharded" && (
          <div>
            <dt>{t("routers")}</dt>
            <dd>{t("routersUp", { up: view.routersUp, total: view.routers.length })}</dd>
          </div>
        )}
      </dl>
      {detail.error && <p className="error">{t("notRead", { error: detail.error })}</p>}
      {detail.topology && (
        <div className="alerts">
          <h3>{t("alerts")}</h3>
          {alerts.length > 0 ? (
            <ul className="alert-list">
              {alerts.map((alert) => (
                <li key={alert.key}>
                  {alert.level && <StatusBadge state={alert.level.toLowerCase()} label={alert.level} />}{" "}
                  <strong>{typeof alert.kind === "object" ? alert.kind.check : t(`problem.${alert.kind}`)}</strong>{" "}
                  <span className="muted">{alert.target}</span>: {alert.detail}
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">{detail.health ? t("noAlerts", { count: detail.health.checks.length }) : t("noChecks")}</p>
          )}
        </div>
      )}
    </>
  );
}
