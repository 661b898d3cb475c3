import { Navigate, Outlet, useLocation } from "react-router";
import { useSession } from "../auth/session";
import { Loading } from "./QueryState";

/** The logged-in part of the dashboard: without a session, the login page (then back here). */
export function RequireSession() {
  const { session, loading } = useSession();
  const location = useLocation();
  if (loading) return <Loading />;
  if (!session) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return <Outlet />;
}
