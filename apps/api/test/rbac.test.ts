import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, codeOf, createWorld, errorOf, type World } from "./support/world.js";

/** One call per gate, each harmless when allowed. */
const calls: Record<string, (c: Client) => Promise<unknown>> = {
  "auth.sessions (viewer)": (c) => c.auth.sessions.query(),
  "users.list (admin)": (c) => c.users.list.query(),
  "apiTokens.list (admin)": (c) => c.apiTokens.list.query(),
  "audit.list (admin)": (c) => c.audit.list.query({}),
};

const expected: Record<string, Record<string, string>> = {
  anonymous: {
    "auth.sessions (viewer)": "UNAUTHORIZED",
    "users.list (admin)": "UNAUTHORIZED",
    "apiTokens.list (admin)": "UNAUTHORIZED",
    "audit.list (admin)": "UNAUTHORIZED",
  },
  viewer: {
    "auth.sessions (viewer)": "OK",
    "users.list (admin)": "FORBIDDEN",
    "apiTokens.list (admin)": "FORBIDDEN",
    "audit.list (admin)": "FORBIDDEN",
  },
  operator: {
    "auth.sessions (viewer)": "OK",
    "users.list (admin)": "FORBIDDEN",
    "apiTokens.list (admin)": "FORBIDDEN",
    "audit.list (admin)": "FORBIDDEN",
  },
  admin: {
    "auth.sessions (viewer)": "OK",
    "users.list (admin)": "OK",
    "apiTokens.list (admin)": "OK",
    "audit.list (admin)": "OK",
  },
};

describe("roles enforced in middleware", () => {
  let world: World;
  const clients: Record<string, Client> = {};
  beforeAll(async () => {
    world = await createWorld();
    for (const role of ["viewer", "operator", "admin"] as const) {
      await world.addUser(role, role);
      clients[role] = await world.signIn(role);
    }
    clients.anonymous = world.client();
  });
  afterAll(() => world.close());

  for (const [who, row] of Object.entries(expected)) {
    it(`${who}: ${Object.values(row).join(", ")}`, async () => {
      const client = clients[who];
      if (!client) throw new Error(`no client for ${who}`);
      const actual: Record<string, string> = {};
      for (const [name, call] of Object.entries(calls)) actual[name] = await codeOf(call(client));
      expect(actual).toEqual(row);
    });
  }

  it("a refused call writes nothing and is in the audit log", async () => {
    const viewer = clients.viewer;
    if (!viewer) throw new Error("no viewer");
    const before = await world.server.deps.db.user.count();
    const error = await errorOf(
      viewer.users.create.mutate({
        username: "sneaky",
        password: "a long enough password",
        role: "admin",
      }),
    );
    expect(error.data?.code).toBe("FORBIDDEN");
    expect(error.message).toMatch(/admin role/);
    expect(await world.server.deps.db.user.count()).toBe(before);
    const denial = await world.server.deps.db.auditEvent.findFirst({
      where: { action: "auth.access_denied", actorName: "viewer" },
      orderBy: { at: "desc" },
    });
    expect(denial?.outcome).toBe("failure");
    expect(JSON.parse(denial?.details ?? "{}")).toMatchObject({ procedure: "users.create" });
  });

  it("an admin manages users, and the last admin cannot be removed or demoted", async () => {
    const admin = clients.admin;
    if (!admin) throw new Error("no admin");
    const created = await admin.users.create.mutate({
      username: "dave",
      password: "a long enough password",
      role: "viewer",
    });
    expect(
      await codeOf(
        admin.users.create.mutate({
          username: "dave",
          password: "a long enough password",
          role: "viewer",
        }),
      ),
    ).toBe("CONFLICT");
    await admin.users.update.mutate({ id: created.id, role: "operator" });
    const listed = (await admin.users.list.query()).find((u) => u.username === "dave");
    expect(listed).toMatchObject({ role: "operator", disabled: false });
    expect(JSON.stringify(listed)).not.toMatch(/argon2|passwordHash/);

    const self = (await admin.users.list.query()).find((u) => u.username === "admin");
    if (!self) throw new Error("admin missing");
    expect(await codeOf(admin.users.update.mutate({ id: self.id, role: "viewer" }))).toBe(
      "BAD_REQUEST",
    );
    expect(await codeOf(admin.users.remove.mutate({ id: self.id }))).toBe("BAD_REQUEST");
    expect(await codeOf(admin.users.update.mutate({ id: "no-such-user", role: "viewer" }))).toBe(
      "NOT_FOUND",
    );

    await admin.users.remove.mutate({ id: created.id });
    expect((await admin.users.list.query()).some((u) => u.username === "dave")).toBe(false);
    const actions = (await admin.audit.list.query({ target: "dave" })).items.map((e) => e.action);
    expect(actions).toEqual(["user.deleted", "user.updated", "user.created"]);
  });
});
