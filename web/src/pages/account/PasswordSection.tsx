// Change your own password: the current one, then the new one twice. The API signs out every session of the user,
// so this one logs in again with the new password and the operator stays where they are.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { NewPasswordFields, useNewPassword } from "../../components/NewPasswordFields";
import { ErrorMessage } from "../../components/QueryState";
import { useChangePassword } from "./queries";

export function PasswordSection({ username }: { username: string }) {
  const { t } = useTranslation("account");
  const change = useChangePassword(username);
  const [current, setCurrent] = useState("");
  const newPassword = useNewPassword();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!newPassword.accept()) return;
    change.mutate(
      { current_password: current, new_password: newPassword.password },
      {
        onSuccess: () => {
          setCurrent("");
          newPassword.reset();
        },
      },
    );
  };

  return (
    <form className="card form-stack" onSubmit={submit} aria-labelledby="password-title">
      <h2 id="password-title">{t("password.title")}</h2>
      <label className="field">
        <span>{t("password.current")}</span>
        <input
          type="password"
          name="current-password"
          autoComplete="current-password"
          required
          value={current}
          onChange={(event) => setCurrent(event.target.value)}
        />
      </label>
      <NewPasswordFields {...newPassword.fields} label={t("password.new")} />
      {change.error && <ErrorMessage error={change.error} />}
      <div aria-live="polite">
        {change.isSuccess && (
          <p className="notice" role="status">
            {t("password.done")}
          </p>
        )}
      </div>
      <button type="submit" className="button primary" disabled={change.isPending}>
        {change.isPending ? t("password.submitting") : t("password.submit")}
      </button>
    </form>
  );
}
