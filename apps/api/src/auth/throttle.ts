/**
 * Login throttling by account and by client address: a fixed allowance of failures in a
 * sliding window, then a lockout that doubles with each further failure (capped).
 * Held in memory: a restart forgets it, which costs an attacker nothing they could not
 * get by waiting, and keeps failed logins from writing to the database.
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

interface Entry {
  failures: number[];
  lockedUntil: number;
}

const MAX_ENTRIES = 100_000;

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly rule: ThrottleRule,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until `key` may try again; 0 when it may try now. */
  retryAfterMs(key: string): number {
    const entry = this.entries.get(key);
    return entry ? Math.max(0, entry.lockedUntil - this.now()) : 0;
  }

  recordFailure(key: string): void {
    const now = this.now();
    const entry = this.entries.get(key) ?? { failures: [], lockedUntil: 0 };
    entry.failures = entry.failures.filter((t) => now - t < this.rule.windowMs);
    entry.failures.push(now);
    const over = entry.failures.length - this.rule.allowed;
    if (over > 0) {
      const lockMs = Math.min(this.rule.baseLockMs * 2 ** (over - 1), this.rule.maxLockMs);
      entry.lockedUntil = now + lockMs;
    }
    this.entries.delete(key); // re-insert so the Map's order is least recently failed first
    this.entries.set(key, entry);
    this.evictOldest();
  }

  recordSuccess(key: string): void {
    this.entries.delete(key);
  }

  /**
   * Takes back the latest failure of `key`: an attempt is counted before its password is
   * checked (so concurrent attempts cannot all pass the check first), and forgiven when it
   * turns out to be right.
   */
  forgiveLatest(key: string): void {
    const entry = this.entries.get(key);
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
