// Numbers, sizes, durations and times as operators read them, in the interface language.

const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"] as const;

// Building an Intl formatter costs far more than using one (a table of 50 rows of dates would build 150): each
// one is built once per locale and options, and kept.
const numberFormats = new Map<string, Intl.NumberFormat>();
const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();

/** The Intl.NumberFormat of `locale` and `options`, built once. */
export function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let format = numberFormats.get(key);
  if (!format) numberFormats.set(key, (format = new Intl.NumberFormat(locale, options)));
  return format;
}

/** The Intl.DateTimeFormat of `locale` and `options`, built once. */
export function dateTimeFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let format = dateTimeFormats.get(key);
  if (!format) dateTimeFormats.set(key, (format = new Intl.DateTimeFormat(locale, options)));
  return format;
}

/** 1536 → "1.5 KiB"; null/undefined → "—". Binary units, as MongoDB's tools print sizes. */
export function formatBytes(bytes: number | null | undefined, locale = "en"): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return "—";
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  const text = numberFormat(locale, { maximumFractionDigits: digits }).format(value);
  return `${bytes < 0 ? "-" : ""}${text} ${BYTE_UNITS[unit]}`;
}

/** A count with the language's grouping: 1234567 → "1,234,567"; null → "—". */
export function formatNumber(value: number | null | undefined, locale = "en", fractionDigits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  return numberFormat(locale, { maximumFractionDigits: fractionDigits }).format(value);
}

/** Seconds as the two largest units: 0.25 → "250 ms", 75 → "1m 15s", 90061 → "1d 1h"; null → "—". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  if (seconds < 0) return `-${formatDuration(-seconds)}`;
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds < 10 ? Math.round(seconds * 10) / 10 : Math.round(seconds)}s`;
  const parts: [number, string][] = [
    [Math.floor(seconds / 86400), "d"],
    [Math.floor((seconds % 86400) / 3600), "h"],
    [Math.floor((seconds % 3600) / 60), "m"],
    [Math.floor(seconds % 60), "s"],
  ];
  const first = parts.findIndex(([amount]) => amount > 0);
  return parts
    .slice(first, first + 2)
    .filter(([amount]) => amount > 0)
    .map(([amount, unit]) => `${amount}${unit}`)
    .join(" ");
}

/** An ISO time with `fields` on a 24-hour clock with seconds, in `timeZone` (default: the browser's); "—" for
 * none, and the text itself when it is not a time. */
function formatInstant(
  iso: string | null | undefined,
  englishLocale: string,
  locale: string,
  timeZone: string | undefined,
  fields: Intl.DateTimeFormatOptions = {},
): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return dateTimeFormat(locale === "ko" ? "ko-KR" : englishLocale, {
    ...fields,
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23", // not hour12: false, which prints midnight as "24:00:00"
    timeZone,
  }).format(date);
}

/** An ISO time as a local date and time with seconds, e.g. "2026-11-26, 14:05:09" (en) in the browser's zone. */
export function formatDateTime(iso: string | null | undefined, locale = "en", timeZone?: string): string {
  // en-CA writes the date as ISO 8601 does (year first).
  return formatInstant(iso, "en-CA", locale, timeZone, { year: "numeric", month: "2-digit", day: "2-digit" });
}

/** An ISO time as the time of day with seconds, e.g. "14:05:09", in `timeZone` (default: the browser's). */
export function formatTime(iso: string | null | undefined, locale = "en", timeZone?: string): string {
  return formatInstant(iso, "en-GB", locale, timeZone);
}

/** How long ago `iso` was, relative to `now`, as a value and unit for the interface to phrase. */
export function ageOf(iso: string, now: Date = new Date()): { unit: "justNow" | "seconds" | "minutes" | "hours"; count: number } | null {
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return null;
  const seconds = Math.max(0, (now.getTime() - then) / 1000);
  if (seconds < 2) return { unit: "justNow", count: 0 };
  if (seconds < 90) return { unit: "seconds", count: Math.round(seconds) };
  if (seconds < 5400) return { unit: "minutes", count: Math.round(seconds / 60) };
  return { unit: "hours", count: Math.round(seconds / 3600) };
}
