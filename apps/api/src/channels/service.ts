import {
  DELIVERY_STATES,
  type TChannelMessageEvent,
  type TChannelSettings,
  type TChannelUpdate,
  type TChannelValues,
  type ZChannelPreviewInput,
  ZChannelRouting,
} from "@restic-manager/contracts";
import { isTimeZone } from "@restic-manager/schedule";
import type { z } from "zod";
import { recordAudit } from "../audit/service.js";
import type { Actor, RequestMeta } from "../auth/actor.js";
import { type Db, rethrowUnique } from "../db.js";
import { AppError, found } from "../errors.js";
import type { Channel, Prisma } from "../generated/prisma/client.js";
import type { Keyring } from "../secrets/keyring.js";
import { type Notice, sampleAlert } from "./message.js";
import { previewNotice, sendNotice } from "./senders/index.js";
import {
  channelLabel,
  mergeSecrets,
  openSettings,
  sealSettingsSecrets,
  secretsState,
} from "./settings.js";
import { recordTry } from "./worker.js";

/**
 * Alert channels: one destination each (a webhook, an ntfy topic, one mailbox). Listing and
 * editing them, a test message sent at once with its real outcome, and a preview of what a
 * message would look like. Secrets are sealed and only ever shown as "set" / "not set".
 */

export interface ChannelDeps {
  db: Db;
  keyring: Keyring;
  config: { publicUrl: string };
  /** The delivery worker, told when held messages become pending. */
  deliveries?: { wake(): void };
}

// ── Reading ─────────────────────────────────────────────────────────────────────────

