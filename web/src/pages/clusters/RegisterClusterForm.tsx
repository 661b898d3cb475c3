// Register a cluster by connection string (administrators): the routers' URI and, optionally, a SCRAM user.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../api/client";
import { clusterKeys } from "../../api/hooks/clusters";
import { HintedField } from "../../components/HintedField";
import { ErrorMessage } from "../../components/QueryState";

const EMPTY = { name: "", connectionString: "", username: "", password: "", authSource: "admin", tls: false };

export function RegisterClusterForm() {
  const { t } = useTranslation("clusters");
  const queryClient = useQueryClient();
  const [form, setForm] = useState(EMPTY);
  const [registered, setRegistered] = useState<string | null>(null);
  const register = useMutation({
    mutationFn: async () => {
      const withCredentials = form.username !== "" || form.password !== "";
      return unwrap(
        await api.POST("/api/v1/clusters", {
          body: {
            name: form.name.trim(),
            connection_string: form.connectionString.trim(),
            tls: form.tls,
            auth_source: form.authSource.trim() || "admin",
            ...(withCredentials ? { username: form.username, password: form.password } : {}),
          },
        }),
      );
    },
    onSuccess: (cluster) => {
      setRegistered(cluster.name);
      setForm(EMPTY);
      void queryClient.invalidateQueries({ queryKey: clusterKeys.all, exact: true });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setRegistered(null);
    register.mutate();
  };
  const set = (field: keyof typeof EMPTY) => (event: { target: HTMLInputElement }) =>
    setForm((current) => ({ ...current, [field]: field === "tls" ? event.target.checked : event.target.value }));
  return (
    <details className="card register-cluster">
      <summary>{t("register.title")}</summary>
      <form onSubmit={submit} className="register-form">
        <HintedField label={t("register.name")} hint={t("register.nameHint")}>
          {(control) => (
            <input
              {...control}
              name="name"
              required
              maxLength={64}
              pattern="[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}"
              value={form.name}
              onChange={set("name")}
            />
          )}
        </HintedField>
        <HintedField label={t("register.connectionString")} hint={t("register.connectionStringHint")} className="wide">
          {(control) => (
            <input
              {...control}
              name="connection_string"
              required
              maxLength={2048}
              placeholder="mongodb://router1:27017,router2:27017"
              value={form.connectionString}
              onChange={set("connectionString")}
            />
          )}
        </HintedField>
        <label className="field">
          <span>{t("register.username")}</span>
          <input name="username" autoComplete="off" maxLength={256} aria-describedby="register-credentials-hint"
            value={form.username} onChange={set("username")} required={form.password !== ""} />
        </label>
        <label className="field">
          <span>{t("register.password")}</span>
          <input name="password" type="password" autoComplete="new-password" maxLength={1024}
            aria-describedby="register-credentials-hint" value={form.password} onChange={set("password")}
            required={form.username !== ""} />
        </label>
        <label className="field">
          <span>{t("register.authSource")}</span>
          <input name="auth_source" maxLength={64} value={form.authSource} onChange={set("authSource")} />
        </label>
        <p id="register-credentials-hint" className="hint wide">{t("register.credentialsHint")}</p>
        <label className="checkbox wide">
          <input type="checkbox" name="tls" checked={form.tls} onChange={set("tls")} />
          <span>{t("register.tls")}</span>
        </label>
        {register.error && (
          <div className="wide">
            <ErrorMessage error={register.error} />
          </div>
        )}
        <div className="wide form-actions">
          <button type="submit" className="button primary" disabled={register.isPending}>
            {register.isPending ? t("register.submitting") : t("register.submit")}
          </button>
          <span role="status" className="muted">
            {registered && t("register.done", { name: registered })}
          </span>
        </div>
      </form>
    </details>
  );
}
