// Every member and router in a table: the graph's accessible twin, and where an operator stops or starts a node.
import { useTranslation } from "react-i18next";
import { StatusBadge } from "../../components/StatusBadge";
import { formatDuration } from "../../lib/format";
import type { MemberView, RouterView, TopologyView } from "../../lib/topology";
import { memberTone } from "./graphLayout";
import type { NodeAction } from "./queries";

export interface NodeTarget {
  node: string;
  address: string;
}

interface Props {
  view: TopologyView;
  cluster: string;
  /** Given when the user may stop and start nodes (an operator, on a cluster deployed on the API's machine). */
  onAction?: (target: NodeTarget, action: NodeAction) => void;
  busy?: boolean;
}

function ActionButton({ node, address, down, onAction, busy }: NodeTarget & { down: boolean; onAction: NonNullable<Props["onAction"]>; busy?: boolean }) {
  const { t } = useTranslation("topology");
  const action: NodeAction = down ? "start" : "stop";
  return (
    <button
      type="button"
      className={`button small ${down ? "secondary" : "danger"}`}
      aria-label={t(down ? "node.startLabel" : "node.stopLabel", { node })}
      disabled={busy}
      onClick={() => onAction({ node, address }, action)}
    >
      {t(down ? "node.start" : "node.stop")}
    </button>
  );
}

function MemberRow({ member, role, onAction, busy }: { member: MemberView; role: string; onAction?: Props["onAction"]; busy?: boolean }) {
  const { t } = useTranslation("topology");
  return (
    <tr data-testid={`member-${member.key}`}>
      <th scope="row">{member.node ?? member.address}</th>
      <td>{member.set}</td>
      <td>{role}</td>
      <td>
        <code>{member.address}</code>
      </td>
      <td>
        <StatusBadge state={member.state} tone={memberTone(member)} />
      </td>
      <td>{member.health === 1 ? t("members.reachable") : t("members.unreachable")}</td>
      <td className="number">{member.state === "PRIMARY" ? t("members.primaryLag") : formatDuration(member.lagS)}</td>
      <td className="number">{formatDuration(member.uptimeS)}</td>
      <td className="message">{member.message}</td>
      {onAction && (
        <td>
          {member.node && (
            <ActionButton node={member.node} address={member.address} down={member.state === "DOWN"} onAction={onAction} busy={busy} />
          )}
        </td>
      )}
    </tr>
  );
}

function RouterRow({ router, onAction, busy }: { router: RouterView; onAction?: Props["onAction"]; busy?: boolean }) {
  const { t } = useTranslation("topology");
  return (
    <tr data-testid={`member-${router.key}`}>
      <th scope="row">{router.node ?? router.address}</th>
      <td>—</td>
      <td>{t("roles.router")}</td>
      <td>
        <code>{router.address}</code>
      </td>
      <td>
        <StatusBadge state={router.state} tone={router.up ? "ok" : "bad"} />
      </td>
      <td>{router.up ? t("members.reachable") : t("members.unreachable")}</td>
      <td className="number">—</td>
      <td className="number">{formatDuration(router.uptimeS)}</td>
      <td className="message">{router.error ?? ""}</td>
      {onAction && (
        <td>
          {router.node && (
            <ActionButton node={router.node} address={router.address} down={!router.up} onAction={onAction} busy={busy} />
          )}
        </td>
      )}
    </tr>
  );
}

export function MembersTable({ view, cluster, onAction, busy }: Props) {
  const { t } = useTranslation("topology");
  const sets = [...(view.configServers ? [view.configServers] : []), ...view.sets];
  return (
    <div className="table-wrap">
      <table className="members-table">
        <caption className="visually-hidden">{t("members.caption", { name: cluster })}</caption>
        <thead>
          <tr>
            <th scope="col">{t("members.member")}</th>
            <th scope="col">{t("members.set")}</th>
            <th scope="col">{t("members.role")}</th>
            <th scope="col">{t("members.address")}</th>
            <th scope="col">{t("members.state")}</th>
            <th scope="col">{t("members.health")}</th>
            <th scope="col" className="number">{t("members.lag")}</th>
            <th scope="col" className="number">{t("members.uptime")}</th>
            <th scope="col">{t("members.message")}</th>
            {onAction && <th scope="col">{t("members.actions")}</th>}
          </tr>
        </thead>
        <tbody>
          {sets.flatMap((set) =>
            set.members.map((member) => (
              <MemberRow key={member.key} member={member} role={t(`roles.${set.role}`)} onAction={onAction} busy={busy} />
            )),
          )}
          {view.routers.map((router) => (
            <RouterRow key={router.key} router={router} onAction={onAction} busy={busy} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
