import type { Schemas } from "../api/client";

export type Role = Schemas["Role"];

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** Every role, from the lowest to the highest. */
export const ROLES: readonly Role[] = ["viewer", "operator", "admin"];

/** Whether a user with `role` may do what needs `needed` (viewer < operator < admin, as the API decides). */
export function allows(role: Role | undefined, needed: Role): boolean {
  return role !== undefined && RANK[role] >= RANK[needed];
}
