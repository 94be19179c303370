#!/usr/bin/env node
// Makes a new migration from prisma/schema.prisma, or checks that the schemas and the migrations
// agree. prisma/schema.prisma (SQLite) is the one set of models; the PostgreSQL schema is made
// from it here, never edited by hand.
//
//   node scripts/db-migration.mjs new <name>   write prisma/migrations/<stamp>_<name>/migration.sql,
//                                              regenerate prisma/postgresql/schema.prisma and write
//                                              prisma/postgresql/migrations/<stamp>_<name>/migration.sql
//   node scripts/db-migration.mjs postgres     regenerate prisma/postgresql/schema.prisma only
//   node scripts/db-migration.mjs check        exit 1 when anything drifts:
//                                              - schema.prisma vs prisma/migrations (SQLite);
//                                              - prisma/postgresql/schema.prisma vs what this script
//                                                makes of schema.prisma;
//                                              - prisma/postgresql/migrations vs that schema, applied
//                                                to a throwaway PostgreSQL cluster
//                                              (--schema <file> checks another SQLite schema file,
//                                              --postgres <dir> another schema.prisma + migrations/)
//
// `prisma migrate dev` needs a shadow database that the WebAssembly engine cannot make on SQLite,
// so the migrations are deployed into a scratch database, introspected, and diffed against the
// schema. A new PostgreSQL migration is the diff from the committed PostgreSQL schema (which the
// check proves is what its migrations make) to the regenerated one, so `new` needs no PostgreSQL.
//
// How the types of schema.prisma become PostgreSQL's, on purpose:
// - DateTime: SQLite has no date type; Prisma stores ISO-8601 text there. PostgreSQL gets
//   timestamp(3) without time zone (Prisma's default), holding UTC: Prisma writes and reads UTC
//   whatever the session's TimeZone, and fills `@default(now())` and `@updatedAt` itself. Raw SQL
//   must bind Date values (not ISO strings) and never rely on the column default in a non-UTC
//   session (CURRENT_TIMESTAMP is local time there).
// - JSON: kept as String (text on both) with the JSON written by the code, so one model and one
//   code path serve both; no Json type and no jsonb operators.
// - Int: 32 bits in Prisma on both (SQLite's INTEGER is 64-bit but Prisma checks Int as int32);
//   PostgreSQL integer, and `@id @default(autoincrement())` becomes a SERIAL (int4) sequence.
//   No BigInt field exists: a column that may pass 2^31 must become BigInt in schema.prisma.
// - Float: REAL (8 bytes) on SQLite, double precision on PostgreSQL: the same IEEE double.
// - Boolean: 0/1 integers on SQLite, boolean on PostgreSQL. Prisma maps both; raw SQL must bind
//   true/false (PostgreSQL does not compare boolean with 1).
// - Text comparison: `=` is case-sensitive on both. LIKE is not: SQLite's LIKE ignores ASCII case,
//   PostgreSQL's does not (ILIKE does). Prisma's `contains`/`startsWith` turn into LIKE, so they
//   would differ; the code keeps prefix searches as index ranges (`>=`/`<`) instead. Ordering of
//   text is by byte on SQLite; a PostgreSQL database must use the C collation (`initdb
//   --no-locale`, or `CREATE DATABASE … LC_COLLATE 'C'`) to sort names and keyset cursors alike.
// Any other scalar type, a native type attribute (`@db.…`) or an enum stops the script: each needs
// a decision written here before it reaches both databases.
import { execFile } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { startPostgresCluster } from "./postgres-cluster.mjs";

const root = path.resolve(import.meta.dirname, "..");
const migrationsDir = path.join(root, "prisma", "migrations");
/** The value after `--name` on the command line, as an absolute path; `fallback` without it. */
function pathFlag(name, fallback) {
  const at = process.argv.indexOf(name);
  return at > 0 ? path.resolve(process.argv[at + 1] ?? "") : fallback;
}

const schema = pathFlag("--schema", path.join(root, "prisma", "schema.prisma"));
const postgresDir = pathFlag("--postgres", path.join(root, "prisma", "postgresql"));
const postgresSchema = path.join(postgresDir, "schema.prisma");
const postgresMigrationsDir = path.join(postgresDir, "migrations");
// The CLI's configuration (the pg adapter) is the repository's whichever schema is checked.
const postgresConfig = path.join(root, "prisma", "postgresql", "prisma.config.ts");
const shown = (file) => path.relative(root, file);

const run = promisify(execFile);

