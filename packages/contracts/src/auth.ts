import { z } from "zod";
import { ZId } from "./ids.js";
import { ZRole } from "./roles.js";

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

export const ZUsername = z
  .string()
  .trim()
  .min(2, "Username must have at least 2 characters")
  .max(64, "Username must have at most 64 characters")
  .regex(/^[a-zA-Z0-9._@-]+$/, "Username may use letters, digits and . _ @ - only");

export const ZNewPassword = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `Password must have at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `Password must have at most ${PASSWORD_MAX_LENGTH} characters`);

/** A password being checked, not chosen: only bounded, so old rules never lock anyone out. */
export const ZPasswordAttempt = z.string().min(1, "Password is required").max(PASSWORD_MAX_LENGTH);

export const ZLoginInput = z.object({ username: ZUsername, password: ZPasswordAttempt });
export type TLoginInput = z.infer<typeof ZLoginInput>;

export const ZSetupInput = z.object({ username: ZUsername, password: ZNewPassword });
export type TSetupInput = z.infer<typeof ZSetupInput>;

export const ZChangePasswordInput = z.object({
  currentPassword: ZPasswordAttempt,
  newPassword: ZNewPassword,
});
export type TChangePasswordInput = z.infer<typeof ZChangePasswordInput>;

export const ZCreateUserInput = z.object({
  username: ZUsername,
  password: ZNewPassword,
  role: ZRole,
});
export type TCreateUserInput = z.infer<typeof ZCreateUserInput>;

export const ZUpdateUserInput = z.object({
  id: ZId,
  role: ZRole.optional(),
  disabled: z.boolean().optional(),
});
export type TUpdateUserInput = z.infer<typeof ZUpdateUserInput>;

export const ZResetPasswordInput = z.object({ id: ZId, password: ZNewPassword });

export const ZCreateApiTokenInput = z.object({
  name: z.string().trim().min(1, "Name is required").max(100),
  role: ZRole,
  /** Days until the token stops working; omitted means it never expires. */
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});
export type TCreateApiTokenInput = z.infer<typeof ZCreateApiTokenInput>;

/**
 * Calls that check a password or a one-time token: each goes in a request of its own, so
 * that every attempt meets the sign-in throttle alone (the server refuses them in a batch).
 */
export const CREDENTIAL_PROCEDURES: ReadonlySet<string> = new Set([
  "auth.login",
  "auth.setup",
  "auth.changePassword",
  "agent.enroll",
]);
/** Calls the server takes in one batched request. */
export const MAX_BATCH_CALLS = 25;
