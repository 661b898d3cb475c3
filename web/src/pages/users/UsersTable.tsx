// The users as a table, one row each, with the role change, disable/enable and delete of each row.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { StatusBadge } from "../../components/StatusBadge";
import { formatDateTime } from "../../lib/format";
import { ROLES } from "../../lib/roles";
import type { Role, User } from "./queries";

interface Props {
  users: User[];
  count: number;
  /** The logged-in user's id: their row is marked and offers neither delete (the API refuses it) nor disable (it
   * would end this very session). */
  selfId: number | undefined;
  busy: boolean;
  /** When the list was read: a row's role select goes back to the API's role at each reading (after a refusal too). */
  readAt: number;
  onChangeRole: (user: User, role: Role) => void;
  onDisable: (user: User) => void;
  onEnable: (user: User) => void;
  onDelete: (user: User) => void;
}

export function UsersTable({ users, count, ...actions }: Props) {
  const { t } = useTranslation("users");
  return (
    <div className="table-wrap">
      <table className="users-table">
        <caption className="visually-hidden">{t("list.caption")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("list.username")}</th>
            <th scope="col">{t("list.role")}</th>
            <th scope="col">{t("list.status")}</th>
            <th scope="col">{t("list.created")}</th>
            <th scope="col">{t("list.lastLogin")}</th>
            <th scope="col">{t("list.actions")}</th>
          </tr>
        </thead>
        <tbody>
          {users.map((user) => (
            <UserRow key={user.id} user={user} {...actions} />
          ))}
        </tbody>
      </table>
      <p className="table-foot muted">{t("list.count", { count })}</p>
    </div>
  );
}

function UserRow({ user, selfId, busy, readAt, onChangeRole, onDisable, onEnable, onDelete }: { user: User } & Omit<Props, "users" | "count">) {
  const { t, i18n } = useTranslation("users");
  const [role, setRole] = useState<Role>(user.role);
  const [readingShown, setReadingShown] = useState(readAt);
  if (readingShown !== readAt) {
    setReadingShown(readAt);
    setRole(user.role);
  }
  const isSelf = user.id === selfId;
  const username = user.username;
  return (
    <tr>
      <th scope="row">
        {username} {isSelf && <StatusBadge state="you" label={t("list.you")} tone="info" />}
      </th>
      <td>
        <div className="role-change">
          <select aria-label={t("actions.roleOf", { username })} value={role} onChange={(event) => setRole(event.target.value as Role)}>
            {ROLES.map((option) => (
              <option key={option} value={option}>
                {t(`common:roles.${option}`)}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="button secondary small"
            disabled={busy || role === user.role}
            aria-label={t("actions.changeRoleOf", { username })}
            onClick={() => onChangeRole(user, role)}
          >
            {t("actions.changeRole")}
          </button>
        </div>
      </td>
      <td>
        <StatusBadge
          state={user.disabled ? "disabled" : "active"}
          label={t(user.disabled ? "list.disabled" : "list.active")}
          tone={user.disabled ? "muted" : "ok"}
        />
      </td>
      <td>
        <time dateTime={user.created_at}>{formatDateTime(user.created_at, i18n.language)}</time>
      </td>
      <td>
        {user.last_login_at ? (
          <time dateTime={user.last_login_at}>{formatDateTime(user.last_login_at, i18n.language)}</time>
        ) : (
          <span className="muted">{t("list.never")}</span>
        )}
      </td>
      <td>
        <div className="row-actions">
          {isSelf ? null : user.disabled ? (
            <button type="button" className="button secondary small" disabled={busy} aria-label={t("actions.enableUser", { username })} onClick={() => onEnable(user)}>
              {t("actions.enable")}
            </button>
          ) : (
            <button type="button" className="button secondary small" disabled={busy} aria-label={t("actions.disableUser", { username })} onClick={() => onDisable(user)}>
              {t("actions.disable")}
            </button>
          )}
          {!isSelf && (
            <button type="button" className="button danger small" disabled={busy} aria-label={t("actions.deleteUser", { username })} onClick={() => onDelete(user)}>
              {t("actions.delete")}
            </button>
          )}
        </div>
      </td>
    </tr>
  );
}
