import { call } from "../api.js";
import { cpuMs, sleep } from "../proc.js";
import { percentile } from "../stats.js";
import type { Workers } from "../workers.js";

const MAX_IN_FLIGHT = 256;
/** How long after the last call a command may still arrive and count as delivered. */
const DRAIN_MS = 60_000;
/** How long the backlog of a server that fell behind may take to clear before the next step. */
const SETTLE_MS = 300_000;

export interface DispatchFigures {
  created: number;
  failed: number;
  /** Created but never seen by its agent within the drain time. */
  undelivered: number;
  p50Ms: number;
  p99Ms: number;
  createP50Ms: number;
  createP99Ms: number;
  errors: Record<string, number>;
  /** The server's CPU time over the run divided by the jobs created. */
  cpuMsPerJob: number;
  /** The server's CPU over the calls, and the wall time it was taken over. */
  cpuMs: number;
  cpuWallMs: number;
}

/**
 * Creates backup jobs through the API (`jobs.create` over HTTP with the API token) at a fixed
 * rate, each for a random connected host, and times each from the create call to its agent
 * receiving the command (same machine, same clock). Calls are not waited for before the next
 * is sent: a slow server gets the same rate, as a busy fleet's schedules would give it. At most
 * MAX_IN_FLIGHT calls are open at once (each is a connection, and the server's file descriptors
 * also hold 10,000 agents); a call that waits for a slot is still timed from when it was due.
 */
export async function dispatchJobs(options: {
  url: string;
  serverPid: number;
  token: string;
  workers: Workers;
  hostIds: string[];
  repositoryIds: string[];
  perSecond: number;
  seconds: number;
}): Promise<DispatchFigures> {
  const { url, token, workers, hostIds, repositoryIds } = options;
  workers.broadcast({ type: "plan", mode: "short", ratePerJob: 1 });
  const calledAt = new Map<string, number>();
  const createMs: number[] = [];
  const errors: Record<string, number> = {};
  let failed = 0;
  const calls: Array<Promise<void>> = [];
  let inFlight = 0;
  const total = Math.round(options.perSecond * options.seconds);
  const cpuBefore = cpuMs(options.serverPid);
  const started = performance.now();
  const startedEpoch = Date.now();
  for (let i = 0; i < total; i++) {
    // Open loop: the i-th call goes out at i / rate, whatever happened to the others.
    const due = started + (i * 1000) / options.perSecond;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const hostId = hostIds[Math.floor(Math.random() * hostIds.length)] ?? "";
    const repositoryId = repositoryIds[i % repositoryIds.length] ?? "";
    const at = Math.round(startedEpoch + (i * 1000) / options.perSecond);
    while (inFlight >= MAX_IN_FLIGHT) await sleep(5);
    inFlight++;
    calls.push(
      call<{ id: string }>(
        url,
        token,
        "jobs.create",
        { hostId, repositoryId, params: { kind: "backup", paths: ["/srv/data"] } },
        "mutation",
      ).then((answer) => {
        inFlight--;
        createMs.push(Date.now() - at);
        if (answer.ok && answer.data) {
          calledAt.set(answer.data.id, at);
        } else {
          failed++;
          const reason = answer.error ?? `HTTP ${answer.status}`;
          errors[reason] = (errors[reason] ?? 0) + 1;
        }
      }),
    );
  }
  await Promise.all(calls);
  const cpuAfter = cpuMs(options.serverPid);
  const cpuWallMs = performance.now() - started;
  // Let the last commands arrive and be reported.
  const allArrived = () => [...calledAt.keys()].every((id) => workers.received.has(id));
  const deadline = Date.now() + DRAIN_MS;
  while (Date.now() < deadline && !allArrived()) await sleep(250);
  await sleep(500);
  const latencies: number[] = [];
  let undelivered = 0;
  for (const [id, at] of calledAt) {
    const receivedAt = workers.received.get(id);
    if (receivedAt === undefined) undelivered++;
    else latencies.push(receivedAt - at);
  }
  // A server that fell behind is still sending the rest: the next measurement starts after.
  const settleDeadline = Date.now() + SETTLE_MS;
  while (Date.now() < settleDeadline && !allArrived()) await sleep(1000);
  await sleep(3000);
  return {
    created: calledAt.size,
    failed,
    undelivered,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    createP50Ms: percentile(createMs, 50),
    createP99Ms: percentile(createMs, 99),
    errors,
    cpuMsPerJob: (cpuAfter - cpuBefore) / Math.max(1, calledAt.size),
    cpuMs: cpuAfter - cpuBefore,
    cpuWallMs,
  };
}
