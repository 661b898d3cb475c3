// The user's API tokens: the list (never the tokens themselves), creating one (shown once, with a copy button) and
// revoking one after a confirmation.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { Schemas } from "../../api/client";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { HintedField } from "../../components/HintedField";
import { ErrorMessage, QueryState } from "../../components/QueryState";
import { QueryRefreshFailed } from "../../components/RefreshFailed";
import { StatusBadge, type Tone } from "../../components/StatusBadge";
import { formatDateTime } from "../../lib/format";
import { useCreateToken, useRevokeToken, useTokens } from "./queries";
import { expiryDays, tokenState, type ApiToken, type TokenState } from "./tokens";

const STATE_TONES: Record<TokenState, Tone> = { active: "ok", expired: "muted", revoked: "muted" };

export function TokensSection() {
  const { t } = useTranslation("account");
  const tokens = useTokens();
  const revoke = useRevokeToken();
  const [created, setCreated] = useState<Schemas["ApiTokenCreated"] | null>(null);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const [revoked, setRevoked] = useState<string | null>(null);

  const confirmRevoke = () => {
    if (!revoking) return;
    const { id, name } = revoking;
    setRevoked(null);
    revoke.mutate(id, { onSuccess: () => setRevoked(name), onSettled: () => setRevoking(null) });
  };

  return (
    <section className="card tokens" aria-labelledby="tokens-title">
      <h2 id="tokens-title">{t("tokens.title")}</h2>
      <p className="muted">{t("tokens.intro")}</p>
      <CreateTokenForm onCreated={setCreated} />
      {created && <ShownToken token={created} onDismiss={() => setCreated(null)} />}
      <div aria-live="polite">
        {revoked && (
          <p className="notice" role="status">
            {t("tokens.revoked", { name: revoked })}
          </p>
        )}
      </div>
      {revoke.error && <ErrorMessage error={revoke.error} />}
      <QueryRefreshFailed query={tokens} />
      <QueryState query={tokens}>
        {(data) =>
          data.data.length === 0 ? <p className="muted">{t("tokens.none")}</p> : <TokensTable tokens={data.data} onRevoke={setRevoking} />
        }
      </QueryState>
      <ConfirmDialog
        open={revoking !== null}
        title={t("tokens.confirmTitle", { name: revoking?.name ?? "" })}
        confirmLabel={t("tokens.confirmButton")}
        danger
        busy={revoke.isPending}
        onConfirm={confirmRevoke}
        onCancel={() => setRevoking(null)}
      >
        <p>{t("tokens.confirmBody")}</p>
      </ConfirmDialog>
    </section>
  );
}

function TokensTable({ tokens, onRevoke }: { tokens: ApiToken[]; onRevoke: (token: ApiToken) => void }) {
  const { t, i18n } = useTranslation("account");
  const when = (iso: string | null, none: string) =>
    iso ? <time dateTime={iso}>{formatDateTime(iso, i18n.language)}</time> : <span className="muted">{none}</span>;
  const now = new Date();
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{t("tokens.caption")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("tokens.name")}</th>
            <th scope="col">{t("tokens.prefix")}</th>
            <th scope="col">{t("tokens.status")}</th>
            <th scope="col">{t("tokens.created")}</th>
            <th scope="col">{t("tokens.expires")}</th>
            <th scope="col">{t("tokens.lastUsed")}</th>
            <th scope="col">{t("tokens.actions")}</th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((token) => {
            const state = tokenState(token, now);
            return (
              <tr key={token.id}>
                <th scope="row">{token.name}</th>
                <td>
                  <code>{token.prefix}…</code>
                </td>
                <td>
                  <StatusBadge state={state} label={t(`tokens.state.${state}`)} tone={STATE_TONES[state]} />
                </td>
                <td>{when(token.created_at, t("tokens.never"))}</td>
                <td>{when(token.expires_at, t("tokens.noExpiry"))}</td>
                <td>{when(token.last_used_at, t("tokens.never"))}</td>
                <td>
                  {state === "active" && (
                    <button
                      type="button"
                      className="button danger small"
                      aria-label={t("tokens.revokeToken", { name: token.name })}
                      onClick={() => onRevoke(token)}
                    >
                      {t("tokens.revoke")}
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function CreateTokenForm({ onCreated }: { onCreated: (token: Schemas["ApiTokenCreated"]) => void }) {
  const { t } = useTranslation("account");
  const create = useCreateToken();
  const [name, setName] = useState("");
  const [days, setDays] = useState("");
  const [checked, setChecked] = useState(false);
  const expiry = expiryDays(days);
  const daysInvalid = checked && "invalid" in expiry;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setChecked(true);
    if ("invalid" in expiry) return;
    create.mutate(
      { name: name.trim(), expires_in_days: expiry.days },
      {
        onSuccess: (token) => {
          setName("");
          setDays("");
          setChecked(false);
          onCreated(token);
        },
      },
    );
  };

  return (
    <form className="token-create" onSubmit={submit} aria-labelledby="token-create-title">
      <h3 id="token-create-title">{t("tokens.create.title")}</h3>
      <div className="toolbar">
        <HintedField label={t("tokens.create.name")} hint={t("tokens.create.nameHint")}>
          {(control) => (
            <input
              {...control}
              name="token-name"
              required
              maxLength={100}
              autoComplete="off"
              value={name}
              onChange={(event) => setName(event.target.value)}
            />
          )}
        </HintedField>
        <HintedField
          label={t("tokens.create.expires")}
          hint={daysInvalid ? t("tokens.create.expiresInvalid") : t("tokens.create.expiresHint")}
        >
          {(control) => (
            <input
              {...control}
              name="token-expires"
              inputMode="numeric"
              value={days}
              onChange={(event) => setDays(event.target.value)}
              aria-invalid={daysInvalid || undefined}
            />
          )}
        </HintedField>
        <button type="submit" className="button primary" disabled={create.isPending}>
          {create.isPending ? t("tokens.create.submitting") : t("tokens.create.submit")}
        </button>
      </div>
      {create.error && <ErrorMessage error={create.error} />}
    </form>
  );
}

function ShownToken({ token, onDismiss }: { token: Schemas["ApiTokenCreated"]; onDismiss: () => void }) {
  const { t } = useTranslation("account");
  const [copy, setCopy] = useState<"copied" | "copyFailed" | null>(null);
  const copyToken = async () => {
    try {
      await navigator.clipboard.writeText(token.token);
      setCopy("copied");
    } catch {
      setCopy("copyFailed");
    }
  };
  return (
    <div className="shown-token" role="region" aria-labelledby="shown-token-title">
      <h3 id="shown-token-title">{t("tokens.shown.title", { name: token.name })}</h3>
      <p className="shown-token-once">
        <strong>{t("tokens.shown.once")}</strong>
      </p>
      <div className="shown-token-value">
        <label className="field">
          <span>{t("tokens.shown.label")}</span>
          <input readOnly value={token.token} onFocus={(event) => event.target.select()} spellCheck={false} />
        </label>
        <button type="button" className="button primary" onClick={() => void copyToken()}>
          {t("tokens.shown.copy")}
        </button>
      </div>
      <p aria-live="polite" className="muted">
        {copy ? t(`tokens.shown.${copy}`) : null}
      </p>
      <button type="button" className="button secondary" onClick={onDismiss}>
        {t("tokens.shown.dismiss")}
      </button>
    </div>
  );
}
