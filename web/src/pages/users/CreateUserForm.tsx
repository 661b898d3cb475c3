// Add a platform user: a name the API accepts, a role, and a password typed twice.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { HintedField } from "../../components/HintedField";
import { NewPasswordFields, useNewPassword } from "../../components/NewPasswordFields";
import { ErrorMessage } from "../../components/QueryState";
import { ROLES } from "../../lib/roles";
import { useCreateUser, type Role, type User } from "./queries";

// The API's rule for a username (mongo_admin.db.models.Username), as an HTML pattern.
const USERNAME_PATTERN = "[A-Za-z0-9_.@\\-]{1,64}";

export function CreateUserForm({ onCreated }: { onCreated: (user: User) => void }) {
  const { t } = useTranslation("users");
  const create = useCreateUser();
  const [username, setUsername] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const newPassword = useNewPassword();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!newPassword.accept()) return;
    create.mutate(
      { username, role, password: newPassword.password },
      {
        onSuccess: (user) => {
          setUsername("");
          setRole("viewer");
          newPassword.reset();
          onCreated(user);
        },
      },
    );
  };

  return (
    <form className="card form-stack" onSubmit={submit} aria-labelledby="create-user-title">
      <h2 id="create-user-title">{t("create.title")}</h2>
      <HintedField label={t("create.username")} hint={t("create.usernameHint")}>
        {(control) => (
          <input
            {...control}
            name="username"
            autoComplete="off"
            required
            pattern={USERNAME_PATTERN}
            maxLength={64}
            value={username}
            onChange={(event) => setUsername(event.target.value)}
          />
        )}
      </HintedField>
      <label className="field">
        <span>{t("create.role")}</span>
        <select name="role" value={role} onChange={(event) => setRole(event.target.value as Role)}>
          {ROLES.map((option) => (
            <option key={option} value={option}>
              {t(`common:roles.${option}`)}
            </option>
          ))}
        </select>
      </label>
      <NewPasswordFields {...newPassword.fields} label={t("create.password")} />
      {create.error && <ErrorMessage error={create.error} />}
      <button type="submit" className="button primary" disabled={create.isPending}>
        {create.isPending ? t("create.submitting") : t("create.submit")}
      </button>
    </form>
  );
}
