// Every page of the dashboard. Pages load lazily (each its own chunk) so the first load stays small.
import { lazy, Suspense, type ComponentType } from "react";
import { createBrowserRouter, Navigate, type RouteObject } from "react-router";
import { ClusterLayout } from "./components/ClusterLayout";
import { Layout } from "./components/Layout";
import { Loading } from "./components/QueryState";
import { RequireSession } from "./components/RequireSession";
import LoginPage from "./pages/login/LoginPage";

type PageModule = () => Promise<{ default: ComponentType }>;
const pageModules: PageModule[] = [];

/** A page whose code loads on first use. Once loaded (by a visit or by prefetchPages), it renders at once: React
 * would otherwise suspend on every first render of a lazy component and hold the page back for its fallback's
 * minimum display time (about 300 ms) even when the code is already here. */
function page(load: PageModule) {
  let loaded: ComponentType | null = null;
  const remember: PageModule = () =>
    load().then((module) => {
      loaded = module.default;
      return module;
    });
  pageModules.push(remember);
  const Lazy = lazy(remember);
  function Page() {
    const Loaded = loaded;
    return Loaded ? <Loaded /> : <Lazy />;
  }
  return (
    <Suspense fallback={<Loading />}>
      <Page />
    </Suspense>
  );
}

export const routes: RouteObject[] = [
  { path: "/login", element: <LoginPage /> },
  {
    element: <RequireSession />,
    children: [
      {
        element: <Layout />,
        children: [
          { index: true, element: <Navigate to="/clusters" replace /> },
          { path: "clusters", element: page(() => import("./pages/clusters/ClustersPage")) },
          {
            path: "clusters/:name",
            element: <ClusterLayout />,
            children: [
              { index: true, element: <Navigate to="topology" replace /> },
              { path: "topology", element: page(() => import("./pages/topology/TopologyPage")) },
              { path: "metrics", element: page(() => import("./pages/metrics/MetricsPage")) },
              { path: "backups", element: page(() => import("./pages/backups/BackupsPage")) },
              { path: "restore", element: page(() => import("./pages/restore/RestorePage")) },
            ],
          },
          { path: "jobs", element: page(() => import("./pages/jobs/JobsPage")) },
          { path: "jobs/:id", element: page(() => import("./pages/jobs/JobPage")) },
          { path: "schedules", element: page(() => import("./pages/schedules/SchedulesPage")) },
          { path: "users", element: page(() => import("./pages/users/UsersPage")) },
          { path: "audit", element: page(() => import("./pages/audit/AuditPage")) },
          { path: "account", element: page(() => import("./pages/account/AccountPage")) },
          { path: "*", element: page(() => import("./pages/NotFoundPage")) },
        ],
      },
    ],
  },
];

export function makeRouter() {
  return createBrowserRouter(routes);
}

/** Fetch every page's chunk in the background, so the first visit of a page waits only for its data. */
export function prefetchPages(): void {
  for (const load of pageModules) void load().catch(() => undefined); // a failed prefetch is retried on visit
}

