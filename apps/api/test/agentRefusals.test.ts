import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { MANY_ADDRESSES, RefusalLog } from "../src/audit/refusals.js";
import { createWorld, type World } from "./support/world.js";

/** One refused agent socket: a malformed credential, or a 429 before the handshake. */
async function refusedConnection(world: World, forwardedFor?: string): Promise<"refused" | 429> {
  const ws = new WebSocket(
    `${world.server.url.replace("http", "ws")}/agent/ws?connectionParams=1`,
    {
      headers: forwardedFor ? { "x-forwarded-for": forwardedFor } : {},
    },
  );
  const outcome = await new Promise<"open" | 429>((resolve, reject) => {
    ws.once("open", () => resolve("open"));
    ws.once("unexpected-response", (_req, res) =>
      res.statusCode === 429 ? resolve(429) : reject(new Error(`HTTP ${res.statusCode}`)),
    );
    ws.once("error", reject);
  });
  if (outcome === 429) return 429;
  const closed = once(ws, "close");
  ws.send(JSON.stringify({ method: "connectionParams", data: { credential: "x", hello: "{}" } }));
  await closed;
  return "refused";
}

interface Details {
  reason: string;
  count: number;
}

async function refusalRows(world: World) {
  await world.server.deps.refusals.flush();
  const rows = await world.server.deps.db.auditEvent.findMany({
    where: { action: "host.connect_refused" },
  });
  return rows.map((row) => ({ ip: row.ip, ...(JSON.parse(row.details ?? "{}") as Details) }));
}

describe("refused agent connections", () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it("1,000 from one address leave a row per reason, counted, and the address is throttled", async () => {
    world = await createWorld();
    const outcomes: Array<"refused" | 429> = [];
    for (let batch = 0; batch < 20; batch++) {
      const refusals = Array.from({ length: 50 }, () => refusedConnection(world as World));
      outcomes.push(...(await Promise.all(refusals)));
    }
    // The throttle turned most of them away before the handshake.
    expect(outcomes.filter((o) => o === 429).length).toBeGreaterThan(900);

    const rows = await refusalRows(world);
    expect(rows.length).toBeLessThanOrEqual(2);
    expect(rows.map((row) => row.reason).sort()).toEqual([
      "the credential is malformed",
      "too many refused connections from this address",
    ]);
    expect(rows.reduce((sum, row) => sum + row.count, 0)).toBe(1000);
  });

  it("a flood from many addresses folds into one row per reason", async () => {
    world = await createWorld({ RM_TRUST_PROXY: "loopback" });
    for (let i = 0; i < 150; i++) await refusedConnection(world, `192.0.2.${i}`);
    const rows = await refusalRows(world);
    expect(rows.length).toBeLessThanOrEqual(61);
    const folded = rows.find((row) => row.ip === MANY_ADDRESSES);
    expect(folded?.count).toBe(150 - 60);
  });
});

describe("RefusalLog with a fake clock", () => {
  it("starts a new row when the window has passed", async () => {
    const w = await createWorld();
    try {
      let now = 1_000_000;
      const log = new RefusalLog({
        db: w.server.deps.db,
        logger: w.server.deps.logger,
        windowMs: 60_000,
        now: () => now,
      });
      const refusal = { action: "host.connect_refused" as const, ip: "192.0.2.1", reason: "bad" };
      for (let i = 0; i < 5; i++) await log.record(refusal);
      now += 60_000;
      await log.record(refusal);
      await log.close();
      const rows = await w.server.deps.db.auditEvent.findMany({
        where: { action: "host.connect_refused" },
        orderBy: { at: "asc" },
      });
      expect(rows.map((row) => (JSON.parse(row.details ?? "{}") as Details).count)).toEqual([5, 1]);
    } finally {
      await w.close();
    }
  });
});
