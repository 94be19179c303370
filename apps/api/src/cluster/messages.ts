import {
  type TJobState,
  type TLogLine,
  type TResticProgress,
  ZAgentQuery,
  ZJobState,
  ZResticProgress,
} from "@restic-manager/contracts";
import { z } from "zod";

/**
 * What API replicas on one PostgreSQL tell each other. A message only says that something
 * happened or should be looked at: the database stays the source of truth, so a message lost
 * (a replica restarting, a connection dropped) delays work and never loses it.
 *
 * Messages from other processes are input: they are validated like any request, and one this
 * version does not understand (a newer replica during a rolling upgrade) is dropped.
 */

export const ZReplicaId = z.string().min(1).max(100);

/** Work a leader does that another replica can ask it to look at now instead of at its next pass. */
export const ZWakeTarget = z.enum(["deliveries", "schedules", "alerts", "health", "digests"]);
export type TWakeTarget = z.infer<typeof ZWakeTarget>;

const ZIsoDate = z.iso.datetime({ offset: true });

/** A job event (see jobs/eventBus.ts) as JSON: dates as ISO strings. */
export const ZWireJobEvent = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("state"),
    state: ZJobState,
    exitCode: z.number().int().nullable(),
    error: z.string().nullable(),
    at: ZIsoDate,
  }),
  z.object({ type: z.literal("progress"), progress: ZResticProgress }),
  z.object({
    type: z.literal("log"),
    lines: z.array(
      z.object({
        at: ZIsoDate,
        stream: z.enum(["stdout", "stderr", "agent"]),
        line: z.string(),
      }),
    ),
  }),
]);
export type TWireJobEvent = z.infer<typeof ZWireJobEvent>;

const ZHostIds = z.array(z.string().min(1).max(200));

/** The sign-in and credential throttles replicas share (see auth/throttle.ts). */
export const ZThrottleName = z.enum(["account", "address", "credential"]);
export type TThrottleName = z.infer<typeof ZThrottleName>;

/** A message's content; the bus adds who sent it. */
export const ZClusterMessageBody = z.discriminatedUnion("kind", [
  /** A job for this host is queued: the replica its agent is connected to sends it now. */
  z.object({ kind: z.literal("dispatch"), hostId: z.string() }),
  /** Cancel was asked for a job running on this host. */
  z.object({ kind: z.literal("cancel"), hostId: z.string(), jobId: z.string() }),
  /** Progress, log lines or a state of a job, for browsers watching it through another replica. */
  z.object({ kind: z.literal("job-event"), jobId: z.string(), event: ZWireJobEvent }),
  /** These hosts' agents are connected to the sender. */
  z.object({ kind: z.literal("host-online"), hostIds: ZHostIds }),
  /** These hosts' agents left the sender. */
  z.object({ kind: z.literal("host-offline"), hostIds: ZHostIds }),
  /** The sender is alive (sent every few seconds). */
  z.object({
    kind: z.literal("replica-alive"),
    /** Where the other replicas reach the sender (to pass it a download's request or upload). */
    url: z
      .url({ protocol: /^https?$/ })
      .max(500)
      .optional(),
  }),
  /**
   * The sender started (or lost messages): every replica announces its hosts again, or only
   * `target` (a replica it had taken for dead and hears again).
   */
  z.object({ kind: z.literal("presence-sync"), target: ZReplicaId.optional() }),
  /** Something the leader works through is waiting. */
  z.object({ kind: z.literal("wake"), what: ZWakeTarget }),
  /** Another event of the fleet event stream, as JSON. */
  z.object({ kind: z.literal("fleet-event"), event: z.json() }),
  /**
   * A question for an agent connected to replica `to` (browsing a snapshot through another
   * replica); `to` asks it and sends the answer back in parts.
   */
  z.object({
    kind: z.literal("agent-query"),
    to: ZReplicaId,
    id: z.string().min(1).max(64),
    hostId: z.string(),
    repositoryId: z.string(),
    timeoutMs: z.number().int().positive().max(3_600_000),
    query: ZAgentQuery,
  }),
  /** One part of an agent-query's answer: base64 of a slice of its superjson text. */
  z.object({
    kind: z.literal("agent-answer"),
    to: ZReplicaId,
    id: z.string().min(1).max(64),
    part: z.number().int().nonnegative(),
    parts: z.number().int().positive().max(10_000),
    data: z.base64().max(7000),
  }),
  /** A download link was used here: no replica may take it again. */
  z.object({ kind: z.literal("link-spent"), linkId: z.string().min(1).max(64) }),
  /** A host's schedules changed: the replica its agent is connected to sends them. */
  z.object({ kind: z.literal("push-schedules"), hostId: z.string() }),
  /** A failed sign-in or credential (or a success that clears them) counted by the sender. */
  z.object({
    kind: z.literal("throttle"),
    throttle: ZThrottleName,
    op: z.enum(["failure", "success", "forgive"]),
    keyDigest: z.string().min(1).max(64),
  }),
  /** The host was revoked or deleted: every replica closes its sockets and refuses it. */
  z.object({ kind: z.literal("host-ended"), hostId: z.string(), reason: z.string().max(200) }),
]);
export type ClusterMessageBody = z.infer<typeof ZClusterMessageBody>;

