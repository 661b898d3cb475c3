import { describeCron } from "./cronText";

describe("describeCron", () => {
  it("says when a schedule runs, in English and Korean, on a 24-hour clock", () => {
    expect(describeCron("*/5 * * * *", "en")).toBe("Every 5 minutes");
    expect(describeCron("*/5 * * * *", "ko")).toBe("5분마다");
    expect(describeCron("30 14 * * 1-5", "en")).toBe("At 14:30, Monday through Friday");
    expect(describeCron("30 14 * * 1-5", "ko")).toBe("14:30, 월요일부터 금요일까지");
  });

  it("reads 7 in the day-of-week field as Sunday, as the scheduler does", () => {
    expect(describeCron("0 0 * * 7", "en")).toBe("At 00:00, only on Sunday");
  });

  it("gives nothing for what is not a valid five-field expression", () => {
    expect(describeCron("61 * * * *", "en")).toBeNull();
    expect(describeCron("0 3 * *", "en")).toBeNull();
    expect(describeCron("0 0 3 * * *", "en")).toBeNull();
    expect(describeCron("", "ko")).toBeNull();
  });

  it("tolerates extra spaces", () => {
    expect(describeCron("  0  3 * * *  ", "en")).toBe("At 03:00");
  });
});
