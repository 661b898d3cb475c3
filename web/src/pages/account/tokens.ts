import type { Schemas } from "../../api/client";

export type ApiToken = Schemas["ApiTokenPublic"];
export type TokenState = "active" | "expired" | "revoked";

/** Whether the API still accepts `token` at `now`: a revoked token never again, an expired one from its expiry on. */
export function tokenState(token: ApiToken, now: Date = new Date()): TokenState {
  if (token.revoked_at) return "revoked";
  if (token.expires_at && new Date(token.expires_at).getTime() <= now.getTime()) return "expired";
  return "active";
}

/** The days field of the create form as the API takes it: a whole number from 1 to 3650, or none when empty. */
export function expiryDays(text: string): { days: number | null } | { invalid: true } {
  const trimmed = text.trim();
  if (trimmed === "") return { days: null };
  if (!/^\d+$/.test(trimmed)) return { invalid: true };
  const days = Number(trimmed);
  return days >= 1 && days <= 3650 ? { days } : { invalid: true };
}
