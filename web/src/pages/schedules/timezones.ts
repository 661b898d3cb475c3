// Time zones offered when typing a schedule's zone: the browser's own first, then zones operators commonly use.
// Any IANA name may be typed; the API says when one is unknown.

const COMMON_ZONES = [
  "UTC",
  "Asia/Seoul",
  "Asia/Tokyo",
  "Asia/Shanghai",
  "Asia/Singapore",
  "Asia/Kolkata",
  "Europe/London",
  "Europe/Paris",
  "Europe/Berlin",
  "America/New_York",
  "America/Chicago",
  "America/Denver",
  "America/Los_Angeles",
  "America/Sao_Paulo",
  "Australia/Sydney",
];

export function browserTimeZone(): string | null {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || null;
  } catch {
    return null;
  }
}

export function timeZoneChoices(browser: string | null = browserTimeZone()): string[] {
  return browser ? [browser, ...COMMON_ZONES.filter((zone) => zone !== browser)] : COMMON_ZONES;
}
