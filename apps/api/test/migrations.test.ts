import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";
import { openDatabase } from "../src/db.js";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../../..");
const script = path.join(root, "scripts/db-migration.mjs");

async function check(schemaFile?: string) {
  try {
    const { stdout } = await run(
      "node",
      [script, "check", ...(schemaFile ? ["--schema", schemaFile] : [])],
      {
        cwd: root,
      },
    );
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, output: failed.stderr };
  }
}

// The drift check runs Prisma's CLI six times and starts a PostgreSQL cluster: a minute on a
// busy two-core machine.
const DRIFT_CHECK_MS = 240_000;

describe("migrations", () => {
  it("agree with schema.prisma (drift check)", { timeout: DRIFT_CHECK_MS }, async () => {
    const result = await check();
    expect(result.output).toContain("agree");
    expect(result.code).toBe(0);
  });

  it("the drift check fails when schema.prisma changes without a migration", {
    timeout: DRIFT_CHECK_MS,
  }, async () => {
    const schema = readFileSync(path.join(root, "prisma/schema.prisma"), "utf8").replace(
      "model AuditEvent {",
      "model AuditEvent {\n  severity String?",
    );
    const changed = path.join(mkdtempSync(path.join(tmpdir(), "rm-drift-")), "schema.prisma");
    writeFileSync(changed, schema);
    const result = await check(changed);
    expect(result.code).toBe(1);
    expect(result.output).toContain('ADD COLUMN "severity"');
    // The PostgreSQL schema is generated from it, so it no longer matches either.
    expect(result.output).toContain(
      "prisma/postgresql/schema.prisma is not what schema.prisma makes",
    );
  });

  it("open the database in WAL mode", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rm-wal-"));
    const file = path.join(dir, "db.sqlite");
    writeFileSync(file, readFileSync(inject("templateDatabase")));
    const db = await openDatabase(file);
    try {
      const [mode] = await db.$queryRawUnsafe<{ journal_mode: string }[]>("PRAGMA journal_mode");
      expect(mode?.journal_mode).toBe("wal");
    } finally {
      await db.$disconnect();
    }
  });
});
