import { formatTick, formatValue } from "./units";

describe("formatValue", () => {
  it("writes each unit as operators read it", () => {
    expect(formatValue("rate", 2.345)).toBe("2.35/s");
    expect(formatValue("rate", 42.26)).toBe("42.3/s");
    expect(formatValue("rate", 1234.5)).toBe("1,235/s");
    expect(formatValue("count", 12)).toBe("12");
    expect(formatValue("count", 0.5)).toBe("0.5");
    expect(formatValue("seconds", 0.25)).toBe("250 ms");
    expect(formatValue("seconds", 75)).toBe("1m 15s");
    expect(formatValue("bytes", 1536)).toBe("1.5 KiB");
  });

  it("shows no value as a dash, never as zero", () => {
    for (const unit of ["rate", "count", "seconds", "bytes"] as const) {
      expect(formatValue(unit, null)).toBe("—");
      expect(formatValue(unit, undefined)).toBe("—");
      expect(formatValue(unit, Number.NaN)).toBe("—");
    }
  });
});

describe("formatTick", () => {
  const at = Date.parse("2026-11-26T05:04:03Z") / 1000;
  it("adds seconds to close ticks and the date to ticks a day apart", () => {
    expect(formatTick(at, 30, "en", "UTC")).toBe("05:04:03");
    expect(formatTick(at, 600, "en", "UTC")).toBe("05:04");
    expect(formatTick(at, 600, "en", "Asia/Seoul")).toBe("14:04");
    expect(formatTick(at, 86400, "en", "UTC")).toBe("26/11");
  });
});
