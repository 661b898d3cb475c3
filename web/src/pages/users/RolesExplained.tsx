import { useTranslation } from "react-i18next";
import { StatusBadge } from "../../components/StatusBadge";
import { ROLES } from "../../lib/roles";

/** What each platform role may do, from the lowest to the highest (each includes the ones before it). */
export function RolesExplained() {
  const { t } = useTranslation("users");
  return (
    <section className="card roles-explained" aria-labelledby="roles-explained-title">
      <h2 id="roles-explained-title">{t("roles.title")}</h2>
      <dl>
        {ROLES.map((role) => (
          <div key={role}>
            <dt>
              <StatusBadge state={role} label={t(`common:roles.${role}`)} tone="info" />
            </dt>
            <dd>{t(`roles.${role}`)}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
