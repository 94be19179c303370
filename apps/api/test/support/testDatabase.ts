import { copyFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { inject } from "vitest";
import { type Db, openDatabase, openPostgres } from "../../src/db.js";

/**
 * The database a test's server runs on: a copy of the migrated SQLite template, or, when the
 * run is on PostgreSQL (`RM_TEST_DATABASE=postgresql`: globalSetup then starts a throwaway
 * cluster and migrates a template database on it), a new database made from that template.
 */
export interface TestDatabase {
  /** What the server's environment needs to use it (nothing for SQLite's default path). */
  env: Record<string, string>;
  /** A client of its own on it. */
  open(): Promise<Db>;
  /** Removes it (a PostgreSQL database; a SQLite file goes with its data directory). */
  drop(): Promise<void>;
}

/** Which database this run's servers use. */
export function testDialect(): "sqlite" | "postgresql" {
  return inject("postgresTemplate") ? "postgresql" : "sqlite";
}

/** Connections a test server keeps: enough for its work, few enough for many servers at once. */
const TEST_POOL = "4";

let created = 0;

export async function newTestDatabase(dataDir: string): Promise<TestDatabase> {
  const postgres = inject("postgresTemplate");
  if (!postgres) {
    const databasePath = path.join(dataDir, "restic-manager.db");
    copyFileSync(inject("templateDatabase"), databasePath);
    return { env: {}, open: () => openDatabase(databasePath), drop: async () => {} };
  }
  created += 1;
  const name = `rm_${process.pid}_${created}_${Math.random().toString(36).slice(2, 8)}`;
  await administer(postgres.adminUrl, `CREATE DATABASE "${name}" TEMPLATE "${postgres.template}"`);
  const url = postgres.adminUrl.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
  return {
    env: { RM_DATABASE_URL: url, RM_DATABASE_POOL: TEST_POOL },
    open: () => openPostgres(url, Number(TEST_POOL)),
    drop: () => administer(postgres.adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

async function administer(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
