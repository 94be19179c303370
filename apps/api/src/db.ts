import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";
import path from "node:path";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { AppError } from "./errors.js";
import { Prisma, PrismaClient } from "./generated/prisma/client.js";
import { CachingSQLiteAdapterFactory, type DirectStatements } from "./sqliteStatements.js";

export type Db = PrismaClient;

const adapters = new WeakMap<Db, CachingSQLiteAdapterFactory>();

/**
 * Opens the SQLite database through the better-sqlite3 adapter (no native Prisma engine).
 * WAL lets readers go on while a writer commits; a busy timeout rides out short write locks.
 * Statements stay prepared between calls (see sqliteStatements.ts).
 */
export async function openDatabase(databasePath: string): Promise<Db> {
  mkdirSync(path.dirname(databasePath), { recursive: true, mode: 0o700 });
  restrictToOwner(databasePath);
  const adapter = new CachingSQLiteAdapterFactory(
    new PrismaBetterSQLite3({ url: `file:${databasePath}`, timeout: 5000 }),
  );
  const db = new PrismaClient({ adapter });
  adapters.set(db, adapter);
  await db.$queryRawUnsafe("PRAGMA journal_mode = WAL");
  await db.$queryRawUnsafe("PRAGMA synchronous = NORMAL");
  await db.$queryRawUnsafe("PRAGMA foreign_keys = ON");
  return db;
}

/** The server's own prepared statements on `db`'s connection (see DirectStatements). */
export function directStatements(db: Db): DirectStatements {
  const adapter = adapters.get(db);
  if (!adapter) throw new Error("not a database opened by openDatabase");
  return adapter.direct();
}

/**
 * Calls `listener` with the SQL of each statement the database runs (BEGIN and COMMIT
 * included) until the returned function is called: how tests count a hot path's statements.
 */
export function onStatement(db: Db, listener: (sql: string) => void): () => void {
  const adapter = adapters.get(db);
  if (!adapter) throw new Error("not a database opened by openDatabase");
  return adapter.onStatement(listener);
}

/**
 * The database (users, sessions, encrypted repository secrets, the audit log) is readable by
 * the service user only. `prisma migrate deploy` creates it with the default umask (0644), so
 * it is fixed on every open. SQLite gives a new -wal and -shm the database file's own mode,
 * so they follow; ones an earlier run left behind are fixed too. A missing database is
 * created empty here, at 0600, rather than by SQLite with the umask's mode.
 */
function restrictToOwner(databasePath: string): void {
  closeSync(openSync(databasePath, "a", 0o600));
  for (const file of [databasePath, `${databasePath}-wal`, `${databasePath}-shm`]) {
    try {
      chmodSync(file, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
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

/** Turns a unique-constraint violation into CONFLICT with `message`; rethrows anything else. */
export function rethrowUnique(error: unknown, message: string): never {
  if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
    throw new AppError("CONFLICT", message);
  }
  throw error;
}
