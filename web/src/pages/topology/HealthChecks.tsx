// The checks of `health-check` for a deployed cluster, worst first; a registered cluster has none (its status
// comes from its topology), and the page says so.
import { useTranslation } from "react-i18next";
import type { Schemas } from "../../api/client";
import { StatusBadge } from "../../components/StatusBadge";

type Health = Schemas["HealthReportPublic"];

const RANK: Record<string, number> = { CRITICAL: 0, WARNING: 1, OK: 2 };

/** The checks, CRITICAL then WARNING then OK, each level in the API's order. */
export function worstFirst(checks: Health["checks"]): Health["checks"] {
  return checks
    .map((check, index) => ({ check, index }))
    .sort((a, b) => (RANK[a.check.level] ?? 3) - (RANK[b.check.level] ?? 3) || a.index - b.index)
    .map(({ check }) => check);
}

function ChecksTable({ checks, caption }: { checks: Health["checks"]; caption: string }) {
  const { t } = useTranslation("topology");
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t("checks.level")}</th>
            <th scope="col">{t("checks.check")}</th>
            <th scope="col">{t("checks.target")}</th>
            <th scope="col">{t("checks.detail")}</th>
          </tr>
        </thead>
        <tbody>
          {checks.map((check, index) => (
            <tr key={`${check.check}-${check.target}-${index}`}>
              <td>
                <StatusBadge state={check.level === "OK" ? "ok" : check.level.toLowerCase()} label={check.level} />
              </td>
              <th scope="row">{check.check}</th>
              <td>{check.target}</td>
              <td>{check.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The problems in plain view; the checks that passed folded away (there are many, and they say nothing new). */
export function HealthChecks({ health, cluster }: { health: Health | null; cluster: string }) {
  const { t } = useTranslation("topology");
  const sorted = health ? worstFirst(health.checks) : [];
  const problems = sorted.filter((check) => check.level !== "OK");
  const passed = sorted.filter((check) => check.level === "OK");
  return (
    <section className="health-checks" aria-labelledby="checks-title">
      <h2 id="checks-title">
        {t("checks.title")} {health && <StatusBadge state={health.level.toLowerCase()} label={health.level} />}
      </h2>
      {!health && <p className="muted">{t("checks.none")}</p>}
      {problems.length > 0 && <ChecksTable checks={problems} caption={t("checks.caption", { name: cluster })} />}
      {passed.length > 0 && (
        <details className="passed-checks">
          <summary>{t("checks.passed", { count: passed.length })}</summary>
          <ChecksTable checks={passed} caption={t("checks.passedCaption", { name: cluster })} />
        </details>
      )}
    </section>
  );
}
