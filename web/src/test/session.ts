// A logged-in session as GET /api/v1/auth/session answers it, for tests of pages that depend on the user's role.
import type { Schemas } from "../api/client";
import type { Role } from "../lib/roles";

export function sessionOf(role: Role, { id = 1, username = role as string } = {}): Schemas["SessionPublic"] {
  return {
    user: { id, username, role, disabled: false, created_at: "2026-11-20T08:00:00Z", last_login_at: "2026-11-26T09:00:00Z" },
    csrf_token: "csrf-test",
    created_at: "2026-11-26T09:00:00Z",
    expires_at: "2026-11-27T09:00:00Z",
    idle_timeout_s: 3600,
  };
}