/** A message as listeners get it: its content and the replica that sent it. */
export type ClusterMessage = ClusterMessageBody & { replicaId: string };

/**
 * The payload of one NOTIFY: sender, the sender's sequence number (which also keeps two equal
 * messages sent in one statement from being merged into one by PostgreSQL) and the message.
 */
export const ZClusterEnvelope = z.object({
  r: ZReplicaId,
  s: z.number().int().nonnegative(),
  m: ZClusterMessageBody,
});
export type TClusterEnvelope = z.infer<typeof ZClusterEnvelope>;

/**
 * PostgreSQL refuses a NOTIFY payload of 8000 bytes or more (NOTIFY_PAYLOAD_MAX_LENGTH with the
 * default 8 kB block size).
 */
export const MAX_PAYLOAD_BYTES = 7999;

/**
 * The longest `error` a state event keeps: long enough for any message a person reads, short
 * enough that the event always fits.
 */
const MAX_STATE_ERROR_CHARS = 1000;

/** Room for a sequence number that grows by a few digits between measuring and sending. */
const SEQUENCE_SLACK_BYTES = 8;

/** The job event shape of jobs/eventBus.ts, with Dates. */
export type ClusterJobEvent =
  | { type: "state"; state: TJobState; exitCode: number | null; error: string | null; at: Date }
  | { type: "progress"; progress: TResticProgress }
  | { type: "log"; lines: TLogLine[] };

export function jobEventToWire(event: ClusterJobEvent): TWireJobEvent {
  switch (event.type) {
    case "state":
      return { ...event, at: event.at.toISOString() };
    case "progress":
      return event;
    case "log":
      return {
        type: "log",
        lines: event.lines.map((line) => ({ ...line, at: line.at.toISOString() })),
      };
    default: {
      const exhaustive: never = event;
      return exhaustive;
    }
  }
}

export function jobEventFromWire(event: TWireJobEvent): ClusterJobEvent {
  switch (event.type) {
    case "state":
      return { ...event, at: new Date(event.at) };
    case "progress":
      return event;
    case "log":
      return {
        type: "log",
        lines: event.lines.map((line) => ({ ...line, at: new Date(line.at) })),
      };
    default: {
      const exhaustive: never = event;
      return exhaustive;
    }
  }
}

export function encodeEnvelope(envelope: TClusterEnvelope): string {
  return JSON.stringify(envelope);
}

export function payloadBytes(payload: string): number {
  return Buffer.byteLength(payload, "utf8");
}

