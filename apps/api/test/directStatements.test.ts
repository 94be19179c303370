import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Db, directStatements } from "../src/db.js";
import { newId } from "../src/ids.js";
import type { ServerStatements, SqlRunner } from "../src/statements.js";
import { newTestDatabase, type TestDatabase, testDialect } from "./support/testDatabase.js";

/**
 * The server's own statements beside Prisma, against a real database: SQLite's file, or
 * PostgreSQL on a PostgreSQL run.
 */
describe(`direct statements beside Prisma (${testDialect()})`, () => {
  let dir: string;
  let database: TestDatabase;
  let db: Db;
  let sql: ServerStatements;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "rm-direct-"));
    database = await newTestDatabase(dir);
    db = await database.open();
    sql = directStatements(db);
  });
  afterEach(async () => {
    await db.$disconnect();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const insertHost = (name: string, on: SqlRunner = sql) =>
    on.run(
      `INSERT INTO "Host" ("id", "name", "hostname", "os", "credentialHash", "createdAt")
       VALUES (?, ?, ?, 'linux', 'x', ?)`,
      newId(),
      name,
      name,
      new Date(),
    );

  it("waits while a Prisma transaction is open, and is not rolled back with it", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let opened: () => void = () => undefined;
    const open = new Promise<void>((resolve) => {
      opened = resolve;
    });
    const rolledBack = db
      .$transaction(async (tx) => {
        await tx.host.create({
          data: { name: "inside", hostname: "inside", os: "linux", credentialHash: "x" },
        });
        opened();
        await gate;
        throw new Error("rolled back on purpose");
      })
      .catch((error: Error) => error.message);
    await open;
    let written = false;
    const write = insertHost("outside").then(() => {
      written = true;
    });
    if (testDialect() === "sqlite") {
      // One connection: well past the poll interval, still held back while it is open.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(written).toBe(false);
    }
    release();
    expect(await rolledBack).toBe("rolled back on purpose");
    await write;
    const names = (await db.host.findMany({ select: { name: true } })).map((h) => h.name);
    expect(names).toEqual(["outside"]);
  });

  it("writes all of a transaction or none of it", async () => {
    await expect(
      sql.transaction(async (tx) => {
        await insertHost("first", tx);
        await insertHost("first", tx); // the name is unique: this one fails
      }),
    ).rejects.toThrow(/UNIQUE|unique/);
    expect(await db.host.count()).toBe(0);
    await sql.transaction(async (tx) => {
      await insertHost("a", tx);
      await insertHost("b", tx);
    });
    expect(await db.host.count()).toBe(2);
  });

  it("keeps Prisma's statements out of its own transaction: a rollback leaves them be", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let inside: () => void = () => undefined;
    const begun = new Promise<void>((resolve) => {
      inside = resolve;
    });
    const rolledBack = sql
      .transaction(async (tx) => {
        await insertHost("own", tx);
        inside();
        await gate;
        throw new Error("rolled back on purpose");
      })
      .catch((error: Error) => error.message);
    await begun;
    // Prisma's write and a transaction of Prisma's, both asked while the own one is open.
    const prismaWrite = db.host.create({
      data: { name: "prisma", hostname: "prisma", os: "linux", credentialHash: "x" },
    });
    const prismaTransaction = db.$transaction(async (tx) => {
      await tx.host.create({
        data: { name: "prisma-tx", hostname: "prisma-tx", os: "linux", credentialHash: "x" },
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    expect(await rolledBack).toBe("rolled back on purpose");
    await Promise.all([prismaWrite, prismaTransaction]);
    const names = (
      await db.host.findMany({ select: { name: true }, orderBy: { name: "asc" } })
    ).map((h) => h.name);
    expect(names).toEqual(["prisma", "prisma-tx"]);
  });

  it("reads rows alike on both databases: times as ISO text, booleans as 0/1, counts as numbers", async () => {
    await insertHost("facts");
    const at = new Date("2026-03-04T05:06:07.089Z");
    await sql.run(`UPDATE "Host" SET "lastSeenAt" = ? WHERE "name" = ?`, at, "facts");
    const row = await sql.get<{ lastSeenAt: string; revoked: number; hosts: number }>(
      `SELECT "lastSeenAt", "revokedAt" IS NULL AS "revoked",
         (SELECT COUNT(*) FROM "Host") AS "hosts"
       FROM "Host" WHERE "name" = ?`,
      "facts",
    );
    expect(row).toEqual({ lastSeenAt: "2026-03-04T05:06:07.089+00:00", revoked: 1, hosts: 1 });
    const flags = await sql.all<{ cancelRequested: number }>(
      `SELECT "cancelRequested" FROM "Job" WHERE "hostId" = ?`,
      "none",
    );
    expect(flags).toEqual([]);
  });

  it("writes times as Prisma does: Prisma reads them back as the same instants, and they sort", async () => {
    const earlier = new Date("2026-01-02T03:04:05.678Z");
    await insertHost("timed");
    await sql.run(`UPDATE "Host" SET "lastSeenAt" = ? WHERE "name" = ?`, earlier, "timed");
    const host = await db.host.findUniqueOrThrow({ where: { name: "timed" } });
    expect(host.lastSeenAt?.toISOString()).toBe(earlier.toISOString());
    // Prisma's own filter on the column compares with the text this wrote.
    const after = await db.host.count({
      where: { lastSeenAt: { gt: new Date(earlier.getTime() - 1) } },
    });
    const before = await db.host.count({ where: { lastSeenAt: { lt: earlier } } });
    expect([after, before]).toEqual([1, 0]);
  });

  it("makes ids of Prisma's cuid shape that sort in the order they were made", () => {
    const ids = Array.from({ length: 1000 }, () => newId());
    expect(ids.every((id) => /^c[0-9a-z]{24}$/.test(id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
