/**
 * Fleet scale: the real server with a large fleet's database (10,000 hosts, 1,000,000 jobs)
 * and 10,000 simulated agents on the real agent link code (only restic replaced by a
 * generator of progress lines), against a bare tRPC-over-`ws` server with the same clients
 * in the same run. Prints a table; merges its figures into bench/results.json.
 *
 *   pnpm bench:fleet              (RM_BENCH_AGENTS=300 RM_BENCH_JOBS=100000 for a quick run;
 *                                  RM_BENCH_CPU_PROF=1 profiles the API: see docs/benchmarks.md)
 */
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { type ApiProcess, call, migrate, startApi } from "./fleet/api.js";
import { type BareProcess, startBare } from "./fleet/bare.js";
import { bundle, bundleDir } from "./fleet/bundle.js";
import { dispatchJobs } from "./fleet/measure/dispatch.js";
import { probeHealth, settle } from "./fleet/measure/healthz.js";
import { holdFleet } from "./fleet/measure/hold.js";
import { type ListCase, measureLists } from "./fleet/measure/lists.js";
import { type ProgressFigures, progressFanout } from "./fleet/measure/progress.js";
import { reconnectStorm } from "./fleet/measure/storm.js";
import { cleanUp, freePort, removeAtExit, sleep, until } from "./fleet/proc.js";
import { topSelfTime } from "./fleet/profile.js";
import { figuresOf, printTable, writeResults } from "./fleet/report.js";
import { seedDatabase } from "./fleet/seed.js";
import { watchOverBareSocket, watchOverSse } from "./fleet/watchers.js";
import { sourceAddresses, Workers } from "./fleet/workers.js";

const env = process.env;
const AGENTS = Number(env.RM_BENCH_AGENTS ?? 10_000);
const HOSTS = Math.max(AGENTS, Number(env.RM_BENCH_HOSTS ?? 10_000));
const JOBS = Number(env.RM_BENCH_JOBS ?? 1_000_000);
const WORKERS = Number(env.RM_BENCH_WORKERS ?? 6);
const RAMP = Number(env.RM_BENCH_RAMP ?? 200);
const DISPATCH_RATE = 100;
const DISPATCH_SECONDS = 20;
const PROGRESS_RATES = [1000, 5000];
const PROGRESS_SECONDS = 15;
const PROGRESS_JOBS = Math.min(AGENTS, 500);
const WATCHERS = Math.min(50, PROGRESS_JOBS);
const LIST_CALLS = 200;
const LIST_SECONDS = 20;
const ADDRESSES_PER_WORKER = 100;

function log(line: string) {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
}

/** Ramps the clients in over the workers, each worker with its own source addresses. */
function startClients(workers: Workers, start: (index: number, addresses: string[]) => void) {
  for (let index = 0; index < workers.size; index++) {
    start(index, sourceAddresses(index, ADDRESSES_PER_WORKER));
  }
}

async function measureBare(bareJs: string) {
  log(`bare tRPC-over-ws server, ${AGENTS} clients over ${WORKERS} workers`);
  const port = await freePort();
  let bare: BareProcess = await startBare(bareJs, port);
  const workers = new Workers(WORKERS);
  const ids = Array.from({ length: AGENTS }, (_, i) => `client-${i}`);
  try {
    const hold = await holdFleet({
      workers,
      serverPid: bare.pid,
      count: AGENTS,
      start: () =>
        startClients(workers, (index, addresses) =>
          workers.send(index, {
            type: "bare",
            socketUrl: bare.socketUrl,
            ids: workers.share(ids, index),
            addresses,
            rampPerSecond: RAMP / WORKERS,
          }),
        ),
    });
    log(
      `  all ${hold.connected} connected in ${hold.seconds.toFixed(1)} s; RSS ${hold.rssMb.toFixed(0)} MB, idle CPU ${hold.idleCpuPercent.toFixed(1)} %`,
    );
    const storm = await reconnectStorm({
      workers,
      count: AGENTS,
      restart: async () => {
        await bare.stop();
        bare = await startBare(bareJs, port);
      },
    });
    log(
      `  restart: all back ${storm.seconds.toFixed(1)} s after it listened, ${storm.connectsPerSecond.toFixed(0)} connects/s`,
    );
    const progress: ProgressFigures[] = [];
    for (const rate of PROGRESS_RATES) {
      const figures = await progressFanout({
        workers,
        serverPid: bare.pid,
        eventsPerSecond: rate,
        seconds: PROGRESS_SECONDS,
        watchers: WATCHERS,
        jobCount: PROGRESS_JOBS,
        startJobs: async () => ids.slice(0, PROGRESS_JOBS),
        go: (untilEpochMs) =>
          workers.broadcast({
            type: "bareProgress",
            ids: ids.slice(0, PROGRESS_JOBS),
            ratePerJob: rate / PROGRESS_JOBS,
            untilEpochMs,
          }),
        watch: (id) => watchOverBareSocket(bare.socketUrl, id),
      });
      log(
        `  progress ${rate}/s: ${figures.eventsPerSecond.toFixed(0)}/s delivered, fan-out p99 ${figures.fanoutP99Ms.toFixed(1)} ms, CPU ${figures.cpuPercent.toFixed(0)} % (clients ${figures.clientCpuPercent.toFixed(0)} %, sent ${figures.sentPerSecond.toFixed(0)}/s)`,
      );
      progress.push(figures);
    }
    return { hold, storm, progress };
  } finally {
    await workers.stop();
    await bare.stop();
  }
}

