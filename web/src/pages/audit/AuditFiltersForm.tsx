// The audit trail's filters as a search form: edited here, applied to the address bar on submit (first page).
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { HintedField } from "../../components/HintedField";
import { boundFromInput, boundToInput, METHODS, NO_FILTERS, STATUS_CLASSES, type AuditFilters, type StatusClass } from "./filters";

const RECENT = [
  { key: "lastHour", hours: 1 },
  { key: "lastDay", hours: 24 },
  { key: "lastWeek", hours: 24 * 7 },
] as const;

interface Props {
  /** The filters in force (the form starts from them; remount it when they change). */
  filters: AuditFilters;
  onApply: (filters: AuditFilters) => void;
}

export function AuditFiltersForm({ filters, onApply }: Props) {
  const { t } = useTranslation("audit");
  const [draft, setDraft] = useState(filters);
  const [status, setStatus] = useState(filters.status === null ? "" : String(filters.status));
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const timeHintId = "audit-time-hint";
  const edit = <K extends keyof AuditFilters>(name: K, value: AuditFilters[K]) => setDraft({ ...draft, [name]: value });
  const statusValid = status === "" || (/^\d{3}$/.test(status) && Number(status) >= 100 && Number(status) <= 599);

  // The draft as the API takes it, on the first page, with `changes` on top.
  const applied = (changes: Partial<AuditFilters> = {}): AuditFilters => ({
    ...draft,
    actor: draft.actor.trim(),
    target: draft.target.trim(),
    path_prefix: draft.path_prefix.trim(),
    status: status === "" ? null : Number(status),
    offset: 0,
    ...changes,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (statusValid) onApply(applied());
  };
  const recent = (hours: number) =>
    onApply(applied({ since: new Date(Date.now() - hours * 3_600_000).toISOString(), until: "" }));

  const textFilter = (name: "actor" | "path_prefix" | "target", label: string, hint: string, maxLength: number) => (
    <HintedField label={label} hint={hint}>
      {(control) => (
        <input
          {...control}
          name={name}
          maxLength={maxLength}
          value={draft[name]}
          onChange={(event) => edit(name, event.target.value)}
        />
      )}
    </HintedField>
  );
  const timeFilter = (name: "since" | "until", label: string) => (
    <label className="field">
      <span>{label}</span>
      <input
        name={name}
        type="datetime-local"
        step={1}
        value={boundToInput(draft[name])}
        onChange={(event) => edit(name, boundFromInput(event.target.value))}
        aria-describedby={timeHintId}
      />
    </label>
  );

  return (
    <form role="search" className="card audit-filters" onSubmit={submit} aria-labelledby="audit-filters-title">
      <h2 id="audit-filters-title" className="visually-hidden">
        {t("filters.title")}
      </h2>
      <div className="audit-filter-fields">
        {textFilter("actor", t("filters.actor"), t("filters.actorHint"), 64)}
        <label className="field">
          <span>{t("filters.method")}</span>
          <select name="method" value={draft.method} onChange={(event) => edit("method", event.target.value)}>
            <option value="">{t("filters.anyMethod")}</option>
            {METHODS.map((method) => (
              <option key={method} value={method}>
                {method}
              </option>
            ))}
          </select>
        </label>
        {textFilter("path_prefix", t("filters.pathPrefix"), t("filters.pathHint"), 512)}
        {textFilter("target", t("filters.target"), t("filters.targetHint"), 256)}
        <label className="field">
          <span>{t("filters.outcome")}</span>
          <select
            name="status_class"
            value={draft.status_class ?? ""}
            onChange={(event) => edit("status_class", (event.target.value || null) as StatusClass | null)}
          >
            <option value="">{t("filters.anyOutcome")}</option>
            {STATUS_CLASSES.map((statusClass) => (
              <option key={statusClass} value={statusClass}>
                {t(`filters.outcomes.${statusClass}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t("filters.status")}</span>
          <input
            name="status"
            inputMode="numeric"
            maxLength={3}
            size={5}
            value={status}
            onChange={(event) => setStatus(event.target.value.trim())}
            aria-invalid={!statusValid || undefined}
          />
        </label>
        {timeFilter("since", t("filters.since"))}
        {timeFilter("until", t("filters.until"))}
      </div>
      <p className="hint muted" id={timeHintId}>
        {t("filters.timeHint", { zone })}
      </p>
      <div className="audit-filter-actions">
        <button type="submit" className="button primary" disabled={!statusValid}>
          {t("filters.apply")}
        </button>
        <button type="button" className="button secondary" onClick={() => onApply({ ...NO_FILTERS, limit: filters.limit })}>
          {t("filters.clear")}
        </button>
        <span className="audit-recent" role="group" aria-label={t("filters.quick")}>
          {RECENT.map(({ key, hours }) => (
            <button key={key} type="button" className="button secondary small" disabled={!statusValid} onClick={() => recent(hours)}>
              {t(`filters.${key}`)}
            </button>
          ))}
        </span>
      </div>
    </form>
  );
}
