import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";

/**
 * The key of the advisory lock held while migrating: Prisma's own (`prisma migrate deploy` takes
 * it too), so replicas starting at once and a deploy by hand apply each migration once.
 */
const MIGRATION_LOCK_KEY = 72707369;

/** Prisma's migration table, as `prisma migrate deploy` makes it: either may take over later. */
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrationOutcome {
  /** Applied now, in order. */
  applied: string[];
  /** Applied before (by an earlier start, another replica or `prisma migrate deploy`). */
  alreadyApplied: string[];
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/** The migrations under `dir` (prisma/postgresql/migrations), by name, which is their order. */
export function postgresMigrations(dir: string): { name: string; sql: string; checksum: string }[] {
  if (!existsSync(dir)) throw new Error(`No PostgreSQL migrations at ${dir}`);
  return readdirSync(dir)
    .filter((name) => /^\d/.test(name) && existsSync(path.join(dir, name, "migration.sql")))
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

/**
 * Brings the PostgreSQL database at `url` up to the migrations in `dir`: what `pnpm db:deploy`
 * does for SQLite before the server starts, as a function a server (any replica) can call on
 * start. Each migration runs in one transaction with its record in `_prisma_migrations`, so a
 * failed one leaves nothing behind and is tried again on the next start. An applied migration
 * whose file changed since is an error: the database no longer matches the files.
 */
export async function applyPostgresMigrations(
  url: string,
  dir: string,
  onApplied: (name: string) => void = () => {},
): Promise<MigrationOutcome> {
  const migrations = postgresMigrations(dir);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    await client.query(CREATE_MIGRATIONS_TABLE);
    const { rows } = await client.query<MigrationRow>(
      `SELECT "migration_name", "checksum", "finished_at", "rolled_back_at" FROM "_prisma_migrations"`,
    );
    const unfinished = rows.find((row) => row.finished_at === null && row.rolled_back_at === null);
    if (unfinished) {
      throw new Error(
        `Migration ${unfinished.migration_name} started and did not finish: resolve it (prisma migrate resolve) before starting`,
      );
    }
    const done = new Map(
      rows.filter((row) => row.finished_at !== null).map((row) => [row.migration_name, row]),
    );
    const outcome: MigrationOutcome = { applied: [], alreadyApplied: [] };
    for (const migration of migrations) {
      const applied = done.get(migration.name);
      if (applied) {
        if (applied.checksum !== migration.checksum) {
          throw new Error(
            `Migration ${migration.name} was applied, and its file has changed since: restore the file`,
          );
        }
        outcome.alreadyApplied.push(migration.name);
        continue;
      }
      await applyOne(client, migration);
      outcome.applied.push(migration.name);
      onApplied(migration.name);
    }
    return outcome;
  } finally {
    // Ending the session releases the advisory lock too.
    await client.end();
  }
}

async function applyOne(
  client: pg.Client,
  migration: { name: string; sql: string; checksum: string },
): Promise<void> {
  await client.query("BEGIN");
  try {
    await client.query(
      `INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "started_at")
       VALUES ($1, $2, $3, now())`,
      [randomUUID(), migration.checksum, migration.name],
    );
    // Without parameters pg uses the simple query protocol, which runs a file of statements.
    await client.query(migration.sql);
    await client.query(
      `UPDATE "_prisma_migrations" SET "finished_at" = now(), "applied_steps_count" = 1
       WHERE "migration_name" = $1 AND "finished_at" IS NULL`,
      [migration.name],
    );
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK");
    throw new Error(`Migration ${migration.name} failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
