// Why a reading failed. With an older answer still on screen: the API's reason and how old what is shown is (never
// hidden, never silently replaced); with none: the reason alone, so nothing made up stands in its place.
import { useTranslation } from "react-i18next";
import { formatDateTime } from "../lib/format";
import { ErrorMessage } from "./QueryState";

/** A reading that failed while an older one is still on screen: the API's reason, and how old what is shown is. */
export function RefreshFailed({ error, updatedAt, onRetry }: { error: unknown; updatedAt: number; onRetry: () => void }) {
  const { t, i18n } = useTranslation();
  return (
    <div className="refresh-failed">
      <ErrorMessage error={error} onRetry={onRetry} />
      <p className="muted">
        {t("states.showingAsOf", { time: formatDateTime(new Date(updatedAt).toISOString(), i18n.language) })}
      </p>
    </div>
  );
}

/** What of a query these need (a react-query result has it). */
export interface Reading {
  data: unknown;
  error: unknown;
  dataUpdatedAt: number;
  refetch: () => unknown;
}

/** `RefreshFailed` of a query, when its last re-read failed and its older answer is still on screen; else nothing. */
export function QueryRefreshFailed({ query }: { query: Reading }) {
  if (!query.error || query.data === undefined) return null;
  return <RefreshFailed error={query.error} updatedAt={query.dataUpdatedAt} onRetry={() => void query.refetch()} />;
}

/** Any failed reading of a query: `QueryRefreshFailed` with an older answer on screen, the API's reason without. */
export function ReadProblem({ query }: { query: Reading }) {
  if (!query.error) return null;
  return query.data !== undefined ? (
    <QueryRefreshFailed query={query} />
  ) : (
    <ErrorMessage error={query.error} onRetry={() => void query.refetch()} />
  );
}