async function measureApi(mainJs: string, work: string) {
  const dataDir = path.join(work, "api");
  mkdirSync(dataDir, { recursive: true });
  const databasePath = path.join(dataDir, "restic-manager.db");
  log("migrating a new database");
  migrate(databasePath);
  log(`seeding ${HOSTS} hosts and ${JOBS} jobs`);
  const seedStarted = Date.now();
  const masterKey = randomBytes(32).toString("base64");
  const seeded = seedDatabase({ databasePath, masterKey, hostCount: HOSTS, jobCount: JOBS });
  log(`  seeded in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s`);
  const profileDir = env.RM_BENCH_CPU_PROF ? path.join(work, "profiles") : undefined;
  const port = await freePort();
  const start = () =>
    startApi({
      mainJs,
      port,
      dataDir,
      masterKey,
      logFile: path.join(work, "api.log"),
      cpuProfileDir: profileDir,
    });
  let api: ApiProcess = await start();
  const workers = new Workers(WORKERS);
  const agentHosts = seeded.hosts.slice(0, AGENTS);
  const health = probeHealth(api.url);
  const underLoad: number[] = [];
  try {
    log(`API, ${AGENTS} agents over ${WORKERS} workers`);
    const hold = await holdFleet({
      workers,
      serverPid: api.pid,
      count: AGENTS,
      start: () =>
        startClients(workers, (index, addresses) =>
          workers.send(index, {
            type: "agents",
            serverUrl: api.url,
            hosts: workers.share(agentHosts, index),
            stateDir: path.join(work, "agents"),
            addresses,
            rampPerSecond: RAMP / WORKERS,
          }),
        ),
    });
    log(
      `  all ${hold.connected} connected in ${hold.seconds.toFixed(1)} s; RSS ${hold.rssMb.toFixed(0)} MB (${hold.rssMbBefore.toFixed(0)} MB before), idle CPU ${hold.idleCpuPercent.toFixed(1)} %`,
    );
    log(`  warnings so far: ${JSON.stringify(workers.warnings())}`);

    health.samples.length = 0;
    const dispatch = await dispatchJobs({
      url: api.url,
      serverPid: api.pid,
      token: seeded.token,
      workers,
      hostIds: agentHosts.map((host) => host.id),
      repositoryIds: seeded.repositoryIds,
      perSecond: DISPATCH_RATE,
      seconds: DISPATCH_SECONDS,
    });
    underLoad.push(...health.samples);
    log(
      `  dispatch ${DISPATCH_RATE}/s: p50 ${dispatch.p50Ms.toFixed(1)} ms, p99 ${dispatch.p99Ms.toFixed(1)} ms, ${dispatch.failed} failed, ${dispatch.undelivered} undelivered, ${dispatch.cpuMsPerJob.toFixed(1)} ms CPU per job ${JSON.stringify(dispatch.errors)}`,
    );
    await sleep(3000);

    const progress: ProgressFigures[] = [];
    for (const rate of PROGRESS_RATES) {
      log(`  settled in ${(await settle(api.url)).toFixed(1)} s`);
      health.samples.length = 0;
      const figures = await progressFanout({
        workers,
        serverPid: api.pid,
        eventsPerSecond: rate,
        seconds: PROGRESS_SECONDS,
        watchers: WATCHERS,
        jobCount: PROGRESS_JOBS,
        startJobs: async (ratePerJob) => {
          workers.broadcast({ type: "plan", mode: "progress", ratePerJob });
          await sleep(200);
          const hosts = [...agentHosts].sort(() => Math.random() - 0.5).slice(0, PROGRESS_JOBS);
          const ids: string[] = [];
          for (let i = 0; i < hosts.length; i += 10) {
            const answers = await Promise.all(
              hosts.slice(i, i + 10).map((host, j) =>
                call<{ id: string }>(
                  api.url,
                  seeded.token,
                  "jobs.create",
                  {
                    hostId: host.id,
                    repositoryId: seeded.repositoryIds[(i + j) % seeded.repositoryIds.length],
                    params: { kind: "backup", paths: ["/srv/data"] },
                  },
                  "mutation",
                ),
              ),
            );
            for (const answer of answers) {
              if (!answer.data) throw new Error(`jobs.create failed: ${answer.error}`);
              ids.push(answer.data.id);
            }
          }
          await until(
            () => ids.every((id) => workers.received.has(id)),
            "jobs at their agents",
            300_000,
          );
          // Their start reports reach the server before progress begins.
          await sleep(2000);
          return ids;
        },
        go: (untilEpochMs) => workers.broadcast({ type: "go", untilEpochMs }),
        watch: (id) => watchOverSse(api.url, seeded.token, id),
      });
      underLoad.push(...health.samples);
      log(
        `  progress ${rate}/s: ${figures.eventsPerSecond.toFixed(0)}/s delivered (${(figures.deliveredShare * 100).toFixed(1)} %), fan-out p99 ${figures.fanoutP99Ms.toFixed(1)} ms, CPU ${figures.cpuPercent.toFixed(0)} % (clients ${figures.clientCpuPercent.toFixed(0)} %, sent ${figures.sentPerSecond.toFixed(0)}/s)`,
      );
      progress.push(figures);
      await sleep(3000);
    }

    // Each list call's own cost, not the backlog the progress step may have left behind.
    log(`  settled in ${(await settle(api.url)).toFixed(1)} s`);
    health.samples.length = 0;
    log("lists, with 1 per cent of the hosts and jobs behind every page");
    const lists: ListCase[] = await measureLists({
      url: api.url,
      token: seeded.token,
      samples: seeded.samples,
      hosts: seeded.hosts.map((host, i) => ({
        id: host.id,
        name: `host-${String(i).padStart(5, "0")}`,
      })),
      calls: LIST_CALLS,
      seconds: LIST_SECONDS,
      log,
    });
    underLoad.push(...health.samples);
    await health.stop();

    const storm = await reconnectStorm({
      workers,
      count: AGENTS,
      restart: async () => {
        await api.stop();
        api = await start();
      },
    });
    log(
      `  restart: all back ${storm.seconds.toFixed(1)} s after it answered (restart took ${storm.restartSeconds.toFixed(1)} s), ${storm.connectsPerSecond.toFixed(0)} connects/s`,
    );
    log(`  warnings: ${JSON.stringify(workers.warnings())}`);
    return {
      hold,
      dispatch,
      progress,
      lists,
      storm,
      healthz: underLoad,
      healthFailures: health.failures,
      profileDir,
    };
  } catch (error) {
    // The temporary directory goes at exit: the server's own account of the failure stays.
    copyFileSync(path.join(work, "api.log"), path.join(tmpdir(), "rm-bench-fleet-api.log"));
    console.error(`the API's log: ${path.join(tmpdir(), "rm-bench-fleet-api.log")}`);
    throw error;
  } finally {
    await health.stop();
    await workers.stop();
    await api.stop();
  }
}

