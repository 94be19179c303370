import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import { type Db, directStatements, openDatabase } from "../src/db.js";
import { newId } from "../src/ids.js";
import { type DirectStatements, sqlDate } from "../src/sqliteStatements.js";

/** The server's own statements on Prisma's connection, against a real SQLite file. */
describe("direct statements beside Prisma", () => {
  let db: Db;
  let sql: DirectStatements;

  beforeEach(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rm-direct-"));
    copyFileSync(inject("templateDatabase"), path.join(dir, "db.sqlite"));
    db = await openDatabase(path.join(dir, "db.sqlite"));
    sql = directStatements(db);
  });
  afterEach(() => db.$disconnect());

  const insertHost = (name: string) =>
    sql
      .statement(
        `INSERT INTO "Host" ("id", "name", "hostname", "os", "credentialHash", "createdAt")
         VALUES (?, ?, ?, 'linux', 'x', ?)`,
      )
      .run(newId(), name, name, sqlDate(new Date()));

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
    const write = sql
      .write(() => insertHost("outside"))
      .then(() => {
        written = true;
      });
    // Well past the poll interval: still held back while the transaction is open.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(written).toBe(false);
    release();
    expect(await rolledBack).toBe("rolled back on purpose");
    await write;
    const names = (await db.host.findMany({ select: { name: true } })).map((h) => h.name);
    expect(names).toEqual(["outside"]);
  });

  it("writes all of a transaction or none of it", async () => {
    await expect(
      sql.transaction(() => {
        insertHost("first");
        insertHost("first"); // the name is unique: this one fails
      }),
    ).rejects.toThrow(/UNIQUE/);
    expect(await db.host.count()).toBe(0);
    await sql.transaction(() => {
      insertHost("a");
      insertHost("b");
    });
    expect(await db.host.count()).toBe(2);
  });

  it("writes times as Prisma does: Prisma reads them back as the same instants, and they sort", async () => {
    const earlier = new Date("2026-01-02T03:04:05.678Z");
    await sql.write(() => insertHost("timed"));
    await sql.write(() =>
      sql
        .statement(`UPDATE "Host" SET "lastSeenAt" = ? WHERE "name" = ?`)
        .run(sqlDate(earlier), "timed"),
    );
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
