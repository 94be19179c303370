import { z } from "zod";
import { ZId } from "./ids.js";

/** What can go wrong, each with its default severity and threshold. */
export const ALERT_KINDS = [
  "job_failed",
  "backup_stale",
  "schedule_missed",
  "agent_offline",
  "check_failed",
  "drill_failed",
  "lock_stale",
  "repository_failing",
] as const;
export const ZAlertKind = z.enum(ALERT_KINDS);
export type TAlertKind = z.infer<typeof ZAlertKind>;

export const ALERT_SEVERITIES = ["info", "warning", "critical"] as const;
export const ZAlertSeverity = z.enum(ALERT_SEVERITIES);
export type TAlertSeverity = z.infer<typeof ZAlertSeverity>;

export const ALERT_STATES = ["raised", "acknowledged", "resolved"] as const;
export const ZAlertState = z.enum(ALERT_STATES);
export type TAlertState = z.infer<typeof ZAlertState>;

/** What a kind's threshold counts, and its default; null: the kind has none. */
export const ALERT_KIND_DEFAULTS: Record<
  TAlertKind,
  { severity: TAlertSeverity; threshold: number | null; unit: "minutes" | "failures" | null }
> = {
  job_failed: { severity: "warning", threshold: null, unit: null },
  backup_stale: { severity: "critical", threshold: 26 * 60, unit: "minutes" },
  schedule_missed: { severity: "warning", threshold: null, unit: null },
  agent_offline: { severity: "warning", threshold: 30, unit: "minutes" },
  check_failed: { severity: "critical", threshold: null, unit: null },
  drill_failed: { severity: "critical", threshold: null, unit: null },
  lock_stale: { severity: "warning", threshold: 24 * 60, unit: "minutes" },
  repository_failing: { severity: "critical", threshold: 3, unit: "failures" },
};

/** The events a channel hears about an alert. */
export const ALERT_EVENTS = ["raised", "acknowledged", "resolved", "reminder"] as const;
export type TAlertEvent = (typeof ALERT_EVENTS)[number];

/** The webhook body's schema version: bumped when a field changes meaning or goes away. */
export const WEBHOOK_SCHEMA_VERSION = 1;

// --- channels -----------------------------------------------------------------------------

export const CHANNEL_KINDS = ["webhook", "ntfy", "smtp"] as const;
export const ZChannelKind = z.enum(CHANNEL_KINDS);
export type TChannelKind = z.infer<typeof ZChannelKind>;

const ZHttpUrl = z.url({ protocol: /^https?$/, error: "Use an http:// or https:// URL" });
/** A header name or value: never a newline (it would smuggle another header). */
const ZHeaderText = z
  .string()
  .max(4000)
  .refine((v) => !/[\r\n]/.test(v), "A header must not contain a line break");

export const ZWebhookConfig = z.object({
  url: ZHttpUrl,
  method: z.enum(["POST", "PUT"]).default("POST"),
  /** Headers sent as they are (not secret). */
  headers: z
    .record(
      ZHeaderText.pipe(z.string().regex(/^[A-Za-z0-9-]+$/, "Invalid header name")),
      ZHeaderText,
    )
    .default({}),
});
export const ZWebhookSecrets = z.object({
  /** Signs the body: `X-Restic-Manager-Signature: sha256=<hex HMAC of the raw body>`. */
  secret: z.string().min(1).max(500).optional(),
  /** Headers whose values are secret (an `Authorization`, say): sealed at rest, never shown. */
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/), ZHeaderText).default({}),
});

export const ZNtfyConfig = z.object({
  serverUrl: ZHttpUrl,
  topic: z
    .string()
    .regex(/^[-_A-Za-z0-9]{1,64}$/, "A topic is letters, digits, - and _ (at most 64)"),
  tags: z
    .array(z.string().regex(/^[-_A-Za-z0-9]{1,40}$/))
    .max(10)
    .default([]),
  username: z.string().max(200).optional(),
});
export const ZNtfySecrets = z.object({
  token: z.string().max(500).optional(),
  password: z.string().max(500).optional(),
});

export const SMTP_ENCRYPTIONS = ["starttls", "tls", "none"] as const;
export const ZSmtpConfig = z.object({
  host: z.string().trim().min(1).max(253),
  port: z.number().int().min(1).max(65_535),
  encryption: z.enum(SMTP_ENCRYPTIONS),
  username: z.string().max(200).optional(),
  from: z.email({ error: "The sender is not an e-mail address" }),
  to: z.email({ error: "The recipient is not an e-mail address" }),
  /** Credentials over an unencrypted connection: only when the admin says so knowingly. */
  allowPlainAuth: z.boolean().default(false),
  /** Accept a certificate that does not verify (a self-signed one on the LAN). */
  allowInvalidCertificate: z.boolean().default(false),
});
export const ZSmtpSecrets = z.object({ password: z.string().max(500).optional() });

export const ZChannelSettings = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("webhook"),
    config: ZWebhookConfig,
    secrets: ZWebhookSecrets.optional(),
  }),
  z.object({ kind: z.literal("ntfy"), config: ZNtfyConfig, secrets: ZNtfySecrets.optional() }),
  z.object({ kind: z.literal("smtp"), config: ZSmtpConfig, secrets: ZSmtpSecrets.optional() }),
]);
export type TChannelSettings = z.infer<typeof ZChannelSettings>;

/** Which alerts reach a channel; an empty list takes all. */
export const ZChannelRouting = z.object({
  severities: z.array(ZAlertSeverity).max(3).default([]),
  kinds: z.array(ZAlertKind).max(ALERT_KINDS.length).default([]),
  hostIds: z.array(ZId).max(1000).default([]),
});
export type TChannelRouting = z.infer<typeof ZChannelRouting>;

export const ZChannelInput = z.object({
  name: z.string().trim().min(1).max(100),
  settings: ZChannelSettings,
  enabled: z.boolean().default(true),
  routing: ZChannelRouting.default({ severities: [], kinds: [], hostIds: [] }),
  /** Digest mode: hold this channel's messages and send one summary at this hour. */
  digestHour: z.number().int().min(0).max(23).nullable().default(null),
  digestTimeZone: z.string().min(1).max(64).nullable().default(null),
});
export type TChannelInput = z.input<typeof ZChannelInput>;

// --- rules and the alerts page -----------------------------------------------------------

export const ZAlertRuleInput = z.object({
  kind: ZAlertKind,
  enabled: z.boolean(),
  severity: ZAlertSeverity,
  threshold: z
    .number()
    .int()
    .min(1)
    .max(365 * 24 * 60)
    .nullable(),
});

export const ZAlertOverrideInput = z.object({
  hostId: ZId,
  kind: ZAlertKind,
  enabled: z.boolean().nullable(),
  severity: ZAlertSeverity.nullable(),
  threshold: z
    .number()
    .int()
    .min(1)
    .max(365 * 24 * 60)
    .nullable(),
});

export const ZAlertListInput = z
  .object({
    state: z.enum(["open", ...ALERT_STATES]).optional(),
    kind: ZAlertKind.optional(),
    hostId: ZId.optional(),
    severity: ZAlertSeverity.optional(),
    limit: z.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
  })
  .default({ limit: 50 });

export const ZAlertAckInput = z.object({
  ids: z.array(ZId).min(1).max(500),
  note: z.string().trim().max(1000).optional(),
});