async function main() {
  const work = removeAtExit(mkdtempSync(path.join(env.BENCH_DIR ?? tmpdir(), "rm-bench-fleet-")));
  const bundles = removeAtExit(bundleDir());
  log("bundling the API and the bare server");
  const mainJs = path.join(bundles, "main.js");
  const bareJs = path.join(bundles, "bare.js");
  bundle("src/main.ts", mainJs);
  bundle(path.join(import.meta.dirname, "fleet/bareServer.ts"), bareJs);

  // Other work on the machine takes CPU from the server and the clients: say how much there was.
  const loadAtStart = loadavg()[0] ?? 0;
  const bare = env.RM_BENCH_SKIP_BARE ? undefined : await measureBare(bareJs);
  const api = await measureApi(mainJs, work);
  if (!bare) return;
  const figures = {
    ...figuresOf(bare, api),
    load_avg_1m_at_start: Math.round(loadAtStart * 100) / 100,
    load_avg_1m_at_end: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
  writeResults(figures);
  printTable(figures, api.lists);
  if (api.profileDir) {
    console.log("API CPU profile, top self time:");
    for (const line of topSelfTime(api.profileDir)) console.log(`  ${line}`);
  }
  cleanUp();
}

main().catch((error: unknown) => {
  console.error(error);
  cleanUp();
  process.exit(1);
});
