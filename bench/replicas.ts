/**
 * Two API replicas on one PostgreSQL: simulated agents (the real agent link code, restic
 * replaced as in the fleet bench) held by both, half on each; then backup jobs created through
 * replica A at a fixed rate, first for agents connected to A (same-replica dispatch), then for
 * agents connected to B (cross-replica: queued in the database, B told by LISTEN/NOTIFY), each
 * timed from the create call to the agent receiving the command. Both in the same run, so the
 * cost of crossing replicas is a ratio to a baseline measured beside it.
 *
 *   pnpm -C bench replicas        (RM_BENCH_REPLICA_AGENTS=2000, RM_BENCH_REPLICA_RATE=50/s)
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { applyPostgresMigrations } from "../apps/api/src/postgresMigrations.js";
import { Keyring, parseMasterKey } from "../apps/api/src/secrets/keyring.js";
import { sealSecret } from "../apps/api/src/secrets/seal.js";
import { startPostgresCluster } from "../scripts/postgres-cluster.mjs";
import { type ApiProcess, startApi } from "./fleet/api.js";
import { bundle, bundleDir, ROOT } from "./fleet/bundle.js";
import { type DispatchFigures, dispatchJobs } from "./fleet/measure/dispatch.js";
import { holdFleet } from "./fleet/measure/hold.js";
import { cleanUp, freePort, removeAtExit, sleep } from "./fleet/proc.js";
import { writeResults } from "./fleet/report.js";
import { iso, opaqueId, type SeededHost, token } from "./fleet/seed.js";
import { sourceAddresses, Workers } from "./fleet/workers.js";

const env = process.env;
const AGENTS = Number(env.RM_BENCH_REPLICA_AGENTS ?? 2000);
const WORKERS = Number(env.RM_BENCH_WORKERS ?? 4);
const RATE = Number(env.RM_BENCH_REPLICA_RATE ?? 50);
const SECONDS = Number(env.RM_BENCH_REPLICA_SECONDS ?? 20);
const RAMP = Number(env.RM_BENCH_RAMP ?? 200);
const REPOSITORIES = 5;

function log(line: string) {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
}

/** Hosts with agent credentials, repositories with sealed secrets and an admin API token. */
async function seed(url: string, masterKey: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const keyring = new Keyring([parseMasterKey(masterKey, "RM_MASTER_KEY")]);
  const now = iso(Date.now());
  const apiToken = token("rmt");
  const hosts: SeededHost[] = [];
  const repositoryIds: string[] = [];
  try {
    await client.query("BEGIN");
    await client.query(
      `INSERT INTO "User" ("id", "username", "passwordHash", "role", "createdAt", "updatedAt")
       VALUES ('bench-admin', 'bench-admin', '-', 'admin', $1, $1)`,
      [now],
    );
    await client.query(
      `INSERT INTO "ApiToken" ("id", "name", "secretHash", "role", "userId", "createdAt")
       VALUES ($1, 'bench', $2, 'admin', 'bench-admin', $3)`,
      [apiToken.id, apiToken.secretHash, now],
    );
    for (let i = 0; i < REPOSITORIES; i++) {
      const id = opaqueId();
      const repositoryUrl = `rest:http://127.0.0.1:9/bench-${i}`;
      await client.query(
        `INSERT INTO "Repository" ("id", "name", "displayUrl", "urlSealed", "passwordSealed",
           "status", "createdAt", "updatedAt", "healthAt", "snapshotCount", "totalSize", "rawSize")
         VALUES ($1, $2, $3, $4, $5, 'ready', $6, $6, $6, 1000, 1e12, 8e11)`,
        [
          id,
          `repo-${i}`,
          repositoryUrl,
          sealSecret(keyring, repositoryUrl, `repository:${id}:url`),
          sealSecret(keyring, "bench-password", `repository:${id}:password`),
          now,
        ],
      );
      repositoryIds.push(id);
    }
    for (let i = 0; i < AGENTS; i++) {
      const credential = token("rma");
      const name = `host-${String(i).padStart(5, "0")}`;
      await client.query(
        `INSERT INTO "Host" ("id", "name", "hostname", "os", "arch", "agentVersion",
           "protocolVersion", "resticVersion", "credentialHash", "createdAt", "timeZone")
         VALUES ($1, $2, $2, 'linux', 'x64', 'bench', 1, '0.18.0', $3, $4, 'UTC')`,
        [credential.id, name, credential.secretHash, now],
      );
      hosts.push({ id: credential.id, credential: credential.token });
    }
    await client.query("COMMIT");
  } finally {
    await client.end();
  }
  return { hosts, token: apiToken.token, repositoryIds };
}

