// Users and roles (administrators): the platform's accounts, adding one, changing a role, disabling, deleting.
// What the API refuses (the last active admin, a taken name) is shown in its own words.
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { SESSION_KEY, useSession } from "../../auth/session";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ErrorMessage, QueryState } from "../../components/QueryState";
import { QueryRefreshFailed } from "../../components/RefreshFailed";
import { CreateUserForm } from "./CreateUserForm";
import { useDeleteUser, useUpdateUser, useUsers, type Role, type User } from "./queries";
import { RolesExplained } from "./RolesExplained";
import { UsersTable } from "./UsersTable";

/** A change waiting for the administrator's confirmation. */
type Pending = { kind: "disable"; user: User } | { kind: "delete"; user: User } | { kind: "demoteSelf"; user: User; role: Role };

type Outcome = { ok: string } | { error: unknown } | null;

export default function UsersPage() {
  const { t } = useTranslation("users");
  const { can } = useSession();
  return (
    <section className="page users-page" aria-labelledby="users-title">
      <h1 id="users-title">{t("title")}</h1>
      {can("admin") ? (
        <UsersAdmin />
      ) : (
        <>
          <p className="notice" role="note">
            {t("adminOnly")}
          </p>
          <RolesExplained />
        </>
      )}
    </section>
  );
}

function UsersAdmin() {
  const { t } = useTranslation("users");
  const { session } = useSession();
  const queryClient = useQueryClient();
  const users = useUsers();
  const update = useUpdateUser();
  const remove = useDeleteUser();
  const [pending, setPending] = useState<Pending | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const roleName = (role: Role) => t(`common:roles.${role}`);

  const changeRole = (user: User, role: Role) => {
    setOutcome(null);
    update.mutate(
      { id: user.id, role },
      {
        onSuccess: (changed) => {
          setOutcome({ ok: t("done.role", { username: changed.username, role: roleName(changed.role) }) });
          // Your own new role: the page (and the header) follow what you may do now.
          if (changed.id === session?.user.id) void queryClient.invalidateQueries({ queryKey: SESSION_KEY });
        },
        onError: (error) => setOutcome({ error }),
      },
    );
  };
  const setDisabled = (user: User, disabled: boolean) => {
    setOutcome(null);
    update.mutate(
      { id: user.id, disabled },
      {
        onSuccess: (changed) =>
          setOutcome({ ok: t(changed.disabled ? "done.disabled" : "done.enabled", { username: changed.username }) }),
        onError: (error) => setOutcome({ error }),
        onSettled: () => setPending(null),
      },
    );
  };
  const deleteUser = (user: User) => {
    setOutcome(null);
    remove.mutate(user.id, {
      onSuccess: () => setOutcome({ ok: t("done.deleted", { username: user.username }) }),
      onError: (error) => setOutcome({ error }),
      onSettled: () => setPending(null),
    });
  };
  const confirm = () => {
    if (!pending) return;
    if (pending.kind === "disable") setDisabled(pending.user, true);
    else if (pending.kind === "delete") deleteUser(pending.user);
    else {
      changeRole(pending.user, pending.role);
      setPending(null);
    }
  };

  return (
    <>
      <p className="muted">{t("intro")}</p>
      <div className="users-layout">
        <div className="users-main">
          <div aria-live="polite" aria-atomic="true" className="users-outcome">
            {outcome && "ok" in outcome && (
              <p className="notice" role="status">
                {outcome.ok}
              </p>
            )}
          </div>
          {outcome && "error" in outcome && <ErrorMessage error={outcome.error} />}
          <QueryRefreshFailed query={users} />
          <QueryState query={users}>
            {(data) => (
              <UsersTable
                users={data.data}
                count={data.count}
                selfId={session?.user.id}
                busy={update.isPending || remove.isPending}
                readAt={users.dataUpdatedAt}
                onChangeRole={(user, role) =>
                  user.id === session?.user.id && role !== "admin"
                    ? setPending({ kind: "demoteSelf", user, role })
                    : changeRole(user, role)
                }
                onDisable={(user) => setPending({ kind: "disable", user })}
                onEnable={(user) => setDisabled(user, false)}
                onDelete={(user) => setPending({ kind: "delete", user })}
              />
            )}
          </QueryState>
        </div>
        <aside className="users-side">
          <CreateUserForm onCreated={(user) => setOutcome({ ok: t("done.created", { username: user.username, role: roleName(user.role) }) })} />
          <RolesExplained />
        </aside>
      </div>
      <ConfirmDialog
        open={pending !== null}
        title={pending ? t(`confirm.${pending.kind}Title`, { username: pending.user.username }) : ""}
        confirmLabel={pending ? t(`confirm.${pending.kind}Confirm`) : ""}
        danger
        busy={update.isPending || remove.isPending}
        onConfirm={confirm}
        onCancel={() => setPending(null)}
      >
        {pending && (
          <p>
            {t(`confirm.${pending.kind}Body`, {
              username: pending.user.username,
              role: pending.kind === "demoteSelf" ? roleName(pending.role) : "",
            })}
          </p>
        )}
      </ConfirmDialog>
    </>
  );
}

