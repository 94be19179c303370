import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import path from "node:path";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { AppError } from "./errors.js";
import { Prisma, PrismaClient } from "./generated/prisma/client.js";
import { PrismaClient as PostgresPrismaClient } from "./generated/prisma-pg/client.js";
import type { Logger } from "./logger.js";
import { applyPostgresMigrations } from "./postgresMigrations.js";
import { PostgresStatements } from "./postgresStatements.js";
import { CachingSQLiteAdapterFactory } from "./sqliteStatements.js";
import type { ServerStatements } from "./statements.js";

/**
 * The database, SQLite or PostgreSQL. Both clients are generated from the same models
 * (scripts/db-migration.mjs makes the PostgreSQL schema from the SQLite one) and share Prisma's
 * runtime, so the server uses one type: the SQLite client's.
 */
export type Db = PrismaClient;

interface Opened {
  dialect: "sqlite" | "postgresql";
  statements(): ServerStatements;
  onStatement(listener: (sql: string) => void): () => void;
}

const opened = new WeakMap<Db, Opened>();

/** Connections each process keeps to PostgreSQL (Prisma's and the server's own statements). */
const DEFAULT_POSTGRES_POOL = 10;

/**
 * The PostgreSQL migrations, beside the SQLite ones: `prisma/postgresql/migrations` in the
 * nearest folder above this module that has one (the source tree, a release, the image).
 */
export function postgresMigrationsDir(from = import.meta.dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "prisma", "postgresql", "migrations");
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) {
      throw new Error(`No prisma/postgresql/migrations in any folder above ${from}`);
    }
  }
}

/**
 * The database the configuration names: PostgreSQL at RM_DATABASE_URL, brought up to the
 * migrations first (every replica may do so at start: they take turns on a lock), or the
 * SQLite file, migrated by `prisma migrate deploy` before the server starts.
 */
export async function openConfiguredDatabase(
  config: { databasePath: string; databaseUrl: string | undefined; databasePoolSize: number },
  logger: Pick<Logger, "info">,
): Promise<Db> {
  if (!config.databaseUrl) return openDatabase(config.databasePath);
  await applyPostgresMigrations(config.databaseUrl, postgresMigrationsDir(), (name) =>
    logger.info({ event: "database.migrated", migration: name }, "applied a migration"),
  );
  return openPostgres(config.databaseUrl, config.databasePoolSize);
}

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
  opened.set(db, {
    dialect: "sqlite",
    statements: () => adapter.direct(),
    onStatement: (listener) => adapter.onStatement(listener),
  });
  await db.$queryRawUnsafe("PRAGMA journal_mode = WAL");
  await db.$queryRawUnsafe("PRAGMA synchronous = NORMAL");
  await db.$queryRawUnsafe("PRAGMA foreign_keys = ON");
  return db;
}

/**
 * Opens a PostgreSQL database through Prisma's pg adapter, on a pool the server's own
 * statements share. Sessions run in UTC, so `now()` and column defaults agree with the UTC
 * times Prisma writes. The database must sort text by byte (collation C), as SQLite does:
 * name order, keyset cursors on names and prefix ranges depend on it.
 */
export async function openPostgres(url: string, poolSize = DEFAULT_POSTGRES_POOL): Promise<Db> {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    options: "-c timezone=UTC",
    application_name: "restic-manager",
  });
  // An idle connection PostgreSQL closed (a restart, a proxy) must not take the process down.
  pool.on("error", () => {});
  const listeners = new Set<(sql: string) => void>();
  pool.on("connect", (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args) => {
      const first = args[0];
      const text = typeof first === "string" ? first : (first as { text?: string })?.text;
      if (text !== undefined) for (const listener of listeners) listener(text);
      return query(...args);
    };
  });
  const client = new PostgresPrismaClient({
    adapter: new PrismaPg(pool, { disposeExternalPool: true }),
  });
  const db = client as unknown as Db;
  // The server's own statements run on the pool's clients too: told by the wrapper above.
  const statements = new PostgresStatements(pool, pg.types, new Set());
  opened.set(db, {
    dialect: "postgresql",
    statements: () => statements,
    onStatement(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  });
  try {
    await assertByteCollation(db);
  } catch (error) {
    await db.$disconnect();
    throw error;
  }
  return db;
}

async function assertByteCollation(db: Db): Promise<void> {
  const [row] = await db.$queryRawUnsafe<{ collation: string }[]>(
    "SELECT datcollate::text AS collation FROM pg_database WHERE datname = current_database()",
  );
  if (row && row.collation !== "C" && row.collation !== "POSIX") {
    throw new Error(
      `The PostgreSQL database sorts text by "${row.collation}"; restic-manager needs the byte order of collation C (CREATE DATABASE … LC_COLLATE 'C' TEMPLATE template0)`,
    );
  }
}

function openedOf(db: Db): Opened {
  const entry = opened.get(db);
  if (!entry) throw new Error("not a database opened by openDatabase or openPostgres");
  return entry;
}

/** Which database `db` is. */
export function dialectOf(db: Db): "sqlite" | "postgresql" {
  return openedOf(db).dialect;
}

/** The server's own statements on `db`'s connections (see statements.ts). */
export function directStatements(db: Db): ServerStatements {
  return openedOf(db).statements();
}

/**
 * Calls `listener` with the SQL of each statement the database runs (BEGIN and COMMIT
 * included) until the returned function is called: how tests count a hot path's statements.
 */
export function onStatement(db: Db, listener: (sql: string) => void): () => void {
  return openedOf(db).onStatement(listener);
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
    dialectOf(db) === "sqlite"
      ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'"
      : "SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '_prisma_migrations'",
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
