/// <reference path="../apps/api/src/types/better-sqlite3.d.ts" />
/**
 * A backup's whole way through the server, in one process and without sockets: the server's
 * own services as `buildDeps` wires them (every reaction to a finished job included), one
 * host connected through a stand-in connection that plays the agent, and a ready repository.
 * Each round creates a backup, starts it, reports progress, finishes it with a real-shaped
 * summary, and answers the health job the server then asks for. Prints CPU µs per backup and
 * the statements each one ran, grouped by what they touch.
 *
 *   pnpm -C bench job-path            (BENCH_BACKUPS=2000, BENCH_JOBS=20000 jobs already there)
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import type { TAgentCommand, TJobFinished } from "@restic-manager/contracts";
import { loadConfig } from "../apps/api/src/config.js";
import { onStatement } from "../apps/api/src/db.js";
import { createLogger } from "../apps/api/src/logger.js";
import { buildDeps } from "../apps/api/src/server.js";
import { insertReadyRepository } from "../apps/api/test/support/repositories.js";
import { backupResult, healthResult, progressSample } from "./fleet/fakeRestic.js";

const BACKUPS = Number(process.env.BENCH_BACKUPS ?? 2000);
const root = path.resolve(import.meta.dirname, "..");
const work = mkdtempSync(path.join(tmpdir(), "rm-bench-job-path-"));
const databasePath = path.join(work, "restic-manager.db");

const TOKEN = {
  type: "token",
  tokenId: "t1",
  tokenName: "bench",
  userId: "u1",
  username: "bench",
  role: "operator",
} as const;

/** What a statement touches, as a short label: `SELECT Job`, `UPDATE Host`, `BEGIN`, … */
function label(sql: string): string {
  const verb = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? "?";
  const table = /(?:FROM|INTO|UPDATE)\s+(?:`main`\.)?[`"]?(\w+)/i.exec(sql)?.[1] ?? "";
  return `${verb} ${table}`.trim();
}

async function main() {
  execFileSync(path.join(root, "node_modules/.bin/prisma"), ["migrate", "deploy"], {
    cwd: root,
    env: { ...process.env, RM_DATABASE_PATH: databasePath },
    stdio: "pipe",
  });
  const config = loadConfig({
    RM_DATA_DIR: work,
    RM_DATABASE_PATH: databasePath,
    RM_MASTER_KEY: Buffer.alloc(32, 7).toString("base64"),
    RM_LOG_LEVEL: "info",
  });
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  const deps = await buildDeps(config, createLogger("info", sink));
  const { db, jobs, agents, keyring } = deps;
  const host = await db.host.create({
    data: { name: "web1", hostname: "web1", os: "linux", credentialHash: "x" },
  });
  const repository = await insertReadyRepository(
    { db, keyring },
    { name: "r", url: "rest:http://u:secret@backup/r", password: "pw" },
  );

  // The agent: every job command it gets, it starts, reports on, and finishes at once.
  const inbox: TAgentCommand[] = [];
  agents.register({
    hostId: host.id,
    hostName: host.name,
    connectedAt: new Date(),
    send: (command) => inbox.push(command),
    close: () => undefined,
  });
  await jobs.dispatchQueued(host.id);

  async function runInbox() {
    for (let command = inbox.shift(); command; command = inbox.shift()) {
      if (command.type !== "job") continue;
      const jobId = command.job.id;
      await jobs.started(host.id, { jobId, startedAt: new Date() });
      const isBackup = command.job.params.kind === "backup";
      if (isBackup) {
        for (let i = 1; i <= 3; i++) {
          await jobs.progress(host.id, { jobId, progress: progressSample(i, i / 4) });
        }
      }
      const outcome = isBackup ? backupResult(4) : healthResult();
      const report: TJobFinished = {
        jobId,
        outcome: outcome.outcome,
        exitCode: outcome.exitCode,
        error: outcome.error,
        ...(outcome.result ? { result: outcome.result } : {}),
        finishedAt: new Date(),
      };
      await jobs.finished(host.id, report);
    }
  }

  async function backup() {
    await jobs.create(
      { hostId: host.id, repositoryId: repository.id, params: { kind: "backup", paths: ["/srv"] } },
      TOKEN,
      { ip: "127.0.0.1", userAgent: "bench" },
    );
    await runInbox();
  }

  for (let i = 0; i < Math.min(200, BACKUPS / 4); i++) await backup(); // warm-up

  const counts = new Map<string, number>();
  let statements = 0;
  const stop = onStatement(db, (sql) => {
    statements += 1;
    const key = label(sql);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  });
  const jobsBefore = await db.job.count();
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = 0; i < BACKUPS; i++) await backup();
  const used = process.cpuUsage(cpu);
  const wallUs = Number(process.hrtime.bigint() - started) / 1000;
  stop();
  const jobsMade = (await db.job.count()) - jobsBefore;

  console.log(
    `${BACKUPS} backups (${jobsMade} jobs with the health jobs they asked for), per backup:`,
  );
  console.log(`  CPU ${((used.user + used.system) / BACKUPS).toFixed(0)} µs`);
  console.log(`  wall ${(wallUs / BACKUPS).toFixed(0)} µs`);
  console.log(`  statements ${(statements / BACKUPS).toFixed(2)}`);
  console.table(
    [...counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([statement, n]) => ({ statement, "per backup": Number((n / BACKUPS).toFixed(2)) })),
  );
  await db.$disconnect();
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
