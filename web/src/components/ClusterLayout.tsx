// The frame of one cluster's pages: its name, the sandbox banner when it is the simulator, its sub-navigation.
import { NavLink, Outlet, useParams } from "react-router";
import { useTranslation } from "react-i18next";
import { useClusterDetail } from "../api/hooks/clusters";
import { isSimulator } from "../lib/cluster";
import { SandboxBanner } from "./SandboxBanner";

export function ClusterLayout() {
  const { name = "" } = useParams();
  const { t } = useTranslation();
  const detail = useClusterDetail(name);
  const tabs = [
    { to: "topology", label: t("nav.topology") },
    { to: "metrics", label: t("nav.metrics") },
    { to: "backups", label: t("nav.backups") },
    { to: "restore", label: t("nav.restore") },
  ];
  return (
    <div className="cluster-page">
      {detail.data && isSimulator(detail.data) && <SandboxBanner cluster={name} />}
      <div className="cluster-heading">
        <h1>{name}</h1>
        <nav aria-label={name} className="tabs">
          <ul>
            {tabs.map((tab) => (
              <li key={tab.to}>
                <NavLink to={`/clusters/${encodeURIComponent(name)}/${tab.to}`}>{tab.label}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
      </div>
      <Outlet />
    </div>
  );
}
