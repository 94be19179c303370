/// <reference path="../apps/api/src/types/better-sqlite3.d.ts" />
/**
 * What a statement costs on the server's hot paths through each layer: Prisma with the stock
 * better-sqlite3 adapter (which prepares every statement again), Prisma with the server's
 * statement cache (apps/api/src/sqliteStatements.ts), and better-sqlite3's own prepared
 * statements with no Prisma at all (the floor). A migrated database in a temp dir, one host,
 * and BENCH_JOBS jobs (default 20,000). Prints CPU µs per call.
 *
 *   pnpm -C bench sqlite
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { type Db, onStatement, openDatabase } from "../apps/api/src/db.js";
import { PrismaClient } from "../apps/api/src/generated/prisma/client.js";
import { AgentRegistry } from "../apps/api/src/hosts/registry.js";
import { JobEventBus } from "../apps/api/src/jobs/eventBus.js";
import { JobService } from "../apps/api/src/jobs/service.js";
import { createLogger } from "../apps/api/src/logger.js";
import { generateMasterKey, Keyring } from "../apps/api/src/secrets/keyring.js";
import { insertReadyRepository } from "../apps/api/test/support/repositories.js";

// The API's own dependencies, resolved from its package.
const require = createRequire(new URL("../apps/api/package.json", import.meta.url));
const { PrismaBetterSQLite3 } =
  require("@prisma/adapter-better-sqlite3") as typeof import("@prisma/adapter-better-sqlite3");
const Database = require("better-sqlite3") as typeof import("better-sqlite3").default;

const JOBS = Number(process.env.BENCH_JOBS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5_000);
const root = path.resolve(import.meta.dirname, "..");
const work = mkdtempSync(path.join(tmpdir(), "rm-bench-sqlite-"));
const databasePath = path.join(work, "bench.db");

function migrate() {
  execFileSync(path.join(root, "node_modules/.bin/prisma"), ["migrate", "deploy"], {
    cwd: root,
    env: { ...process.env, RM_DATABASE_PATH: databasePath },
    stdio: "pipe",
  });
}

/** Seeds in one transaction with raw inserts; returns ids to look up. */
function seed(): { hostId: string; jobIds: string[] } {
  const sqlite = new Database(databasePath);
  const hostId = "host-bench-0001";
  const jobIds: string[] = [];
  sqlite.exec("BEGIN");
  sqlite
    .prepare(
      "INSERT INTO Host (id, name, hostname, os, arch, credentialHash, createdAt) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .run(hostId, "bench", "bench", "linux", "x64", "00", new Date().toISOString());
  const insert = sqlite.prepare(
    "INSERT INTO Job (id, hostId, kind, endpoint, params, state, createdAt, createdByType, createdByName) VALUES (?, ?, 'backup', 'backup', '{}', 'succeeded', ?, 'user', 'bench')",
  );
  const t0 = Date.parse("2026-01-01T00:00:00Z");
  for (let i = 0; i < JOBS; i++) {
    const id = `job-${String(i).padStart(10, "0")}`;
    insert.run(id, hostId, new Date(t0 + i * 1000).toISOString());
    jobIds.push(id);
  }
  sqlite.exec("COMMIT");
  sqlite.close();
  return { hostId, jobIds };
}

type Ids = { hostId: string; jobIds: string[] };
type Query = (i: number) => unknown;

const pick = (ids: Ids, i: number) => ids.jobIds[(i * 7919) % ids.jobIds.length] as string;
const PROGRESS = JSON.stringify({ percentDone: 0.5, bytesDone: 1, totalBytes: 2 });

/** The hot-path queries through Prisma (either adapter). */
function prismaQueries(db: PrismaClient, ids: Ids): Record<string, Query> {
  return {
    "job by id (findUnique)": (i) => db.job.findUnique({ where: { id: pick(ids, i) } }),
    "host by id (findUnique)": () => db.host.findUnique({ where: { id: ids.hostId } }),
    "progress (update)": (i) =>
      db.job.update({ where: { id: pick(ids, i) }, data: { progress: PROGRESS } }),
    "job by id ($queryRaw)": (i) =>
      db.$queryRaw`SELECT * FROM "Job" WHERE "id" = ${pick(ids, i)} LIMIT 1`,
    "progress ($executeRaw)": (i) =>
      db.$executeRaw`UPDATE "Job" SET "progress" = ${PROGRESS} WHERE "id" = ${pick(ids, i)}`,
    "job + audit row ($transaction)": () =>
      db.$transaction(async (tx) => {
        const job = await tx.job.create({
          data: {
            hostId: ids.hostId,
            kind: "backup",
            endpoint: "backup",
            params: "{}",
            state: "queued",
            createdByType: "user",
            createdByName: "bench",
          },
        });
        await tx.auditEvent.create({
          data: { action: "job.started", outcome: "success", actorType: "user", targetId: job.id },
          select: { id: true },
        });
      }),
  };
}

/** The same reads and writes on better-sqlite3's own statements, prepared once. */
function sqliteQueries(sqlite: InstanceType<typeof Database>, ids: Ids): Record<string, Query> {
  const byId = sqlite.prepare('SELECT * FROM "Job" WHERE "id" = ? LIMIT 1');
  const host = sqlite.prepare('SELECT * FROM "Host" WHERE "id" = ? LIMIT 1');
  const update = sqlite.prepare('UPDATE "Job" SET "progress" = ? WHERE "id" = ?');
  return {
    "job by id (findUnique)": (i) => byId.get(pick(ids, i)),
    "host by id (findUnique)": () => host.get(ids.hostId),
    "progress (update)": (i) => update.run(PROGRESS, pick(ids, i)),
    "job by id, prepared on each call": (i) =>
      sqlite.prepare('SELECT * FROM "Job" WHERE "id" = ? LIMIT 1').get(pick(ids, i)),
  };
}

/** CPU µs per call of one block of calls (CPU, not wall time: the machine may be shared). */
async function block(query: Query, calls: number, offset: number): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) await query(offset + i);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / calls;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? 0;