function report(name: string, figures: DispatchFigures) {
  log(
    `  ${name}: p50 ${figures.p50Ms.toFixed(1)} ms, p99 ${figures.p99Ms.toFixed(1)} ms, ${figures.created} made, ${figures.failed} failed, ${figures.undelivered} undelivered ${JSON.stringify(figures.errors)}`,
  );
}

async function main() {
  const work = removeAtExit(mkdtempSync(path.join(env.BENCH_DIR ?? tmpdir(), "rm-bench-rep-")));
  const bundles = removeAtExit(bundleDir());
  log("bundling the API");
  const mainJs = path.join(bundles, "main.js");
  bundle("src/main.ts", mainJs);
  const loadAtStart = loadavg()[0] ?? 0;

  log("starting PostgreSQL");
  const cluster = await startPostgresCluster({ settings: { max_connections: "200" } });
  const apis: ApiProcess[] = [];
  const workers = new Workers(WORKERS);
  try {
    const url = await cluster.createDatabase("rm_bench");
    await applyPostgresMigrations(url, path.join(ROOT, "prisma/postgresql/migrations"));
    const masterKey = randomBytes(32).toString("base64");
    log(`seeding ${AGENTS} hosts`);
    const seeded = await seed(url, masterKey);
    for (const name of ["a", "b"]) {
      const dataDir = path.join(work, name);
      mkdirSync(dataDir, { recursive: true });
      apis.push(
        await startApi({
          mainJs,
          port: await freePort(),
          dataDir,
          masterKey,
          logFile: path.join(work, `${name}.log`),
          env: { RM_DATABASE_URL: url, RM_DATABASE_POOL: "10" },
        }),
      );
    }
    const [a, b] = apis as [ApiProcess, ApiProcess];
    // The first half of the workers connect their agents to A, the rest to B.
    const onA = (index: number) => index < WORKERS / 2;
    const hostsOf = (replica: "a" | "b") =>
      Array.from({ length: WORKERS }, (_, index) => index)
        .filter((index) => onA(index) === (replica === "a"))
        .flatMap((index) => workers.share(seeded.hosts, index));
    log(`${AGENTS} agents over ${WORKERS} workers, half on each replica`);
    const hold = await holdFleet({
      workers,
      serverPid: a.pid,
      count: AGENTS,
      start: () => {
        for (let index = 0; index < WORKERS; index++) {
          workers.send(index, {
            type: "agents",
            serverUrl: onA(index) ? a.url : b.url,
            hosts: workers.share(seeded.hosts, index),
            stateDir: path.join(work, "agents"),
            addresses: sourceAddresses(index, 100),
            rampPerSecond: RAMP / WORKERS,
          });
        }
      },
    });
    log(
      `  all ${hold.connected} connected in ${hold.seconds.toFixed(1)} s; replica A RSS ${hold.rssMb.toFixed(0)} MB, idle CPU ${hold.idleCpuPercent.toFixed(1)} %`,
    );
    await sleep(3000);
    const dispatch = (hostIds: string[]) =>
      dispatchJobs({
        url: a.url,
        serverPid: a.pid,
        token: seeded.token,
        workers,
        hostIds,
        repositoryIds: seeded.repositoryIds,
        perSecond: RATE,
        seconds: SECONDS,
      });
    log(`jobs made through A at ${RATE}/s for ${SECONDS} s`);
    const same = await dispatch(hostsOf("a").map((host) => host.id));
    report("for agents on A (same replica)", same);
    const cross = await dispatch(hostsOf("b").map((host) => host.id));
    report("for agents on B (across replicas)", cross);
    const figures = {
      replicas_agents_held: hold.connected,
      replicas_dispatch_same_p50_ms: round(same.p50Ms),
      replicas_dispatch_same_p99_ms: round(same.p99Ms),
      replicas_dispatch_cross_p50_ms: round(cross.p50Ms),
      replicas_dispatch_cross_p99_ms: round(cross.p99Ms),
      replicas_cross_to_same_p50_ratio: round(cross.p50Ms / Math.max(0.1, same.p50Ms)),
      replicas_cross_to_same_p99_ratio: round(cross.p99Ms / Math.max(0.1, same.p99Ms)),
      replicas_undelivered: same.undelivered + cross.undelivered,
      replicas_load_avg_1m_at_start: round(loadAtStart),
      replicas_load_avg_1m_at_end: round(loadavg()[0] ?? 0),
    };
    writeResults(figures);
    console.table(figures);
  } finally {
    await workers.stop();
    await Promise.all(apis.map((api) => api.stop()));
    await cluster.stop();
  }
  cleanUp();
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

main().catch((error: unknown) => {
  console.error(error);
  cleanUp();
  process.exit(1);
});
