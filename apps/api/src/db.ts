import { mkdirSync } from "node:fs";
import path from "node:path";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "./generated/prisma/client.js";

export type Db = PrismaClient;

/**
 * Opens the SQLite database through the better-sqlite3 adapter (no native Prisma engine).
 * WAL lets readers go on while a writer commits; a busy timeout rides out short write locks.
 */
export async function openDatabase(databasePath: string): Promise<Db> {
  mkdirSync(path.dirname(databasePath), { recursive: true });
  const adapter = new PrismaBetterSQLite3({ url: `file:${databasePath}`, timeout: 5000 });
  const db = new PrismaClient({ adapter });
  await db.$queryRawUnsafe("PRAGMA journal_mode = WAL");
  await db.$queryRawUnsafe("PRAGMA synchronous = NORMAL");
  await db.$queryRawUnsafe("PRAGMA foreign_keys = ON");
  return db;
}

/** Fails when the database has no tables yet, with the command that creates them. */
export async function assertMigrated(db: Db): Promise<void> {
  const rows = await db.$queryRawUnsafe<{ name: string }[]>(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'",
  );
  if (rows.length === 0) {
    throw new Error("The database has not been migrated: run `pnpm db:deploy` first");
  }
}
