import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../../src/generated/prisma-pg/client.js";
import { applyPostgresMigrations } from "../../src/postgresMigrations.js";

export {
  type PostgresCluster,
  startPostgresCluster,
} from "../../../../scripts/postgres-cluster.mjs";

import type { PostgresCluster } from "../../../../scripts/postgres-cluster.mjs";

export const POSTGRES_MIGRATIONS = path.resolve(
  import.meta.dirname,
  "../../../../prisma/postgresql/migrations",
);

export type PgDb = PrismaClient;

/**
 * A new database on `cluster` with every PostgreSQL migration applied the way a server applies
 * them on start, and a Prisma client on it through the pg adapter.
 */
export async function openMigratedPostgres(
  cluster: PostgresCluster,
  name: string,
): Promise<{ url: string; db: PgDb }> {
  const url = await cluster.createDatabase(name);
  await applyPostgresMigrations(url, POSTGRES_MIGRATIONS);
  return { url, db: new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) }) };
}
