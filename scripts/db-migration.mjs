#!/usr/bin/env node
// Makes a new migration from prisma/schema.prisma, or checks that the two agree.
//
//   node scripts/db-migration.mjs new <name>   write prisma/migrations/<stamp>_<name>/migration.sql
//   node scripts/db-migration.mjs check        exit 1 when schema.prisma and the migrations drift
//                                              (--schema <file> checks another schema file)
//
// `prisma migrate dev` needs a shadow database that the WebAssembly engine cannot make on SQLite,
// so the migrations are deployed into a scratch database, introspected, and diffed against
// schema.prisma.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const migrationsDir = path.join(root, "prisma", "migrations");
const schemaFlag = process.argv.indexOf("--schema");
const schema =
  schemaFlag > 0
    ? path.resolve(process.argv[schemaFlag + 1] ?? "")
    : path.join(root, "prisma", "schema.prisma");

function prisma(args, env) {
  return execFileSync(path.join(root, "node_modules", ".bin", "prisma"), args, {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function hasMigrations() {
  return existsSync(migrationsDir) && readdirSync(migrationsDir).some((d) => /^\d/.test(d));
}

/** The SQL that takes the migrated database to schema.prisma; empty when they agree. */
function pendingSql() {
  if (!hasMigrations()) {
    return prisma(["migrate", "diff", "--from-empty", "--to-schema-datamodel", schema, "--script"]);
  }
  const scratch = mkdtempSync(path.join(tmpdir(), "rm-migrate-"));
  try {
    const env = { RM_DATABASE_PATH: path.join(scratch, "scratch.db") };
    prisma(["migrate", "deploy"], env);
    const current = path.join(scratch, "current.prisma");
    // Prisma prints a warning about the adapter before the schema itself.
    const pulled = prisma(["db", "pull", "--print"], env);
    writeFileSync(current, pulled.slice(pulled.search(/^(generator|datasource|model) /m)));
    return prisma([
      "migrate",
      "diff",
      "--from-schema-datamodel",
      current,
      "--to-schema-datamodel",
      schema,
      "--script",
    ]);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function isEmpty(sql) {
  return sql.split("\n").every((line) => line.trim() === "" || line.startsWith("--"));
}

const [command, name] = process.argv.slice(2);
if (command === "check") {
  const sql = pendingSql();
  if (!isEmpty(sql)) {
    console.error("schema.prisma and prisma/migrations disagree; the missing migration is:\n");
    console.error(sql);
    console.error("Run `pnpm db:new-migration <name>` and commit the result.");
    process.exit(1);
  }
  console.log("schema.prisma and prisma/migrations agree");
} else if (command === "new" && name && /^[a-z0-9_]+$/.test(name)) {
  const sql = pendingSql();
  if (isEmpty(sql)) {
    console.log("schema.prisma and prisma/migrations already agree: nothing to do");
    process.exit(0);
  }
  const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  const dir = path.join(migrationsDir, `${stamp}_${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "migration.sql"), sql);
  const lock = path.join(migrationsDir, "migration_lock.toml");
  if (!existsSync(lock)) writeFileSync(lock, 'provider = "sqlite"\n');
  console.log(`wrote ${path.relative(root, dir)}/migration.sql`);
} else {
  console.error("usage: db-migration.mjs new <name_in_snake_case> | check");
  process.exit(2);
}
