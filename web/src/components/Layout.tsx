// The frame of every logged-in page: skip link, header with navigation, language switch and user, then the page.
import { NavLink, Outlet, useNavigate } from "react-router";
import { useTranslation } from "react-i18next";
import { useLogout, useSession } from "../auth/session";
import { LANGUAGES, setLanguage, type Language } from "../i18n";

export function Layout() {
  const { t, i18n } = useTranslation();
  const { session, can } = useSession();
  const logout = useLogout();
  const navigate = useNavigate();
  const links: { to: string; label: string; show: boolean }[] = [
    { to: "/clusters", label: t("nav.clusters"), show: true },
    { to: "/jobs", label: t("nav.jobs"), show: true },
    { to: "/schedules", label: t("nav.schedules"), show: true },
    { to: "/users", label: t("nav.users"), show: can("admin") },
    { to: "/audit", label: t("nav.audit"), show: can("admin") },
  ];
  return (
    <>
      <a className="skip-link" href="#main">
        {t("skipToContent")}
      </a>
      <header className="app-header">
        <NavLink to="/clusters" className="brand">
          {t("appName")}
        </NavLink>
        <nav aria-label={t("nav.label")} className="main-nav">
          <ul>
            {links
              .filter((link) => link.show)
              .map((link) => (
                <li key={link.to}>
                  <NavLink to={link.to}>{link.label}</NavLink>
                </li>
              ))}
          </ul>
        </nav>
        <div className="header-tools">
          <label className="language">
            <span className="visually-hidden">{t("language.label")}</span>
            <select
              value={i18n.language}
              onChange={(event) => setLanguage(event.target.value as Language)}
              aria-label={t("language.label")}
            >
              {LANGUAGES.map((language) => (
                <option key={language} value={language}>
                  {t(`language.${language}`)}
                </option>
              ))}
            </select>
          </label>
          {session && (
            <>
              <span className="whoami" data-testid="whoami">
                {t("user.signedInAs", { username: session.user.username, role: t(`roles.${session.user.role}`) })}
              </span>
              <NavLink to="/account" className="account-link">
                {t("user.account")}
              </NavLink>
              <button
                type="button"
                className="button secondary small"
                onClick={() => logout.mutate(undefined, { onSettled: () => void navigate("/login") })}
              >
                {t("user.logout")}
              </button>
            </>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
