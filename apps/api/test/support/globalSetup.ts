import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startPostgresCluster } from "../../../../scripts/postgres-cluster.mjs";
import { applyPostgresMigrations } from "../../src/postgresMigrations.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** A database with every migration applied; each test copies it instead of migrating. */
    templateDatabase: string;
    /**
     * On a PostgreSQL run (RM_TEST_DATABASE=postgresql), the throwaway cluster's maintenance
     * database and a migrated template database each test's server copies; otherwise null.
     */
    postgresTemplate: { adminUrl: string; template: string } | null;
  }
}

const root = path.resolve(import.meta.dirname, "../../../..");
const TEMPLATE = "rm_template";

export async function setup(project: TestProject) {
  const dir = mkdtempSync(path.join(tmpdir(), "rm-template-"));
  const databasePath = path.join(dir, "template.db");
  execFileSync(path.join(root, "node_modules/.bin/prisma"), ["migrate", "deploy"], {
    cwd: root,
    env: { ...process.env, RM_DATABASE_PATH: databasePath },
    stdio: "pipe",
  });
  project.provide("templateDatabase", databasePath);
  if (process.env.RM_TEST_DATABASE !== "postgresql") {
    project.provide("postgresTemplate", null);
    return () => rmSync(dir, { recursive: true, force: true });
  }
  // Many servers at once, each with a small pool.
  const cluster = await startPostgresCluster({ settings: { max_connections: "400" } });
  const url = await cluster.createDatabase(TEMPLATE);
  await applyPostgresMigrations(url, path.join(root, "prisma/postgresql/migrations"));
  project.provide("postgresTemplate", { adminUrl: cluster.url("postgres"), template: TEMPLATE });
  return async () => {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
