// My account (every role): who I am, what my role allows, my password and my API tokens.
import { useTranslation } from "react-i18next";
import { useSession } from "../../auth/session";
import { formatDateTime, formatDuration } from "../../lib/format";
import { RolesExplained } from "../users/RolesExplained";
import { PasswordSection } from "./PasswordSection";
import { TokensSection } from "./TokensSection";

export default function AccountPage() {
  const { t, i18n } = useTranslation("account");
  const { session } = useSession();
  if (!session) return null;
  const { user } = session;
  return (
    <section className="page account-page" aria-labelledby="account-title">
      <h1 id="account-title">{t("title")}</h1>
      <p>
        {t("profile", { username: user.username, role: t(`common:roles.${user.role}`) })}{" "}
        <span className="muted">
          {t("sessionEnds", {
            time: formatDateTime(session.expires_at, i18n.language),
            idle: formatDuration(session.idle_timeout_s),
          })}
        </span>
      </p>
      <div className="account-layout">
        <div className="account-main">
          <TokensSection />
        </div>
        <aside className="account-side">
          <PasswordSection username={user.username} />
          <RolesExplained />
        </aside>
      </div>
    </section>
  );
}
