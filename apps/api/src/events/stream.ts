import type { EventEmitter } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { FLEET_EVENT_LIMITS, type TFleetBatch, type TFleetEvent } from "@restic-manager/contracts";
import type { JobStateEvent } from "../jobs/eventBus.js";

/** The emitters the fleet stream listens to; each already exists for its own domain. */
export interface FleetEventSources {
  /** AgentRegistry.events */
  agents: EventEmitter<{ online: [string]; offline: [string] }>;
  /** JobEventBus.states */
  jobs: EventEmitter<{ state: [jobId: string, event: JobStateEvent] }>;
  /** AlertService.changes */
  alerts: EventEmitter<{ changed: [] }>;
  /** ScheduleService.changes */
  schedules: EventEmitter<{ changed: [] }>;
}

export interface FleetStreamOptions {
  /** At most one message per subscriber this often. */
  intervalMs?: number;
  /** Distinct changes one subscriber may have waiting; beyond it they become one "resync". */
  maxPending?: number;
  /** An empty message after this long without changes keeps the stream open through proxies. */
  keepAliveMs?: number;
  now?: () => number;
}

/** Changes for the same host or job replace each other: only the latest is worth sending. */
function keyOf(event: TFleetEvent): string {
  switch (event.type) {
    case "host":
      return `host:${event.hostId}`;
    case "job":
      return `job:${event.jobId}`;
    case "alerts":
    case "schedules":
    case "resync":
      return event.type;
    default: {
      const unknownEvent: never = event;
      return unknownEvent;
    }
  }
}

/** The later change wins, but a job's creation is not lost when its next states follow fast. */
function merged(earlier: TFleetEvent | undefined, later: TFleetEvent): TFleetEvent {
  if (earlier?.type === "job" && later.type === "job" && earlier.created && !later.created) {
    return { ...later, created: true };
  }
  return later;
}

/**
 * What one subscriber has not been sent yet, at most one entry per host or job and at most
 * `maxPending` entries: a reconnect storm of a whole fleet costs each browser one "resync",
 * not ten thousand events, and the server a bounded map per browser.
 */
export class PendingFleetEvents {
  private readonly pending = new Map<string, TFleetEvent>();
  private overflowedAt: Date | undefined;
  private waiter: (() => void) | undefined;

  constructor(private readonly maxPending: number) {}

  push(event: TFleetEvent): void {
    if (this.overflowedAt === undefined) {
      const key = keyOf(event);
      const replaced = this.pending.get(key);
      // Delete first, so the map keeps the order of the latest changes.
      this.pending.delete(key);
      this.pending.set(key, merged(replaced, event));
      if (this.pending.size > this.maxPending) {
        this.pending.clear();
        this.overflowedAt = event.at;
      }
    }
    this.waiter?.();
  }

  get size(): number {
    return this.overflowedAt === undefined ? this.pending.size : 1;
  }

  /** Everything waiting, emptied. */
  take(): TFleetEvent[] {
    if (this.overflowedAt !== undefined) {
      const at = this.overflowedAt;
      this.overflowedAt = undefined;
      return [{ type: "resync", at }];
    }
    const events = [...this.pending.values()];
    this.pending.clear();
    return events;
  }

  /** Resolves once something is waiting, the signal aborts, or `timeoutMs` passed. */
  async next(signal: AbortSignal, timeoutMs: number): Promise<void> {
    if (this.size > 0 || signal.aborted) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.waiter = undefined;
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiter = done;
      signal.addEventListener("abort", done);
    });
  }
}

/**
 * The fleet's live changes for browsers: hosts going online and offline, jobs changing state,
 * alerts changing, schedules' slots marked missed. One listener per source however many browsers watch; each browser gets its
 * changes coalesced, in messages at most every `intervalMs`.
 */
export class FleetEventStream {
  private readonly subscribers = new Set<(event: TFleetEvent) => void>();
  private readonly intervalMs: number;
  private readonly maxPending: number;
  private readonly keepAliveMs: number;
  private readonly now: () => number;

  constructor(sources: FleetEventSources, options: FleetStreamOptions = {}) {
    this.intervalMs = options.intervalMs ?? FLEET_EVENT_LIMITS.intervalMs;
    this.maxPending = options.maxPending ?? FLEET_EVENT_LIMITS.maxPending;
    this.keepAliveMs = options.keepAliveMs ?? FLEET_EVENT_LIMITS.keepAliveMs;
    this.now = options.now ?? Date.now;
    const at = () => new Date(this.now());
    sources.agents.on("online", (hostId) =>
      this.emit({ type: "host", hostId, online: true, at: at() }),
    );
    sources.agents.on("offline", (hostId) =>
      this.emit({ type: "host", hostId, online: false, at: at() }),
    );
    sources.jobs.on("state", (jobId, event) =>
      this.emit({
        type: "job",
        jobId,
        state: event.state,
        created: event.state === "queued",
        at: event.at,
        exitCode: event.exitCode,
        error: event.error,
      }),
    );
    sources.alerts.on("changed", () => this.emit({ type: "alerts", at: at() }));
    sources.schedules.on("changed", () => this.emit({ type: "schedules", at: at() }));
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /**
   * Batches of changes until `signal` aborts. The first change after a quiet spell goes out at
   * once; later ones wait until `intervalMs` passed since the previous message. A quiet spell
   * of `keepAliveMs` sends an empty batch.
   */
  async *subscribe(signal: AbortSignal): AsyncGenerator<TFleetBatch> {
    const pending = new PendingFleetEvents(this.maxPending);
    const add = (event: TFleetEvent) => pending.push(event);
    this.subscribers.add(add);
    try {
      while (!signal.aborted) {
        await pending.next(signal, this.keepAliveMs);
        if (signal.aborted) return;
        yield { events: pending.take() };
        await sleep(this.intervalMs, undefined, { signal }).catch(() => undefined);
      }
    } finally {
      this.subscribers.delete(add);
    }
  }

  private emit(event: TFleetEvent): void {
    for (const subscriber of this.subscribers) subscriber(event);
  }
}
