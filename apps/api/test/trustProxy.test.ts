import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { createWorld, PASSWORD, type World } from "./support/world.js";

/** A sign-in as a browser behind a proxy would send it: the proxy adds X-Forwarded-For. */
async function loginVia(world: World, forwardedFor: string, username: string, password: string) {
  const response = await fetch(`${world.server.url}/trpc/auth.login`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor },
    body: JSON.stringify({ json: { username, password } }),
  });
  return response.status;
}

async function refusedAgentSocket(world: World, forwardedFor: string) {
  const ws = new WebSocket(
    `${world.server.url.replace("http", "ws")}/agent/ws?connectionParams=1`,
    {
      headers: { "x-forwarded-for": forwardedFor },
    },
  );
  await once(ws, "open");
  const closed = once(ws, "close");
  ws.send(JSON.stringify({ method: "connectionParams", data: { credential: "x", hello: "{}" } }));
  await closed;
}

async function auditAddresses(world: World, action: string) {
  const rows = await world.server.deps.db.auditEvent.findMany({ where: { action } });
  return [...new Set(rows.map((row) => row.ip))];
}

describe("client addresses behind a reverse proxy", () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it("without RM_TRUST_PROXY, X-Forwarded-For is ignored: the throttle and the audit log see the socket", async () => {
    world = await createWorld();
    await world.addUser("carol", "viewer");
    for (let i = 0; i < 21; i++) {
      expect(await loginVia(world, "203.0.113.7", `nobody${i}`, "wrong")).toBe(401);
    }
    // Another "client" by the header is the same socket address, so it is locked out too.
    expect(await loginVia(world, "198.51.100.9", "carol", PASSWORD)).toBe(429);
    const addresses = await auditAddresses(world, "auth.login_failed");
    expect(addresses).toHaveLength(1);
    expect(addresses[0]).toMatch(/127\.0\.0\.1$/);

    await refusedAgentSocket(world, "203.0.113.7");
    expect(await auditAddresses(world, "host.connect_refused")).toEqual(addresses);
  });

  it("with RM_TRUST_PROXY, the throttle and the audit log see the client the proxy names", async () => {
    world = await createWorld({ RM_TRUST_PROXY: "loopback" });
    await world.addUser("carol", "viewer");
    for (let i = 0; i < 21; i++) {
      expect(await loginVia(world, "203.0.113.7", `nobody${i}`, "wrong")).toBe(401);
    }
    expect(await loginVia(world, "203.0.113.7", "carol", PASSWORD)).toBe(429);
    // Everyone else behind the same proxy still signs in.
    expect(await loginVia(world, "198.51.100.9", "carol", PASSWORD)).toBe(200);
    expect(await auditAddresses(world, "auth.login_failed")).toEqual(["203.0.113.7"]);
    expect(await auditAddresses(world, "auth.login")).toEqual(["198.51.100.9"]);

    // A client cannot pass itself off as someone else: only the hop the proxy added counts.
    await refusedAgentSocket(world, "10.9.9.9, 192.0.2.44");
    expect(await auditAddresses(world, "host.connect_refused")).toEqual(["192.0.2.44"]);
  });
});
