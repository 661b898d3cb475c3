import { domainOf, isRestorable, moveByKey, restorableRanges, snapToRanges, tickFormatter, tickStep, ticksOf } from "./pitrScale";

const at = (iso: string) => Date.parse(iso);
const S = 1000;

describe("restorableRanges", () => {
  it("ends one second before each window's end and drops windows with no whole second to offer", () => {
    const ranges = restorableRanges([
      { start: "2026-11-26T10:10:00Z", end: "2026-11-26T10:20:00Z" },
      { start: "2026-11-26T10:00:00Z", end: "2026-11-26T10:05:00Z" },
      { start: "2026-11-26T11:00:00Z", end: "2026-11-26T11:00:00Z" },
    ]);
    expect(ranges).toEqual([
      { start: at("2026-11-26T10:00:00Z"), end: at("2026-11-26T10:04:59Z") },
      { start: at("2026-11-26T10:10:00Z"), end: at("2026-11-26T10:19:59Z") },
    ]);
  });

  it("ignores a window it cannot read", () => {
    expect(restorableRanges([{ start: "not a time", end: "2026-11-26T10:20:00Z" }])).toEqual([]);
  });
});

const ranges = [
  { start: at("2026-11-26T10:00:00Z"), end: at("2026-11-26T10:04:59Z") },
  { start: at("2026-11-26T10:10:00Z"), end: at("2026-11-26T10:19:59Z") },
];

describe("isRestorable and snapToRanges", () => {
  it("accepts whole seconds inside a window only", () => {
    expect(isRestorable(at("2026-11-26T10:02:00Z"), ranges)).toBe(true);
    expect(isRestorable(at("2026-11-26T10:02:00Z") + 500, ranges)).toBe(false);
    expect(isRestorable(at("2026-11-26T10:05:00Z"), ranges)).toBe(false);
    expect(isRestorable(Number.NaN, ranges)).toBe(false);
  });

  it("rounds down inside a window and leaves a gap the way asked", () => {
    expect(snapToRanges(at("2026-11-26T10:02:00Z") + 700, ranges, 0)).toBe(at("2026-11-26T10:02:00Z"));
    const inGap = at("2026-11-26T10:06:00Z");
    expect(snapToRanges(inGap, ranges, 1)).toBe(at("2026-11-26T10:10:00Z"));
    expect(snapToRanges(inGap, ranges, -1)).toBe(at("2026-11-26T10:04:59Z"));
    expect(snapToRanges(inGap, ranges, 0)).toBe(at("2026-11-26T10:04:59Z"));
    expect(snapToRanges(at("2026-11-26T10:09:00Z"), ranges, 0)).toBe(at("2026-11-26T10:10:00Z"));
    expect(snapToRanges(at("2026-11-26T12:00:00Z"), ranges, 1)).toBeNull();
    expect(snapToRanges(at("2026-11-26T12:00:00Z"), ranges, 0)).toBe(at("2026-11-26T10:19:59Z"));
    expect(snapToRanges(at("2026-11-26T10:02:00Z"), [], 0)).toBeNull();
  });
});

describe("moveByKey", () => {
  const move = (key: string, current: number | null, shift = false) => moveByKey(key, shift, current, ranges, 10 * S, 60 * S);

  it("goes to the ends with Home and End, and starts from an end when nothing is chosen", () => {
    expect(move("Home", at("2026-11-26T10:12:00Z"))).toBe(at("2026-11-26T10:00:00Z"));
    expect(move("End", null)).toBe(at("2026-11-26T10:19:59Z"));
    expect(move("ArrowRight", null)).toBe(at("2026-11-26T10:00:00Z"));
    expect(move("ArrowLeft", null)).toBe(at("2026-11-26T10:19:59Z"));
  });

  it("steps by the small step, one second with Shift, the large step with Page keys", () => {
    const from = at("2026-11-26T10:12:00Z");
    expect(move("ArrowRight", from)).toBe(from + 10 * S);
    expect(move("ArrowDown", from)).toBe(from - 10 * S);
    expect(move("ArrowUp", from, true)).toBe(from + S);
    expect(move("PageUp", from)).toBe(from + 60 * S);
    expect(move("PageDown", from)).toBe(from - 60 * S);
  });

  it("jumps over a gap in the direction of travel and stops at the last restorable second", () => {
    expect(move("PageUp", at("2026-11-26T10:04:30Z"))).toBe(at("2026-11-26T10:10:00Z"));
    expect(move("PageDown", at("2026-11-26T10:10:30Z"))).toBe(at("2026-11-26T10:04:59Z"));
    expect(move("PageUp", at("2026-11-26T10:19:30Z"))).toBe(at("2026-11-26T10:19:59Z"));
  });

  it("ignores other keys and does nothing without a window", () => {
    expect(move("a", at("2026-11-26T10:12:00Z"))).toBeNull();
    expect(moveByKey("End", false, null, [], 10 * S, 60 * S)).toBeNull();
  });
});

describe("the axis", () => {
  it("pads the domain and widens a moment to the minimum span", () => {
    expect(domainOf([at("2026-11-26T10:00:00Z"), at("2026-11-26T10:10:00Z")], 60 * S, 0.1)).toEqual({
      start: at("2026-11-26T09:59:00Z"),
      end: at("2026-11-26T10:11:00Z"),
    });
    expect(domainOf([at("2026-11-26T10:00:00Z")], 120 * S, 0)).toEqual({
      start: at("2026-11-26T09:59:00Z"),
      end: at("2026-11-26T10:01:00Z"),
    });
    expect(domainOf([])).toBeNull();
  });

  it("chooses a round step and puts ticks on its multiples", () => {
    expect(tickStep(10 * 60 * S, 6)).toBe(2 * 60 * S);
    expect(tickStep(50 * S, 10)).toBe(5 * S);
    expect(tickStep(3 * 24 * 3600 * S, 4)).toBe(24 * 3600 * S);
    const domain = { start: at("2026-11-26T10:00:30Z"), end: at("2026-11-26T10:07:00Z") };
    expect(ticksOf(domain, 2 * 60 * S)).toEqual([
      at("2026-11-26T10:02:00Z"),
      at("2026-11-26T10:04:00Z"),
      at("2026-11-26T10:06:00Z"),
    ]);
  });

  it("labels ticks with seconds only when the step needs them, and the date when the span crosses days", () => {
    const day = { start: at("2026-11-26T10:00:00Z"), end: at("2026-11-26T11:00:00Z") };
    expect(tickFormatter(10 * 60 * S, day, "en", "UTC")(at("2026-11-26T10:20:00Z"))).toBe("10:20");
    expect(tickFormatter(10 * S, day, "en", "UTC")(at("2026-11-26T10:20:30Z"))).toBe("10:20:30");
    const days = { start: at("2026-11-25T20:00:00Z"), end: at("2026-11-27T04:00:00Z") };
    expect(tickFormatter(6 * 3600 * S, days, "en", "UTC")(at("2026-11-26T06:00:00Z"))).toMatch(/11.26.*06:00/);
  });
});
