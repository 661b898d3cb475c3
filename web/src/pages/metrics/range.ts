// The time range of the metrics page: a preset ending now (live) or a fixed from–to, and the grid the series are
// read on (a step giving ≈ 120–300 points, never finer than the collector's rounds).

export const PRESETS = ["5m", "15m", "1h", "6h", "24h"] as const;
export type Preset = (typeof PRESETS)[number];

const PRESET_SECONDS: Record<Preset, number> = { "5m": 300, "15m": 900, "1h": 3600, "6h": 21600, "24h": 86400 };

export type TimeRange = { kind: "preset"; preset: Preset } | { kind: "custom"; from: Date; to: Date };

export const DEFAULT_RANGE: TimeRange = { kind: "preset", preset: "15m" };

/** Steps a person reads easily, in seconds. */
const NICE_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];
const TARGET_POINTS = 200;
/** A step shorter than 1.5 collection rounds leaves steps without a sample (rounds drift by a fraction of a second). */
const ROUNDS_PER_STEP = 1.5;

export function rangeSeconds(range: TimeRange): number {
  return range.kind === "preset" ? PRESET_SECONDS[range.preset] : (range.to.getTime() - range.from.getTime()) / 1000;
}

/** The step for a range of `seconds`: about 200 points, rounded up to a readable step, at least 1.5 rounds long. */
export function stepFor(seconds: number, intervalS: number | null | undefined): number {
  const wanted = Math.max(seconds / TARGET_POINTS, intervalS ? intervalS * ROUNDS_PER_STEP : 1);
  return NICE_STEPS.find((step) => step >= wanted) ?? Math.ceil(wanted / 86400) * 86400;
}

export interface Window {
  start: Date;
  end: Date;
  step: number;
  /** Whether the window ends now and moves with time. */
  live: boolean;
}

/** The window to read at `now`. A live window starts on a multiple of the step, so the points keep their
 * boundaries from one refresh to the next instead of shifting under the reader. */
export function windowOf(range: TimeRange, intervalS: number | null | undefined, now: Date): Window {
  const step = stepFor(rangeSeconds(range), intervalS);
  if (range.kind === "custom") return { start: range.from, end: range.to, step, live: false };
  const stepMs = step * 1000;
  const start = Math.floor((now.getTime() - PRESET_SECONDS[range.preset] * 1000) / stepMs) * stepMs;
  return { start: new Date(start), end: now, step, live: true };
}

/** The range as URL search parameters (`range`, and `from`/`to` for a custom one). */
export function rangeToParams(range: TimeRange): Record<string, string> {
  if (range.kind === "preset") return { range: range.preset };
  return { range: "custom", from: range.from.toISOString(), to: range.to.toISOString() };
}

/** The range the URL names, or the default when it names none or a broken one. */
export function rangeFromParams(params: URLSearchParams): TimeRange {
  const name = params.get("range");
  if (name === "custom") {
    const parsed = parseCustom(params.get("from") ?? "", params.get("to") ?? "");
    return "error" in parsed ? DEFAULT_RANGE : parsed;
  }
  return PRESETS.includes(name as Preset) ? { kind: "preset", preset: name as Preset } : DEFAULT_RANGE;
}

export type CustomError = "missing" | "order";

/** A custom range from two times (ISO, or a `datetime-local` value read in the browser's zone). */
export function parseCustom(from: string, to: string): { kind: "custom"; from: Date; to: Date } | { error: CustomError } {
  const start = from ? new Date(from) : null;
  const end = to ? new Date(to) : null;
  if (!start || !end || Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) return { error: "missing" };
  if (end.getTime() <= start.getTime()) return { error: "order" };
  return { kind: "custom", from: start, to: end };
}

/** A time as a `datetime-local` input shows it: local wall time to the minute. */
export function toLocalInput(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** How often a live view asks again: every few seconds, no more often than a new point can appear. */
export function refreshMs(step: number): number {
  return Math.min(30, Math.max(5, step)) * 1000;
}
