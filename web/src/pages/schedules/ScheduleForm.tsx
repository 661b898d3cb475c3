// Create or change a schedule: name, kind, cluster, cron expression and time zone, what the job does, misfire
// grace; the next runs are previewed by the API (its own cron code) as the expression is typed.
import { useId, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, type Schemas } from "../../api/client";
import { HintedField } from "../../components/HintedField";
import { ErrorMessage } from "../../components/QueryState";
import { BACKUP_TYPES, COMPRESSIONS, SHARD_NAME_PATTERN, type BackupType, type Compression } from "../../lib/backupChoices";
import { formatDateTime } from "../../lib/format";
import { describeCron } from "./cronText";
import { useCreateSchedule, useSchedulePreview, useUpdateSchedule, type Schedule, type ScheduleCreate } from "./queries";
import { timeZoneChoices } from "./timezones";

type Kind = ScheduleCreate["kind"];

export const SCHEDULE_KINDS: Kind[] = ["backup", "verify", "drill", "health-check"];
// As the API accepts them (ScheduleName, BackupId).
const NAME_PATTERN = "[A-Za-z0-9_. :@\\-]+";
const BACKUP_ID_PATTERN = "[A-Za-z0-9_.:\\-]+";

interface FormState {
  name: string;
  kind: Kind;
  cluster: string;
  cron: string;
  timezone: string;
  type: BackupType;
  shard: string;
  /** "" for the API's default. */
  compression: Compression | "";
  backupId: string;
  misfire: string;
  paused: boolean;
}

function initialState(schedule: Schedule | undefined, clusters: string[]): FormState {
  const params = (schedule?.params ?? {}) as Record<string, unknown>;
  const text = (key: string) => (typeof params[key] === "string" ? (params[key] as string) : "");
  return {
    name: schedule?.name ?? "",
    kind: (schedule?.kind as Kind | undefined) ?? "backup",
    cluster: schedule?.cluster ?? clusters[0] ?? "",
    cron: schedule?.cron ?? "",
    timezone: schedule?.timezone ?? "UTC",
    type: (text("type") as BackupType) || "full",
    shard: text("shard"),
    compression: text("compression") as Compression | "",
    backupId: text("backup_id"),
    misfire: String(schedule?.misfire_grace_s ?? 300),
    paused: schedule?.paused ?? false,
  };
}

/** The `params` of the API for what the form says the job does. */
function paramsOf(state: FormState): NonNullable<ScheduleCreate["params"]> {
  if (state.kind === "backup") {
    const compression = state.compression || undefined;
    return state.type === "shard"
      ? { type: "shard", shard: state.shard.trim(), compression }
      : { type: state.type, compression };
  }
  if ((state.kind === "verify" || state.kind === "drill") && state.backupId.trim()) {
    return { backup_id: state.backupId.trim() };
  }
  return {};
}

interface Props {
  /** The schedule to change; none to create one. */
  schedule?: Schedule;
  /** Names of the clusters a schedule may act on (deployed ones). */
  clusters: string[];
  onDone: () => void;
}

