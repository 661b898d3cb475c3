// The audit trail's filters as they travel: in the address bar (so a link reproduces the view), in the form, and
// in the query of GET /api/v1/audit. The URL uses the API's own parameter names; times in it are UTC (ISO 8601),
// so a link shows the same events in every time zone.
import { fromLocalInput, toLocalInput } from "../../lib/localTime";

export const METHODS = ["POST", "PUT", "PATCH", "DELETE", "PRUNE"] as const;
export const STATUS_CLASSES = ["2xx", "3xx", "4xx", "5xx"] as const;
export const PAGE_SIZES = [25, 50, 100, 200] as const;
export const DEFAULT_LIMIT = 50;
// The API's largest page.
const MAX_LIMIT = 1000;

export type StatusClass = (typeof STATUS_CLASSES)[number];

export interface AuditFilters {
  actor: string;
  method: string;
  target: string;
  path_prefix: string;
  status: number | null;
  status_class: StatusClass | null;
  /** ISO 8601 in UTC, or "" for no bound. */
  since: string;
  until: string;
  limit: number;
  offset: number;
}

export const NO_FILTERS: AuditFilters = {
  actor: "",
  method: "",
  target: "",
  path_prefix: "",
  status: null,
  status_class: null,
  since: "",
  until: "",
  limit: DEFAULT_LIMIT,
  offset: 0,
};

function wholeNumber(text: string | null, lowest: number, highest: number): number | null {
  if (text === null || !/^\d+$/.test(text)) return null;
  const value = Number(text);
  return value >= lowest && value <= highest ? value : null;
}

/** An ISO time normalised to UTC with milliseconds ("" when it is not a time). */
function isoTime(text: string | null): string {
  if (!text) return "";
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? "" : date.toISOString();
}

/** The filters a URL's query string asks for; what the API would refuse (a status of 42, a method of GET) is dropped. */
export function filtersFromSearch(search: URLSearchParams): AuditFilters {
  const method = (search.get("method") ?? "").toUpperCase();
  const statusClass = search.get("status_class");
  return {
    actor: (search.get("actor") ?? "").trim().slice(0, 64),
    method: (METHODS as readonly string[]).includes(method) ? method : "",
    target: (search.get("target") ?? "").trim().slice(0, 256),
    path_prefix: (search.get("path_prefix") ?? "").trim().slice(0, 512),
    status: wholeNumber(search.get("status"), 100, 599),
    status_class: (STATUS_CLASSES as readonly string[]).includes(statusClass ?? "") ? (statusClass as StatusClass) : null,
    since: isoTime(search.get("since")),
    until: isoTime(search.get("until")),
    limit: wholeNumber(search.get("limit"), 1, MAX_LIMIT) ?? DEFAULT_LIMIT,
    offset: wholeNumber(search.get("offset"), 0, Number.MAX_SAFE_INTEGER) ?? 0,
  };
}

/** The query string for `filters`: only what is set, the default page size and the first page left out. */
export function searchFromFilters(filters: AuditFilters): URLSearchParams {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(apiQuery(filters))) {
    if (name === "limit" && value === DEFAULT_LIMIT) continue;
    if (name === "offset" && value === 0) continue;
    search.set(name, String(value));
  }
  return search;
}

type ApiQuery = Partial<Omit<AuditFilters, "status" | "status_class">> & {
  status?: number;
  status_class?: StatusClass;
};

/** The parameters of GET /api/v1/audit for `filters` (empty ones omitted: the API reads an absent one as "any"). */
export function apiQuery(filters: AuditFilters): ApiQuery {
  const query: ApiQuery = {};
  if (filters.actor) query.actor = filters.actor;
  if (filters.method) query.method = filters.method;
  if (filters.target) query.target = filters.target;
  if (filters.path_prefix) query.path_prefix = filters.path_prefix;
  if (filters.status !== null) query.status = filters.status;
  if (filters.status_class !== null) query.status_class = filters.status_class;
  if (filters.since) query.since = filters.since;
  if (filters.until) query.until = filters.until;
  query.limit = filters.limit;
  query.offset = filters.offset;
  return query;
}

/** Whether anything narrows the trail (the page and its size do not). */
export function isFiltered(filters: AuditFilters): boolean {
  const { limit: _limit, offset: _offset, ...narrowing } = filters;
  return Object.entries(narrowing).some(([name, value]) => value !== NO_FILTERS[name as keyof AuditFilters]);
}

/** A bound (since, until) as a datetime-local input shows it: the browser's wall time to the second, "" for none. */
export function boundToInput(iso: string): string {
  return iso ? toLocalInput(Date.parse(iso)) : "";
}

/** A datetime-local input's value as a bound: ISO 8601 in UTC, "" for none. */
export function boundFromInput(value: string): string {
  const ms = fromLocalInput(value);
  return ms === null ? "" : new Date(ms).toISOString();
}
