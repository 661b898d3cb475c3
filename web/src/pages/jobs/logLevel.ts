// How serious a job's log line is. Lines are plain text written by the operations; their own words say it:
// "failed: ...", "CRITICAL: ...", a Python traceback; "WARNING: ...", "cancelled: ..."; "OK: ... checks passed".

export type LogLevel = "error" | "warn" | "ok" | "info";

const ERROR = /^(failed|error|critical|fatal)\b|^traceback \(most recent call last\)|\b(error|exception|refused)\b/i;
const WARN = /^(warning|warn|cancelled|cancellation requested|skipped)\b|\bwarning\b/i;
const OK = /^(ok|succeeded|done)\b/i;

export function logLevel(line: string): LogLevel {
  if (ERROR.test(line)) return "error";
  if (WARN.test(line)) return "warn";
  if (OK.test(line)) return "ok";
  return "info";
}