function present(keyring: Keyring, row: Channel, lastDelivery: LastDelivery | null) {
  const settings = openSettings(keyring, row);
  return {
    id: row.id,
    name: row.name,
    kind: settings.kind,
    label: channelLabel(row.name, settings),
    /** The kind and its settings, without secrets. */
    settings: withoutSecrets(settings),
    secrets: secretsState(settings),
    enabled: row.enabled,
    routing: ZChannelRouting.parse(JSON.parse(row.routing)),
    digestHour: row.digestHour,
    digestTimeZone: row.digestTimeZone,
    lastDigestAt: row.lastDigestAt,
    lastDelivery,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function withoutSecrets(settings: TChannelSettings) {
  switch (settings.kind) {
    case "webhook":
      return { kind: settings.kind, config: settings.config };
    case "ntfy":
      return { kind: settings.kind, config: settings.config };
    case "smtp":
      return { kind: settings.kind, config: settings.config };
    default: {
      const exhaustive: never = settings;
      return exhaustive;
    }
  }
}

const LAST_DELIVERY = {
  id: true,
  event: true,
  state: true,
  attempts: true,
  lastResult: true,
  createdAt: true,
  sentAt: true,
} as const;
type LastDelivery = Prisma.AlertDeliveryGetPayload<{ select: typeof LAST_DELIVERY }>;

/**
 * The channel's newest message: the newest of each state, each one seek on the
 * (channelId, state, createdAt) index, so a channel's long history is never scanned.
 */
async function lastDeliveryOf(db: Db, channelId: string): Promise<LastDelivery | null> {
  const newest = await Promise.all(
    DELIVERY_STATES.map((state) =>
      db.alertDelivery.findFirst({
        where: { channelId, state },
        orderBy: { createdAt: "desc" },
        select: LAST_DELIVERY,
      }),
    ),
  );
  return newest.reduce<LastDelivery | null>(
    (latest, d) => (d && (!latest || d.createdAt > latest.createdAt) ? d : latest),
    null,
  );
}

/** Channels are a handful of destinations: one page with a hard cap, not paged. */
export const CHANNEL_LIST_CAP = 100;

export async function listChannels(deps: ChannelDeps) {
  const rows = await deps.db.channel.findMany({ orderBy: { name: "asc" }, take: CHANNEL_LIST_CAP });
  return Promise.all(
    rows.map(async (row) => present(deps.keyring, row, await lastDeliveryOf(deps.db, row.id))),
  );
}

export async function getChannel(deps: ChannelDeps, id: string) {
  const row = found(await deps.db.channel.findUnique({ where: { id } }), "No such channel");
  return present(deps.keyring, row, await lastDeliveryOf(deps.db, id));
}

// ── Checking ────────────────────────────────────────────────────────────────────────

function bad(message: string): never {
  throw new AppError("BAD_REQUEST", message);
}

/** What zod cannot see alone: fields that depend on each other and on stored secrets. */
function checkSettings(settings: TChannelSettings, input: TChannelValues): void {
  if (input.digestTimeZone !== null && !isTimeZone(input.digestTimeZone)) {
    bad(`Unknown time zone "${input.digestTimeZone}"`);
  }
  switch (settings.kind) {
    case "webhook": {
      const plain = new Set(Object.keys(settings.config.headers).map((h) => h.toLowerCase()));
      for (const name of Object.keys(settings.secrets?.headers ?? {})) {
        if (plain.has(name.toLowerCase())) {
          bad(`The header ${name} is given both as a plain and as a secret header`);
        }
      }
      return;
    }
    case "ntfy": {
      const { username } = settings.config;
      const { token, password } = settings.secrets ?? {};
      if (password && !username) bad("An ntfy password needs a username");
      if (username && !password) bad("An ntfy username needs a password");
      if (username && token) bad("Use an ntfy access token or a username and password, not both");
      return;
    }
    case "smtp":
      if (settings.secrets?.password && !settings.config.username) {
        bad("An SMTP password needs a username");
      }
      return;
    default: {
      const exhaustive: never = settings;
      bad(`Unknown channel kind ${String(exhaustive)}`);
    }
  }
}

// ── Changing ────────────────────────────────────────────────────────────────────────

function secretFieldsGiven(settings: TChannelSettings): string[] {
  return Object.entries(settings.secrets ?? {}).flatMap(([field, value]) => {
    if (field === "headers") return Object.keys(value ?? {}).map((name) => `header:${name}`);
    return value === undefined ? [] : [field];
  });
}

function uniqueName(error: unknown, name: string): never {
  rethrowUnique(error, `A channel named "${name}" already exists`);
}

export async function createChannel(
  deps: ChannelDeps,
  input: TChannelValues,
  actor: Actor,
  meta: RequestMeta,
) {
  const settings = mergeSecrets(undefined, input.settings);
  checkSettings(settings, input);
  const id = `chn_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
  try {
    await deps.db.$transaction(async (tx) => {
      await tx.channel.create({
        data: {
          id,
          name: input.name,
          kind: settings.kind,
          config: JSON.stringify(settings.config),
          secretsSealed: sealSettingsSecrets(deps.keyring, id, settings),
          enabled: input.enabled,
          routing: JSON.stringify(input.routing),
          digestHour: input.digestHour,
          digestTimeZone: input.digestTimeZone,
        },
      });
      await recordAudit(tx, {
        action: "channel.created",
        actor,
        target: { type: "channel", id, name: input.name },
        ip: meta.ip,
        details: {
          label: channelLabel(input.name, settings),
          secrets: secretFieldsGiven(input.settings),
          digestHour: input.digestHour,
        },
      });
    });
  } catch (error) {
    uniqueName(error, input.name);
  }
  return getChannel(deps, id);
}

export async function updateChannel(
  deps: ChannelDeps,
  input: TChannelUpdate,
  actor: Actor,
  meta: RequestMeta,
) {
  const { db, keyring } = deps;
  const row = found(await db.channel.findUnique({ where: { id: input.id } }), "No such channel");
  const settings = mergeSecrets(openSettings(keyring, row), input.settings);
  checkSettings(settings, input);
  const digestChanged =
    input.digestHour !== row.digestHour || input.digestTimeZone !== row.digestTimeZone;
  let released = 0;
  try {
    await db.$transaction(async (tx) => {
      await tx.channel.update({
        where: { id: input.id },
        data: {
          name: input.name,
          kind: settings.kind,
          config: JSON.stringify(settings.config),
          secretsSealed: sealSettingsSecrets(keyring, input.id, settings),
          enabled: input.enabled,
          routing: JSON.stringify(input.routing),
          digestHour: input.digestHour,
          digestTimeZone: input.digestTimeZone,
          // A new digest hour counts from now: nothing is sent at once for a time already past.
          ...(digestChanged ? { lastDigestAt: new Date() } : {}),
        },
      });
      if (input.digestHour === null) {
        // Out of digest mode: what was held goes out now instead of waiting for no digest.
        released = (
          await tx.alertDelivery.updateMany({
            where: { channelId: input.id, state: "held", digestId: null },
            data: { state: "pending", nextAttemptAt: new Date() },
          })
        ).count;
      }
      await recordAudit(tx, {
        action: "channel.updated",
        actor,
        target: { type: "channel", id: input.id, name: input.name },
        ip: meta.ip,
        details: {
          label: channelLabel(input.name, settings),
          secretsChanged: secretFieldsGiven(input.settings),
          enabled: input.enabled,
          digestHour: input.digestHour,
        },
      });
    });
  } catch (error) {
    uniqueName(error, input.name);
  }
  if (released > 0) deps.deliveries?.wake();
  return getChannel(deps, input.id);
}

export async function deleteChannel(
  deps: ChannelDeps,
  id: string,
  actor: Actor,
  meta: RequestMeta,
) {
  const row = found(await deps.db.channel.findUnique({ where: { id } }), "No such channel");
  await deps.db.$transaction(async (tx) => {
    await tx.channel.delete({ where: { id } });
    await recordAudit(tx, {
      action: "channel.deleted",
      actor,
      target: { type: "channel", id, name: row.name },
      ip: meta.ip,
      details: { kind: row.kind },
    });
  });
}

// ── Trying out ──────────────────────────────────────────────────────────────────────

/**
 * Sends a test message now and answers with what the receiver said (HTTP status, SMTP reply
 * line, ntfy answer) or the error. The one send in a request: the admin is waiting for it.
 * Recorded like any delivery, so the channel's history shows it; never retried.
 */
export async function testChannel(deps: ChannelDeps, id: string, actor: Actor, meta: RequestMeta) {
  const { db, keyring } = deps;
  const row = found(await db.channel.findUnique({ where: { id } }), "No such channel");
  const settings = openSettings(keyring, row);
  const started = Date.now();
  const delivery = await db.alertDelivery.create({
    data: { channelId: id, event: "test", state: "sending", nextAttemptAt: new Date(started) },
    select: { id: true, attempts: true, event: true },
  });
  const notice: Notice = {
    type: "alert",
    event: "test",
    deliveryId: delivery.id,
    alert: sampleAlert(new Date(started), "test"),
  };
  // Senders answer failures as outcomes; anything else still ends the recorded try.
  const outcome = await sendNotice(settings, notice, {
    publicUrl: deps.config.publicUrl,
    now: new Date(started),
    signal: new AbortController().signal,
  }).catch((error: unknown) => ({
    ok: false,
    result: error instanceof Error ? error.message : "Failed",
  }));
  const durationMs = Date.now() - started;
  await recordTry(db, delivery, { ...outcome, at: new Date(started), durationMs, final: true });
  await recordAudit(db, {
    action: "channel.tested",
    outcome: outcome.ok ? "success" : "failure",
    actor,
    target: { type: "channel", id, name: row.name },
    ip: meta.ip,
    details: { result: outcome.result, durationMs },
  });
  return { ok: outcome.ok, result: outcome.result, durationMs, deliveryId: delivery.id };
}

function sampleNotice(event: TChannelMessageEvent, now: Date): Notice {
  if (event !== "digest") {
    return { type: "alert", event, deliveryId: "preview", alert: sampleAlert(now, event) };
  }
  const second = sampleAlert(now, "resolved");
  return {
    type: "digest",
    deliveryId: "preview",
    entries: [
      { alert: sampleAlert(now, "raised"), events: ["raised"] },
      {
        alert: {
          ...second,
          id: "sample-2",
          kind: "agent_offline",
          severity: "warning",
          host: { id: "sample-2", name: "db1" },
          place: "db1",
          subject: "db1 is offline",
          summary: "The agent on db1 has not connected for 45 minutes.",
        },
        events: ["raised", "resolved"],
      },
    ],
  };
}

/** The message for a sample alert from the form's settings as they stand (unsaved). */
export async function previewChannel(
  deps: ChannelDeps,
  input: z.infer<typeof ZChannelPreviewInput>,
) {
  let settings = input.settings;
  if (input.id) {
    const row = found(
      await deps.db.channel.findUnique({ where: { id: input.id } }),
      "No such channel",
    );
    settings = mergeSecrets(openSettings(deps.keyring, row), input.settings);
  }
  const now = new Date();
  return previewNotice(settings, sampleNotice(input.event, now), {
    publicUrl: deps.config.publicUrl,
    now,
  });
}
