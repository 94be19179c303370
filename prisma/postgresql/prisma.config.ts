import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { defineConfig } from "prisma/config";

// The Prisma CLI on PostgreSQL (`--config prisma/postgresql/prisma.config.ts`), on the
// WebAssembly engine through the pg adapter, as prisma.config.ts does for SQLite. The database is
// RM_DATABASE_URL (postgresql://…).
//
// Prisma 6.19's schema engine reads PostgreSQL's catalogs, whose `name` and `"char"` columns the
// pg adapter does not map (it fails with "Column type 'name' could not be deserialized"): the
// client below reports them as text, which is what they hold.
const CATALOG_TEXT_TYPES: Record<number, number> = { 18: 25, 19: 25, 1002: 1009, 1003: 1009 };

type Result = { fields?: { dataTypeID: number }[] };

function asText<T>(result: T): T {
  for (const field of (result as Result)?.fields ?? []) {
    field.dataTypeID = CATALOG_TEXT_TYPES[field.dataTypeID] ?? field.dataTypeID;
  }
  return result;
}

class CatalogAsTextClient extends pg.Client {
  // biome-ignore lint/suspicious/noExplicitAny: pg's query has a dozen overloads; this passes them through
  override query(...args: any[]): any {
    const last = args.at(-1);
    if (typeof last === "function") {
      args[args.length - 1] = (error: Error | null, result: unknown) =>
        last(error, error ? result : asText(result));
      return (super.query as (...a: unknown[]) => unknown)(...args);
    }
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    return result instanceof Promise ? result.then(asText) : result;
  }
}

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "schema.prisma",
  migrations: { path: "migrations" },
  async adapter() {
    const url = process.env.RM_DATABASE_URL;
    if (!url?.startsWith("postgres")) {
      throw new Error("RM_DATABASE_URL must be a postgresql:// URL for the PostgreSQL schema");
    }
    return new PrismaPg({ connectionString: url, Client: CatalogAsTextClient });
  },
});
