import { afterEach, describe, expect, it } from "vitest";
import { createWorld, type World } from "./support/world.js";

/** SQLite's query plans for what /metrics asks (the PostgreSQL run leaves this file out). */
describe("/metrics on SQLite", () => {
  let world: World;
  afterEach(() => world.close());

  it("reads history through indexes: a set's last success walks the set's jobs newest first", async () => {
    world = await createWorld();
    const plan = async (sql: string) =>
      (
        await world.server.deps.db.$queryRawUnsafe<Array<{ detail: string }>>(
          `EXPLAIN QUERY PLAN ${sql}`,
        )
      )
        .map((row) => row.detail)
        .join("\n");
    // The statements Prisma sends for FleetMetrics' lookups, in SQL.
    expect(
      await plan(`SELECT finishedAt FROM Job WHERE backupSetId = 's'
        AND kind = 'backup' AND state = 'succeeded' ORDER BY createdAt DESC LIMIT 1`),
    ).toMatch(/SEARCH Job USING INDEX Job_backupSetId_createdAt_idx \(backupSetId=\?\)/);
    expect(
      await plan(`SELECT kind, state, COUNT(*) FROM Job
        WHERE state IN ('queued', 'dispatched', 'running') GROUP BY kind, state`),
    ).toMatch(/USING (COVERING )?INDEX Job_state_\w+ \(state=\?\)/);
    expect(
      await plan(`SELECT severity, state, COUNT(*) FROM Alert
        WHERE state IN ('raised', 'acknowledged') GROUP BY severity, state`),
    ).toMatch(/USING INDEX Alert_state_lastSeenAt_id_idx \(state=\?\)/);
    expect(
      await plan(`SELECT state, COUNT(*) FROM AlertDelivery
        WHERE state IN ('pending', 'held', 'sending') GROUP BY state`),
    ).toMatch(/USING (COVERING )?INDEX AlertDelivery_state_nextAttemptAt_idx \(state=\?\)/);
  });
});
