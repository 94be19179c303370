import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Client, codeOf, createWorld, PASSWORD, type World } from "./support/world.js";

/** A raw tRPC call over HTTP, as a script or an attacker would send it. */
async function call(world: World, procedure: string, input: unknown, headers = {}) {
  return fetch(`${world.server.url}/trpc/${procedure}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ json: input }),
  });
}

/** A raw tRPC query over HTTP (GET). */
async function query(world: World, procedure: string, headers = {}) {
  return fetch(`${world.server.url}/trpc/${procedure}`, { headers });
}

/** Audit rows of an action, with the count each one aggregates (after writing the counts). */
async function aggregated(world: World, actions: string[]) {
  await world.server.deps.refusals.flush();
  const rows = await world.server.deps.db.auditEvent.findMany({
    where: { action: { in: actions } },
  });
  const counts = rows.map((row) => (JSON.parse(row.details ?? "{}") as { count: number }).count);
  return { rows: rows.length, attempts: counts.reduce((sum, count) => sum + count, 0) };
}

describe("credentials under attack", () => {
  let world: World;
  let admin: Client;
  beforeEach(async () => {
    world = await createWorld();
    await world.addUser("alice", "admin");
    admin = await world.signIn("alice");
  });
  afterEach(() => world.close());

  it("an API token never acts above its owner's current role", async () => {
    const bob = await world.addUser("bob", "admin");
    const bobSession = await world.signIn("bob");
    const { id, token } = await bobSession.apiTokens.create.mutate({ name: "ci", role: "admin" });
    const script = world.client({ bearer: token });
    expect(await codeOf(script.users.list.query())).toBe("OK");

    await admin.users.update.mutate({ id: bob.id, role: "viewer" });
    expect(await codeOf(script.users.list.query())).toBe("FORBIDDEN");
    expect(
      await codeOf(script.jobs.create.mutate({ hostId: "x", params: { kind: "version" } })),
    ).toBe("FORBIDDEN");
    expect(await codeOf(script.hosts.list.query())).toBe("OK");
    const listed = (await admin.apiTokens.list.query()).find((t) => t.id === id);
    expect(listed).toMatchObject({ role: "viewer", grantedRole: "admin", ownerDisabled: false });

    await admin.users.update.mutate({ id: bob.id, disabled: true });
    expect(await codeOf(script.hosts.list.query())).toBe("UNAUTHORIZED");
  });

  it("a batch of sign-ins is refused whole, and parallel sign-ins each meet the throttle", async () => {
    const batch = Array.from({ length: 30 }, (_, i) => ({
      json: { username: "alice", password: i === 29 ? PASSWORD : `wrong ${i}` },
    }));
    const batched = await fetch(
      `${world.server.url}/trpc/${Array(30).fill("auth.login").join(",")}?batch=1`,
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(Object.fromEntries(batch.map((input, i) => [i, input]))),
      },
    );
    expect(batched.status).toBe(400);
    expect(batched.headers.getSetCookie()).toEqual([]);

    const sessionsBefore = await world.server.deps.db.session.count();
    const parallel = await Promise.all(batch.map((input) => call(world, "auth.login", input.json)));
    expect(parallel.at(-1)?.status).toBe(429);
    expect(parallel.every((response) => response.headers.getSetCookie().length === 0)).toBe(true);
    expect(await world.server.deps.db.session.count()).toBe(sessionsBefore);
    // Every attempt was counted, in a few aggregated rows.
    const audited = await aggregated(world, ["auth.login_failed", "auth.login_throttled"]);
    expect(audited.attempts).toBe(30);
    expect(audited.rows).toBeLessThanOrEqual(3);
  });

  it("no request may carry more than 25 calls", async () => {
    const paths = Array(26).fill("auth.status").join(",");
    const response = await fetch(`${world.server.url}/trpc/${paths}?batch=1`);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("at most 25 calls");
  });

  it("10,000 unauthenticated failures from one address leave a bounded number of rows", async () => {
    const attempts: Array<() => Promise<Response>> = [];
    for (let i = 0; i < 2500; i++) {
      attempts.push(() => call(world, "auth.login", { username: `nobody${i}`, password: "x" }));
      attempts.push(() =>
        call(world, "agent.enroll", {
          token: `rme_${"a".repeat(12)}_${"b".repeat(43)}`,
          hostname: `intruder${i}`,
          os: "linux",
          arch: "x64",
          agentVersion: "1",
        }),
      );
      attempts.push(() => query(world, "hosts.list", { authorization: `Bearer rmt_${i}_forged` }));
      attempts.push(() => query(world, "hosts.list", { cookie: `rm_session=forged.${i}.cookie` }));
    }
    const statuses: number[] = [];
    for (let i = 0; i < attempts.length; i += 50) {
      const batch = await Promise.all(attempts.slice(i, i + 50).map((attempt) => attempt()));
      statuses.push(...batch.map((response) => response.status));
    }
    expect(statuses.every((status) => status >= 400)).toBe(true);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThan(2000);

    const audited = await aggregated(world, [
      "auth.login_failed",
      "auth.login_throttled",
      "host.enroll_refused",
      "token.rejected",
      "auth.cookie_rejected",
    ]);
    expect(audited.rows).toBeLessThanOrEqual(12);
    expect(audited.attempts).toBe(10_000);
    expect(await world.server.deps.db.auditEvent.count()).toBeLessThan(20);
  }, 180_000);

  it("a forged session cookie is audited like a forged token; an ended session is not", async () => {
    const forged = await query(world, "hosts.list", { cookie: "rm_session=forged" });
    expect(forged.status).toBe(401);
    const rows = await world.server.deps.db.auditEvent.findMany({
      where: { action: "auth.cookie_rejected" },
    });
    expect(rows.map((row) => JSON.parse(row.details ?? "{}").reason)).toEqual([
      "forged session cookie",
    ]);
    await admin.auth.logout.mutate();
    expect(await codeOf(admin.hosts.list.query())).toBe("UNAUTHORIZED");
    expect(
      await world.server.deps.db.auditEvent.count({ where: { action: "auth.cookie_rejected" } }),
    ).toBe(1);
  });

  it("account self-service needs a person signed in, not a token of theirs", async () => {
    const { token } = await admin.apiTokens.create.mutate({ name: "report", role: "viewer" });
    const adminToken = await admin.apiTokens.create.mutate({ name: "ops", role: "admin" });
    const viewer = world.client({ bearer: token });
    expect(await codeOf(viewer.auth.revokeAllSessions.mutate())).toBe("FORBIDDEN");
    expect(await codeOf(admin.hosts.list.query())).toBe("OK"); // still signed in
    const asAdmin = world.client({ bearer: adminToken.token });
    expect(await codeOf(asAdmin.apiTokens.create.mutate({ name: "more", role: "admin" }))).toBe(
      "FORBIDDEN",
    );
    expect(await codeOf(asAdmin.apiTokens.revoke.mutate({ id: adminToken.id }))).toBe("FORBIDDEN");
    expect(await world.server.deps.db.apiToken.count()).toBe(2);
  });
});
