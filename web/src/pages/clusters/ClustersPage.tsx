// Every registered cluster at a glance: status, server (sandbox or MongoDB), source, members, alerts, reading age;
// for administrators, the clusters deployed on the API's machine that are not watched yet, and registration.
import { useQueries } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { clusterDetailQuery, useClusters } from "../../api/hooks/clusters";
import { useSession } from "../../auth/session";
import { QueryState } from "../../components/QueryState";
import { ClusterCard } from "./ClusterCard";
import { DeployedUnwatched } from "./DeployedUnwatched";
import { RegisterClusterForm } from "./RegisterClusterForm";

/** How often the overview asks for each cluster's detail. */
export const OVERVIEW_INTERVAL_MS = 5000;

export default function ClustersPage() {
  const { t } = useTranslation("clusters");
  const { can } = useSession();
  const clusters = useClusters();
  const list = clusters.data?.data ?? [];
  const details = useQueries({ queries: list.map((cluster) => clusterDetailQuery(cluster.name, OVERVIEW_INTERVAL_MS)) });
  return (
    <section className="page clusters-page" aria-labelledby="clusters-title">
      <div className="page-heading">
        <h1 id="clusters-title">{t("title")}</h1>
        {clusters.data && <span className="muted">{t("summary", { count: clusters.data.count })}</span>}
      </div>
      <QueryState query={clusters}>
        {(data) =>
          data.data.length === 0 ? (
            <p className="notice">{can("admin") ? t("empty") : t("emptyViewer")}</p>
          ) : (
            <ul className="cluster-list">
              {data.data.map((cluster, index) =>
                details[index] ? (
                  <ClusterCard key={cluster.name} cluster={cluster} query={details[index]} intervalMs={OVERVIEW_INTERVAL_MS} />
                ) : null,
              )}
            </ul>
          )
        }
      </QueryState>
      {can("admin") && clusters.data && <DeployedUnwatched registered={list.map((cluster) => cluster.name)} />}
      {can("admin") && <RegisterClusterForm />}
    </section>
  );
}
