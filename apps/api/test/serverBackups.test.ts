import { createHmac } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { waitFor } from "@restic-manager/test-support";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { type RunningServer, startServer } from "../src/server.js";
import { ServerBackups } from "../src/serverBackups/service.js";
import { startHttpReceiver } from "./support/channels.js";
import { codeOf, createWorld, PASSWORD, type World } from "./support/world.js";

const worlds: World[] = [];
const cleanups: Array<() => Promise<void> | void> = [];

async function world(env: Record<string, string> = {}) {
  const created = await createWorld(env);
  worlds.push(created);
  return created;
}

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await Promise.all(worlds.splice(0).map((w) => w.close()));
});

/** Rows the copy holds, read with a connection of its own. */
function readCopy(file: string) {
  const copy = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const count = (sql: string) => (copy.prepare(sql).get() as { n: number }).n;
    return {
      integrity: copy.pragma("integrity_check") as { integrity_check: string }[],
      journalMode: copy.pragma("journal_mode") as { journal_mode: string }[],
      before: count(`SELECT count(*) AS n FROM "AuditEvent" WHERE "targetName" = 'before'`),
      during: count(`SELECT count(*) AS n FROM "AuditEvent" WHERE "targetName" = 'during'`),
    };
  } finally {
    copy.close();
  }
}

const backupsDir = (w: World) => path.join(w.dataDir, "backups");

/** Rows of about 1 KB each, written in one statement: a database large enough to take a while. */
async function fill(w: World, rows: number) {
  await w.server.deps.db.$executeRawUnsafe(`
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows})
    INSERT INTO "AuditEvent" ("id", "at", "actorType", "action", "outcome", "targetName", "details")
    SELECT 'before-' || i, 0, 'system', 'job.started', 'success', 'before', hex(randomblob(500))
    FROM n`);
}

