import { configDefaults, defineConfig } from "vitest/config";

/**
 * `RM_TEST_DATABASE=postgresql` runs the API's suites again with every test server on
 * PostgreSQL (a throwaway cluster globalSetup starts). These are left out of that run: they
 * are about SQLite itself, start their own PostgreSQL, or touch no database.
 */
const onPostgres = process.env.RM_TEST_DATABASE === "postgresql";
const NOT_ON_POSTGRES_RUN = [
  "apps/api/test/activeJobs.test.ts",
  "apps/api/test/asyncQueue.test.ts",
  "apps/api/test/cli.test.ts",
  "apps/api/test/cluster*.test.ts",
  "apps/api/test/config.test.ts",
  "apps/api/test/dataDirLock.test.ts",
  "apps/api/test/docker*.test.ts",
  "apps/api/test/logger.test.ts",
  "apps/api/test/metricsPlans.test.ts",
  "apps/api/test/migrations.test.ts",
  "apps/api/test/nginxProxy.test.ts",
  "apps/api/test/postgresSchema.test.ts",
  "apps/api/test/queryPlans.test.ts",
  "apps/api/test/replicas.test.ts",
  "apps/api/test/serverBackups.test.ts",
];

export default defineConfig({
  test: {
    include: onPostgres
      ? ["apps/api/test/**/*.test.ts"]
      : ["apps/*/test/**/*.test.ts", "packages/*/test/**/*.test.ts"],
    exclude: onPostgres
      ? [...configDefaults.exclude, ...NOT_ON_POSTGRES_RUN]
      : configDefaults.exclude,
    globalSetup: ["apps/api/test/support/globalSetup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Tests spawn real processes (prisma, restic, servers): two cores, so two files at a time.
    maxWorkers: 2,
  },
});