/**
 * The payloads that carry `body`, each under `maxBytes`: a host list or a batch of log lines
 * too long for one NOTIFY is split into several messages, a state's long error is shortened, a
 * progress whose file names do not fit loses them. `dropped` is true when something still does
 * not fit (a single log line longer than a payload, an event too large): the caller logs it.
 * `nextSeq` numbers the envelopes.
 */
export function fitPayloads(options: {
  replicaId: string;
  body: ClusterMessageBody;
  nextSeq: () => number;
  maxBytes?: number;
}): { payloads: string[]; dropped: boolean } {
  const { replicaId, nextSeq } = options;
  const maxBytes = options.maxBytes ?? MAX_PAYLOAD_BYTES;
  const payloads: string[] = [];
  let dropped = false;
  const encode = (body: ClusterMessageBody) =>
    encodeEnvelope({ r: replicaId, s: nextSeq(), m: body });
  const fits = (payload: string) => payloadBytes(payload) <= maxBytes;

  // Fills each message with as many items as fit. An array's JSON is its items' JSON joined by
  // commas, so sizes add up exactly; the slack covers a sequence number grown by a digit.
  const pack = <T>(items: T[], make: (part: T[]) => ClusterMessageBody) => {
    const base = payloadBytes(encode(make([]))) + SEQUENCE_SLACK_BYTES;
    let part: T[] = [];
    let size = base;
    const send = () => {
      if (part.length === 0) return;
      const payload = encode(make(part));
      if (fits(payload)) payloads.push(payload);
      else dropped = true;
      part = [];
      size = base;
    };
    for (const item of items) {
      const itemBytes = payloadBytes(JSON.stringify(item)) + 1;
      if (base + itemBytes > maxBytes) {
        dropped = true;
        continue;
      }
      if (size + itemBytes > maxBytes) send();
      part.push(item);
      size += itemBytes;
    }
    send();
  };

  const body = options.body;
  if (body.kind === "host-online" || body.kind === "host-offline") {
    // An empty list is sent as it is; otherwise pack it into messages that fit.
    if (body.hostIds.length === 0) payloads.push(encode(body));
    else pack(body.hostIds, (hostIds) => ({ kind: body.kind, hostIds }));
    return { payloads, dropped };
  }
  if (body.kind === "job-event" && body.event.type === "log") {
    pack(body.event.lines, (lines) => ({
      kind: "job-event",
      jobId: body.jobId,
      event: { type: "log", lines },
    }));
    return { payloads, dropped };
  }
  const payload = encode(body);
  if (fits(payload)) return { payloads: [payload], dropped: false };
  const smaller = shrunk(body);
  if (smaller) {
    const second = encode(smaller);
    if (fits(second)) return { payloads: [second], dropped: false };
  }
  return { payloads: [], dropped: true };
}

/** A smaller form of a message that keeps what a watcher needs, or null when there is none. */
function shrunk(body: ClusterMessageBody): ClusterMessageBody | null {
  if (body.kind !== "job-event") return null;
  const event = body.event;
  if (event.type === "state" && event.error !== null) {
    return { ...body, event: { ...event, error: event.error.slice(0, MAX_STATE_ERROR_CHARS) } };
  }
  if (event.type === "progress" && event.progress.kind === "backup") {
    return { ...body, event: { ...event, progress: { ...event.progress, currentFiles: [] } } };
  }
  return null;
}

/** Parses a NOTIFY payload; null (with the reason) when it is not a message this version knows. */
export function decodePayload(
  payload: string,
): { ok: true; envelope: TClusterEnvelope } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return { ok: false, reason: "not JSON" };
  }
  const parsed = ZClusterEnvelope.safeParse(json);
  if (!parsed.success) {
    return { ok: false, reason: z.prettifyError(parsed.error).slice(0, 500) };
  }
  return { ok: true, envelope: parsed.data };
}
