import { passwordProblem } from "./password";

describe("passwordProblem", () => {
  it.each([
    ["", "", "tooShort"],
    ["eleven char", "eleven char", "tooShort"],
    ["twelve chars", "twelve chars", null],
    ["twelve chars", "twelve charz", "mismatch"],
    ["x".repeat(256), "x".repeat(256), null],
    ["x".repeat(257), "x".repeat(257), "tooLong"],
  ])("%j confirmed as %j → %s", (password, confirmation, problem) => {
    expect(passwordProblem(password, confirmation)).toBe(problem);
  });

  it("counts characters as the API does, not UTF-16 units", () => {
    // Six emoji are twelve UTF-16 units but six characters: too short for the API.
    expect(passwordProblem("🔑".repeat(6), "🔑".repeat(6))).toBe("tooShort");
    expect(passwordProblem("비밀번호는열두글자입니다", "비밀번호는열두글자입니다")).toBe(null);
  });

  it("names the length before the confirmation", () => {
    expect(passwordProblem("short", "other")).toBe("tooShort");
  });
});