describe("copies of the server's own database", () => {
  it("a copy taken while the server keeps writing is consistent and holds every row written before it started", async () => {
    const w = await world();
    const { db, serverBackups } = w.server.deps;
    // About 60 MB, so the copy takes long enough for writes to land while it runs.
    await fill(w, 40_000);

    let writing = true;
    let written = 0;
    const writes = (async () => {
      while (writing) {
        await db.auditEvent.create({
          data: {
            actorType: "system",
            action: "job.started",
            outcome: "success",
            targetName: "during",
          },
        });
        written += 1;
        // Like requests arriving: each write in its own turn of the event loop. (Prisma's
        // calls settle as microtasks, so a bare loop of them would never let the loop turn.)
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const run = await serverBackups.create("request");
    const writtenWhileCopying = written;
    writing = false;
    await writes;

    if (!run.ok) throw new Error(`the copy failed: ${run.error}`);
    // The server's own connection went on writing while the worker copied.
    expect(writtenWhileCopying).toBeGreaterThan(0);
    const file = path.join(backupsDir(w), run.copy.name);
    const copy = readCopy(file);
    expect(copy.integrity).toEqual([{ integrity_check: "ok" }]);
    expect(copy.before).toBe(40_000);
    expect(copy.during).toBeLessThanOrEqual(written);
    // One self-contained file: no -wal beside it to forget when moving it.
    expect(copy.journalMode).toEqual([{ journal_mode: "delete" }]);
    expect(readdirSync(backupsDir(w))).toEqual([run.copy.name]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(backupsDir(w)).mode & 0o777).toBe(0o700);
    expect(run.copy.sizeBytes).toBe(statSync(file).size);
    expect(run.copy.name).toMatch(
      /^restic-manager-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}Z\.db$/,
    );
  });

  it("keeps the configured number of copies, deleting the oldest, and nothing else in the directory", async () => {
    const w = await world({ RM_DB_BACKUP_KEEP: "3" });
    mkdirSync(backupsDir(w), { recursive: true });
    writeFileSync(path.join(backupsDir(w), "notes.txt"), "mine");
    writeFileSync(path.join(backupsDir(w), "restic-manager-before-upgrade.db"), "mine too");

    const names: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const run = await w.server.deps.serverBackups.create("request");
      if (!run.ok) throw new Error(run.error);
      names.push(run.copy.name);
      expect(run.pruned).toEqual(i < 3 ? [] : [names[i - 3]]);
    }

    const listed = await w.server.deps.serverBackups.list();
    expect(listed.map((copy) => copy.name)).toEqual(names.slice(2).reverse());
    expect(readdirSync(backupsDir(w)).sort()).toEqual(
      [...names.slice(2), "notes.txt", "restic-manager-before-upgrade.db"].sort(),
    );
  });

  it("with a fake clock: the schedule copies when the newest copy is older than the interval, also after a restart", async () => {
    const w = await world();
    const directory = path.join(w.dataDir, "scheduled");
    let now = new Date("2026-12-01T02:00:00.000Z");
    const backups = (keep: number) =>
      new ServerBackups({
        db: w.server.deps.db,
        logger: w.server.deps.logger,
        databasePath: w.config.databasePath,
        directory,
        keep,
        intervalMs: 24 * 3600_000,
        now: () => now,
      });
    const first = backups(7);
    expect((await first.runIfDue())?.ok).toBe(true); // none yet
    now = new Date("2026-12-01T20:00:00.000Z");
    expect(await first.runIfDue()).toBeUndefined();
    // A restarted server goes by the copies on disk, not by when it started.
    const restarted = backups(7);
    expect(await restarted.runIfDue()).toBeUndefined();
    now = new Date("2026-12-02T02:00:00.001Z");
    const due = await restarted.runIfDue();
    expect(due?.ok && due.trigger).toBe("schedule");
    expect((await restarted.list()).map((copy) => copy.name)).toEqual([
      "restic-manager-2026-12-02T02-00-00.001Z.db",
      "restic-manager-2026-12-01T02-00-00.000Z.db",
    ]);
    expect((await restarted.status()).lastRun).toMatchObject({ ok: true, trigger: "schedule" });

    // Scheduled copies are audited under the server's name, and a server started later (a
    // new instance on the same database) reports the last one from there.
    const rows = await w.server.deps.db.auditEvent.findMany({
      where: { action: "server.backed_up" },
      orderBy: { at: "asc" },
    });
    expect(rows.map((row) => [row.actorType, row.actorName, row.outcome])).toEqual([
      ["system", "server backups", "success"],
      ["system", "server backups", "success"],
    ]);
    const later = (await backups(7).status()).lastRun;
    expect(later).toEqual({
      ok: true,
      trigger: "schedule",
      startedAt: new Date("2026-12-02T02:00:00.001Z"),
      finishedAt: new Date("2026-12-02T02:00:00.001Z"),
      copy: {
        name: "restic-manager-2026-12-02T02-00-00.001Z.db",
        sizeBytes: expect.any(Number),
        takenAt: new Date("2026-12-02T02:00:00.001Z"),
      },
      pruned: [],
    });
  });

  it("a copy that cannot be written is reported to admins and audited, and the server keeps serving", async () => {
    const w = await world();
    await w.addUser("admin", "admin");
    const admin = await w.signIn("admin");
    // Where the backups directory should be, a file: nothing can be written there, even by root.
    writeFileSync(backupsDir(w), "in the way");

    const run = await admin.serverBackups.create.mutate();
    expect(run.ok).toBe(false);
    expect(!run.ok && run.error).toMatch(/EEXIST|ENOTDIR|not a directory|file already exists/i);
    const status = await admin.serverBackups.status.query();
    expect(status.lastRun).toMatchObject({ ok: false, trigger: "request" });
    expect(status.running).toBe(false);
    expect(w.logs.join("")).toContain('"event":"server_backup.failed"');
    const audit = await admin.audit.list.query({ action: "server.backed_up" });
    expect(audit.items.map((item) => [item.outcome, item.actorName])).toEqual([
      ["failure", "admin"],
    ]);

    // The server goes on: requests are answered, and a copy works once the way is clear.
    const health = await fetch(`${w.server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await admin.serverBackups.list.query()).toEqual({ items: [] });
    rmSync(backupsDir(w));
    const retried = await admin.serverBackups.create.mutate();
    expect(retried.ok).toBe(true);
    expect((await admin.serverBackups.list.query()).items).toHaveLength(1);
  });

  it("the last outcome outlives a restart: a failed copy is still what admins see", async () => {
    const w = await world();
    await w.addUser("admin", "admin");
    const admin = await w.signIn("admin");
    writeFileSync(backupsDir(w), "in the way");
    const failed = await admin.serverBackups.create.mutate();
    expect(failed.ok).toBe(false);

    const restarted = new ServerBackups({
      db: w.server.deps.db,
      logger: w.server.deps.logger,
      databasePath: w.config.databasePath,
      directory: backupsDir(w),
      keep: 7,
      intervalMs: 0,
    });
    const { lastRun } = await restarted.status();
    expect(lastRun).toEqual(failed);
  });

  it("the next copy removes a partial copy a crashed server left behind", async () => {
    const w = await world();
    mkdirSync(backupsDir(w), { recursive: true });
    const leftover = path.join(
      backupsDir(w),
      ".restic-manager-2026-01-01T00-00-00.000Z.db.partial",
    );
    writeFileSync(leftover, "half a copy");
    writeFileSync(`${leftover}-journal`, "and its journal");
    const run = await w.server.deps.serverBackups.create("request");
    expect(run.ok).toBe(true);
    expect(readdirSync(backupsDir(w))).toEqual([run.ok ? run.copy.name : ""]);
  });

  it("a server that stops while a copy is under way finishes the copy first, and it is whole", async () => {
    const w = await world();
    await fill(w, 100_000);
    const { serverBackups } = w.server.deps;
    const run = serverBackups.create("request");
    await waitFor(
      () =>
        existsSync(backupsDir(w)) &&
        readdirSync(backupsDir(w)).some((name) => name.endsWith(".partial")),
      { what: "the copy to start writing", intervalMs: 5 },
    );
    await w.server.close();
    const outcome = await run;
    if (!outcome.ok) throw new Error(outcome.error);
    expect(readdirSync(backupsDir(w))).toEqual([outcome.copy.name]);
    const copy = readCopy(path.join(backupsDir(w), outcome.copy.name));
    expect(copy.integrity).toEqual([{ integrity_check: "ok" }]);
    expect(copy.before).toBe(100_000);
  });

  it("only admins may list, read the status of or take copies", async () => {
    const w = await world();
    for (const role of ["viewer", "operator", "admin"] as const) await w.addUser(role, role);
    const codes: Record<string, string[]> = {};
    for (const who of ["anonymous", "viewer", "operator", "admin"] as const) {
      const client = who === "anonymous" ? w.client() : await w.signIn(who);
      codes[who] = [
        await codeOf(client.serverBackups.list.query()),
        await codeOf(client.serverBackups.status.query()),
        await codeOf(client.serverBackups.create.mutate()),
      ];
    }
    expect(codes).toEqual({
      anonymous: ["UNAUTHORIZED", "UNAUTHORIZED", "UNAUTHORIZED"],
      viewer: ["FORBIDDEN", "FORBIDDEN", "FORBIDDEN"],
      operator: ["FORBIDDEN", "FORBIDDEN", "FORBIDDEN"],
      admin: ["OK", "OK", "OK"],
    });
    // The refused attempts took no copy.
    expect(readdirSync(backupsDir(w))).toHaveLength(1);
  });
});

describe("restoring the control plane from a copy", () => {
  async function freshServer(dataDir: string) {
    const config = loadConfig({ RM_DATA_DIR: dataDir, RM_PORT: "0", RM_HOST: "127.0.0.1" });
    const server: RunningServer = await startServer(config, createLogger("silent"));
    cleanups.push(() => server.close());
    return server;
  }

  it("a fresh server given a copy and the master key signs its admin in and opens the sealed secrets", async () => {
    const receiver = await startHttpReceiver();
    cleanups.push(() => receiver.close());
    const SECRET = "signing secret sealed under the master key";

    const old = await world();
    await old.addUser("admin", "admin");
    const oldAdmin = await old.signIn("admin");
    const channel = await oldAdmin.channels.create.mutate({
      name: "ops hook",
      settings: {
        kind: "webhook",
        config: { url: `${receiver.url}/hook` },
        secrets: { secret: SECRET },
      },
    });
    const run = await oldAdmin.serverBackups.create.mutate();
    if (!run.ok) throw new Error(run.error);

    // A new machine: an empty data directory, the copy as its database, the old key file.
    const newDir = mkdtempSync(path.join(tmpdir(), "rm-restored-"));
    cleanups.push(() => rmSync(newDir, { recursive: true, force: true }));
    copyFileSync(path.join(backupsDir(old), run.copy.name), path.join(newDir, "restic-manager.db"));
    copyFileSync(path.join(old.dataDir, "master.key"), path.join(newDir, "master.key"));
    chmodSync(path.join(newDir, "master.key"), 0o600);
    const restored = await freshServer(newDir);

    const response = await fetch(`${restored.url}/trpc/auth.login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ json: { username: "admin", password: PASSWORD } }),
    });
    expect(response.status).toBe(200);
    const cookie = response.headers.getSetCookie()[0]?.split(";")[0];
    expect(cookie).toBeTruthy();

    // The channel's secret was sealed by the old server: signing with it needs the same key.
    const tested = await fetch(`${restored.url}/trpc/channels.test`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: cookie ?? "" },
      body: JSON.stringify({ json: { id: channel.id } }),
    });
    expect(tested.status).toBe(200);
    const outcome = (await tested.json()) as { result: { data: { json: { ok: boolean } } } };
    expect(outcome.result.data.json.ok).toBe(true);
    const request = receiver.requests.at(-1);
    if (!request) throw new Error("the restored server sent nothing");
    const signature = createHmac("sha256", SECRET).update(request.body).digest("hex");
    expect(request.headers["x-restic-manager-signature"]).toBe(`sha256=${signature}`);
  });

  it("without the master key the copy's sign-ins work but its sealed secrets stay shut", async () => {
    const old = await world();
    await old.addUser("admin", "admin");
    const oldAdmin = await old.signIn("admin");
    const channel = await oldAdmin.channels.create.mutate({
      name: "ops hook",
      settings: {
        kind: "webhook",
        config: { url: "http://127.0.0.1:9/hook" },
        secrets: { secret: "sealed" },
      },
    });
    const run = await oldAdmin.serverBackups.create.mutate();
    if (!run.ok) throw new Error(run.error);

    const newDir = mkdtempSync(path.join(tmpdir(), "rm-restored-"));
    cleanups.push(() => rmSync(newDir, { recursive: true, force: true }));
    copyFileSync(path.join(backupsDir(old), run.copy.name), path.join(newDir, "restic-manager.db"));
    const restored = await freshServer(newDir); // generates a new, different key

    const login = await fetch(`${restored.url}/trpc/auth.login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ json: { username: "admin", password: PASSWORD } }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.getSetCookie()[0]?.split(";")[0] ?? "";
    const tested = await fetch(`${restored.url}/trpc/channels.test`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie },
      body: JSON.stringify({ json: { id: channel.id } }),
    });
    expect(tested.status).not.toBe(200);
  });
});

describe("configuration", () => {
  it("copies daily and keeps 7 unless told otherwise; 0 turns the schedule off", () => {
    const base = { RM_DATA_DIR: "/tmp/x" };
    expect(loadConfig(base)).toMatchObject({ dbBackupIntervalSeconds: 86_400, dbBackupKeep: 7 });
    expect(
      loadConfig({ ...base, RM_DB_BACKUP_INTERVAL: "6h", RM_DB_BACKUP_KEEP: "30" }),
    ).toMatchObject({ dbBackupIntervalSeconds: 21_600, dbBackupKeep: 30 });
    expect(loadConfig({ ...base, RM_DB_BACKUP_INTERVAL: "0" }).dbBackupIntervalSeconds).toBe(0);
    expect(() => loadConfig({ ...base, RM_DB_BACKUP_INTERVAL: "daily" })).toThrow(
      new ConfigError(
        "RM_DB_BACKUP_INTERVAL",
        "must be 0 (on request only) or a duration between 1m and 365d such as 12h or 1d",
      ),
    );
    expect(() => loadConfig({ ...base, RM_DB_BACKUP_KEEP: "0" })).toThrow(/RM_DB_BACKUP_KEEP/);
  });
});
