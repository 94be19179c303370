import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Client, codeOf, createWorld, errorOf, type World } from "./support/world.js";

describe("API tokens", () => {
  let world: World;
  let admin: Client;
  beforeEach(async () => {
    world = await createWorld();
    await world.addUser("alice", "admin");
    admin = await world.signIn("alice");
  });
  afterEach(() => world.close());

  it("are shown once, stored hashed, and work as a Bearer credential with their own role", async () => {
    const created = await admin.apiTokens.create.mutate({ name: "nightly report", role: "viewer" });
    expect(created.token).toMatch(/^rmt_[\w-]{12}_[\w-]{43}$/);

    const listed = await admin.apiTokens.list.query();
    expect(listed).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain(created.token.slice(-43));
    expect(listed[0]).not.toHaveProperty("secretHash");
    const row = await world.server.deps.db.apiToken.findUniqueOrThrow({
      where: { id: created.id },
    });
    expect(row.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.secretHash).not.toContain(created.token.slice(-43));

    const script = world.client({ bearer: created.token });
    expect(await script.auth.status.query()).toMatchObject({
      user: { username: "alice", role: "viewer" },
    });
    expect(await codeOf(script.auth.sessions.query())).toBe("FORBIDDEN"); // a person's page, not a script's
    // The token's role bounds it, not its creator's.
    expect(await codeOf(script.users.list.query())).toBe("FORBIDDEN");

    const adminToken = await admin.apiTokens.create.mutate({ name: "provisioning", role: "admin" });
    expect(await codeOf(world.client({ bearer: adminToken.token }).users.list.query())).toBe("OK");
    const used = await world.server.deps.db.apiToken.findUniqueOrThrow({
      where: { id: adminToken.id },
    });
    expect(used.lastUsedAt).not.toBeNull();
  });

  it("stop working when revoked, and the refusal is audited", async () => {
    const { id, token } = await admin.apiTokens.create.mutate({ name: "ci", role: "operator" });
    await admin.apiTokens.revoke.mutate({ id });
    const error = await errorOf(world.client({ bearer: token }).auth.sessions.query());
    expect(error.data?.code).toBe("UNAUTHORIZED");
    expect(error.message).toContain("revoked token");
    const rejected = await world.server.deps.db.auditEvent.findFirstOrThrow({
      where: { action: "token.rejected" },
    });
    expect(JSON.parse(rejected.details ?? "{}")).toMatchObject({ reason: "revoked token" });
    expect(JSON.stringify(rejected)).not.toContain(token);
  });

  it("stop working after their expiry", async () => {
    const { id, token } = await admin.apiTokens.create.mutate({
      name: "short-lived",
      role: "viewer",
      expiresInDays: 1,
    });
    expect(await codeOf(world.client({ bearer: token }).auth.sessions.query())).toBe("FORBIDDEN");
    await world.server.deps.db.apiToken.update({
      where: { id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const error = await errorOf(world.client({ bearer: token }).audit.list.query({}));
    expect(error.data?.code).toBe("UNAUTHORIZED");
    expect(error.message).toContain("expired token");
  });

  it("refuse malformed, unknown and guessed tokens", async () => {
    const { token } = await admin.apiTokens.create.mutate({ name: "real", role: "admin" });
    const guessed = `${token.slice(0, -4)}AAAA`;
    for (const bearer of ["nonsense", `rmt_${"x".repeat(12)}_${"y".repeat(43)}`, guessed]) {
      expect(await codeOf(world.client({ bearer }).users.list.query())).toBe("UNAUTHORIZED");
    }
    expect(
      await world.server.deps.db.auditEvent.count({ where: { action: "token.rejected" } }),
    ).toBe(3);
  });

  it("validate their input and record creation and revocation", async () => {
    const bad = await errorOf(
      admin.apiTokens.create.mutate({ name: "", role: "viewer", expiresInDays: 0 }),
    );
    expect(bad.data?.code).toBe("BAD_REQUEST");
    expect(await world.server.deps.db.apiToken.count()).toBe(0);

    const { id } = await admin.apiTokens.create.mutate({ name: "backup-script", role: "operator" });
    await admin.apiTokens.revoke.mutate({ id });
    const { items } = await admin.audit.list.query({ target: "backup-script" });
    expect(items.map((e) => [e.action, e.actorName])).toEqual([
      ["token.revoked", "alice"],
      ["token.created", "alice"],
    ]);
  });
});
