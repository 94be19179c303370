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
/**
 * Secret fields, write-only: on update a field left out keeps what is stored, `null` clears it,
 * a value replaces it. Answers only say which are set.
 */
export const ZWebhookSecrets = z.object({
  /** Signs the body: `X-Restic-Manager-Signature: sha256=<hex HMAC of the raw body>`. */
  secret: z.string().min(1).max(500).nullable().optional(),
  /** Headers whose values are secret (an `Authorization`, say): sealed at rest, never shown. */
  headers: z
    .record(z.string().regex(/^[A-Za-z0-9-]+$/, "Invalid header name"), ZHeaderText.nullable())
    .default({}),
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
  token: z.string().min(1).max(500).nullable().optional(),
  password: z.string().min(1).max(500).nullable().optional(),
});

export const SMTP_ENCRYPTIONS = ["starttls", "tls", "none"] as const;
export type TSmtpEncryption = (typeof SMTP_ENCRYPTIONS)[number];
export const ZSmtpConfig = z
  .object({
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
  })
  .refine((c) => !c.username || c.encryption !== "none" || c.allowPlainAuth, {
    path: ["allowPlainAuth"],
    message:
      "Sending a username and password without encryption needs allowPlainAuth: choose STARTTLS or TLS, or confirm plain authentication",
  });
export const ZSmtpSecrets = z.object({
  password: z.string().min(1).max(500).nullable().optional(),
});

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
export type TWebhookConfig = z.infer<typeof ZWebhookConfig>;
export type TNtfyConfig = z.infer<typeof ZNtfyConfig>;
export type TSmtpConfig = z.infer<typeof ZSmtpConfig>;

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
  /** An IANA time zone for the digest hour; null: UTC. Checked where time zones are known. */
  digestTimeZone: z.string().min(1).max(64).nullable().default(null),
});
export type TChannelInput = z.input<typeof ZChannelInput>;
export type TChannelValues = z.infer<typeof ZChannelInput>;

/** Secrets left out keep their stored values (see ZWebhookSecrets). */
export const ZChannelUpdateInput = ZChannelInput.extend({ id: ZId });
export type TChannelUpdate = z.infer<typeof ZChannelUpdateInput>;

/** What a channel sends a message about: an alert event, a digest, or a test. */
export const CHANNEL_MESSAGE_EVENTS = [...ALERT_EVENTS, "digest", "test"] as const;
export type TChannelMessageEvent = (typeof CHANNEL_MESSAGE_EVENTS)[number];

/** Delivery states: `held` waits for its channel's digest. */
export const DELIVERY_STATES = ["pending", "held", "sending", "sent", "failed"] as const;
export type TDeliveryState = (typeof DELIVERY_STATES)[number];

/**
 * The message a channel would send for a sample alert, from the form's settings as they are
 * (unsaved); with `id`, secrets left out are the channel's stored ones.
 */
export const ZChannelPreviewInput = z.object({
  id: ZId.optional(),
  settings: ZChannelSettings,
  event: z.enum(CHANNEL_MESSAGE_EVENTS).default("raised"),
});

/**
 * The webhook body, version WEBHOOK_SCHEMA_VERSION. One alert event:
 * `{ schemaVersion, event, sentAt, alert }`; a digest: `{ schemaVersion, event: "digest",
 * sentAt, alerts: [{ ...alert, events }] }`, one entry per alert with the events it held, in
 * order. Times are ISO 8601 in UTC.
 */
export const ZWebhookAlert = z.object({
  id: z.string(),
  kind: z.string(),
  severity: ZAlertSeverity,
  state: ZAlertState,
  host: z.object({ id: z.string(), name: z.string() }).nullable(),
  subject: z.string(),
  summary: z.string(),
  count: z.number().int(),
  firstSeenAt: z.iso.datetime(),
  lastSeenAt: z.iso.datetime(),
  acknowledgedAt: z.iso.datetime().nullable(),
  acknowledgedBy: z.string().nullable(),
  ackNote: z.string().nullable(),
  resolvedAt: z.iso.datetime().nullable(),
  resolvedBy: z.string().nullable(),
  /** The alert's page in the web app. */
  url: z.url(),
});
export const ZWebhookBody = z.discriminatedUnion("event", [
  z.object({
    schemaVersion: z.literal(WEBHOOK_SCHEMA_VERSION),
    event: z.enum([...ALERT_EVENTS, "test"]),
    sentAt: z.iso.datetime(),
    alert: ZWebhookAlert,
  }),
  z.object({
    schemaVersion: z.literal(WEBHOOK_SCHEMA_VERSION),
    event: z.literal("digest"),
    sentAt: z.iso.datetime(),
    alerts: z.array(ZWebhookAlert.extend({ events: z.array(z.enum(ALERT_EVENTS)) })),
  }),
]);
export type TWebhookBody = z.infer<typeof ZWebhookBody>;
export type TWebhookAlert = z.infer<typeof ZWebhookAlert>;

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