/** Runs the Prisma CLI and gives its standard output (the two databases' checks run at once). */
async function prisma(args, env) {
  const { stdout } = await run(path.join(root, "node_modules", ".bin", "prisma"), args, {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

function migrationNames(dir) {
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((d) => /^\d/.test(d))
        .sort()
    : [];
}

function hasMigrations(dir) {
  return migrationNames(dir).length > 0;
}

/** A schema as `db pull --print` gives it; Prisma prints a warning about the adapter first. */
function pulledSchema(output) {
  return output.slice(output.search(/^(generator|datasource|model) /m));
}

/** The SQL that takes the migrated SQLite database to schema.prisma; empty when they agree. */
async function pendingSql() {
  if (!hasMigrations(migrationsDir)) {
    return prisma(["migrate", "diff", "--from-empty", "--to-schema-datamodel", schema, "--script"]);
  }
  const scratch = mkdtempSync(path.join(tmpdir(), "rm-migrate-"));
  try {
    const env = { RM_DATABASE_PATH: path.join(scratch, "scratch.db") };
    await prisma(["migrate", "deploy"], env);
    const current = path.join(scratch, "current.prisma");
    writeFileSync(current, pulledSchema(await prisma(["db", "pull", "--print"], env)));
    return await diff(current, schema);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function diff(from, to) {
  return prisma([
    "migrate",
    "diff",
    ...(from ? ["--from-schema-datamodel", from] : ["--from-empty"]),
    "--to-schema-datamodel",
    to,
    "--script",
  ]);
}

const SCALARS = new Set(["String", "Int", "Float", "Boolean", "DateTime"]);

/**
 * The PostgreSQL schema for a SQLite one: the same models, another datasource and client output.
 * Fails on anything whose meaning would differ between the two without a decision (see above).
 */
function postgresSchemaFrom(sqlite) {
  const models = new Set([...sqlite.matchAll(/^model (\w+) \{/gm)].map((m) => m[1]));
  const problems = [];
  if (/^enum /m.test(sqlite))
    problems.push("an enum (SQLite has none; PostgreSQL would make a type)");
  for (const block of sqlite.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)) {
    for (const line of block[2].split("\n")) {
      const field = /^\s+(\w+)\s+(\w+)(\?|\[\])?(.*)$/.exec(line.replace(/\/\/.*$/, ""));
      if (!field) continue;
      const [, name, type, , rest] = field;
      if (!SCALARS.has(type) && !models.has(type))
        problems.push(`${block[1]}.${name}: type ${type}`);
      if (/@db\./.test(rest)) problems.push(`${block[1]}.${name}: native type ${rest.trim()}`);
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `schema.prisma uses what scripts/db-migration.mjs does not map to PostgreSQL yet:\n  ${problems.join("\n  ")}\nDecide how it maps, write it in the script's header, then handle it there.`,
    );
  }
  const generator = /^generator client \{[\s\S]*?^\}/m;
  const datasource = /^datasource db \{[\s\S]*?^\}/m;
  if (!generator.test(sqlite) || !datasource.test(sqlite)) {
    throw new Error("schema.prisma has no `generator client` or `datasource db` block");
  }
  const body = sqlite
    .replace(/^(\/\/[^\n]*\n)+\n?/, "")
    .replace(generator, (block) =>
      block.replace(/output(\s+)= "[^"]*"/, 'output$1= "../../apps/api/src/generated/prisma-pg"'),
    )
    .replace(
      datasource,
      [
        "datasource db {",
        '  provider = "postgresql"',
        '  url      = "postgresql://unused" // not used: the server opens the database through @prisma/adapter-pg',
        "}",
      ].join("\n"),
    );
  return `// Generated by scripts/db-migration.mjs from prisma/schema.prisma: do not edit.\n// Change prisma/schema.prisma, then \`pnpm db:new-migration <name>\`.\n\n${body}`;
}

function generatedPostgresSchema() {
  return postgresSchemaFrom(readFileSync(schema, "utf8"));
}

/**
 * The SQL that takes a PostgreSQL database with every migration of prisma/postgresql/migrations
 * applied to `target` (a schema file); empty when they agree. Needs PostgreSQL's binaries.
 */
async function pendingPostgresSql(target) {
  if (!hasMigrations(postgresMigrationsDir)) return diff(null, target);
  const cluster = await startPostgresCluster();
  const scratch = mkdtempSync(path.join(tmpdir(), "rm-migrate-pg-"));
  try {
    const env = { RM_DATABASE_URL: await cluster.createDatabase("drift") };
    // Applied as apps/api/src/postgresMigrations.ts applies them (each file in one transaction,
    // in name order); psql is quicker than `prisma migrate deploy`, which also works.
    for (const migration of migrationNames(postgresMigrationsDir)) {
      cluster.psql(env.RM_DATABASE_URL, [
        "--single-transaction",
        "-f",
        path.join(postgresMigrationsDir, migration, "migration.sql"),
      ]);
    }
    const current = path.join(scratch, "current.prisma");
    writeFileSync(
      current,
      pulledSchema(await prisma(["db", "pull", "--print", "--config", postgresConfig], env)),
    );
    return await diff(current, target);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    await cluster.stop();
  }
}

function isEmpty(sql) {
  return sql.split("\n").every((line) => line.trim() === "" || line.startsWith("--"));
}

function writeMigration(dir, provider, name, sql) {
  const target = path.join(dir, name);
  mkdirSync(target, { recursive: true });
  writeFileSync(path.join(target, "migration.sql"), sql);
  const lock = path.join(dir, "migration_lock.toml");
  if (!existsSync(lock)) writeFileSync(lock, `provider = "${provider}"\n`);
  console.log(`wrote ${path.relative(root, target)}/migration.sql`);
}

/** Regenerates the PostgreSQL schema and writes the migration from the committed one to it. */
async function newPostgresMigration(name) {
  const next = generatedPostgresSchema();
  const previous = existsSync(postgresSchema) ? readFileSync(postgresSchema, "utf8") : null;
  const scratch = mkdtempSync(path.join(tmpdir(), "rm-migrate-pg-"));
  try {
    const from = previous === null ? null : path.join(scratch, "previous.prisma");
    if (from) writeFileSync(from, previous);
    const to = path.join(scratch, "next.prisma");
    writeFileSync(to, next);
    const sql = await diff(hasMigrations(postgresMigrationsDir) ? from : null, to);
    mkdirSync(postgresDir, { recursive: true });
    writeFileSync(postgresSchema, next);
    if (isEmpty(sql)) return console.log("prisma/postgresql/migrations already agree");
    writeMigration(postgresMigrationsDir, "postgresql", name, sql);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** What is wrong between the PostgreSQL schema, what schema.prisma makes, and its migrations. */
async function postgresProblems() {
  const problems = [];
  const scratch = mkdtempSync(path.join(tmpdir(), "rm-drift-pg-"));
  try {
    const generated = path.join(scratch, "schema.prisma");
    writeFileSync(generated, generatedPostgresSchema());
    if (!existsSync(postgresSchema)) {
      problems.push(`${shown(postgresSchema)} is missing`);
    } else if (readFileSync(postgresSchema, "utf8") !== readFileSync(generated, "utf8")) {
      problems.push(
        `${shown(postgresSchema)} is not what schema.prisma makes; the difference is:\n\n${await diff(postgresSchema, generated)}`,
      );
    }
    const sql = await pendingPostgresSql(existsSync(postgresSchema) ? postgresSchema : generated);
    if (!isEmpty(sql)) {
      problems.push(
        `${shown(postgresSchema)} and ${shown(postgresMigrationsDir)} disagree; the missing migration is:\n\n${sql}`,
      );
    }
    return problems;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function check() {
  const [sql, postgres] = await Promise.all([pendingSql(), postgresProblems()]);
  const problems = isEmpty(sql)
    ? postgres
    : [
        `schema.prisma and prisma/migrations disagree; the missing migration is:\n\n${sql}`,
        ...postgres,
      ];
  if (problems.length > 0) {
    for (const problem of problems) console.error(`${problem}\n`);
    console.error("Run `pnpm db:new-migration <name>` and commit the result.");
    process.exit(1);
  }
  console.log("schema.prisma, the PostgreSQL schema and both sets of migrations agree");
}

const [command, name] = process.argv.slice(2);
if (command === "check") {
  await check();
} else if (command === "postgres") {
  mkdirSync(postgresDir, { recursive: true });
  writeFileSync(postgresSchema, generatedPostgresSchema());
  console.log(`wrote ${path.relative(root, postgresSchema)}`);
} else if (command === "new" && name && /^[a-z0-9_]+$/.test(name)) {
  const sql = await pendingSql();
  const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  if (isEmpty(sql)) {
    console.log("schema.prisma and prisma/migrations already agree");
  } else {
    writeMigration(migrationsDir, "sqlite", `${stamp}_${name}`, sql);
  }
  await newPostgresMigration(`${stamp}_${name}`);
} else {
  console.error("usage: db-migration.mjs new <name_in_snake_case> | postgres | check");
  process.exit(2);
}
