import { mkdirSync } from "node:fs";
import path from "node:path";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { defineConfig } from "prisma/config";
import { loadDatabasePath } from "./apps/api/src/config";

// Prisma runs on its WebAssembly engine through the better-sqlite3 adapter: no native engine
// binary is downloaded or needed. The database path comes from the server's own configuration.
export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  async adapter() {
    const databasePath = loadDatabasePath();
    mkdirSync(path.dirname(databasePath), { recursive: true });
    return new PrismaBetterSQLite3({ url: `file:${databasePath}` });
  },
});
