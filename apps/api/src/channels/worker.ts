import type { Db } from "../db.js";
import type { Logger } from "../logger.js";
import type { Keyring } from "../secrets/keyring.js";
import { gatherDueDigests } from "./digest.js";
import { MissingAlertError, noticeFor } from "./notices.js";
import { type SendOutcome, sendNotice } from "./senders/index.js";
import { openSettings } from "./settings.js";

/**
 * Sends queued alert messages outside any request. Each pass takes `pending` deliveries that
 * are due, one per channel at a time and a few channels at once, so a slow or failing channel
 * holds up only its own queue. Every try is recorded; failures are retried with backoff and
 * given up after MAX_ATTEMPTS. A delivery caught `sending` by a crash is picked up again at
 * start, so no queued message is lost (at worst one is sent twice).
 */

/** Waits before the 2nd, 3rd, … try; after the last, the delivery has failed. */
export const RETRY_DELAYS_MS = [
  30_000,
  2 * 60_000,
  10 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  6 * 3_600_000,
  12 * 3_600_000,
] as const;
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

const PASS_INTERVAL_MS = 5000;
const PARALLEL_CHANNELS = 4;
/** How many due deliveries a pass looks at to find ones of idle channels. */
const SCAN = 50;

export interface DeliveryWorkerOptions {
  db: Db;
  keyring: Keyring;
  logger: Logger;
  publicUrl: string;
  now?: () => number;
  intervalMs?: number;
}

/** The outcome of one try, as recorded. */
export interface TryRecord extends SendOutcome {
  at: Date;
  durationMs: number;
  /** No point in retrying (the alert is gone, the channel is off). */
  final?: boolean;
}

export class DeliveryWorker {
  private readonly db: Db;
  private readonly keyring: Keyring;
  private readonly logger: Logger;
  private readonly publicUrl: string;
  private readonly now: () => number;
  private readonly intervalMs: number;
  /** Sends under way, by channel: one per channel. */
  private readonly sending = new Map<string, Promise<void>>();
  private stopping = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> | undefined;
  private passAgain = false;
  private running = false;
  /** The start under way or done, which a second caller waits for too. */
  private starting: Promise<void> | undefined;

  constructor(options: DeliveryWorkerOptions) {
    this.db = options.db;
    this.keyring = options.keyring;
    this.logger = options.logger;
    this.publicUrl = options.publicUrl;
    this.now = options.now ?? Date.now;
    this.intervalMs = options.intervalMs ?? PASS_INTERVAL_MS;
  }

  /**
   * Takes back what a previous process left `sending`, then runs passes on a timer. Started
   * again after a stop (a replica that leads again), it starts afresh.
   */
  start(): Promise<void> {
    if (!this.running) {
      this.running = true;
      this.starting = this.begin();
    }
    return this.starting ?? Promise.resolve();
  }

  private async begin(): Promise<void> {
    if (this.stopping.signal.aborted) this.stopping = new AbortController();
    const recovered = await this.db.alertDelivery.updateMany({
      where: { state: "sending" },
      data: { state: "pending" },
    });
    if (recovered.count > 0) {
      this.logger.info(
        { event: "deliveries.recovered", count: recovered.count },
        "deliveries interrupted by the last stop are queued again",
      );
    }
    if (!this.running) return; // stopped meanwhile
    this.timer = setInterval(() => this.wake(), this.intervalMs);
    this.timer.unref();
    this.wake();
  }

  /** Runs a pass now (or right after the one under way): new messages were queued. */
  wake(): void {
    if (!this.running) return;
    if (this.pass) {
      this.passAgain = true;
      return;
    }
    this.pass = this.runPass()
      .catch((error: unknown) => {
        this.logger.error({ event: "deliveries.pass_failed", err: error }, "delivery pass failed");
      })
      .finally(() => {
        this.pass = undefined;
        if (this.passAgain) {
          this.passAgain = false;
          this.wake();
        }
      });
  }

  /** Stops passes, cancels sends under way (queued again for the next start) and waits. */
  async stop(): Promise<void> {
    this.running = false;
    this.starting = undefined;
    clearInterval(this.timer);
    this.stopping.abort();
    await this.pass;
    await Promise.allSettled(this.sending.values());
  }

  /** One pass and the sends it started, for tests that drive the worker by hand. */
  async runOnce(): Promise<void> {
    await this.runPass();
    await Promise.allSettled(this.sending.values());
  }

