export interface Backoff {
  /** The next delay: doubling from `minMs` up to `maxMs`, with jitter. */
  next(): number;
  /** Back to `minMs` after a success. */
  reset(): void;
}

/**
 * Exponential back-off with "equal jitter" (half fixed, half random), so replicas that lost
 * PostgreSQL together do not all come back in the same millisecond.
 */
export function exponentialBackoff(
  options: { minMs: number; maxMs: number },
  random: () => number = Math.random,
): Backoff {
  let attempt = 0;
  return {
    next() {
      const ceiling = Math.min(options.maxMs, options.minMs * 2 ** attempt);
      attempt = Math.min(attempt + 1, 30);
      return Math.round(ceiling / 2 + (random() * ceiling) / 2);
    },
    reset() {
      attempt = 0;
    },
  };
}
