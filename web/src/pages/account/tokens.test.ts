import { expiryDays, tokenState, type ApiToken } from "./tokens";

const token = (fields: Partial<ApiToken> = {}): ApiToken => ({
  id: 1,
  name: "ci",
  prefix: "mat_abcdefgh",
  created_at: "2026-11-01T00:00:00Z",
  expires_at: null,
  last_used_at: null,
  revoked_at: null,
  ...fields,
});

describe("tokenState", () => {
  const now = new Date("2026-11-26T12:00:00Z");
  it("is active without an expiry, or before it", () => {
    expect(tokenState(token(), now)).toBe("active");
    expect(tokenState(token({ expires_at: "2026-11-26T12:00:01Z" }), now)).toBe("active");
  });
  it("is expired from the expiry on", () => {
    expect(tokenState(token({ expires_at: "2026-11-26T12:00:00Z" }), now)).toBe("expired");
  });
  it("is revoked whatever its expiry", () => {
    expect(tokenState(token({ revoked_at: "2026-11-02T00:00:00Z", expires_at: "2020-01-01T00:00:00Z" }), now)).toBe("revoked");
  });
});

describe("expiryDays", () => {
  it.each([
    ["", { days: null }],
    ["  ", { days: null }],
    ["1", { days: 1 }],
    [" 30 ", { days: 30 }],
    ["3650", { days: 3650 }],
    ["0", { invalid: true }],
    ["3651", { invalid: true }],
    ["1.5", { invalid: true }],
    ["-3", { invalid: true }],
    ["ten", { invalid: true }],
  ])("%j → %j", (text, expected) => {
    expect(expiryDays(text)).toEqual(expected);
  });
});