export function ScheduleForm({ schedule, clusters, onDone }: Props) {
  const { t } = useTranslation("schedules");
  const { t: tc } = useTranslation();
  const id = useId();
  const [state, setState] = useState(() => initialState(schedule, clusters));
  const create = useCreateSchedule();
  const update = useUpdateSchedule();
  const saving = create.isPending || update.isPending;
  const error = create.error ?? update.error;
  const editing = schedule !== undefined;
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => setState((old) => ({ ...old, [key]: value }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const common = {
      name: state.name.trim(),
      cron: state.cron.trim(),
      timezone: state.timezone.trim() || "UTC",
      params: paramsOf(state),
      misfire_grace_s: Number(state.misfire),
    };
    if (schedule) update.mutate({ id: schedule.id, body: common }, { onSuccess: onDone });
    else create.mutate({ ...common, kind: state.kind, cluster: state.cluster, paused: state.paused }, { onSuccess: onDone });
  };

  const title = editing ? t("form.editTitle", { name: schedule.name }) : t("form.newTitle");
  return (
    <form className="card schedule-form" aria-labelledby={`${id}-title`} onSubmit={submit}>
      <h2 id={`${id}-title`}>{title}</h2>
      <div className="schedule-form-body">
        <div className="schedule-fields">
          <HintedField label={t("form.name")} hint={t("form.nameHint")}>
            {(control) => (
              <input
                {...control}
                required
                maxLength={100}
                pattern={NAME_PATTERN}
                value={state.name}
                onChange={(event) => set("name", event.target.value)}
              />
            )}
          </HintedField>
          <div className="field-row">
            <label className="field">
              <span>{t("form.kind")}</span>
              <select value={state.kind} disabled={editing} onChange={(event) => set("kind", event.target.value as Kind)}>
                {SCHEDULE_KINDS.map((kind) => (
                  <option key={kind} value={kind}>
                    {tc(`jobKinds.${kind}`)}
                  </option>
                ))}
              </select>
            </label>
            <HintedField
              label={t("form.cluster")}
              hint={editing ? t("form.fixed") : clusters.length === 0 ? t("form.noClusters") : t("form.clusterHint")}
            >
              {(control) => (
                <select
                  {...control}
                  required
                  value={state.cluster}
                  disabled={editing}
                  onChange={(event) => set("cluster", event.target.value)}
                >
                  {editing && !clusters.includes(state.cluster) && <option value={state.cluster}>{state.cluster}</option>}
                  {clusters.map((name) => (
                    <option key={name} value={name}>
                      {name}
                    </option>
                  ))}
                </select>
              )}
            </HintedField>
          </div>
          <div className="field-row">
            <HintedField label={t("form.cron")} hint={t("form.cronHint")}>
              {(control) => (
                <input
                  {...control}
                  required
                  className="mono"
                  maxLength={200}
                  autoComplete="off"
                  spellCheck={false}
                  value={state.cron}
                  onChange={(event) => set("cron", event.target.value)}
                />
              )}
            </HintedField>
            <HintedField label={t("form.timezone")} hint={t("form.timezoneHint")}>
              {(control) => (
                <input
                  {...control}
                  required
                  maxLength={64}
                  list={`${id}-zones`}
                  autoComplete="off"
                  spellCheck={false}
                  value={state.timezone}
                  onChange={(event) => set("timezone", event.target.value)}
                />
              )}
            </HintedField>
            <datalist id={`${id}-zones`}>
              {timeZoneChoices().map((zone) => (
                <option key={zone} value={zone} />
              ))}
            </datalist>
          </div>
          <JobParamsFields state={state} set={set} />
          <div className="field-row">
            <HintedField label={t("form.misfire")} hint={t("form.misfireHint")}>
              {(control) => (
                <input
                  {...control}
                  type="number"
                  required
                  min={0}
                  max={86400}
                  step={1}
                  value={state.misfire}
                  onChange={(event) => set("misfire", event.target.value)}
                />
              )}
            </HintedField>
            {!editing && (
              <label className="checkbox">
                <input type="checkbox" checked={state.paused} onChange={(event) => set("paused", event.target.checked)} />
                <span>{t("form.startPaused")}</span>
              </label>
            )}
          </div>
        </div>
        <CronPreview id={`${id}-preview`} cron={state.cron} timezone={state.timezone} />
      </div>
      {error && <ErrorMessage error={error} />}
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={saving || (!editing && clusters.length === 0)}>
          {saving ? t("form.saving") : editing ? t("form.save") : t("form.create")}
        </button>
        <button type="button" className="button secondary" onClick={onDone}>
          {tc("actions.cancel")}
        </button>
      </div>
    </form>
  );
}

function JobParamsFields({ state, set }: { state: FormState; set: <K extends keyof FormState>(key: K, value: FormState[K]) => void }) {
  const { t } = useTranslation("schedules");
  return (
    <fieldset className="schedule-params">
      <legend>{t("form.whatItDoes")}</legend>
      {state.kind === "backup" && (
        <div className="field-row">
          <label className="field">
            <span>{t("form.backupType")}</span>
            <select value={state.type} onChange={(event) => set("type", event.target.value as BackupType)}>
              {BACKUP_TYPES.map((type) => (
                <option key={type} value={type}>
                  {t(`form.types.${type}`)}
                </option>
              ))}
            </select>
          </label>
          {state.type === "shard" && (
            <label className="field">
              <span>{t("form.shard")}</span>
              <input
                required
                maxLength={64}
                pattern={SHARD_NAME_PATTERN}
                value={state.shard}
                onChange={(event) => set("shard", event.target.value)}
              />
            </label>
          )}
          <label className="field">
            <span>{t("form.compression")}</span>
            <select value={state.compression} onChange={(event) => set("compression", event.target.value as FormState["compression"])}>
              <option value="">{t("form.compressionDefault")}</option>
              {COMPRESSIONS.map((compression) => (
                <option key={compression} value={compression}>
                  {compression}
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
      {(state.kind === "verify" || state.kind === "drill") && (
        <HintedField
          label={t("form.backupId")}
          hint={state.kind === "drill" ? t("form.drillBackupIdHint") : t("form.backupIdHint")}
        >
          {(control) => (
            <input
              {...control}
              maxLength={128}
              pattern={BACKUP_ID_PATTERN}
              className="mono"
              value={state.backupId}
              onChange={(event) => set("backupId", event.target.value)}
            />
          )}
        </HintedField>
      )}
      {state.kind === "health-check" && <p className="muted">{t("form.healthCheckNote")}</p>}
    </fieldset>
  );
}

/** The expression in words and its next five runs as the API computes them, or the API's reason for refusing it. */
function CronPreview({ id, cron, timezone }: { id: string; cron: string; timezone: string }) {
  const { t, i18n } = useTranslation("schedules");
  const { query, empty, settling } = useSchedulePreview(cron, timezone);
  const preview = query.data;
  let body;
  if (empty) body = <p className="muted">{t("preview.waiting")}</p>;
  else if (settling || query.isFetching) body = <p className="muted">{t("preview.loading")}</p>;
  else if (query.error instanceof ApiError)
    body = <p className="error preview-error">{t("preview.refused", { detail: query.error.message })}</p>;
  else if (query.error) body = <ErrorMessage error={query.error} />;
  else if (preview) body = <PreviewRuns preview={preview} language={i18n.language} />;
  return (
    <section className="schedule-preview" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{t("preview.title")}</h3>
      <div id={id} aria-live="polite" data-testid="schedule-preview">
        {body}
      </div>
    </section>
  );
}

function PreviewRuns({ preview, language }: { preview: Schemas["SchedulePreviewPublic"]; language: string }) {
  const { t } = useTranslation("schedules");
  const description = describeCron(preview.cron, language);
  return (
    <>
      {description && <p className="cron-description">{description}</p>}
      <ol className="preview-runs">
        {preview.next_runs.map((run) => (
          <li key={run}>
            <time dateTime={run}>{formatDateTime(run, language, preview.timezone)}</time>
          </li>
        ))}
      </ol>
      <p className="muted">{t("preview.inZone", { zone: preview.timezone })}</p>
    </>
  );
}
