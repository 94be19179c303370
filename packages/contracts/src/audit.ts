import { z } from "zod";
import { ZDate } from "./ids.js";

/** Every action the audit log records. Later capabilities add theirs here. */
export const AUDIT_ACTIONS = [
  "auth.setup",
  "auth.login",
  "auth.login_failed",
  "auth.login_throttled",
  "auth.logout",
  "auth.password_changed",
  "auth.sessions_revoked",
  "auth.access_denied",
  "user.created",
  "user.updated",
  "user.password_reset",
  "user.deleted",
  "token.created",
  "token.revoked",
  "token.rejected",
  "auth.cookie_rejected",
  "enrollment.created",
  "enrollment.revoked",
  "host.enrolled",
  "host.enroll_refused",
  "host.connect_refused",
  "host.revoked",
  "host.deleted",
  "repository.created",
  "repository.updated",
  "repository.deleted",
  "backup_set.created",
  "backup_set.updated",
  "backup_set.deleted",
  "schedule.created",
  "schedule.updated",
  "schedule.paused",
  "schedule.resumed",
  "schedule.deleted",
  "snapshot.restored",
  "snapshot.downloaded",
  "host.restore_roots_changed",
  "alert.acknowledged",
  "alert.resolved",
  "alert.snoozed",
  "alert_rule.updated",
  "channel.created",
  "channel.updated",
  "channel.deleted",
  "channel.tested",
  "job.started",
  "job.cancelled",
  "server.backed_up",
] as const;
export const ZAuditAction = z.enum(AUDIT_ACTIONS);
export type TAuditAction = z.infer<typeof ZAuditAction>;

export const ZAuditOutcome = z.enum(["success", "failure"]);
export type TAuditOutcome = z.infer<typeof ZAuditOutcome>;

export const ZAuditListInput = z.object({
  action: ZAuditAction.optional(),
  /** An actor's exact name. */
  actor: z.string().trim().max(100).optional(),
  /** A target's exact name or id. */
  target: z.string().trim().max(200).optional(),
  outcome: ZAuditOutcome.optional(),
  from: ZDate.optional(),
  to: ZDate.optional(),
  limit: z.number().int().min(1).max(200).default(50),
  /** The `nextCursor` of the previous page. */
  cursor: z.string().max(400).optional(),
});
export type TAuditListInput = z.input<typeof ZAuditListInput>;
export type TAuditFilter = z.output<typeof ZAuditListInput>;