/**
 * Blocks of each layer alternate, so a busy moment of the machine falls on all of them
 * alike; each figure is the median block.
 */
async function measure(layers: Record<string, Record<string, Query>>) {
  const names = [...new Set(Object.values(layers).flatMap((queries) => Object.keys(queries)))];
  const rows: Array<Record<string, string | number>> = [];
  const blocks = 9;
  const calls = Math.max(20, Math.floor(ROUNDS / blocks));
  for (const name of names) {
    const samples: Record<string, number[]> = {};
    for (let b = -1; b < blocks; b++) {
      for (const [layer, queries] of Object.entries(layers)) {
        const query = queries[name];
        if (!query) continue;
        const perCall = await block(
          query,
          name.includes("transaction") ? calls / 5 : calls,
          (b + 1) * calls,
        );
        if (b < 0) continue; // block -1 warms up
        samples[layer] = [...(samples[layer] ?? []), perCall];
      }
    }
    const row: Record<string, string | number> = { query: name };
    for (const layer of Object.keys(layers)) {
      const values = samples[layer];
      row[layer] = values ? Number(median(values).toFixed(1)) : "";
    }
    rows.push(row);
  }
  return rows;
}

/**
 * The server's own hot paths end to end (JobService on the cached adapter, an agent connected
 * through a stand-in connection): CPU per call and statements per call.
 */
async function servicePaths(db: Db, ids: Ids) {
  const keyring = new Keyring([generateMasterKey()]);
  const registry = new AgentRegistry();
  registry.register({
    hostId: ids.hostId,
    hostName: "bench",
    connectedAt: new Date(),
    send: () => undefined,
    close: () => undefined,
  });
  const jobs = new JobService({
    db,
    keyring,
    registry,
    bus: new JobEventBus(),
    logger: createLogger("error", new Writable({ write: (_chunk, _encoding, done) => done() })),
    lostAfterMs: 600_000,
  });
  const repository = await insertReadyRepository(
    { db, keyring },
    { name: "bench", url: "rest:http://u:p@backup/r", password: "pw" },
  );
  const actor = { type: "user", userId: "u", username: "bench", role: "admin", sessionId: "s" };
  const create = () =>
    jobs.create(
      { hostId: ids.hostId, repositoryId: repository.id, params: { kind: "backup", paths: ["/"] } },
      actor as Parameters<JobService["create"]>[1],
    );
  const running = await create();
  await jobs.started(ids.hostId, { jobId: running.id, startedAt: new Date() });
  const progress = (i: number) =>
    jobs.progress(ids.hostId, {
      jobId: running.id,
      progress: {
        kind: "backup",
        percentDone: 0.5,
        secondsElapsed: i,
        secondsRemaining: null,
        totalFiles: 1,
        filesDone: 0,
        totalBytes: 1,
        bytesDone: 0,
        errorCount: 0,
        currentFiles: [],
      },
    });
  const log = (i: number) =>
    jobs.log(ids.hostId, {
      jobId: running.id,
      lines: Array.from({ length: 10 }, (_, n) => ({
        at: new Date(),
        stream: "stdout" as const,
        line: `line ${i}.${n}`,
      })),
    });
  const rows = [];
  for (const [name, fn, calls] of [
    ["create + dispatch a backup", create, 400],
    ["progress event (stored once a second)", progress, 4000],
    ["log batch of 10 lines", log, 400],
  ] as const) {
    let statements = 0;
    const stop = onStatement(db, () => {
      statements += 1;
    });
    await block(fn, Math.floor(calls / 4), 0); // warm-up
    const start = process.hrtime.bigint();
    statements = 0;
    const cpu = await block(fn, calls, 0);
    const wall = Number(process.hrtime.bigint() - start) / 1000 / calls;
    stop();
    rows.push({
      path: name,
      "CPU µs per call": Number(cpu.toFixed(1)),
      "wall µs per call": Number(wall.toFixed(1)),
      "statements per call": Number((statements / calls).toFixed(2)),
    });
  }
  return rows;
}

try {
  migrate();
  const ids = seed();
  const stock = new PrismaClient({
    adapter: new PrismaBetterSQLite3({ url: `file:${databasePath}`, timeout: 5000 }),
  });
  const cached = await openDatabase(databasePath);
  const sqlite = new Database(databasePath);
  const rows = await measure({
    "Prisma, stock adapter": prismaQueries(stock, ids),
    "Prisma, statement cache": prismaQueries(cached, ids),
    "better-sqlite3 prepared": sqliteQueries(sqlite, ids),
  });
  sqlite.close();
  await stock.$disconnect();
  console.log(`CPU µs per call (median of 9 blocks); ${JOBS} jobs in the table`);
  console.table(rows);
  console.log("The server's hot paths (JobService, statement cache)");
  console.table(await servicePaths(cached, ids));
  await cached.$disconnect();
} finally {
  rmSync(work, { recursive: true, force: true });
}
