/** Reconnect delays: exponential from 1 s up to 60 s, each with ±50 % jitter so a fleet spreads out. */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(60_000, 1000 * 2 ** attempt);
  return Math.round(base * (0.5 + random()));
}

/** The server the next attempt goes to, and how long to wait before it. */
export interface NextAttempt {
  url: string;
  delayMs: number;
  /** Rounds in a row in which every server failed: what the wait grows with. */
  failedRounds: number;
}

/**
 * Which server the agent tries next and how long it waits first. After a failed attempt or a
 * lost connection it moves on to the next server in the list, round-robin, so a dead replica
 * costs one attempt, not a back-off. The wait grows only when every server has failed once more
 * (a whole round), and starts again from the shortest once a server has accepted the agent.
 * With one URL (a single server or a load balancer) it is the plain exponential back-off.
 */
export class ServerRotation {
  private index = 0;
  /** Attempts since the last acceptance that ended without one. */
  private failures = 0;
  /** Whether the attempt in progress (or the connection that just ended) was accepted. */
  private accepted = false;

  constructor(
    private readonly urls: readonly string[],
    private readonly random: () => number = Math.random,
  ) {
    if (urls.length === 0) throw new Error("no server to connect to");
  }

  /** The server of the attempt in progress, or of the connection that is up. */
  get current(): string {
    return this.urls[this.index] ?? "";
  }

  /** The current server took the agent's hello: the back-off starts over. */
  accept(): void {
    this.accepted = true;
    this.failures = 0;
  }

  /**
   * Called once before each reconnect: the last attempt (or connection) is over. A refused
   * agent (its credential revoked, its version too old) waits four steps longer.
   */
  next(options: { refused: boolean }): NextAttempt {
    if (this.accepted) this.accepted = false;
    else this.failures += 1;
    this.index = (this.index + 1) % this.urls.length;
    const failedRounds = Math.floor(this.failures / this.urls.length);
    const steps = failedRounds + (options.refused ? 4 : 0);
    return { url: this.current, delayMs: reconnectDelayMs(steps, this.random), failedRounds };
  }
}
