import { ageOf, dateTimeFormat, formatBytes, formatDateTime, formatDuration, formatNumber, formatTime, numberFormat } from "./format";

describe("formatBytes", () => {
  it("uses binary units with sensible precision", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1023)).toBe("1,023 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(10 * 1024 * 1024 + 512 * 1024)).toBe("10.5 MiB");
    expect(formatBytes(300 * 1024 ** 3)).toBe("300 GiB");
  });
  it("says nothing is known with a dash", () => {
    expect(formatBytes(null)).toBe("—");
    expect(formatBytes(undefined)).toBe("—");
    expect(formatBytes(Number.NaN)).toBe("—");
  });
});

describe("formatNumber", () => {
  it("groups digits in the interface language", () => {
    expect(formatNumber(1234567)).toBe("1,234,567");
    expect(formatNumber(1234567, "ko")).toBe("1,234,567");
    expect(formatNumber(2.345, "en", 1)).toBe("2.3");
    expect(formatNumber(null)).toBe("—");
  });
});

describe("formatDuration", () => {
  it("shows the two largest units", () => {
    expect(formatDuration(0.25)).toBe("250 ms");
    expect(formatDuration(4.26)).toBe("4.3s");
    expect(formatDuration(42)).toBe("42s");
    expect(formatDuration(75)).toBe("1m 15s");
    expect(formatDuration(3600)).toBe("1h");
    expect(formatDuration(90061)).toBe("1d 1h");
    expect(formatDuration(-5)).toBe("-5s");
    expect(formatDuration(null)).toBe("—");
  });
});

describe("formatDateTime", () => {
  it("prints a fixed zone's wall time with seconds", () => {
    expect(formatDateTime("2026-11-26T05:04:03Z", "en", "UTC")).toBe("2026-11-26, 05:04:03");
    expect(formatDateTime("2026-11-26T05:04:03Z", "en", "Asia/Seoul")).toBe("2026-11-26, 14:04:03");
    expect(formatDateTime("2026-11-26T00:04:03Z", "en", "UTC")).toBe("2026-11-26, 00:04:03");
    expect(formatDateTime(null)).toBe("—");
    expect(formatDateTime("not a time")).toBe("not a time");
  });
});

describe("formatTime", () => {
  it("prints the time of day with seconds on a 24-hour clock", () => {
    expect(formatTime("2026-11-26T15:04:03Z", "en", "UTC")).toBe("15:04:03");
    expect(formatTime("2026-11-26T15:04:03Z", "ko", "Asia/Seoul")).toBe("00:04:03");
    expect(formatTime(null)).toBe("—");
    expect(formatTime("not a time")).toBe("not a time");
  });
});

describe("ageOf", () => {
  const now = new Date("2026-11-26T12:00:00Z");
  it("picks the unit by size", () => {
    expect(ageOf("2026-11-26T12:00:00Z", now)).toEqual({ unit: "justNow", count: 0 });
    expect(ageOf("2026-11-26T11:59:30Z", now)).toEqual({ unit: "seconds", count: 30 });
    expect(ageOf("2026-11-26T11:50:00Z", now)).toEqual({ unit: "minutes", count: 10 });
    expect(ageOf("2026-11-26T09:00:00Z", now)).toEqual({ unit: "hours", count: 3 });
    expect(ageOf("garbage", now)).toBeNull();
  });
});

describe("formatters", () => {
  it("are built once per locale and options", () => {
    expect(numberFormat("en", { maximumFractionDigits: 1 })).toBe(numberFormat("en", { maximumFractionDigits: 1 }));
    expect(numberFormat("en", { maximumFractionDigits: 1 })).not.toBe(numberFormat("ko", { maximumFractionDigits: 1 }));
    const utc = dateTimeFormat("en-CA", { hour: "2-digit", timeZone: "UTC" });
    expect(dateTimeFormat("en-CA", { hour: "2-digit", timeZone: "UTC" })).toBe(utc);
    expect(dateTimeFormat("en-CA", { hour: "2-digit", timeZone: "Asia/Seoul" })).not.toBe(utc);
  });
});
