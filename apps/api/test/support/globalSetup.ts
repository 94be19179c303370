import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** A database with every migration applied; each test copies it instead of migrating. */
    templateDatabase: string;
  }
}

const root = path.resolve(import.meta.dirname, "../../../..");

export function setup(project: TestProject) {
  const dir = mkdtempSync(path.join(tmpdir(), "rm-template-"));
  const databasePath = path.join(dir, "template.db");
  execFileSync(path.join(root, "node_modules/.bin/prisma"), ["migrate", "deploy"], {
    cwd: root,
    env: { ...process.env, RM_DATABASE_PATH: databasePath },
    stdio: "pipe",
  });
  project.provide("templateDatabase", databasePath);
  return () => rmSync(dir, { recursive: true, force: true });
}
