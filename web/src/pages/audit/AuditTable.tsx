// One page of audit events as a table; an actor or a target links to the trail narrowed to it.
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import type { Schemas } from "../../api/client";
import { StatusBadge, type Tone } from "../../components/StatusBadge";
import { formatDateTime } from "../../lib/format";

type AuditEvent = Schemas["AuditEventPublic"];

const KINDS = new Set(["user", "token", "session", "anonymous", "system"]);

/** Success, redirect, refused by the API (the caller's doing), failed in the API. */
function statusTone(status: number): Tone {
  if (status >= 500) return "bad";
  if (status >= 400) return "warn";
  if (status >= 300) return "info";
  return "ok";
}

interface Props {
  events: AuditEvent[];
  /** The link that narrows the current view to one more filter. */
  narrowTo: (name: "actor" | "target", value: string) => string;
}

export function AuditTable({ events, narrowTo }: Props) {
  const { t, i18n } = useTranslation("audit");
  return (
    <div className="table-wrap">
      <table className="audit-table">
        <caption className="visually-hidden">{t("table.caption")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("table.time", { zone: Intl.DateTimeFormat().resolvedOptions().timeZone })}</th>
            <th scope="col">{t("table.actor")}</th>
            <th scope="col">{t("table.actorKind")}</th>
            <th scope="col">{t("table.method")}</th>
            <th scope="col">{t("table.path")}</th>
            <th scope="col">{t("table.target")}</th>
            <th scope="col">{t("table.status")}</th>
            <th scope="col">{t("table.client")}</th>
            <th scope="col">{t("table.detail")}</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => (
            <tr key={event.id}>
              <td className="nowrap">
                <time dateTime={event.at}>{formatDateTime(event.at, i18n.language)}</time>
              </td>
              <td>
                <Link to={narrowTo("actor", event.actor)} aria-label={t("table.onlyActor", { actor: event.actor })}>
                  {event.actor}
                </Link>
              </td>
              <td>{KINDS.has(event.actor_kind) ? t(`table.kinds.${event.actor_kind}`) : event.actor_kind}</td>
              <td>
                <code>{event.method}</code>
              </td>
              <td className="audit-path">
                <code>{event.path}</code>
              </td>
              <td>
                {event.target ? (
                  <Link to={narrowTo("target", event.target)} aria-label={t("table.onlyTarget", { target: event.target })}>
                    {event.target}
                  </Link>
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
              <td>
                <StatusBadge state={String(event.status)} label={String(event.status)} tone={statusTone(event.status)} />
              </td>
              <td>{event.client ?? <span className="muted">—</span>}</td>
              <td>{event.detail ?? <span className="muted">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
