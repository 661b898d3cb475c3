// What a page shows while its data loads or when the API refused: one place, so every page says it the same way.
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { ApiError } from "../api/client";

export function ErrorMessage({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  let text: string;
  if (error instanceof ApiError) text = error.status === 403 ? `${t("errors.forbidden")} (${error.message})` : error.message;
  else if (error instanceof TypeError) text = t("errors.network");
  else text = error instanceof Error ? error.message : String(error);
  return (
    <div role="alert" className="error">
      <strong>{t("errors.title")}:</strong> {text}
      {onRetry && (
        <button type="button" className="button secondary small" onClick={onRetry}>
          {t("actions.retry")}
        </button>
      )}
    </div>
  );
}

export function Loading({ label }: { label?: string }) {
  const { t } = useTranslation();
  return (
    <p className="loading" role="status" aria-live="polite">
      {label ?? t("states.loading")}
    </p>
  );
}

interface QueryLike<T> {
  data: T | undefined;
  error: unknown;
  isPending: boolean;
  refetch: () => unknown;
}

/** Render `children(data)` once `query` has data; its loading or error state before that. */
export function QueryState<T>({ query, children }: { query: QueryLike<T>; children: (data: T) => ReactNode }) {
  if (query.data !== undefined) return <>{children(query.data)}</>;
  if (query.error) return <ErrorMessage error={query.error} onRetry={() => void query.refetch()} />;
  return <Loading />;
}
