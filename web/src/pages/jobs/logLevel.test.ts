import { logLevel } from "./logLevel";

describe("logLevel", () => {
  it.each([
    ["failed: backup 2026-11-26T04:10:00Z: dump of shard0 failed", "error"],
    ["CRITICAL: cluster e2e: process shard0-1: not running", "error"],
    ["Traceback (most recent call last):\n  File ...", "error"],
    ["shard0: connection refused by 127.0.0.1:27018", "error"],
    ["WARNING: cluster e2e: lag shard0-2: 12 s", "warn"],
    ["cancellation requested", "warn"],
    ["cancelled: job 3f2a was cancelled: it stopped at step 'dump'", "warn"],
    ["OK: cluster e2e: 14 checks passed", "ok"],
    ["dumping shard0 from 127.0.0.1:27018 (secondary)", "info"],
    ["writing the manifest", "info"],
  ])("%s → %s", (line, level) => {
    expect(logLevel(line)).toBe(level);
  });

  it("does not take a word that merely contains 'error' for an error", () => {
    expect(logLevel("stored errorless.json")).toBe("info");
  });
});
