// Log in with a platform account; a fresh install (no administrator yet) is told how to create one.
import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, useLocation } from "react-router";
import { api, unwrap } from "../../api/client";
import { useLogin, useSession } from "../../auth/session";
import { ErrorMessage } from "../../components/QueryState";

export default function LoginPage() {
  const { t } = useTranslation("login");
  const { session } = useSession();
  const login = useLogin();
  const location = useLocation();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const health = useQuery({
    queryKey: ["health"],
    queryFn: async () => unwrap(await api.GET("/api/v1/health")),
  });
  const from = (location.state as { from?: string } | null)?.from ?? "/clusters";
  if (session) return <Navigate to={from} replace />;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    login.mutate({ username, password });
  };
  const needsAdmin = health.data !== undefined && "admin_exists" in health.data && health.data.admin_exists === false;
  return (
    <main id="main" className="login-page">
      <form className="card login-card" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">{t("title")}</h1>
        {needsAdmin && (
          <div className="notice" role="note" data-testid="first-run">
            <h2>{t("firstRunTitle")}</h2>
            <p>{t("firstRun")}</p>
            <pre>
              <code>mongo-admin api create-admin --username admin</code>
            </pre>
          </div>
        )}
        <label className="field">
          <span>{t("username")}</span>
          <input
            name="username"
            autoComplete="username"
            required
            maxLength={64}
            value={username}
            onChange={(event) => setUsername(event.target.value)}
          />
        </label>
        <label className="field">
          <span>{t("password")}</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            maxLength={256}
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </label>
        {login.error && <ErrorMessage error={login.error} />}
        <button type="submit" className="button primary" disabled={login.isPending}>
          {login.isPending ? t("submitting") : t("submit")}
        </button>
      </form>
    </main>
  );
}
