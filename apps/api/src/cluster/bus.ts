import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { setTimeout as delay } from "node:timers/promises";
import type pg from "pg";
import type { Logger } from "../logger.js";
import { type Backoff, exponentialBackoff } from "./backoff.js";
import { endQuietly, openClusterConnection } from "./connection.js";
import {
  type ClusterMessage,
  type ClusterMessageBody,
  decodePayload,
  fitPayloads,
  MAX_PAYLOAD_BYTES,
} from "./messages.js";

export type ClusterListener = (message: ClusterMessage) => void;

/**
 * How replicas tell each other what happened. Delivery is best effort: a message may be lost
 * when a connection drops (`onReconnected` tells when to run a full pass over the database),
 * never delivered twice, and a replica never hears its own messages.
 */
export interface ClusterBus {
  readonly replicaId: string;
  /** False while the bus cannot hear other replicas (its connection is being re-made). */
  readonly listening: boolean;
  /** Sends to every other replica. Never rejects: what cannot be sent is logged and dropped. */
  publish(message: ClusterMessageBody): Promise<void>;
  subscribe(listener: ClusterListener): () => void;
  /** After the bus heard nothing for a while and hears again: messages may have been lost. */
  onReconnected(listener: () => void): () => void;
  close(): Promise<void>;
}

/** A replica id that says where it runs and stays unique across restarts. */
export function newReplicaId(): string {
  return `${hostname().slice(0, 40)}-${process.pid}-${randomBytes(4).toString("hex")}`;
}

/** One process, no other replicas: nothing to tell anyone. */
export class LocalBus implements ClusterBus {
  readonly listening = true;
  constructor(readonly replicaId: string = newReplicaId()) {}
  async publish(_message: ClusterMessageBody): Promise<void> {}
  subscribe(_listener: ClusterListener): () => void {
    return () => {};
  }
  onReconnected(_listener: () => void): () => void {
    return () => {};
  }
  async close(): Promise<void> {}
}

export interface PostgresBusOptions {
  url: string;
  replicaId: string;
  logger: Logger;
  /** One channel for all messages (a plain lower-case identifier). */
  channel?: string;
  /** Delays between attempts to re-make the LISTEN connection. */
  reconnect?: { minMs: number; maxMs: number };
  maxPayloadBytes?: number;
  /**
   * How often the LISTEN connection is checked, and how long a query may take: a connection
   * that does not answer is made again (default 10 s).
   */
  checkMs?: number;
}

export const DEFAULT_CHANNEL = "restic_manager_cluster";
/** Payloads per NOTIFY statement when messages queue up behind one another. */
const PAYLOADS_PER_STATEMENT = 200;
/**
 * Payloads waiting to be sent at most (while PostgreSQL is slow or away): messages are hints,
 * so past this new ones are dropped rather than kept in memory without end.
 */
const MAX_QUEUED_PAYLOADS = 10_000;
/** How often a message that does not parse is logged at most. */
const INVALID_LOG_INTERVAL_MS = 60_000;
/** How long close() waits for what is queued to go out. */
const CLOSE_FLUSH_MS = 2000;

interface Pending {
  payloads: string[];
  sent: () => void;
}

/**
 * The bus over PostgreSQL's LISTEN/NOTIFY: one connection LISTENs on one channel and is made
 * again with back-off when it fails; another sends, in order, with `pg_notify`. A NOTIFY is
 * delivered to the listeners of the same database only, in the order the sender's statements
 * committed.
 */
