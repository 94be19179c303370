import type { Workers } from "../workers.js";

export interface StormFigures {
  /** From the restarted server answering to the last client back. */
  seconds: number;
  /** Clients back per second, between the first and the last reconnect. */
  connectsPerSecond: number;
  /** From the stop signal to the last client back (includes the server's own restart). */
  totalSeconds: number;
  restartSeconds: number;
}

/**
 * Restarts the server (SIGTERM, start again on the same port) while every client is
 * connected, and times how long until all of them are back. The clients reconnect with the
 * agent's own back-off (exponential from 1 s, ±50 % jitter), so the figure includes it.
 */
export async function reconnectStorm(options: {
  workers: Workers;
  count: number;
  restart: () => Promise<void>;
}): Promise<StormFigures> {
  const { workers, count } = options;
  workers.resetConnects();
  const stoppedAt = Date.now();
  await options.restart();
  const readyAt = Date.now();
  await workers.waitForConnected(count, Math.max(180_000, count * 30), true);
  // The last status may still be on its way.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const times = workers.connectTimes.filter((at) => at >= stoppedAt).sort((a, b) => a - b);
  const first = times[0] ?? readyAt;
  const last = times.at(-1) ?? readyAt;
  return {
    seconds: (last - readyAt) / 1000,
    connectsPerSecond: times.length / Math.max(0.001, (last - first) / 1000),
    totalSeconds: (last - stoppedAt) / 1000,
    restartSeconds: (readyAt - stoppedAt) / 1000,
  };
}
