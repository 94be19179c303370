import { z } from "zod";

/** Who may do what: each role includes everything the roles before it may do. */
export const ROLES = ["viewer", "operator", "admin"] as const;
export const ZRole = z.enum(ROLES);
export type TRole = z.infer<typeof ZRole>;

export function roleAtLeast(role: TRole, required: TRole): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}

/** The lesser of two roles: what a token may do is never more than its owner may now. */
export function lowerRole(a: TRole, b: TRole): TRole {
  return roleAtLeast(a, b) ? b : a;
}
