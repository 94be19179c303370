import type pg from "pg";
import type { Logger } from "../logger.js";
import { endQuietly, openClusterConnection } from "./connection.js";

/**
 * Work that must run on one replica at a time (the lost-job sweeper, schedule and alert
 * evaluation, health refreshes, digests, deliveries) runs where `isLeader` is true, and starts
 * or stops when `onChange` says so.
 */
export interface Leadership {
  readonly isLeader: boolean;
  /** Called with the new value on every change; returns the unsubscribe. */
  onChange(listener: (isLeader: boolean) => void): () => void;
  close(): Promise<void>;
}

/** One process (SQLite): it is always the leader. */
export class SoleLeadership implements Leadership {
  readonly isLeader = true;
  onChange(_listener: (isLeader: boolean) => void): () => void {
    return () => {};
  }
  async close(): Promise<void> {}
}

/**
 * The advisory lock's two keys: "RM" and the kind of work. The two-key form lives in a lock
 * space apart from the one-key form Prisma's migrations take.
 */
const LOCK_CLASS = 0x524d;
export const LEADER_LOCK = 1;

export interface PostgresLeadershipOptions {
  url: string;
  replicaId: string;
  logger: Logger;
  /** How often a follower tries to take the lock and a leader checks its connection. */
  intervalMs?: number;
  /** The second key of the lock: one per kind of work that has its own leader. */
  lock?: number;
}

/**
 * Leadership through a session-level advisory lock on a connection of its own: the replica
 * whose connection holds `pg_try_advisory_lock` leads. PostgreSQL releases the lock when that
 * session ends (the process died, the connection broke, `pg_terminate_backend`), and a follower
 * takes it at its next try. A leader whose connection reports an error or ends stops leading at
 * once; one whose check does not answer within the interval stops too and drops the connection.
 *
 * A leader cut off from PostgreSQL without its connection failing (a network partition) stops
 * when its check does not answer: within two intervals (the check waits at least a second).
 * PostgreSQL ends that session after it was idle for three intervals and a second
 * (idle_session_timeout), and only then can another take the lock, so the two do not lead at
 * once. A process that stalls (its event loop blocked
 * for longer than that) still leads, unaware, for a moment when it resumes, so the work itself
 * must stay safe when done twice: the database decides (a conditional UPDATE, a unique key).
 */
export class PostgresLeadership implements Leadership {
  private readonly logger: Logger;
  private readonly intervalMs: number;
  private readonly lock: number;
  private readonly listeners = new Set<(isLeader: boolean) => void>();
  private client: pg.Client | undefined;
  private leading = false;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  /** Attempts to take the lock so far (for tests and debugging). */
  attempts = 0;

  constructor(private readonly options: PostgresLeadershipOptions) {
    this.logger = options.logger.child({ component: "leadership", replicaId: options.replicaId });
    this.intervalMs = options.intervalMs ?? 5000;
    this.lock = options.lock ?? LEADER_LOCK;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * Tries at once, then every interval; resolves once the first try is over (and its
   * listeners were told when it took the lock), so a replica knows whether it leads before it
   * serves.
   */
  async start(): Promise<void> {
    if (this.closed || this.running || this.timer) return;
    this.tick();
    await this.running;
  }

  onChange(listener: (isLeader: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    await this.running;
    const client = this.client;
    this.client = undefined;
    this.setLeading(false, "closed");
    // Ending the session releases the lock for the others.
    await endQuietly(client);
  }

  private tick(): void {
    this.timer = undefined;
    this.running = this.attempt().finally(() => {
      this.running = undefined;
      if (this.closed) return;
      this.timer = setTimeout(() => this.tick(), this.intervalMs);
      this.timer.unref();
    });
  }

  private async attempt(): Promise<void> {
    let client = this.client;
    try {
      if (!client) {
        client = await this.connect();
        if (this.closed) {
          await endQuietly(client);
          return;
        }
        this.client = client;
      }
      if (this.leading) {
        await client.query("SELECT 1");
        return;
      }
      this.attempts += 1;
      const { rows } = await client.query<{ locked: boolean }>(
        "SELECT pg_try_advisory_lock($1, $2) AS locked",
        [LOCK_CLASS, this.lock],
      );
      if (rows[0]?.locked && this.client === client && !this.closed) {
        this.setLeading(true, "lock taken");
      }
    } catch (error) {
      if (client) {
        // Already handled when the connection's own error came first.
        this.connectionLost(client, error);
        return;
      }
      this.logger.debug(
        { event: "leadership.connect_failed", error: errorMessage(error) },
        "could not reach PostgreSQL to try for leadership",
      );
    }
  }

  private connect(): Promise<pg.Client> {
    const client: Promise<pg.Client> = openClusterConnection({
      url: this.options.url,
      replicaId: this.options.replicaId,
      role: "leader",
      // A check that does not answer within the interval counts as a lost connection.
      queryTimeoutMs: Math.max(this.intervalMs, 1000),
      // Tries and checks keep the session busy every interval. One that stays idle for three
      // (the replica hung or was cut off) is ended by PostgreSQL, which releases the lock.
      idleSessionTimeoutMs: 3 * this.intervalMs + 1000,
      onLost: (error) => {
        void client.then((lost) => this.connectionLost(lost, error ?? "connection ended"));
      },
    });
    return client;
  }

  /** Stops leading at once; the next try makes a new connection. */
  private connectionLost(client: pg.Client, error: unknown): void {
    if (this.client !== client) return;
    this.client = undefined;
    void endQuietly(client);
    if (this.closed) return;
    this.logger.warn(
      { event: "leadership.connection_lost", error: errorMessage(error), wasLeader: this.leading },
      "the leadership connection was lost",
    );
    this.setLeading(false, "connection lost");
  }

  private setLeading(leading: boolean, reason: string): void {
    if (this.leading === leading) return;
    this.leading = leading;
    this.logger.info(
      { event: leading ? "leadership.gained" : "leadership.lost", reason },
      leading ? "this replica now leads" : "this replica no longer leads",
    );
    for (const listener of [...this.listeners]) {
      try {
        listener(leading);
      } catch (error) {
        this.logger.error(
          { event: "leadership.listener_failed", error: errorMessage(error) },
          "a leadership listener failed",
        );
      }
    }
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
