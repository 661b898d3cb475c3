// Take a backup of each type the API offers (full, config servers, one shard) with its optional settings; the
// API answers with the job, which the page then follows.
import { useMutation } from "@tanstack/react-query";
import { useEffect, useId, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap, type Schemas } from "../../api/client";
import { HintedField } from "../../components/HintedField";
import { ErrorMessage } from "../../components/QueryState";
import { useModalDialog } from "../../components/useModalDialog";
import { BACKUP_TYPES, COMPRESSIONS, SHARD_NAME_PATTERN, type BackupType, type Compression } from "../../lib/backupChoices";

interface Settings {
  compression?: Compression;
  parallel?: number;
  rate_limit_mb_s?: number;
}
/** A BackupCreate body: a shard backup names its shard, the others name none. */
export type BackupBody = ({ type: "shard"; shard: string } | { type: "full" | "config" }) & Settings;

/** The request body of the form's values: only what was chosen, numbers as numbers. */
export function backupRequest(form: {
  type: BackupType;
  shard: string;
  compression: string;
  parallel: string;
  rateLimit: string;
}): BackupBody {
  const settings: Settings = {};
  if (form.compression) settings.compression = form.compression as Settings["compression"];
  if (form.parallel.trim()) settings.parallel = Number(form.parallel);
  if (form.rateLimit.trim()) settings.rate_limit_mb_s = Number(form.rateLimit);
  return form.type === "shard" ? { type: "shard", shard: form.shard, ...settings } : { type: form.type, ...settings };
}

interface Props {
  cluster: string;
  shards: string[];
  open: boolean;
  onClose: () => void;
  onStarted: (job: Schemas["JobAccepted"]) => void;
}

export function CreateBackupDialog({ cluster, shards, open, onClose, onStarted }: Props) {
  const { t } = useTranslation("backups");
  const { t: tc } = useTranslation();
  const id = useId();
  const [type, setType] = useState<BackupType>("full");
  const [shard, setShard] = useState("");
  const [compression, setCompression] = useState("");
  const [parallel, setParallel] = useState("");
  const [rateLimit, setRateLimit] = useState("");
  const create = useMutation({
    mutationFn: async (body: BackupBody) =>
      unwrap(await api.POST("/api/v1/clusters/{name}/backups", { params: { path: { name: cluster } }, body })),
    onSuccess: (job) => {
      onStarted(job);
      onClose();
    },
  });
  const ref = useModalDialog(open, () => create.reset());
  useEffect(() => {
    if (!shard && shards.length > 0) setShard(shards[0]!);
  }, [shard, shards]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(backupRequest({ type, shard, compression, parallel, rateLimit }));
  };
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={`${id}-title`}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <form onSubmit={submit} className="form-stack">
        <h2 id={`${id}-title`}>{t("create.title", { cluster })}</h2>
        <fieldset>
          <legend>{t("create.type")}</legend>
          {BACKUP_TYPES.map((value) => (
            <label key={value} className="choice">
              <input type="radio" name="backup-type" value={value} checked={type === value} onChange={() => setType(value)} />
              <span>{t(`create.${value}`)}</span>
            </label>
          ))}
        </fieldset>
        {type === "shard" &&
          (shards.length > 0 ? (
            <label className="field">
              <span>{t("create.shardName")}</span>
              <select value={shard} onChange={(event) => setShard(event.target.value)} required>
                {shards.map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
              </select>
            </label>
          ) : (
            // The shards are not known yet: the name is typed, and the hint says why.
            <HintedField label={t("create.shardName")} hint={t("create.noShards")}>
              {(control) => (
                <input
                  {...control}
                  value={shard}
                  onChange={(event) => setShard(event.target.value)}
                  required
                  pattern={SHARD_NAME_PATTERN}
                />
              )}
            </HintedField>
          ))}
        <label className="field">
          <span>{t("create.compression")}</span>
          <select value={compression} onChange={(event) => setCompression(event.target.value)}>
            <option value="">{t("create.compressionDefault")}</option>
            {COMPRESSIONS.map((value) => (
              <option key={value} value={value}>
                {value}
              </option>
            ))}
          </select>
        </label>
        <div className="field-row">
          <label className="field">
            <span>
              {t("create.parallel")} <span className="hint">({t("create.optional")})</span>
            </span>
            <input type="number" min={1} max={64} step={1} inputMode="numeric" value={parallel} onChange={(event) => setParallel(event.target.value)} />
          </label>
          <label className="field">
            <span>
              {t("create.rateLimit")} <span className="hint">({t("create.optional")})</span>
            </span>
            <input type="number" min={0.01} step="any" inputMode="decimal" value={rateLimit} onChange={(event) => setRateLimit(event.target.value)} />
          </label>
        </div>
        {create.error && <ErrorMessage error={create.error} />}
        <div className="dialog-actions">
          <button type="button" className="button secondary" onClick={onClose}>
            {tc("actions.cancel")}
          </button>
          <button type="submit" className="button primary" disabled={create.isPending}>
            {create.isPending ? t("create.submitting") : t("create.submit")}
          </button>
        </div>
      </form>
    </dialog>
  );
}
