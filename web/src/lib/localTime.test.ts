import { fromLocalInput, toLocalInput } from "./localTime";

describe("datetime-local values", () => {
  it("convert between the browser's wall time and whole seconds", () => {
    const ms = new Date(2026, 10, 26, 14, 5, 9).getTime();
    expect(toLocalInput(ms)).toBe("2026-11-26T14:05:09");
    expect(fromLocalInput("2026-11-26T14:05:09")).toBe(ms);
    expect(fromLocalInput("2026-11-26T14:05")).toBe(ms - 9000);
    expect(fromLocalInput("2026-11-26T14:05:09.750")).toBe(ms);
  });

  it("pad every part to two digits", () => {
    expect(toLocalInput(new Date(2026, 0, 2, 3, 4, 5).getTime())).toBe("2026-01-02T03:04:05");
  });

  it("leave nothing, or what is not a time, empty", () => {
    expect(toLocalInput(null)).toBe("");
    expect(toLocalInput(Number.NaN)).toBe("");
    expect(fromLocalInput("")).toBeNull();
    expect(fromLocalInput("garbage")).toBeNull();
  });
});
