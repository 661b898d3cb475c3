import {
  DEFAULT_RANGE,
  parseCustom,
  PRESETS,
  rangeFromParams,
  rangeSeconds,
  rangeToParams,
  refreshMs,
  stepFor,
  toLocalInput,
  windowOf,
  type TimeRange,
} from "./range";

describe("stepFor", () => {
  it("gives every preset between 120 and 300 points on a readable step", () => {
    const steps = PRESETS.map((preset) => stepFor(rangeSeconds({ kind: "preset", preset }), 1));
    expect(steps).toEqual([2, 5, 30, 120, 600]);
    PRESETS.forEach((preset, index) => {
      const points = rangeSeconds({ kind: "preset", preset }) / steps[index]!;
      expect(points, preset).toBeGreaterThanOrEqual(120);
      expect(points, preset).toBeLessThanOrEqual(300);
    });
  });

  it("never steps finer than one and a half collection rounds", () => {
    expect(stepFor(300, 10)).toBe(15);
    expect(stepFor(900, 10)).toBe(15);
    expect(stepFor(300, 60)).toBe(120);
    expect(stepFor(300, null)).toBe(2);
  });

  it("goes past the longest readable step in whole days", () => {
    expect(stepFor(200 * 86400 * 3, 10)).toBe(3 * 86400);
  });
});

describe("windowOf", () => {
  const now = new Date("2026-11-26T12:00:07.500Z");

  it("ends a preset now and starts it on a step boundary", () => {
    const window = windowOf({ kind: "preset", preset: "15m" }, 1, now);
    expect(window.live).toBe(true);
    expect(window.step).toBe(5);
    expect(window.end).toEqual(now);
    expect(window.start.toISOString()).toBe("2026-11-26T11:45:05.000Z");
  });

  it("keeps a custom range as given and does not follow time", () => {
    const range: TimeRange = { kind: "custom", from: new Date("2026-11-26T10:00:00Z"), to: new Date("2026-11-26T11:00:00Z") };
    expect(windowOf(range, 10, now)).toEqual({ start: range.from, end: range.to, step: 30, live: false });
  });
});

describe("range in the URL", () => {
  it("round-trips presets and custom ranges", () => {
    const custom: TimeRange = { kind: "custom", from: new Date("2026-11-26T10:00:00Z"), to: new Date("2026-11-26T11:30:00Z") };
    for (const range of [{ kind: "preset", preset: "6h" } as const, custom]) {
      expect(rangeFromParams(new URLSearchParams(rangeToParams(range)))).toEqual(range);
    }
  });

  it("falls back to the default for anything it does not understand", () => {
    expect(rangeFromParams(new URLSearchParams())).toEqual(DEFAULT_RANGE);
    expect(rangeFromParams(new URLSearchParams("range=7d"))).toEqual(DEFAULT_RANGE);
    expect(rangeFromParams(new URLSearchParams("range=custom&from=2026-11-26T11:00:00Z&to=2026-11-26T10:00:00Z"))).toEqual(
      DEFAULT_RANGE,
    );
  });
});

describe("parseCustom", () => {
  it("needs both times, the end after the start", () => {
    expect(parseCustom("", "2026-11-26T10:00")).toEqual({ error: "missing" });
    expect(parseCustom("2026-11-26T10:00", "not a time")).toEqual({ error: "missing" });
    expect(parseCustom("2026-11-26T10:00", "2026-11-26T10:00")).toEqual({ error: "order" });
    const parsed = parseCustom("2026-11-26T10:00", "2026-11-26T10:30");
    expect("error" in parsed ? null : (parsed.to.getTime() - parsed.from.getTime()) / 1000).toBe(1800);
  });

  it("reads what a datetime-local input shows as the browser's local time", () => {
    const date = new Date(2026, 10, 26, 9, 5);
    expect(toLocalInput(date)).toBe("2026-11-26T09:05");
    const parsed = parseCustom(toLocalInput(date), "2026-11-26T23:00");
    expect("error" in parsed ? null : parsed.from).toEqual(date);
  });
});

describe("refreshMs", () => {
  it("refreshes every few seconds, no more often than a point can appear", () => {
    expect(refreshMs(2)).toBe(5000);
    expect(refreshMs(15)).toBe(15000);
    expect(refreshMs(600)).toBe(30000);
  });
});