export class PostgresBus implements ClusterBus {
  readonly replicaId: string;
  private readonly channel: string;
  private readonly logger: Logger;
  private readonly listeners = new Set<ClusterListener>();
  private readonly reconnectedListeners = new Set<() => void>();
  private readonly backoff: Backoff;
  private readonly maxPayloadBytes: number;
  private listenClient: pg.Client | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private checking = false;
  private readonly checkMs: number;
  private notifyClient: Promise<pg.Client> | undefined;
  private readonly queue: Pending[] = [];
  private queuedPayloads = 0;
  private backlogFull = false;
  private pumping: Promise<void> | undefined;
  private seq = 0;
  private closed = false;
  /** Messages from other processes dropped because they do not parse, since start. */
  invalidMessages = 0;
  private unloggedInvalid = 0;
  private invalidLoggedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: PostgresBusOptions) {
    this.replicaId = options.replicaId;
    this.channel = options.channel ?? DEFAULT_CHANNEL;
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.channel)) {
      throw new Error(`not a plain channel name: ${this.channel}`);
    }
    this.logger = options.logger.child({ component: "cluster-bus", replicaId: this.replicaId });
    this.backoff = exponentialBackoff(options.reconnect ?? { minMs: 200, maxMs: 10_000 });
    this.maxPayloadBytes = options.maxPayloadBytes ?? MAX_PAYLOAD_BYTES;
    this.checkMs = options.checkMs ?? 10_000;
  }

  get listening(): boolean {
    return this.listenClient !== undefined;
  }

  /** Makes the LISTEN connection; rejects when PostgreSQL cannot be reached now. */
  async start(): Promise<void> {
    await this.listen();
  }

  publish(message: ClusterMessageBody): Promise<void> {
    if (this.closed) return Promise.resolve();
    const { payloads, dropped } = fitPayloads({
      replicaId: this.replicaId,
      body: message,
      nextSeq: () => this.seq++,
      maxBytes: this.maxPayloadBytes,
    });
    if (dropped) {
      this.logger.warn(
        { event: "cluster.message_too_large", kind: message.kind, maxBytes: this.maxPayloadBytes },
        "a cluster message (or part of one) does not fit in a NOTIFY payload and was dropped",
      );
    }
    if (payloads.length === 0) return Promise.resolve();
    if (this.queuedPayloads + payloads.length > MAX_QUEUED_PAYLOADS) {
      if (!this.backlogFull) {
        this.backlogFull = true;
        this.logger.warn(
          { event: "cluster.publish_backlog_full", queued: this.queuedPayloads },
          "cluster messages are not going out fast enough; new ones are dropped until they do",
        );
      }
      return Promise.resolve();
    }
    this.queuedPayloads += payloads.length;
    return new Promise((resolve) => {
      this.queue.push({ payloads, sent: resolve });
      this.pumping ??= this.pump();
    });
  }

  subscribe(listener: ClusterListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onReconnected(listener: () => void): () => void {
    this.reconnectedListeners.add(listener);
    return () => this.reconnectedListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.checkTimer);
    // What was published before close is still sent (a shutdown's last announcements), unless
    // PostgreSQL does not take it soon.
    await Promise.race([this.pumping, delay(CLOSE_FLUSH_MS, undefined, { ref: false })]);
    const unsent = this.queue.splice(0);
    for (const pending of unsent) pending.sent();
    if (unsent.length > 0) {
      this.logger.warn(
        { event: "cluster.publish_dropped_on_close", messages: unsent.length },
        "cluster messages still queued at close were dropped",
      );
    }
    const listenClient = this.listenClient;
    this.listenClient = undefined;
    // A sending connection still being made (PostgreSQL away) is ended once it is, unwaited.
    void this.notifyClient?.then(endQuietly, () => undefined);
    this.notifyClient = undefined;
    await endQuietly(listenClient);
  }

  private async listen(): Promise<void> {
    const client: pg.Client = await openClusterConnection({
      url: this.options.url,
      replicaId: this.replicaId,
      role: "listen",
      queryTimeoutMs: this.checkMs,
      // Checked every checkMs: a session that misses three checks is ended by PostgreSQL, so a
      // replica cut off does not hold back the notification queue for everyone.
      idleSessionTimeoutMs: 3 * this.checkMs,
      onLost: (error) => this.listenLost(client, error),
    });
    client.on("notification", (notification) => {
      if (notification.channel !== this.channel) return;
      this.deliver(notification.payload ?? "", notification.processId);
    });
    try {
      await client.query(`LISTEN "${this.channel}"`);
    } catch (error) {
      await endQuietly(client);
      throw error;
    }
    if (this.closed) {
      await endQuietly(client);
      return;
    }
    this.listenClient = client;
    clearInterval(this.checkTimer);
    this.checkTimer = setInterval(() => void this.checkListen(client), this.checkMs);
    this.checkTimer.unref();
  }

  /** A connection cut off without an error (a network partition) fails this check. */
  private async checkListen(client: pg.Client): Promise<void> {
    if (this.listenClient !== client || this.checking) return;
    this.checking = true;
    try {
      await client.query("SELECT 1");
    } catch (error) {
      this.listenLost(client, error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.checking = false;
    }
  }

  private listenLost(client: pg.Client, error: Error | undefined): void {
    if (this.listenClient !== client) return;
    this.listenClient = undefined;
    clearInterval(this.checkTimer);
    void endQuietly(client);
    if (this.closed) return;
    this.logger.warn(
      { event: "cluster.listen_lost", error: error?.message ?? "connection ended" },
      "the cluster LISTEN connection was lost; making it again",
    );
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const delay = this.backoff.next();
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.listen().then(
        () => {
          if (this.closed) return;
          this.backoff.reset();
          this.logger.info({ event: "cluster.listen_restored" }, "the cluster LISTEN is back");
          for (const listener of [...this.reconnectedListeners]) {
            try {
              listener();
            } catch (error) {
              this.logListenerError(error);
            }
          }
        },
        (error: Error) => {
          this.logger.debug(
            { event: "cluster.listen_retry_failed", error: error.message, delayMs: delay },
            "could not make the cluster LISTEN connection yet",
          );
          this.scheduleReconnect();
        },
      );
    }, delay);
    this.reconnectTimer.unref();
  }

  private deliver(payload: string, processId: number): void {
    const decoded = decodePayload(payload);
    if (!decoded.ok) {
      this.invalidMessages += 1;
      this.unloggedInvalid += 1;
      // One line a minute at most: a newer replica in a rolling upgrade may send many.
      const now = Date.now();
      if (now - this.invalidLoggedAt >= INVALID_LOG_INTERVAL_MS) {
        this.logger.warn(
          {
            event: "cluster.message_invalid",
            reason: decoded.reason,
            senderPid: processId,
            dropped: this.unloggedInvalid,
          },
          "dropped cluster messages this replica does not understand",
        );
        this.invalidLoggedAt = now;
        this.unloggedInvalid = 0;
      }
      return;
    }
    const { r: replicaId, m: body } = decoded.envelope;
    // PostgreSQL delivers a NOTIFY to the sender's own LISTEN as well.
    if (replicaId === this.replicaId) return;
    const message: ClusterMessage = { ...body, replicaId };
    for (const listener of [...this.listeners]) {
      try {
        listener(message);
      } catch (error) {
        this.logListenerError(error);
      }
    }
  }

  private logListenerError(error: unknown): void {
    this.logger.error(
      { event: "cluster.listener_failed", error: error instanceof Error ? error.message : error },
      "a cluster message listener failed",
    );
  }

  /** Sends what is queued, in order, several payloads per statement when they queue up. */
  private async pump(): Promise<void> {
    while (this.queue.length > 0) {
      const batch: Pending[] = [];
      let count = 0;
      while (this.queue.length > 0 && count < PAYLOADS_PER_STATEMENT) {
        const next = this.queue.shift();
        if (!next) break;
        batch.push(next);
        count += next.payloads.length;
      }
      const payloads = batch.flatMap((pending) => pending.payloads);
      this.queuedPayloads -= payloads.length;
      if (this.queuedPayloads === 0) this.backlogFull = false;
      try {
        const client = await this.notifier();
        await client.query("SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload", [
          this.channel,
          payloads,
        ]);
      } catch (error) {
        const failed = this.notifyClient;
        this.notifyClient = undefined;
        void failed?.then(endQuietly, () => undefined);
        this.logger.warn(
          {
            event: "cluster.publish_failed",
            messages: payloads.length,
            error: error instanceof Error ? error.message : String(error),
          },
          "cluster messages could not be sent and were dropped",
        );
      } finally {
        for (const pending of batch) pending.sent();
      }
    }
    // In the same turn as the loop's last look at the queue (nothing in the loop throws), so a
    // message queued after it starts a new pump.
    this.pumping = undefined;
  }

  private notifier(): Promise<pg.Client> {
    if (this.notifyClient) return this.notifyClient;
    const forget = () => {
      if (this.notifyClient === connecting) this.notifyClient = undefined;
    };
    const connecting = openClusterConnection({
      url: this.options.url,
      replicaId: this.replicaId,
      role: "notify",
      // A send that does not answer fails, so the queue behind it moves on.
      queryTimeoutMs: this.checkMs,
      onLost: forget,
    });
    connecting.catch(forget);
    this.notifyClient = connecting;
    return connecting;
  }
}
