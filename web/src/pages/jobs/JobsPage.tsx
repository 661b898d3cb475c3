// Every job, newest first, filtered by state, kind, cluster and requester (kept in the address bar, so a link
// reproduces the view), a page at a time; re-read every few seconds while a job on screen is queued or running.
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { useClusters } from "../../api/hooks/clusters";
import { useJobs, type Job, type JobFilters } from "../../api/hooks/jobs";
import { ProgressBar } from "../../components/ProgressBar";
import { QueryState } from "../../components/QueryState";
import { QueryRefreshFailed } from "../../components/RefreshFailed";
import { StatusBadge } from "../../components/StatusBadge";
import { common } from "../../i18n/common";
import { formatDateTime, formatDuration, formatNumber } from "../../lib/format";
import { isTerminal, JOB_STATES, jobDuration } from "../../lib/jobs";
import { useDebounced } from "../../lib/useDebounced";
import { useNow } from "../../lib/useNow";

export const PAGE_SIZE = 50;
/** While a job on screen is queued or running, the list is re-read this often; otherwise every IDLE_REFRESH_MS. */
export const ACTIVE_REFRESH_MS = 2000;
const IDLE_REFRESH_MS = 15_000;
const KINDS = Object.keys(common.en.jobKinds);

const anyActive = (jobs: Job[] | undefined) => jobs?.some((job) => !isTerminal(job.state)) ?? false;

export default function JobsPage() {
  const { t, i18n } = useTranslation("jobs");
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Math.floor(Number(params.get("page"))) || 1);
  const filters: JobFilters = {
    state: params.get("state") || undefined,
    kind: params.get("kind") || undefined,
    cluster: params.get("cluster") || undefined,
    requested_by: params.get("requested_by") || undefined,
    limit: PAGE_SIZE,
    offset: (page - 1) * PAGE_SIZE,
  };
  const jobs = useJobs(filters, (data) => (anyActive(data) ? ACTIVE_REFRESH_MS : IDLE_REFRESH_MS));
  const active = anyActive(jobs.data?.data);
  const now = useNow(1000, active);
  const filtered = Boolean(filters.state || filters.kind || filters.cluster || filters.requested_by);

  /** Change the address bar's parameters (back to the first page: the old page number means nothing now). */
  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [name, value] of Object.entries(changes)) {
      if (value) next.set(name, value);
      else next.delete(name);
    }
    setParams(next, { replace: true });
  };
  const setFilter = (name: string, value: string) => update({ [name]: value, page: null });
  const goToPage = (number: number) => update({ page: number > 1 ? String(number) : null });

  return (
    <section className="page jobs-page" aria-labelledby="jobs-title">
      <h1 id="jobs-title">{t("list.title")}</h1>
      <p className="muted">{t("list.intro")}</p>
      <JobFiltersForm filters={filters} onChange={setFilter} onClear={() => setParams(new URLSearchParams(), { replace: true })} />
      <QueryRefreshFailed query={jobs} />
      {/* While other filters or another page load, the previous rows stay, dimmed and marked busy. */}
      <div className="jobs-results" aria-busy={jobs.isPlaceholderData}>
        <QueryState query={jobs}>
          {({ data, count }) =>
            data.length === 0 ? (
              <p className="muted">{filtered ? t("list.emptyFiltered") : t("list.empty")}</p>
            ) : (
              <>
                {active && <p className="muted">{t("list.liveNote", { seconds: ACTIVE_REFRESH_MS / 1000 })}</p>}
                <div className="table-wrap">
                  <table className="jobs-table">
                    <caption className="visually-hidden">{t("list.caption")}</caption>
                    <thead>
                      <tr>
                        <th scope="col">{t("columns.job")}</th>
                        <th scope="col">{t("columns.cluster")}</th>
                        <th scope="col">{t("columns.state")}</th>
                        <th scope="col">{t("columns.progress")}</th>
                        <th scope="col">{t("columns.step")}</th>
                        <th scope="col">{t("columns.requestedBy")}</th>
                        <th scope="col">{t("columns.created")}</th>
                        <th scope="col">{t("columns.started")}</th>
                        <th scope="col">{t("columns.finished")}</th>
                        <th scope="col" className="number">
                          {t("columns.duration")}
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {data.map((job) => (
                        <JobRow key={job.id} job={job} now={now} language={i18n.language} />
                      ))}
                    </tbody>
                  </table>
                </div>
                <nav className="pager" aria-label={t("list.pages")}>
                  <span>
                    {t("list.showing", {
                      from: formatNumber(filters.offset + 1, i18n.language),
                      to: formatNumber(filters.offset + data.length, i18n.language),
                      total: formatNumber(count, i18n.language),
                    })}
                  </span>
                  <button type="button" className="button secondary small" disabled={page <= 1} onClick={() => goToPage(page - 1)}>
                    {t("list.previous")}
                  </button>
                  <button
                    type="button"
                    className="button secondary small"
                    disabled={filters.offset + data.length >= count}
                    onClick={() => goToPage(page + 1)}
                  >
                    {t("list.next")}
                  </button>
                </nav>
              </>
            )
          }
        </QueryState>
      </div>
    </section>
  );
}

