// A state word with a colour AND the word itself (colour is never the only signal).
export type Tone = "ok" | "warn" | "bad" | "info" | "muted";

const TONES: Record<string, Tone> = {
  ok: "ok", healthy: "ok", primary: "ok", secondary: "ok", running: "info", up: "ok", succeeded: "ok",
  completed: "ok", done: "ok", valid: "ok", arbiter: "muted",
  warning: "warn", degraded: "warn", startup: "warn", startup2: "warn", recovering: "warn", rollback: "warn",
  queued: "muted", pending: "muted", paused: "muted", cancelled: "muted", canceled: "muted", unknown: "muted",
  critical: "bad", failed: "bad", down: "bad", unreachable: "bad", error: "bad", stopped: "bad", removed: "bad",
  "(not reachable/healthy)": "bad",
};

export function toneOf(state: string | null | undefined): Tone {
  if (!state) return "muted";
  return TONES[state.toLowerCase()] ?? "info";
}

export function StatusBadge({ state, label, tone }: { state: string | null | undefined; label?: string; tone?: Tone }) {
  const shown = label ?? state ?? "—";
  return <span className={`badge ${tone ?? toneOf(state)}`}>{shown}</span>;
}
