import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Db, openDatabase, rethrowUnique } from "../src/db.js";
import { AppError } from "../src/errors.js";
import { PrismaClient as PgPrismaClient } from "../src/generated/prisma-pg/client.js";
import { listJobs } from "../src/jobs/queries.js";
import { afterKeyset, keysetOrder, pageOf } from "../src/pagination.js";
import { applyPostgresMigrations, postgresMigrations } from "../src/postgresMigrations.js";
import {
  openMigratedPostgres,
  type PgDb,
  POSTGRES_MIGRATIONS,
  type PostgresCluster,
  startPostgresCluster,
} from "./support/postgres.js";

/*
 * The PostgreSQL schema and its migrations, on a real PostgreSQL started for this file, through
 * the generated pg client and @prisma/adapter-pg. Where a behaviour must match SQLite, the same
 * calls run on a migrated SQLite database too and the outcomes are compared.
 *
 * The services take the SQLite client's type; the pg client is generated from the same models,
 * so the shared scenarios hand it to them cast to that type (`asDb`).
 */

let cluster: PostgresCluster;
let postgres: PgDb;
let sqlite: Db;
let sqliteDir: string;
const pools: pg.Pool[] = [];

function asDb(db: PgDb): Db {
  return db as unknown as Db;
}

beforeAll(async () => {
  cluster = await startPostgresCluster();
  postgres = (await openMigratedPostgres(cluster, "schema")).db;
  sqliteDir = mkdtempSync(path.join(tmpdir(), "rm-pg-compare-"));
  const file = path.join(sqliteDir, "db.sqlite");
  writeFileSync(file, readFileSync(inject("templateDatabase")));
  sqlite = await openDatabase(file);
});

afterAll(async () => {
  await postgres?.$disconnect();
  await sqlite?.$disconnect();
  for (const pool of pools) await pool.end();
  if (cluster) await untilNoOtherSessions(cluster.url("postgres"));
  await cluster?.stop();
  if (sqliteDir) rmSync(sqliteDir, { recursive: true, force: true });
});

/**
 * Waits (at most 10 s) until every other session has gone, so that stopping the cluster does not
 * end a connection a client is still closing (it would hear "terminating connection due to
 * administrator command" with nobody listening); says which are left if some stay.
 */
