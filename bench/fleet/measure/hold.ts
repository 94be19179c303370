import { cpuMs, cpuPercent, rssMb, sleep } from "../proc.js";
import type { Workers } from "../workers.js";

export interface HoldFigures {
  connected: number;
  /** From the first client started to the last one up. */
  seconds: number;
  rssMb: number;
  rssMbBefore: number;
  /** The server's CPU, in per cent of a core, while it only holds the fleet (keep-alives). */
  idleCpuPercent: number;
}

/** How long the held fleet's idle CPU is read over. */
const IDLE_MS = 10_000;

/**
 * Brings the whole fleet up (the workers ramp their clients in) and reads the server's
 * resident memory once every client is connected and a few seconds have passed to settle, then
 * its CPU while it does nothing but hold them.
 */
export async function holdFleet(options: {
  workers: Workers;
  serverPid: number;
  count: number;
  start: () => void;
}): Promise<HoldFigures> {
  const { workers, serverPid, count } = options;
  const rssMbBefore = rssMb(serverPid);
  const started = Date.now();
  options.start();
  try {
    await workers.waitForConnected(count, Math.max(300_000, count * 60));
  } catch (error) {
    // What the links said while failing is the first thing to look at.
    console.error(`warnings from the clients: ${JSON.stringify(workers.warnings())}`);
    throw error;
  }
  const seconds = (Date.now() - started) / 1000;
  await sleep(5000);
  const rss = rssMb(serverPid);
  const cpuBefore = cpuMs(serverPid);
  const idleFrom = performance.now();
  await sleep(IDLE_MS);
  const idleCpuPercent = cpuPercent(cpuBefore, cpuMs(serverPid), performance.now() - idleFrom);
  return { connected: workers.connected(), seconds, rssMb: rss, rssMbBefore, idleCpuPercent };
}
