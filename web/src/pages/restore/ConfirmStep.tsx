// Step 4: what is about to happen in one sentence, the confirmation it needs (the cluster's name typed for a
// restore that rewrites a cluster, shard or catalog; an explicit tick for named collections), then the start.
import { useId, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { Schemas } from "../../api/client";
import { ErrorMessage } from "../../components/QueryState";
import { formatDateTime } from "../../lib/format";
import { needsTypedName, type WizardState } from "./wizard";

interface Props {
  cluster: string;
  state: WizardState;
  preflight: Schemas["RestorePreflightPublic"];
  starting: boolean;
  error: unknown;
  onStart: () => void;
}

export function ConfirmStep({ cluster, state, preflight, starting, error, onStart }: Props) {
  const { t, i18n } = useTranslation("restore");
  const id = useId();
  const [typed, setTyped] = useState("");
  const [understood, setUnderstood] = useState(false);
  const typedName = needsTypedName(state.choice);
  const confirmed = typedName ? typed === cluster : understood;
  const namespaces = preflight.namespaces.map((each) =>
    each.namespace === each.restored_as ? each.namespace : `${each.namespace} → ${each.restored_as}`,
  );
  const summary = t(`confirm.summary.${state.choice ?? "cluster"}`, {
    cluster,
    backup: preflight.backup_id ?? "—",
    time: formatDateTime(preflight.restore_to_time ?? preflight.point_in_time, i18n.language),
    shard: state.shard,
    namespaces: namespaces.join(", "),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (confirmed) onStart();
  };
  return (
    <form className="confirm-step form-stack" onSubmit={submit}>
      <p className="confirm-summary">
        <strong>{summary}</strong>
      </p>
      <p className="warning">{t("confirm.warning")}</p>
      {typedName ? (
        <label className="field narrow">
          <span>{t("confirm.typeName", { cluster })}</span>
          <input
            id={`${id}-name`}
            value={typed}
            autoComplete="off"
            spellCheck={false}
            onChange={(event) => setTyped(event.target.value)}
          />
        </label>
      ) : (
        <label className="choice">
          <input type="checkbox" checked={understood} onChange={(event) => setUnderstood(event.target.checked)} />
          <span>{t("confirm.understand")}</span>
        </label>
      )}
      {error !== null && error !== undefined && <ErrorMessage error={error} />}
      <div>
        <button type="submit" className="button danger" disabled={!confirmed || starting}>
          {starting ? t("confirm.starting") : t("confirm.start")}
        </button>
      </div>
    </form>
  );
}
