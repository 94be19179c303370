import { cpuMs, cpuPercent, sleep, until } from "../proc.js";
import { percentile } from "../stats.js";
import type { Watcher } from "../watchers.js";
import type { Workers } from "../workers.js";

export interface ProgressFigures {
  /** Events the server published per second (delivered to the watched jobs, scaled to all). */
  eventsPerSecond: number;
  /** Samples the agents handed to their links per second. */
  sentPerSecond: number;
  /** Of the samples sent for watched jobs, the share that reached their watcher. */
  deliveredShare: number;
  fanoutP50Ms: number;
  fanoutP99Ms: number;
  cpuPercent: number;
  /** The client workers' CPU together (100 = one core): near their cores, they were the limit. */
  clientCpuPercent: number;
}

/**
 * `jobs` running jobs report progress so that together they send `eventsPerSecond`, for
 * `seconds`, while `watchers` watchers each follow one of them. The server's CPU is read from
 * /proc over the same window.
 */
export async function progressFanout(options: {
  workers: Workers;
  serverPid: number;
  eventsPerSecond: number;
  seconds: number;
  watchers: number;
  /** Starts the running jobs (or the bare clients' streams); returns their ids. */
  startJobs: (ratePerJob: number, untilEpochMs: number) => Promise<string[]>;
  /** Called once the jobs run and the watchers are open: progress starts now. */
  go: (untilEpochMs: number) => void;
  watch: (jobId: string) => Promise<Watcher>;
  jobCount: number;
}): Promise<ProgressFigures> {
  const { workers } = options;
  const ratePerJob = options.eventsPerSecond / options.jobCount;
  workers.sent.clear();
  const ids = await options.startJobs(ratePerJob, Number.POSITIVE_INFINITY);
  const watched = ids.slice(0, options.watchers);
  const watchers = await Promise.all(watched.map((id) => options.watch(id)));
  const cpuBefore = cpuMs(options.serverPid);
  const clientsCpu = () => workers.pids().reduce((sum, pid) => sum + cpuMs(pid), 0);
  const clientCpuBefore = clientsCpu();
  const started = Date.now();
  const untilEpochMs = started + options.seconds * 1000;
  options.go(untilEpochMs);
  await sleep(options.seconds * 1000);
  const wallMs = Date.now() - started;
  const cpuAfter = cpuMs(options.serverPid);
  const clientCpuAfter = clientsCpu();
  // What was sent until the end is still on its way: wait for the counts and the last events.
  await until(() => ids.every((id) => workers.sent.has(id)), "progress counts", 60_000, 200);
  await sleep(2000);
  for (const watcher of watchers) watcher.close();

  const sentTotal = ids.reduce((sum, id) => sum + (workers.sent.get(id) ?? 0), 0);
  const sentWatched = watched.reduce((sum, id) => sum + (workers.sent.get(id) ?? 0), 0);
  const delivered = watchers.reduce((sum, watcher) => sum + watcher.events, 0);
  const deliveredShare = sentWatched > 0 ? delivered / sentWatched : 0;
  const latencies = watchers.flatMap((watcher) => watcher.latencies);
  return {
    eventsPerSecond: (sentTotal * deliveredShare) / (wallMs / 1000),
    sentPerSecond: sentTotal / (wallMs / 1000),
    deliveredShare,
    fanoutP50Ms: percentile(latencies, 50),
    fanoutP99Ms: percentile(latencies, 99),
    cpuPercent: cpuPercent(cpuBefore, cpuAfter, wallMs),
    clientCpuPercent: cpuPercent(clientCpuBefore, clientCpuAfter, wallMs),
  };
}
