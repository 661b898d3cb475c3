// How old a cluster reading (topology and health) is, and whether it is older than the page asked for.
import { useTranslation } from "react-i18next";
import type { Schemas } from "../api/client";
import { ageOf, formatDateTime } from "../lib/format";
import { useNow } from "../lib/useNow";

type Reading = Pick<Schemas["ClusterDetailPublic"], "observed_at" | "age_s" | "stale">;

/** Whether a reading served when at most `maxAgeS` was asked for is older than that (with one interval of slack:
 * the API checks the age a moment before it answers). */
export function isOutdated(reading: Reading, maxAgeS: number): boolean {
  return reading.age_s !== null && reading.age_s !== undefined && reading.age_s > 2 * maxAgeS;
}

/**
 * "Read 3 s ago · poller snapshot", growing while the page is open. The age is the API's own (`age_s`, measured
 * on the server's clock) plus the time since the answer arrived (`fetchedAt`), so a skewed browser clock does not
 * make a reading look fresher or older than it is.
 */
export function ReadingAge({ reading, fetchedAt, maxAgeS }: { reading: Reading; fetchedAt: number; maxAgeS: number }) {
  const { t, i18n } = useTranslation();
  const now = useNow(1000);
  if (!reading.observed_at || reading.age_s === null || reading.age_s === undefined) {
    return <span className="reading-age muted">{t("reading.never")}</span>;
  }
  const observedHere = new Date(fetchedAt - reading.age_s * 1000);
  const age = ageOf(observedHere.toISOString(), now);
  const when =
    age === null || age.unit === "justNow"
      ? t("time.justNow")
      : t(`time.${age.unit}Ago`, { count: age.count });
  const outdated = isOutdated(reading, maxAgeS);
  return (
    <span className="reading-age">
      <time dateTime={reading.observed_at} title={formatDateTime(reading.observed_at, i18n.language)}>
        {t("reading.observed", { when })}
      </time>
      <span className="muted"> · {reading.stale ? t("reading.snapshot") : t("reading.live")}</span>
      {outdated && (
        <>
          {" "}
          <span className="badge warn" title={t("reading.outdatedHint")}>
            {t("reading.outdated")}
          </span>
          <span className="visually-hidden">{t("reading.outdatedHint")}</span>
        </>
      )}
    </span>
  );
}
