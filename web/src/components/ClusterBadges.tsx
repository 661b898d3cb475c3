// A cluster's overall status and which server it runs, each as a word with a colour (never the colour alone).
import { useTranslation } from "react-i18next";
import { StatusBadge } from "./StatusBadge";

const STATUSES = ["healthy", "degraded", "down", "unreachable"] as const;

/** healthy / degraded / down / unreachable, in the interface language (an unknown word is shown as the API said it). */
export function ClusterStatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  const known = (STATUSES as readonly string[]).includes(status);
  return <StatusBadge state={status} label={known ? t(`clusterStatus.${status}`) : status} />;
}

/** "Sandbox (mongosim)" or "MongoDB", from the servers' own buildInfo; "Server unknown" when it was not read. */
export function ServerBadge({ simulator }: { simulator: boolean | null | undefined }) {
  const { t } = useTranslation();
  if (simulator === true) return <span className="badge sandbox" data-testid="server-kind">{t("serverKind.sandbox")}</span>;
  if (simulator === false) return <span className="badge info" data-testid="server-kind">{t("serverKind.mongodb")}</span>;
  return <span className="badge muted" data-testid="server-kind">{t("serverKind.unknown")}</span>;
}
