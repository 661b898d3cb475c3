// The arithmetic of the point-in-time timeline: which instants can be restored to, the time axis (domain, tick
// step, ticks, labels), and moving a chosen time by keyboard without ever landing outside a restorable window.
// Times are milliseconds since the epoch; restorable times are whole seconds.

import { dateTimeFormat } from "../lib/format";

export interface Range {
  start: number;
  end: number;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const STEPS = [
  SECOND, 2 * SECOND, 5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND,
  MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY,
];

/**
 * The instants a point-in-time restore accepts in each window: from the window's start (its base backup's restore
 * point) to one second before its end. A restore to second S needs every replica set's slices to reach S + 1 s,
 * so the window's last second is not restorable yet. A window shorter than that offers no instant at all.
 */
export function restorableRanges(windows: { start: string; end: string }[]): Range[] {
  return windows
    .map((window) => ({
      start: Math.ceil(Date.parse(window.start) / SECOND) * SECOND,
      end: Math.floor(Date.parse(window.end) / SECOND) * SECOND - SECOND,
    }))
    .filter((range) => Number.isFinite(range.start) && Number.isFinite(range.end) && range.end >= range.start)
    .sort((a, b) => a.start - b.start);
}

export function isRestorable(time: number, ranges: Range[]): boolean {
  return Number.isFinite(time) && time % SECOND === 0 && ranges.some((range) => time >= range.start && time <= range.end);
}

/**
 * `time` (rounded down to the second) when it is restorable; otherwise, moving in `direction`, the nearest
 * restorable instant that way (1: the next window's start, -1: the previous window's end), or with direction 0
 * the closest one either way. Null when there is none in that direction.
 */
export function snapToRanges(time: number, ranges: Range[], direction: -1 | 0 | 1): number | null {
  if (ranges.length === 0 || !Number.isFinite(time)) return null;
  const second = Math.floor(time / SECOND) * SECOND;
  if (isRestorable(second, ranges)) return second;
  const after = ranges.find((range) => range.start > second)?.start ?? null;
  const before = [...ranges].reverse().find((range) => range.end < second)?.end ?? null;
  if (direction === 1) return after;
  if (direction === -1) return before;
  if (after === null) return before;
  if (before === null) return after;
  return after - second < second - before ? after : before;
}

/** The span the axis shows: every given instant, padded on both sides, at least `minSpan` wide. */
export function domainOf(times: number[], minSpan = 2 * MINUTE, padFraction = 0.04): Range | null {
  const finite = times.filter((time) => Number.isFinite(time));
  if (finite.length === 0) return null;
  let start = Math.min(...finite);
  let end = Math.max(...finite);
  if (end - start < minSpan) {
    const middle = (start + end) / 2;
    start = middle - minSpan / 2;
    end = middle + minSpan / 2;
  }
  const pad = (end - start) * padFraction;
  return { start: start - pad, end: end + pad };
}

/** The smallest round step that puts at most `maxTicks` ticks on `span` milliseconds. */
export function tickStep(span: number, maxTicks: number): number {
  const wanted = span / Math.max(1, maxTicks);
  return STEPS.find((step) => step >= wanted) ?? Math.ceil(wanted / (30 * DAY)) * 30 * DAY;
}

/** The multiples of `step` inside `domain` (whole minutes, hours... in UTC). */
export function ticksOf(domain: Range, step: number): number[] {
  const ticks: number[] = [];
  for (let tick = Math.ceil(domain.start / step) * step; tick <= domain.end; tick += step) ticks.push(tick);
  return ticks;
}

/** A formatter for tick labels: seconds only when the step needs them, the date only when the span crosses days. */
export function tickFormatter(step: number, domain: Range, locale: string, timeZone?: string): (time: number) => string {
  const crossesDays = new Date(domain.start).toDateString() !== new Date(domain.end).toDateString() || step >= DAY;
  const format = dateTimeFormat(locale === "ko" ? "ko-KR" : "en-CA", {
    month: crossesDays ? "2-digit" : undefined,
    day: crossesDays ? "2-digit" : undefined,
    hour: step < DAY ? "2-digit" : undefined,
    minute: step < DAY ? "2-digit" : undefined,
    second: step < MINUTE ? "2-digit" : undefined,
    hourCycle: "h23",
    timeZone,
  });
  return (time) => format.format(new Date(time));
}

/**
 * Where a key press moves the chosen instant: arrows by `small` (with Shift by one second), Page Up/Down by `large`,
 * Home/End to the first/last restorable instant; never outside a restorable window (it jumps over gaps). Null for
 * a key that does not move it.
 */
export function moveByKey(
  key: string,
  shift: boolean,
  current: number | null,
  ranges: Range[],
  small: number,
  large: number,
): number | null {
  if (ranges.length === 0) return null;
  const first = ranges[0]!.start;
  const last = ranges[ranges.length - 1]!.end;
  if (key === "Home") return first;
  if (key === "End") return last;
  const by: Record<string, number> = {
    ArrowRight: shift ? SECOND : small,
    ArrowUp: shift ? SECOND : small,
    ArrowLeft: -(shift ? SECOND : small),
    ArrowDown: -(shift ? SECOND : small),
    PageUp: large,
    PageDown: -large,
  };
  const delta = by[key];
  if (delta === undefined) return null;
  if (current === null) return delta > 0 ? first : last;
  const target = Math.min(last, Math.max(first, current + Math.round(delta / SECOND) * SECOND));
  return snapToRanges(target, ranges, delta > 0 ? 1 : -1) ?? snapToRanges(target, ranges, 0);
}
