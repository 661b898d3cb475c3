import { useTranslation } from "react-i18next";

/** Shown on every page of a cluster that is the mongosim simulator, so nobody takes its figures for production. */
export function SandboxBanner({ cluster }: { cluster: string }) {
  const { t } = useTranslation();
  return (
    <div className="sandbox-banner" role="note" data-testid="sandbox-banner">
      {t("sandbox.banner", { cluster })}
    </div>
  );
}
