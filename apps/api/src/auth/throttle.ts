import { createHash } from "node:crypto";

/**
 * Login throttling by account and by client address: a fixed allowance of failures in a
 * sliding window, then a lockout that doubles with each further failure (capped).
 * Held in memory: a restart forgets it, which costs an attacker nothing they could not
 * get by waiting, and keeps failed logins from writing to the database. Replicas on one
 * PostgreSQL tell each other every change (see `relay` and Replicas), so an address that
 * spreads its attempts over them is counted once, not once per replica.
 */

export interface ThrottleRule {
  /** Failures allowed inside the window before lockouts start. */
  allowed: number;
  windowMs: number;
  baseLockMs: number;
  maxLockMs: number;
}

export const ACCOUNT_RULE: ThrottleRule = {
  allowed: 5,
  windowMs: 15 * 60_000,
  baseLockMs: 30_000,
  maxLockMs: 15 * 60_000,
};

export const ADDRESS_RULE: ThrottleRule = {
  allowed: 20,
  windowMs: 15 * 60_000,
  baseLockMs: 60_000,
  maxLockMs: 60 * 60_000,
};

/**
 * Credentials refused from one address: agent sockets, enrollment tokens, API tokens and
 * session cookies (a misconfigured fleet behind one NAT retries often, so the allowance is
 * generous and the lockout short).
 */
export const CREDENTIAL_ADDRESS_RULE: ThrottleRule = {
  allowed: 30,
  windowMs: 5 * 60_000,
  baseLockMs: 10_000,
  maxLockMs: 5 * 60_000,
};

/**
 * One change to a throttle, as replicas tell it each other. Keys travel as digests: the
 * names people typed (sometimes a password, in the wrong field) stay out of the database's
 * notifications.
 */
export interface ThrottleChange {
  op: "failure" | "success" | "forgive";
  keyDigest: string;
}

interface Entry {
  failures: number[];
  lockedUntil: number;
}

const MAX_ENTRIES = 100_000;

/** Entries are kept by digest too: bounded size whatever the key's length. */
export function throttleKeyDigest(key: string): string {
  return createHash("sha256").update(key).digest("base64url").slice(0, 22);
}

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();
  /** Told every change made through this process (not those applied from elsewhere). */
  relay: ((change: ThrottleChange) => void) | undefined;

  constructor(
    private readonly rule: ThrottleRule,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until `key` may try again; 0 when it may try now. */
  retryAfterMs(key: string): number {
    const entry = this.entries.get(throttleKeyDigest(key));
    return entry ? Math.max(0, entry.lockedUntil - this.now()) : 0;
  }

  recordFailure(key: string): void {
    this.change({ op: "failure", keyDigest: throttleKeyDigest(key) });
  }

  recordSuccess(key: string): void {
    this.change({ op: "success", keyDigest: throttleKeyDigest(key) });
  }

  /**
   * Takes back the latest failure of `key`: an attempt is counted before its password is
   * checked (so concurrent attempts cannot all pass the check first), and forgiven when it
   * turns out to be right.
   */
  forgiveLatest(key: string): void {
    this.change({ op: "forgive", keyDigest: throttleKeyDigest(key) });
  }

  /** A change another replica made: applied here, not told again. */
  apply(change: ThrottleChange): void {
    switch (change.op) {
      case "failure":
        this.failure(change.keyDigest);
        return;
      case "success":
        this.entries.delete(change.keyDigest);
        return;
      case "forgive":
        this.forgive(change.keyDigest);
        return;
    }
  }

  private change(change: ThrottleChange): void {
    this.apply(change);
    this.relay?.(change);
  }

  private failure(keyDigest: string): void {
    const now = this.now();
    const entry = this.entries.get(keyDigest) ?? { failures: [], lockedUntil: 0 };
    entry.failures = entry.failures.filter((t) => now - t < this.rule.windowMs);
    entry.failures.push(now);
    const over = entry.failures.length - this.rule.allowed;
    if (over > 0) {
      const lockMs = Math.min(this.rule.baseLockMs * 2 ** (over - 1), this.rule.maxLockMs);
      entry.lockedUntil = now + lockMs;
    }
    this.entries.delete(keyDigest); // re-insert so the Map's order is least recently failed first
    this.entries.set(keyDigest, entry);
    this.evictOldest();
  }

  private forgive(keyDigest: string): void {
    const entry = this.entries.get(keyDigest);
    if (!entry) return;
    entry.failures.pop();
    const over = entry.failures.length - this.rule.allowed;
    const latest = entry.failures.at(-1);
    entry.lockedUntil =
      over > 0 && latest !== undefined
        ? latest + Math.min(this.rule.baseLockMs * 2 ** (over - 1), this.rule.maxLockMs)
        : 0;
  }

  /** Bounded memory even under a flood of distinct usernames or addresses. */
  private evictOldest(): void {
    while (this.entries.size > MAX_ENTRIES) {
      const oldest = this.entries.keys().next();
      if (oldest.done) return;
      this.entries.delete(oldest.value);
    }
  }
}