function JobRow({ job, now, language }: { job: Job; now: Date; language: string }) {
  const { t } = useTranslation("jobs");
  const { t: tc } = useTranslation();
  const kind = tc(`jobKinds.${job.kind}`, { defaultValue: job.kind });
  const shortId = job.id.slice(0, 8);
  return (
    <tr>
      <td>
        <Link to={`/jobs/${encodeURIComponent(job.id)}`} className="capitalize-first">
          {kind}
        </Link>
        <div>
          <code className="muted job-id">{shortId}</code>
        </div>
      </td>
      <td>{job.cluster}</td>
      <td>
        <StatusBadge state={job.state} label={tc(`jobStates.${job.state}`, { defaultValue: job.state })} />
      </td>
      <td className="progress-cell">
        <ProgressBar value={job.progress / 100} label={`${t("columns.progress")}: ${kind} ${shortId}`} />
      </td>
      <td>{job.step ?? "—"}</td>
      <td>{job.requested_by ?? "—"}</td>
      <td>{formatDateTime(job.created_at, language)}</td>
      <td>{formatDateTime(job.started_at, language)}</td>
      <td>{formatDateTime(job.finished_at, language)}</td>
      <td className="number">{formatDuration(jobDuration(job, now))}</td>
    </tr>
  );
}

interface FiltersProps {
  filters: JobFilters;
  onChange: (name: string, value: string) => void;
  onClear: () => void;
}

function JobFiltersForm({ filters, onChange, onClear }: FiltersProps) {
  const { t } = useTranslation("jobs");
  const { t: tc } = useTranslation();
  const clusters = useClusters();
  const clusterNames = clusters.data?.data.map((cluster) => cluster.name) ?? [];
  if (filters.cluster && !clusterNames.includes(filters.cluster)) clusterNames.push(filters.cluster);
  // The requester is typed: sent once the typing pauses, not at every key.
  const [requester, setRequester] = useState(filters.requested_by ?? "");
  const settled = useDebounced(requester.trim(), 400);
  const current = filters.requested_by ?? "";
  useEffect(() => {
    if (settled !== current) onChange("requested_by", settled);
    // Only a settled change of the field is sent (not a change of the address bar, e.g. Clear filters).
  }, [settled]);
  useEffect(() => setRequester(current), [current]);

  return (
    <form className="toolbar filters" aria-label={t("list.filters")} onSubmit={(event) => event.preventDefault()}>
      <FilterSelect
        label={t("list.state")}
        value={filters.state}
        choices={JOB_STATES.map((state) => ({ value: state, label: tc(`jobStates.${state}`) }))}
        onChange={(value) => onChange("state", value)}
      />
      <FilterSelect
        label={t("list.kind")}
        value={filters.kind}
        choices={KINDS.map((kind) => ({ value: kind, label: tc(`jobKinds.${kind}`) }))}
        onChange={(value) => onChange("kind", value)}
      />
      <FilterSelect
        label={t("list.cluster")}
        value={filters.cluster}
        choices={clusterNames.map((name) => ({ value: name, label: name }))}
        onChange={(value) => onChange("cluster", value)}
      />
      <label className="field">
        <span>{t("list.requestedBy")}</span>
        <input type="search" value={requester} maxLength={128} onChange={(event) => setRequester(event.target.value)} />
      </label>
      <button type="button" className="button secondary" onClick={onClear}>
        {t("list.clear")}
      </button>
    </form>
  );
}

interface FilterSelectProps {
  label: string;
  /** The value filtered on; none for any. */
  value: string | undefined;
  choices: { value: string; label: string }[];
  onChange: (value: string) => void;
}

/** One filter of the list: any, or one of `choices`. */
function FilterSelect({ label, value, choices, onChange }: FilterSelectProps) {
  const { t } = useTranslation("jobs");
  return (
    <label className="field">
      <span>{label}</span>
      <select value={value ?? ""} onChange={(event) => onChange(event.target.value)}>
        <option value="">{t("list.any")}</option>
        {choices.map((choice) => (
          <option key={choice.value} value={choice.value}>
            {choice.label}
          </option>
        ))}
      </select>
    </label>
  );
}
