import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";
import { openDatabase } from "../src/db.js";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../../..");
const script = path.join(root, "scripts/db-migration.mjs");

/** Runs the drift check; `flags` point it at other files (`--schema`, `--postgres`). */
async function check(...flags: string[]) {
  try {
    const { stdout } = await run("node", [script, "check", ...flags], { cwd: root });
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
    const result = await check("--schema", changed);
    expect(result.code).toBe(1);
    expect(result.output).toContain('ADD COLUMN "severity"');
    // The PostgreSQL schema is generated from it, so it no longer matches either.
    expect(result.output).toContain(
      "prisma/postgresql/schema.prisma is not what schema.prisma makes",
    );
  });

  it("the drift check fails when the PostgreSQL migrations do not make the PostgreSQL schema", {
    timeout: DRIFT_CHECK_MS,
  }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rm-drift-pg-"));
    try {
      cpSync(path.join(root, "prisma/postgresql/migrations"), path.join(dir, "migrations"), {
        recursive: true,
      });
      const schema = readFileSync(path.join(root, "prisma/postgresql/schema.prisma"), "utf8");
      writeFileSync(
        path.join(dir, "schema.prisma"),
        schema.replace("model AuditEvent {", "model AuditEvent {\n  severity String?"),
      );
      const result = await check("--postgres", dir);
      expect(result.code).toBe(1);
      // Found by applying the migrations to a real PostgreSQL and reading its schema back.
      expect(result.output).toMatch(
        /migrations disagree; the missing migration is:\s+-- AlterTable\s+ALTER TABLE "AuditEvent" ADD COLUMN\s+"severity" TEXT;/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the PostgreSQL schema is not generated from a type that has no rule for PostgreSQL yet", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rm-pg-types-"));
    try {
      const schema = readFileSync(path.join(root, "prisma/schema.prisma"), "utf8").replace(
        "model AuditEvent {",
        "model AuditEvent {\n  meta Json?\n  short String @db.VarChar(10)",
      );
      writeFileSync(path.join(dir, "sqlite.prisma"), schema);
      const failed = await run(
        "node",
        [script, "postgres", "--schema", path.join(dir, "sqlite.prisma"), "--postgres", dir],
        { cwd: root },
      ).then(
        () => null,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failed?.code).toBe(1);
      expect(failed?.stderr).toContain("AuditEvent.meta: type Json");
      expect(failed?.stderr).toContain("AuditEvent.short: native type @db.VarChar(10)");
      expect(existsSync(path.join(dir, "schema.prisma"))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
