/**
 * A token bucket per key (a client address): `burst` requests at once, then `perSecond`.
 * For requests that cost the server something before anyone has proved who they are
 * (WebSocket upgrades). Held in memory and bounded, like the login throttle.
 */
export interface RateRule {
  burst: number;
  perSecond: number;
}

/** Agent WebSocket upgrades per address: a fleet behind one NAT reconnecting after a restart fits. */
export const AGENT_UPGRADE_RATE: RateRule = { burst: 1000, perSecond: 200 };

const MAX_KEYS = 100_000;

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly rule: RateRule,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token for `key`; false when its bucket is empty. */
  take(key: string): boolean {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.rule.burst, at: now };
    bucket.tokens = Math.min(
      this.rule.burst,
      bucket.tokens + ((now - bucket.at) / 1000) * this.rule.perSecond,
    );
    bucket.at = now;
    this.buckets.delete(key); // re-inserted last: the Map's order is least recently used first
    this.buckets.set(key, bucket);
    if (this.buckets.size > MAX_KEYS) {
      const oldest = this.buckets.keys().next();
      if (!oldest.done) this.buckets.delete(oldest.value);
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