async function untilNoOtherSessions(url: string) {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  await client.connect();
  try {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { rows } = await client.query<{ datname: string; state: string }>(
        `SELECT datname, state FROM pg_stat_activity
         WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`,
      );
      if (rows.length === 0) return;
      if (Date.now() > deadline) {
        console.warn(`sessions left open at the end: ${JSON.stringify(rows)}`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await client.end();
  }
}

/** A plain pg pool on `url` for reading catalogs (the Prisma adapter cannot read `name` columns). */
function poolOn(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pools.push(pool);
  return pool;
}

/** Both databases, each with its own rows: every scenario runs on both. */
function databases(): [string, Db][] {
  return [
    ["sqlite", sqlite],
    ["postgresql", asDb(postgres)],
  ];
}

async function createUserHostRepository(db: Db, tag: string) {
  const user = await db.user.create({
    data: { username: `admin-${tag}`, passwordHash: "x", role: "admin" },
  });
  const host = await db.host.create({
    data: { name: `web-${tag}`, hostname: "web", os: "linux", credentialHash: "h" },
  });
  const repository = await db.repository.create({
    data: {
      name: `repo-${tag}`,
      displayUrl: "rest:http://127.0.0.1/x",
      urlSealed: "sealed",
      passwordSealed: "sealed",
      maintenanceHostId: host.id,
    },
  });
  return { user, host, repository };
}

describe("the throwaway PostgreSQL cluster", () => {
  it("runs as an unprivileged user with the fast settings, and leaves nothing behind once stopped", async () => {
    const own = await startPostgresCluster();
    const pool = new pg.Pool({ connectionString: own.url("postgres"), max: 1 });
    try {
      const { rows } = await pool.query<{ name: string; setting: string }>(
        `SELECT name, setting FROM pg_settings
         WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'listen_addresses')
         ORDER BY name`,
      );
      expect(rows).toEqual([
        { name: "fsync", setting: "off" },
        { name: "full_page_writes", setting: "off" },
        { name: "listen_addresses", setting: "127.0.0.1" },
        { name: "synchronous_commit", setting: "off" },
      ]);
      // PostgreSQL refuses root: as root the cluster belongs to someone else.
      expect(statSync(path.join(own.dir, "data")).uid).not.toBe(0);
      expect(own.port).not.toBe(5432);
    } finally {
      await pool.end();
      await own.stop();
    }
    expect(existsSync(own.dir)).toBe(false);
    const after = new pg.Client({ connectionString: own.url("postgres") });
    await expect(after.connect()).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe("PostgreSQL migrations", () => {
  it("apply once: a second start (another replica) finds them all applied and records nothing twice", async () => {
    const url = await cluster.createDatabase("twice");
    const migrations = postgresMigrations(POSTGRES_MIGRATIONS).map((m) => m.name);
    expect(migrations.length).toBeGreaterThan(0);

    const [first, second] = await Promise.all([
      applyPostgresMigrations(url, POSTGRES_MIGRATIONS),
      applyPostgresMigrations(url, POSTGRES_MIGRATIONS),
    ]);
    // Two replicas starting at once: one applies, the other waits for the lock and finds them done.
    const appliedNow = [first, second].map((outcome) => outcome.applied);
    expect(appliedNow).toContainEqual(migrations);
    expect(appliedNow).toContainEqual([]);
    const again = await applyPostgresMigrations(url, POSTGRES_MIGRATIONS);
    expect(again).toEqual({ applied: [], alreadyApplied: migrations });

    const { rows } = await poolOn(url).query<{ migration_name: string; finished: boolean }>(
      `SELECT "migration_name", "finished_at" IS NOT NULL AS "finished" FROM "_prisma_migrations" ORDER BY "migration_name"`,
    );
    expect(rows).toEqual(migrations.map((name) => ({ migration_name: name, finished: true })));
  });

  it("refuse to start when an applied migration's file has changed since", async () => {
    const url = await cluster.createDatabase("changed");
    await applyPostgresMigrations(url, POSTGRES_MIGRATIONS);
    const copy = mkdtempSync(path.join(tmpdir(), "rm-pg-migrations-"));
    try {
      for (const migration of postgresMigrations(POSTGRES_MIGRATIONS)) {
        const dir = path.join(copy, migration.name);
        mkdirSync(dir);
        writeFileSync(path.join(dir, "migration.sql"), `${migration.sql}\n-- edited\n`);
      }
      await expect(applyPostgresMigrations(url, copy)).rejects.toThrow(/has changed since/);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

describe("the PostgreSQL schema", () => {
  it("has every index of the SQLite schema, by name, on the same columns in the same order", async () => {
    const sqliteRows = await sqlite.$queryRawUnsafe<
      { table: string; index: string; unique: number; seqno: number; column: string }[]
    >(
      `SELECT m.name AS "table", il.name AS "index", il."unique" AS "unique", ii.seqno AS "seqno",
              ii.name AS "column"
       FROM sqlite_master m, pragma_index_list(m.name) il, pragma_index_info(il.name) ii
       WHERE m.type = 'table' AND m.name NOT LIKE '\\_%' ESCAPE '\\' AND il.origin <> 'pk'
       ORDER BY m.name, il.name, ii.seqno`,
    );
    const sqliteIndexes = new Map<string, { table: string; unique: boolean; columns: string[] }>();
    for (const row of sqliteRows) {
      const index = sqliteIndexes.get(row.index) ?? {
        table: row.table,
        unique: Number(row.unique) === 1,
        columns: [],
      };
      index.columns.push(row.column);
      sqliteIndexes.set(row.index, index);
    }
    expect(sqliteIndexes.size).toBeGreaterThan(40);

    const { rows } = await poolOn(cluster.url("schema")).query<{
      table: string;
      index: string;
      unique: boolean;
      columns: string[];
    }>(
      `SELECT t.relname::text AS "table", i.relname::text AS "index", ix.indisunique AS "unique",
              array(SELECT a.attname::text
                    FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
                    ORDER BY k.ord) AS "columns"
       FROM pg_index ix
       JOIN pg_class i ON i.oid = ix.indexrelid
       JOIN pg_class t ON t.oid = ix.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       WHERE n.nspname = 'public' AND NOT ix.indisprimary AND t.relname <> '_prisma_migrations'`,
    );
    const postgresIndexes = new Map(
      rows.map((row) => [
        row.index,
        { table: row.table, unique: row.unique, columns: row.columns },
      ]),
    );
    expect(Object.fromEntries(postgresIndexes)).toEqual(Object.fromEntries(sqliteIndexes));
  });

  it("has every SQLite column, with the type chosen for it and the same nullability", async () => {
    const sqliteColumns = await sqlite.$queryRawUnsafe<
      { table: string; column: string; type: string; notnull: number }[]
    >(
      `SELECT m.name AS "table", c.name AS "column", c.type AS "type", c."notnull" AS "notnull"
       FROM sqlite_master m, pragma_table_info(m.name) c
       WHERE m.type = 'table' AND m.name NOT LIKE '\\_%' ESCAPE '\\' AND m.name <> 'sqlite_sequence'`,
    );
    // The mapping written down in scripts/db-migration.mjs.
    const expectedType: Record<string, string> = {
      TEXT: "text",
      INTEGER: "integer",
      REAL: "double precision",
      BOOLEAN: "boolean",
      DATETIME: "timestamp(3) without time zone",
    };
    const { rows } = await poolOn(cluster.url("schema")).query<{
      table: string;
      column: string;
      type: string;
      notnull: boolean;
    }>(
      `SELECT c.relname::text AS "table", a.attname::text AS "column",
              format_type(a.atttypid, a.atttypmod) AS "type", a.attnotnull AS "notnull"
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
         AND c.relname <> '_prisma_migrations'`,
    );
    const key = (row: { table: string; column: string }) => `${row.table}.${row.column}`;
    const postgresColumns = Object.fromEntries(
      rows.map((row) => [key(row), { type: row.type, notnull: row.notnull }]),
    );
    const wanted = Object.fromEntries(
      sqliteColumns.map((row) => [
        key(row),
        {
          type: expectedType[row.type] ?? `unmapped ${row.type}`,
          notnull: Number(row.notnull) === 1,
        },
      ]),
    );
    expect(Object.keys(wanted).length).toBeGreaterThan(200);
    expect(postgresColumns).toEqual(wanted);
  });

  it("is in a database that sorts text by byte, as SQLite does", async () => {
    const { rows } = await poolOn(cluster.url("schema")).query<{ collation: string }>(
      `SELECT datcollate::text AS "collation" FROM pg_database WHERE datname = current_database()`,
    );
    expect(rows[0]?.collation).toBe("C");
  });
});

describe("Prisma on PostgreSQL (pg adapter)", () => {
  it("stores a user, a host, a repository and jobs, and lists the jobs page by page as on SQLite", async () => {
    const pages: Record<string, string[][]> = {};
    for (const [name, db] of databases()) {
      const { user, host, repository } = await createUserHostRepository(db, "list");
      expect(await db.user.findUnique({ where: { id: user.id } })).toMatchObject({
        username: "admin-list",
        disabled: false,
      });
      // Seven jobs on four instants: ties on createdAt are ordered by id.
      const base = Date.UTC(2026, 11, 1, 12, 0, 0, 123);
      for (let i = 0; i < 7; i++) {
        await db.job.create({
          data: {
            hostId: host.id,
            repositoryId: repository.id,
            kind: i % 2 === 0 ? "backup" : "check",
            params: JSON.stringify({ n: i }),
            state: "queued",
            createdByType: "user",
            createdById: user.id,
            createdAt: new Date(base + Math.floor(i / 2) * 1000),
          },
        });
      }
      const all = await db.job.findMany({
        where: { hostId: host.id },
        select: { id: true, createdAt: true },
      });
      const expected = all
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
        .map((job) => job.id);

      pages[name] = [];
      let cursor: string | undefined;
      do {
        const page = await listJobs(db, { hostId: host.id, limit: 3, cursor });
        pages[name].push(page.items.map((job) => job.id));
        expect(page.items.every((job) => job.hostName === "web-list")).toBe(true);
        expect(page.items.every((job) => job.repositoryName === "repo-list")).toBe(true);
        cursor = page.nextCursor;
      } while (cursor);
      expect(pages[name].flat()).toEqual(expected);
      const backups = await listJobs(db, { hostId: host.id, kind: "backup", limit: 10 });
      expect(backups.items.map((job) => job.kind)).toEqual([
        "backup",
        "backup",
        "backup",
        "backup",
      ]);
    }
    expect(pages.postgresql?.map((page) => page.length)).toEqual([3, 3, 1]);
  });

  it("orders names and finds a name prefix by byte, case-sensitively, as on SQLite", async () => {
    const orders: Record<string, string[]> = {};
    for (const [name, db] of databases()) {
      for (const hostName of ["web2", "Web3", "_web", "web10", "webZ", "alpha", "Zulu"]) {
        await db.host.create({
          data: { name: `n-${hostName}`, hostname: "h", os: "linux", credentialHash: "h" },
        });
      }
      const ordered: string[] = [];
      let after: { key: string; id: string } | null = null;
      for (;;) {
        const rows: { id: string; name: string }[] = await db.host.findMany({
          where: {
            AND: [{ name: { gte: "n-", lt: "n-\u{10FFFF}" } }, afterKeyset("name", "asc", after)],
          },
          orderBy: keysetOrder("name", "asc"),
          take: 3,
          select: { id: true, name: true },
        });
        const { page, nextCursor } = pageOf(rows, 2, (row) => row.name);
        ordered.push(...page.map((row) => row.name));
        const last = page.at(-1);
        if (!nextCursor || !last) break;
        after = { key: last.name, id: last.id };
      }
      orders[name] = ordered;
      const prefixed = await db.host.findMany({
        where: { name: { gte: "n-web", lt: "n-web\u{10FFFF}" } },
        orderBy: { name: "asc" },
        select: { name: true },
      });
      expect(prefixed.map((host) => host.name)).toEqual(["n-web10", "n-web2", "n-webZ"]);
    }
    expect(orders.sqlite).toEqual([
      "n-Web3",
      "n-Zulu",
      "n-_web",
      "n-alpha",
      "n-web10",
      "n-web2",
      "n-webZ",
    ]);
    expect(orders.postgresql).toEqual(orders.sqlite);
  });

  it("refuses a second host of the same name with P2002, which the services turn into CONFLICT", async () => {
    for (const [, db] of databases()) {
      await db.host.create({
        data: { name: "twin", hostname: "a", os: "linux", credentialHash: "h" },
      });
      const error = await db.host
        .create({ data: { name: "twin", hostname: "b", os: "linux", credentialHash: "h" } })
        .then(
          () => null,
          (caught: unknown) => caught,
        );
      expect(error).toMatchObject({ code: "P2002" });
      let mapped: unknown;
      try {
        rethrowUnique(error, "A host with that name exists");
      } catch (thrown) {
        mapped = thrown;
      }
      expect(mapped).toBeInstanceOf(AppError);
      expect(mapped).toMatchObject({ code: "CONFLICT" });
      expect(await db.host.count({ where: { name: "twin" } })).toBe(1);
    }
  });

  it("deletes a host's jobs, logs and backup sets with it, and keeps what only pointed at it, as on SQLite", async () => {
    const outcomes: Record<string, unknown> = {};
    for (const [name, db] of databases()) {
      const { host, repository } = await createUserHostRepository(db, "cascade");
      const set = await db.backupSet.create({
        data: { name: "documents", hostId: host.id, repositoryId: repository.id, options: "{}" },
      });
      const job = await db.job.create({
        data: {
          hostId: host.id,
          repositoryId: repository.id,
          backupSetId: set.id,
          kind: "backup",
          params: "{}",
          state: "succeeded",
          createdByType: "user",
        },
      });
      await db.jobLog.create({
        data: { jobId: job.id, at: new Date(), stream: "stdout", line: "ok" },
      });
      // A repository that still has a backup set cannot go (Restrict).
      const restricted = await db.repository.delete({ where: { id: repository.id } }).then(
        () => null,
        (caught: unknown) => (caught as { code?: string }).code,
      );

      await db.host.delete({ where: { id: host.id } });
      outcomes[name] = {
        restricted,
        jobs: await db.job.count({ where: { id: job.id } }),
        logs: await db.jobLog.count({ where: { jobId: job.id } }),
        sets: await db.backupSet.count({ where: { id: set.id } }),
        repository: await db.repository.findUnique({
          where: { id: repository.id },
          select: { name: true, maintenanceHostId: true },
        }),
      };
    }
    expect(outcomes.postgresql).toEqual({
      restricted: "P2003",
      jobs: 0,
      logs: 0,
      sets: 0,
      repository: { name: "repo-cascade", maintenanceHostId: null },
    });
    expect(outcomes.postgresql).toEqual(outcomes.sqlite);
  });

  it("gives dates back to the millisecond, whatever time zone a connection is in", async () => {
    const instants = [
      new Date("1970-01-01T00:00:00.000Z"),
      new Date("2026-03-29T01:30:00.999Z"), // the hour Europe's clocks skip
      new Date("2099-12-31T23:59:59.001Z"),
    ];
    const url = cluster.url("schema");
    const elsewhere = new PgPrismaClient({
      adapter: new PrismaPg({ connectionString: url, options: "-c timezone=Pacific/Chatham" }),
    });
    try {
      const [zone] = await elsewhere.$queryRawUnsafe<{ TimeZone: string }[]>("SHOW timezone");
      expect(zone?.TimeZone).toBe("Pacific/Chatham");
      for (const at of instants) {
        const before = Date.now();
        const written = await elsewhere.enrollmentToken.create({
          data: { id: `tok-${at.getTime()}`, secretHash: "h", expiresAt: at },
        });
        const read = await postgres.enrollmentToken.findUniqueOrThrow({
          where: { id: written.id },
        });
        expect(read.expiresAt.toISOString()).toBe(at.toISOString());
        // `@default(now())` is filled by Prisma in UTC, not by the session's local CURRENT_TIMESTAMP.
        expect(read.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
        expect(read.createdAt.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
        const back = await elsewhere.enrollmentToken.findFirstOrThrow({
          where: { expiresAt: { gte: at, lte: at } },
        });
        expect(back.id).toBe(written.id);
      }
      const sqliteToken = await sqlite.enrollmentToken.create({
        data: { id: "tok-sqlite", secretHash: "h", expiresAt: instants[1] as Date },
      });
      expect(sqliteToken.expiresAt.toISOString()).toBe(instants[1]?.toISOString());
    } finally {
      await elsewhere.$disconnect();
    }
  });
});