  private async runPass(): Promise<void> {
    const now = new Date(this.now());
    await gatherDueDigests(this.db, now);
    const free = PARALLEL_CHANNELS - this.sending.size;
    if (free <= 0) return;
    const due = await this.db.alertDelivery.findMany({
      where: {
        state: "pending",
        nextAttemptAt: { lte: now },
        channelId: { notIn: [...this.sending.keys()] },
      },
      orderBy: [{ nextAttemptAt: "asc" }, { createdAt: "asc" }, { id: "asc" }],
      take: SCAN,
      select: { id: true, channelId: true },
    });
    const picked = new Map<string, string>();
    for (const { id, channelId } of due) {
      if (picked.size >= free) break;
      if (!picked.has(channelId)) picked.set(channelId, id);
    }
    for (const [channelId, id] of picked) {
      // Claimed only if still pending: the state is the lock.
      const claimed = await this.db.alertDelivery.updateMany({
        where: { id, state: "pending" },
        data: { state: "sending" },
      });
      if (claimed.count === 0) continue;
      const work = this.deliver(id)
        .catch((error: unknown) => {
          this.logger.error({ event: "delivery.crashed", deliveryId: id, err: error });
        })
        .finally(() => {
          this.sending.delete(channelId);
          this.wake();
        });
      this.sending.set(channelId, work);
    }
  }

  private async deliver(id: string): Promise<void> {
    const delivery = await this.db.alertDelivery.findUnique({
      where: { id },
      include: { channel: true },
    });
    if (!delivery) return;
    const started = this.now();
    let outcome: SendOutcome & { final?: boolean };
    try {
      if (!delivery.channel.enabled) {
        outcome = { ok: false, result: "The channel is disabled", final: true };
      } else {
        const settings = openSettings(this.keyring, delivery.channel);
        const notice = await noticeFor(this.db, delivery, new Date(started));
        outcome = await sendNotice(settings, notice, {
          publicUrl: this.publicUrl,
          now: new Date(started),
          signal: this.stopping.signal,
        });
      }
    } catch (error) {
      // Never the error's details beyond its message: it may come from opening the secrets.
      const final = error instanceof MissingAlertError;
      outcome = { ok: false, result: error instanceof Error ? error.message : "Failed", final };
    }
    if (this.stopping.signal.aborted && !outcome.ok) {
      // Cut short by the stop: not the channel's fault, and sent again after the restart.
      await this.db.alertDelivery.update({ where: { id }, data: { state: "pending" } });
      return;
    }
    const state = await recordTry(this.db, delivery, {
      ...outcome,
      at: new Date(started),
      durationMs: Math.max(0, this.now() - started),
    });
    const log = {
      event: `delivery.${state}`,
      deliveryId: id,
      channelId: delivery.channelId,
      kind: delivery.channel.kind,
      alertEvent: delivery.event,
      attempt: delivery.attempts + 1,
      result: outcome.result,
    };
    if (outcome.ok) this.logger.info(log, "alert message sent");
    else this.logger.warn(log, "alert message not sent");
  }
}

/**
 * Records one try and moves the delivery on: sent; pending again after its backoff; or failed
 * after the last try. A digest's held messages follow it: sent with it, or held again for the
 * next digest when it fails for good.
 */
export async function recordTry(
  db: Db,
  delivery: { id: string; attempts: number; event: string },
  outcome: TryRecord,
): Promise<"sent" | "pending" | "failed"> {
  const attempts = delivery.attempts + 1;
  const delay = RETRY_DELAYS_MS[attempts - 1];
  const state = outcome.ok
    ? "sent"
    : outcome.final || delay === undefined || attempts >= MAX_ATTEMPTS
      ? "failed"
      : "pending";
  await db.$transaction(async (tx) => {
    await tx.deliveryAttempt.create({
      data: {
        deliveryId: delivery.id,
        at: outcome.at,
        ok: outcome.ok,
        result: outcome.result,
        durationMs: outcome.durationMs,
      },
    });
    await tx.alertDelivery.update({
      where: { id: delivery.id },
      data: {
        state,
        attempts,
        lastResult: outcome.result,
        ...(state === "sent" ? { sentAt: outcome.at } : {}),
        ...(state === "pending" && delay !== undefined
          ? { nextAttemptAt: new Date(outcome.at.getTime() + outcome.durationMs + delay) }
          : {}),
      },
    });
    if (delivery.event !== "digest") return;
    if (state === "sent") {
      await tx.alertDelivery.updateMany({
        where: { digestId: delivery.id, state: "held" },
        data: { state: "sent", sentAt: outcome.at },
      });
    } else if (state === "failed") {
      await tx.alertDelivery.updateMany({
        where: { digestId: delivery.id, state: "held" },
        data: { digestId: null },
      });
    }
  });
  return state;
}
