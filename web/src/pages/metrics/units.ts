// A chart's values and time ticks as operators read them, in the interface language.
import { dateTimeFormat, formatBytes, formatDuration, formatNumber } from "../../lib/format";
import type { Unit } from "./charts";

/** One value of a chart in its unit: "12.5/s", "42", "1.2s", "3.5 MiB"; no value is "—". */
export function formatValue(unit: Unit, value: number | null | undefined, locale = "en"): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  switch (unit) {
    case "rate":
      return `${formatNumber(value, locale, value < 10 ? 2 : value < 100 ? 1 : 0)}/s`;
    case "count":
      return formatNumber(value, locale, value < 10 ? 1 : 0);
    case "seconds":
      return formatDuration(value);
    case "bytes":
      return formatBytes(value, locale);
  }
}

/** A time axis tick (seconds since the epoch): with seconds when ticks are under a minute apart, the date when
 * they are a day or more apart. */
export function formatTick(seconds: number, tickSpacing: number, locale = "en", timeZone?: string): string {
  const options: Intl.DateTimeFormatOptions =
    tickSpacing >= 86400
      ? { month: "2-digit", day: "2-digit", timeZone }
      : { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone, ...(tickSpacing < 60 ? { second: "2-digit" } : {}) };
  return dateTimeFormat(locale === "ko" ? "ko-KR" : "en-GB", options).format(new Date(seconds * 1000));
}
