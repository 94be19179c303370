import type { TAuditAction } from "@restic-manager/contracts";
import type { Db } from "../db.js";
import type { Logger } from "../logger.js";
import { recordAudit } from "./service.js";

/**
 * Refusals of callers who proved nothing (agent sockets without a valid credential, say) go
 * to the audit log aggregated: the first refusal per address, reason and target in a window
 * writes a row, the later ones only count, and the count and the last time are written to
 * that row now and then. Whoever can reach the server can then add at most one row per
 * address and reason per window, and a flood from many addresses is folded into one row per
 * reason once more than `maxNewRowsPerMinute` would be written.
 */

export interface Refusal {
  action: TAuditAction;
  ip: string | undefined;
  reason: string;
  target?: { type: string; id?: string | undefined; name?: string | undefined };
  /** A name the caller gave (a username tried); kept from the first refusal of a row. */
  actorName?: string | undefined;
  /** Context for the reader, from the first refusal of a row; never a secret. */
  details?: Record<string, unknown>;
}

export interface RefusalLogOptions {
  db: Db;
  logger: Logger;
  /** How long one row collects repeats of its refusal. */
  windowMs?: number;
  /** How often counts are written to their rows. */
  flushMs?: number;
  /** New rows allowed per minute before further addresses share one row. */
  maxNewRowsPerMinute?: number;
  now?: () => number;
}

interface Entry {
  row: Promise<string | undefined>;
  firstAt: number;
  lastAt: number;
  count: number;
  written: number;
  details: Record<string, unknown>;
}

const MAX_ENTRIES = 10_000;
export const MANY_ADDRESSES = "(many addresses)";

export class RefusalLog {
  private readonly entries = new Map<string, Entry>();
  private readonly windowMs: number;
  private readonly maxNewRowsPerMinute: number;
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout;
  private minute = { startedAt: 0, rows: 0 };
  /** Writes of entries already forgotten, awaited by the next flush. */
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly options: RefusalLogOptions) {
    this.windowMs = options.windowMs ?? 60 * 60_000;
    this.maxNewRowsPerMinute = options.maxNewRowsPerMinute ?? 60;
    this.now = options.now ?? Date.now;
    this.timer = setInterval(() => void this.flush(), options.flushMs ?? 10_000);
    this.timer.unref();
  }

  /**
   * Counts a refusal. Resolves once its row exists when it starts a new one, at once
   * otherwise; never rejects (a failing audit write must not turn into another error).
   */
  record(refusal: Refusal): Promise<void> {
    const now = this.now();
    let ip = refusal.ip ?? "unknown";
    let key = keyOf(refusal, ip);
    let entry = this.current(key, now);
    if (!entry && !this.mayAddRow(now)) {
      ip = MANY_ADDRESSES;
      key = keyOf(refusal, ip);
      entry = this.current(key, now);
    }
    if (entry) {
      entry.count += 1;
      entry.lastAt = now;
      return Promise.resolve();
    }
    const row = recordAudit(this.options.db, {
      action: refusal.action,
      outcome: "failure",
      actor: { type: "anonymous", name: refusal.actorName },
      target: refusal.target,
      ip,
      details: { ...refusal.details, reason: refusal.reason, count: 1 },
    }).catch((error: unknown) => {
      this.options.logger.error({ event: "audit.refusal_failed", err: error });
      return undefined;
    });
    this.entries.set(key, {
      row,
      firstAt: now,
      lastAt: now,
      count: 1,
      written: 1,
      details: { ...refusal.details, reason: refusal.reason },
    });
    this.evictOldest();
    return row.then(() => undefined);
  }

  /** Writes the counts gathered since the last flush to their rows. */
  async flush(): Promise<void> {
    const now = this.now();
    const writes: Promise<void>[] = [...this.pending];
    this.pending.clear();
    for (const [key, entry] of this.entries) {
      if (entry.count > entry.written) writes.push(this.write(entry));
      else if (now - entry.firstAt >= this.windowMs) this.entries.delete(key);
    }
    await Promise.all(writes);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** The entry still collecting `key`; one whose window has passed is written out and dropped. */
  private current(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry || now - entry.firstAt < this.windowMs) return entry;
    this.entries.delete(key);
    if (entry.count > entry.written) this.pending.add(this.write(entry));
    return undefined;
  }

  private mayAddRow(now: number): boolean {
    if (now - this.minute.startedAt >= 60_000) this.minute = { startedAt: now, rows: 0 };
    this.minute.rows += 1;
    return this.minute.rows <= this.maxNewRowsPerMinute;
  }

  private async write(entry: Entry): Promise<void> {
    const count = entry.count;
    const id = await entry.row;
    if (!id) return;
    try {
      await this.options.db.auditEvent.update({
        where: { id },
        data: {
          details: JSON.stringify({
            ...entry.details,
            count,
            lastAt: new Date(entry.lastAt).toISOString(),
          }),
        },
      });
      entry.written = Math.max(entry.written, count);
    } catch (error) {
      this.options.logger.error({ event: "audit.refusal_failed", err: error });
    }
  }

  /** Bounded memory: the oldest entries are written out and forgotten. */
  private evictOldest(): void {
    while (this.entries.size > MAX_ENTRIES) {
      const oldest = this.entries.entries().next();
      if (oldest.done) return;
      const [key, entry] = oldest.value;
      this.entries.delete(key);
      if (entry.count > entry.written) this.pending.add(this.write(entry));
    }
  }
}

function keyOf(refusal: Refusal, ip: string): string {
  return [refusal.action, ip, refusal.reason, refusal.target?.id ?? ""].join("\u0000");
}
