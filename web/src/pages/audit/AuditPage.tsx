// The audit trail (administrators): filtered and paged as GET /api/v1/audit allows, with the filters in the address
// bar so that a link shows the same events.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";
import { api, unwrap } from "../../api/client";
import { useSession } from "../../auth/session";
import { QueryState } from "../../components/QueryState";
import { QueryRefreshFailed } from "../../components/RefreshFailed";
import { formatDateTime, formatNumber } from "../../lib/format";
import { AuditFiltersForm } from "./AuditFiltersForm";
import { AuditTable } from "./AuditTable";
import { apiQuery, filtersFromSearch, isFiltered, PAGE_SIZES, searchFromFilters, type AuditFilters } from "./filters";

export default function AuditPage() {
  const { t } = useTranslation("audit");
  const { can } = useSession();
  return (
    <section className="page audit-page" aria-labelledby="audit-title">
      <h1 id="audit-title">{t("title")}</h1>
      {can("admin") ? (
        <AuditTrail />
      ) : (
        <p className="notice" role="note">
          {t("adminOnly")}
        </p>
      )}
    </section>
  );
}

function AuditTrail() {
  const { t, i18n } = useTranslation("audit");
  const [search, setSearch] = useSearchParams();
  const filters = filtersFromSearch(search);
  const canonical = searchFromFilters(filters).toString();
  const events = useQuery({
    queryKey: ["audit", canonical],
    queryFn: async () => unwrap(await api.GET("/api/v1/audit", { params: { query: apiQuery(filters) } })),
    placeholderData: keepPreviousData,
  });
  const show = (next: AuditFilters) => setSearch(searchFromFilters(next));
  const narrowTo = (name: "actor" | "target", value: string) =>
    `?${searchFromFilters({ ...filters, [name]: value, offset: 0 }).toString()}`;

  return (
    <>
      <p className="muted">{t("intro")}</p>
      {/* Keyed by the applied filters: going back, or following an actor's link, starts the form from them. */}
      <AuditFiltersForm key={canonical} filters={filters} onApply={show} />
      <QueryRefreshFailed query={events} />
      <QueryState query={events}>
        {(data) => {
          const first = Math.min(filters.offset + 1, data.count);
          const last = Math.min(filters.offset + data.data.length, data.count);
          return (
            <div className="audit-results" aria-busy={events.isFetching}>
              <nav className="audit-pager" aria-label={t("paging.label")}>
                <p aria-live="polite" className="audit-range">
                  {data.count > 0 &&
                    `${t("paging.range", {
                      first: formatNumber(first, i18n.language),
                      last: formatNumber(last, i18n.language),
                      count: formatNumber(data.count, i18n.language),
                    })} · `}
                  <span className="muted">
                    {events.isFetching
                      ? t("paging.refreshing")
                      : t("paging.readAt", {
                          time: formatDateTime(new Date(events.dataUpdatedAt).toISOString(), i18n.language),
                        })}
                  </span>
                </p>
                <button type="button" className="button secondary small" onClick={() => void events.refetch()}>
                  {t("common:actions.refresh")}
                </button>
                <button
                  type="button"
                  className="button secondary small"
                  disabled={filters.offset === 0}
                  onClick={() => show({ ...filters, offset: Math.max(0, filters.offset - filters.limit) })}
                >
                  {t("paging.previous")}
                </button>
                <button
                  type="button"
                  className="button secondary small"
                  disabled={filters.offset + filters.limit >= data.count}
                  onClick={() => show({ ...filters, offset: filters.offset + filters.limit })}
                >
                  {t("paging.next")}
                </button>
                <label className="audit-page-size">
                  <span>{t("paging.pageSize")}</span>
                  <select
                    value={filters.limit}
                    onChange={(event) => show({ ...filters, limit: Number(event.target.value), offset: 0 })}
                  >
                    {(PAGE_SIZES as readonly number[]).includes(filters.limit) ? null : (
                      <option value={filters.limit}>{filters.limit}</option>
                    )}
                    {PAGE_SIZES.map((size) => (
                      <option key={size} value={size}>
                        {size}
                      </option>
                    ))}
                  </select>
                </label>
              </nav>
              {data.data.length > 0 ? (
                <AuditTable events={data.data} narrowTo={narrowTo} />
              ) : (
                <p className="muted">{isFiltered(filters) || filters.offset > 0 ? t("table.none") : t("table.empty")}</p>
              )}
            </div>
          );
        }}
      </QueryState>
    </>
  );
}
